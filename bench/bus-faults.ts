// The cache bus under faults, against a real redis-server (the tests' own, test/support/redis.ts)
// and the tests' TCP proxy: a reconnect after a 5 s outage (how many entries are computed again),
// and the staleness oracle with the strict rule (no read that begins after drop() resolved returns
// an older value, in any member) run for `seconds` under each fault, again and again: members
// killed (SIGKILL) and started again, a member stopped (SIGSTOP) and continued, Redis killed and
// started again empty, a silent partition of a member. The members run dist/ (npm run build).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../src/cache/result-cache.js';
import { startRedis, type RedisServer } from '../test/support/redis.js';
import { startProxy } from '../test/support/tcp-proxy.js';

/** The lease of every cache here (ms): short, so that a minute holds many rounds of each fault. */
export const LEASE = 1000;
const KEYS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CLOCK_MONOTONIC in ms: one clock for every process on the machine. */
const wall = () => Number(process.hrtime.bigint()) / 1e6;
const dist = new URL('../../dist/src/cache/result-cache.js', import.meta.url).href; // from bench/tmp/
const dir = (name: string) => mkdtempSync(join(tmpdir(), `dcn-bench-${name}-`));

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(5);
  }
}

export interface Outage {
  readonly acks: 'applied' | 'published';
  readonly entries: number;
  readonly dropped: number;
  /** Entries computed again after the reconnect: those dropped meanwhile, and any other (which should be none). */
  readonly recomputedDropped: number;
  readonly recomputedOther: number;
  readonly caughtUp: boolean;
}

/**
 * A cache (through the proxy) holds `entries` entries; its link is cut (every connection closed,
 * new ones refused) for 5 s, during which another cache drops the first `dropped`; back, it reads
 * every entry: how many it computes.
 */
export async function outage(acks: 'applied' | 'published', entries = 1000, dropped = 100): Promise<Outage> {
  const redis = await startRedis();
  const proxy = await startProxy(redis.port);
  const channel = `dcn:bench-outage-${acks}`;
  const common = { channel, busLeaseMs: LEASE, sweepIntervalSeconds: 0, warningIntervalSeconds: 0 };
  const writer = new ResultCache({ dir: dir('outage-w'), bus: redis.url, busAcks: acks, ...common });
  const reader = new ResultCache({ dir: dir('outage-r'), bus: proxy.url, ...common });
  const told: string[] = [];
  writer.on('warning', () => undefined);
  reader.on('warning', (w: { message: string }) => void told.push(w.message));
  try {
    await Promise.all([writer.ready(), reader.ready()]);
    for (let i = 0; i < entries; i++) {
      await reader.call('getOrderFields', () => 'cached', i);
      // a hit or a store settles without a turn of the event loop: PING answers wait for one
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await until('both serving', () => reader.busState() === 'up' && writer.busState() === 'up');
    proxy.mode('refuse');
    const cut = performance.now();
    await until('the reader off the bus', () => reader.busState() !== 'up');
    for (let i = 0; i < dropped; i++) await writer.drop('getOrderFields', i);
    await sleep(Math.max(0, 5000 - (performance.now() - cut)));
    proxy.mode('pass');
    await until('the reader back', () => reader.busState() === 'up');
    let recomputedDropped = 0;
    let recomputedOther = 0;
    for (let i = 0; i < entries; i++) {
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      const { hit } = await reader.callWith('getOrderFields', {}, () => 'fresh', i);
      if (!hit && i < dropped) recomputedDropped++;
      if (!hit && i >= dropped) recomputedOther++;
    }
    return {
      acks,
      entries,
      dropped,
      recomputedDropped,
      recomputedOther,
      caughtUp: told.some((m) => /caught up from the log/.test(m)),
    };
  } finally {
    writer.close();
    reader.close();
    await proxy.close();
    await redis.stop();
  }
}

/** The "database": a version per key in files, and when each version's drop resolved, for every process. */
function database() {
  const root = dir('db');
  for (let k = 0; k < KEYS; k++) writeFileSync(join(root, `k${k}`), '0');
  writeFileSync(join(root, 'acked'), '');
  const committed = new Array<number>(KEYS).fill(0);
  return {
    root,
    committed,
    bump(k: number): number {
      const v = ++committed[k]!;
      writeFileSync(join(root, `k${k}.tmp`), String(v));
      renameSync(join(root, `k${k}.tmp`), join(root, `k${k}`)); // never seen half written
      return v;
    },
    acked(k: number, v: number): void {
      appendFileSync(join(root, 'acked'), `${k} ${v} ${wall()}\n`);
    },
  };
}

/**
 * The newest version of k whose drop resolved before t: read incrementally from the acked file
 * (each process keeps what it read so far, so a minute of drops costs each read only the new lines).
 */
const MUST_SEE = `((fs) => {
  let offset = 0, rest = '';
  const lines = [];
  return (root, k, t) => {
    const fd = fs.openSync(root + '/acked', 'r');
    const size = fs.fstatSync(fd).size;
    if (size > offset) {
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const text = rest + buf.toString('utf8');
      const parts = text.split('\\n');
      rest = parts.pop();
      for (const p of parts) lines.push(p.split(' ').map(Number));
    }
    fs.closeSync(fd);
    let must = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      const [key, v, at] = lines[i];
      if (key === k && at < t && v > must) must = v;
    }
    return must;
  };
})`;

interface Counts {
  reads: number;
  hits: number;
  stale: number;
}

/** A member in a process of its own, reading through its cache; tells its counts every 250 ms, and at once on a stale read. */
function member(url: string, channel: string, db: string, counts: Map<ChildProcess, Counts>): ChildProcess {
  const code = `
    const { ResultCache } = await import(${JSON.stringify(dist)});
    const fs = await import('node:fs');
    const { mkdtempSync, readFileSync } = fs;
    const mustSee = ${MUST_SEE}(fs);
    const cache = new ResultCache({ dir: mkdtempSync('/tmp/dcn-bench-member-'), bus: ${JSON.stringify(url)}, channel: ${JSON.stringify(channel)}, busLeaseMs: ${LEASE}, sweepIntervalSeconds: 0 });
    cache.on('warning', () => undefined);
    await cache.ready();
    const r = { reads: 0, hits: 0, stale: 0 };
    setInterval(() => process.send(r), 250);
    process.send('ready');
    for (;;) {
      const k = Math.floor(Math.random() * ${KEYS});
      const t0 = Number(process.hrtime.bigint()) / 1e6;
      const { value, hit } = await cache.callWith('getOrderFields', {}, () => Number(readFileSync(${JSON.stringify(db)} + '/k' + k, 'utf8')), k);
      r.reads++;
      if (hit) r.hits++;
      if (value < mustSee(${JSON.stringify(db)}, k, t0)) (r.stale++, process.send(r));
      await new Promise((res) => setTimeout(res, 1));
    }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m) => {
    if (typeof m === 'object') counts.set(child, m as Counts);
  });
  return child;
}

const started = (c: ChildProcess) => new Promise((r) => c.once('message', r));

export type Fault = 'SIGKILL of members' | 'SIGSTOP of a member' | 'Redis restarted' | 'silent partition';

export interface FaultRun {
  readonly fault: Fault;
  readonly seconds: number;
  readonly rounds: number;
  readonly drops: number;
  readonly failedDrops: number;
  readonly slowestDropMs: number;
  readonly reads: number;
  readonly hits: number;
  readonly stale: number;
}

/**
 * The strict oracle for `seconds` under one fault, made again and again: a writer in this process
 * (bumps a version, then awaits drop()), a reader in this process through the proxy, and two
 * members in processes of their own.
 */
export async function underFault(fault: Fault, seconds: number): Promise<FaultRun> {
  const redis: RedisServer = await startRedis();
  const proxy = await startProxy(redis.port);
  const db = database();
  const channel = `dcn:bench-fault-${Math.random()}`;
  const common = { channel, busLeaseMs: LEASE, sweepIntervalSeconds: 0, warningIntervalSeconds: 0 };
  const writer = new ResultCache({ dir: dir('w'), bus: redis.url, ...common });
  const reader = new ResultCache({ dir: dir('r'), bus: proxy.url, ...common });
  writer.on('warning', () => undefined);
  reader.on('warning', () => undefined);
  const counts = new Map<ChildProcess, Counts>();
  const members = [member(redis.url, channel, db.root, counts), member(redis.url, channel, db.root, counts)];
  const all = [...members];
  const report = { drops: 0, failedDrops: 0, slowestDropMs: 0, reads: 0, hits: 0, stale: 0 };
  let running = true;
  let rounds = 0;
  try {
    await Promise.all([writer.ready(), reader.ready(), ...members.map(started)]);
    const writing = (async () => {
      while (running) {
        const k = Math.floor(Math.random() * KEYS);
        const v = db.bump(k);
        const t0 = performance.now();
        try {
          await writer.drop('getOrderFields', k);
          db.acked(k, v);
          report.drops++;
        } catch {
          report.failedDrops++; // not acknowledged: nothing is promised
        }
        report.slowestDropMs = Math.max(report.slowestDropMs, performance.now() - t0);
        await sleep(3);
      }
    })();
    const mustSee = (
      new Function(`return ${MUST_SEE}`)() as (f: typeof fs) => (r: string, k: number, t: number) => number
    )(fs);
    const reading = (async () => {
      while (running) {
        const k = Math.floor(Math.random() * KEYS);
        const t0 = wall();
        const { value, hit } = await reader.callWith('getOrderFields', {}, () => db.committed[k]!, k);
        report.reads++;
        if (hit) report.hits++;
        if (value < mustSee(db.root, k, t0)) report.stale++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      rounds++;
      if (fault === 'SIGKILL of members') {
        const victim = members.shift()!;
        victim.kill('SIGKILL');
        const next = member(redis.url, channel, db.root, counts);
        all.push(next);
        members.push(next);
        await started(next);
        await sleep(1.5 * LEASE);
      } else if (fault === 'SIGSTOP of a member') {
        members[0]!.kill('SIGSTOP');
        await sleep(2 * LEASE);
        members[0]!.kill('SIGCONT');
        await sleep(2 * LEASE);
      } else if (fault === 'Redis restarted') {
        await redis.kill();
        await sleep(300);
        await redis.restart();
        await until('both back', () => reader.busState() === 'up' && writer.busState() === 'up');
        await sleep(3 * LEASE);
      } else {
        proxy.mode('blackhole');
        await sleep(2 * LEASE);
        proxy.mode('pass');
        await sleep(2 * LEASE);
      }
    }
    running = false;
    await Promise.all([writing, reading]);
    await sleep(300); // the members' last counts
  } finally {
    running = false;
    for (const c of all) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    writer.close();
    reader.close();
    await proxy.close();
    await redis.stop();
  }
  for (const c of counts.values()) {
    report.reads += c.reads;
    report.hits += c.hits;
    report.stale += c.stale;
  }
  return { fault, seconds, rounds, ...report };
}
