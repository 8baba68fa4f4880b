/**
 * Acknowledged drops, with the stricter staleness rule: no read that begins after drop()
 * resolved returns an older value, in any member: here, a reader in this process (on its own
 * directory, its link through a TCP proxy the test controls) and members in processes of their
 * own (SIGKILL, SIGSTOP). A writer bumps a key's version (the "database", a file per key the
 * other processes read too) and then awaits drop(); a read that returns a version older than one
 * whose drop() resolved before the read began is stale. Each run lasts seconds (long runs belong
 * in bench/). Needs the build (npm test builds first): the members run dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startProxy, type TcpProxy } from '../support/tcp-proxy.js';

const LEASE = 1000;
const KEYS = 4;
const dir = () => mkdtempSync(join(tmpdir(), 'dcn-acks-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CLOCK_MONOTONIC, in ms: one clock for every process on the machine (performance.timeOrigin differs between processes by a few ms). */
const wall = () => Number(process.hrtime.bigint()) / 1e6;

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(5);
  }
}

/** The "database": a version per key, in files other processes read; and when each version's drop resolved. */
function database() {
  const root = dir();
  for (let k = 0; k < KEYS; k++) writeFileSync(join(root, `k${k}`), '0');
  writeFileSync(join(root, 'acked'), '');
  const committed = new Array<number>(KEYS).fill(0);
  return {
    root,
    committed,
    bump(k: number): number {
      const v = ++committed[k]!;
      // renamed into place: a reader never sees the file empty, half written
      writeFileSync(join(root, `k${k}.tmp`), String(v));
      renameSync(join(root, `k${k}.tmp`), join(root, `k${k}`));
      return v;
    },
    acked(k: number, v: number): void {
      appendFileSync(join(root, 'acked'), `${k} ${v} ${wall()}\n`);
    },
  };
}

/** The newest version of k whose drop resolved before t (wall clock, ms): what a read begun at t must see at least. */
const MUST_SEE = `(root, k, t) => {
  let must = 0;
  for (const line of readFileSync(root + '/acked', 'utf8').split('\\n')) {
    const [key, v, at] = line.split(' ').map(Number);
    if (key === k && at < t && v > must) must = v;
  }
  return must;
}`;
// the same rule the members run, in this process
const mustSee = new Function('readFileSync', `return ${MUST_SEE}`)(readFileSync) as (
  root: string,
  k: number,
  t: number,
) => number;

/** A member in a process of its own: reads its keys through its cache, counts stale reads, tells them on SIGTERM (or when asked). */
function member(
  url: string,
  channel: string,
  db: string,
): { child: ChildProcess; report(): Promise<{ reads: number; hits: number; stale: number; state: string }> } {
  const code = `
    const { ResultCache } = await import(${JSON.stringify(new URL('../../dist/src/cache/result-cache.js', import.meta.url).href)});
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const mustSee = ${MUST_SEE};
    const cache = new ResultCache({ dir: mkdtempSync('/tmp/dcn-acks-member-'), bus: ${JSON.stringify(url)}, channel: ${JSON.stringify(channel)}, busLeaseMs: ${LEASE}, sweepIntervalSeconds: 0 });
    cache.on('warning', () => undefined);
    await cache.ready();
    const r = { reads: 0, hits: 0, stale: 0 };
    process.on('message', () => process.send({ ...r, state: cache.busState() }));
    process.send('ready');
    for (;;) {
      const k = Math.floor(Math.random() * ${KEYS});
      const t0 = Number(process.hrtime.bigint()) / 1e6;
      const { value, hit } = await cache.callWith('getOrderFields', {}, () => Number(readFileSync(${JSON.stringify(db)} + '/k' + k, 'utf8')), k);
      r.reads++;
      if (hit) r.hits++;
      if (value < mustSee(${JSON.stringify(db)}, k, t0)) (r.stale++, r.last = { k, value, t0, hit, state: cache.busState() });
      await new Promise((res) => setTimeout(res, 1));
    }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    child,
    report: () => new Promise((resolve) => child.once('message', (m) => resolve(m as never)) && child.send('report')),
  };
}

interface Report {
  reads: number;
  hits: number;
  stale: number;
  drops: number;
  failedDrops: number;
  slowestDrop: number;
  /** Drops that resolved in [from, to). */
  dropsBetween(from: number, to: number): number;
}

/** The writer, and a reader in this process held to the strict rule. */
function runOracle(db: ReturnType<typeof database>, writer: ResultCache, reader: ResultCache | undefined) {
  const resolvedAt: number[] = [];
  const report = { reads: 0, hits: 0, stale: 0, drops: 0, failedDrops: 0, slowestDrop: 0 };
  let running = true;
  const writing = (async () => {
    while (running) {
      const k = Math.floor(Math.random() * KEYS);
      const v = db.bump(k);
      const t0 = performance.now();
      try {
        await writer.drop('getOrderFields', k);
        db.acked(k, v);
        resolvedAt.push(performance.now());
        report.drops++;
      } catch {
        report.failedDrops++; // not acknowledged: nothing is promised
      }
      report.slowestDrop = Math.max(report.slowestDrop, performance.now() - t0);
      await sleep(3);
    }
  })();
  const reading = (async () => {
    while (running && reader) {
      const k = Math.floor(Math.random() * KEYS);
      const t0 = wall();
      const { value, hit } = await reader.callWith('getOrderFields', {}, () => db.committed[k]!, k);
      report.reads++;
      if (hit) report.hits++;
      if (value < mustSee(db.root, k, t0)) report.stale++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    /** The counts so far: what a test waits for instead of a clock. */
    progress: report,
    /** Drops that resolved at or after t so far. */
    resolvedSince: (t: number) => resolvedAt.filter((at) => at >= t).length,
    async stop(): Promise<Report> {
      running = false;
      await Promise.all([writing, reading]);
      return { ...report, dropsBetween: (from, to) => resolvedAt.filter((t) => t >= from && t < to).length };
    },
  };
}

describe('acknowledged drops: no read anywhere begins after drop() resolved and returns an older value', () => {
  let redis: RedisServer;
  const open: { close(): unknown }[] = [];
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    for (const o of open) await o.close();
    await redis.stop();
  });

  /** Before a fault: the oracle under way, the reader serving (hits) and drops resolving. */
  const underWay = (o: ReturnType<typeof runOracle>) =>
    until('the oracle under way', () => o.progress.hits > 5 && o.progress.drops > 5, 30_000);

  async function caches(options: { readerAcks?: 'applied' | 'published'; logLength?: number } = {}) {
    const proxy: TcpProxy = await startProxy(redis.port);
    const channel = `dcn:acks-${Math.random()}`;
    const common = { channel, busLeaseMs: LEASE, sweepIntervalSeconds: 0, busLogLength: options.logLength };
    const writer = new ResultCache({ dir: dir(), bus: redis.url, busAcks: options.readerAcks, ...common });
    const reader = new ResultCache({ dir: dir(), bus: proxy.url, warningIntervalSeconds: 0, ...common });
    const warnings: string[] = [];
    writer.on('warning', () => undefined);
    reader.on('warning', (w: { message: string }) => void warnings.push(w.message));
    open.push(writer, reader, proxy);
    await Promise.all([writer.ready(), reader.ready()]);
    return { writer, reader, proxy, channel, warnings };
  }

  it('the strict rule catches staleness: with busAcks published, a partitioned member serves what a resolved drop dropped', async () => {
    const db = database();
    const { writer, reader, proxy } = await caches({ readerAcks: 'published' });
    const oracle = runOracle(db, writer, reader);
    await underWay(oracle);
    proxy.mode('blackhole');
    await until('a stale read', () => oracle.progress.stale > 0);
    proxy.mode('pass');
    const r = await oracle.stop();
    expect(r.stale).toBeGreaterThan(0);
  });

  it('a silent partition: drops wait for the partitioned member lease, none is stale; back, it catches up from the log and keeps what was not dropped', async () => {
    const db = database();
    const { writer, reader, proxy, warnings } = await caches();
    await reader.call('other', () => 'kept', 1);
    const oracle = runOracle(db, writer, reader);
    await underWay(oracle);
    proxy.mode('blackhole');
    await until('the reader off the bus', () => reader.busState() !== 'up');
    const off = performance.now();
    // drops it misses: they resolve once its lease lapsed on the server
    await until('drops resolved while it is partitioned', () => oracle.resolvedSince(off) >= 5);
    proxy.mode('pass');
    await until('the reader back', () => reader.busState() === 'up');
    const hits = oracle.progress.hits;
    await until('hits after it is back', () => oracle.progress.hits > hits + 10);
    const r = await oracle.stop();
    expect(r.stale).toBe(0);
    expect(r.reads).toBeGreaterThan(100);
    expect(r.hits).toBeGreaterThan(10);
    expect(r.drops).toBeGreaterThan(20);
    // a drop waits at most the lease (and its margin) for a member that does not answer
    expect(r.slowestDrop).toBeLessThan(2 * LEASE + 500);
    expect(warnings.join('\n')).toMatch(
      /caught up from the log: \d+ drop\(s\) it missed were applied, every other entry kept/,
    );
    expect(await reader.callWith('other', {}, () => 'recomputed', 1)).toEqual({ value: 'kept', hit: true });
  });

  it('a log that no longer holds what a member missed: it drops everything, and says so', async () => {
    const db = database();
    const { writer, reader, proxy, warnings } = await caches({ logLength: 10 });
    await reader.call('other', () => 'kept', 1);
    proxy.mode('blackhole');
    await until('the reader off the bus', () => reader.busState() !== 'up');
    for (let i = 0; i < 400; i++) await writer.drop('getOrderFields', db.bump(i % KEYS));
    proxy.mode('pass');
    await until('the reader back', () => reader.busState() === 'up');
    expect(warnings.join('\n')).toMatch(/every entry was dropped: the drops it missed are no longer in the log/);
    expect(await reader.callWith('other', {}, () => 'recomputed', 1)).toEqual({ value: 'recomputed', hit: false });
  });

  it('a member stopped (SIGSTOP): drops settle once its lease lapses; continued, it serves nothing older than a resolved drop', async () => {
    const db = database();
    const { writer, reader, channel } = await caches();
    const m = member(redis.url, channel, db.root);
    children.push(m.child);
    await new Promise((r) => m.child.once('message', r));
    const oracle = runOracle(db, writer, reader);
    await underWay(oracle);
    m.child.kill('SIGSTOP');
    const stopped = performance.now();
    await until('drops resolved after its lease lapsed', () => oracle.resolvedSince(stopped + 1.2 * LEASE) > 5);
    m.child.kill('SIGCONT');
    const continued = performance.now();
    // continued: it finds its lease lapsed, joins again, catches up, and serves (hits) again
    const before = await m.report();
    for (let mr = before; mr.hits <= before.hits; mr = await m.report()) await sleep(50);
    const r = await oracle.stop();
    const mr = await m.report();
    m.child.kill('SIGKILL');
    expect(r.stale).toBe(0);
    expect(mr.stale).toBe(0);
    expect(mr.reads).toBeGreaterThan(50);
    expect(mr.hits).toBeGreaterThan(0);
    expect(r.slowestDrop).toBeLessThan(2 * LEASE + 500);
    // while it was stopped, drops went on once its lease lapsed
    expect(r.dropsBetween(stopped + 1.2 * LEASE, continued)).toBeGreaterThan(5);
  });

  it('a member killed (SIGKILL): drops are held up by at most its lease, then go on', async () => {
    const db = database();
    const { writer, reader, channel } = await caches();
    const m = member(redis.url, channel, db.root);
    children.push(m.child);
    await new Promise((r) => m.child.once('message', r));
    const oracle = runOracle(db, writer, reader);
    await underWay(oracle);
    m.child.kill('SIGKILL');
    const killed = performance.now();
    await until('drops resolved after its lease lapsed', () => oracle.resolvedSince(killed + 1.2 * LEASE) > 5);
    const r = await oracle.stop();
    expect(r.stale).toBe(0);
    expect(r.failedDrops).toBe(0);
    expect(r.slowestDrop).toBeLessThan(1.1 * LEASE + 500);
    expect(r.dropsBetween(killed + 1.2 * LEASE, Infinity)).toBeGreaterThan(5);
  }, 30_000);

  it('Redis restarted (killed, and started again empty): no read is stale, drops made before it is back reject, and every member serves again', async () => {
    const db = database();
    const { writer, reader } = await caches();
    const oracle = runOracle(db, writer, reader);
    await underWay(oracle);
    await redis.kill();
    await until('a drop rejected', () => oracle.progress.failedDrops > 0);
    await redis.restart();
    await until('both back', () => reader.busState() === 'up' && writer.busState() === 'up');
    const back = performance.now();
    const hits = oracle.progress.hits;
    await until(
      'drops and hits after it is back',
      () => oracle.resolvedSince(back) > 5 && oracle.progress.hits > hits + 10,
    );
    const r = await oracle.stop();
    expect(r.stale).toBe(0);
    expect(r.failedDrops).toBeGreaterThan(0);
    expect(r.dropsBetween(back, Infinity)).toBeGreaterThan(5);
    expect(r.hits).toBeGreaterThan(10);
  }, 30_000);
  it('dcn listen answers 200 only once every live cache dropped: at once when all apply it, after the lease of one partitioned', async () => {
    const { startListener } = await import('../../src/listener/listener.js');
    const { writer, reader, proxy } = await caches();
    const listener = await startListener({ cache: writer, port: 0, tables: { ORDERS: 'getOrderFields' } });
    try {
      await sleep(1.2 * LEASE); // past the grace period of a log just made
      await reader.call('getOrderFields', () => 'old', 2408);
      let t0 = performance.now();
      expect((await fetch(`${listener.url}?order_no=2408&table=ORDERS`)).status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(LEASE / 2);
      // answered 200: the other server computes again from its very next read
      expect((await reader.callWith('getOrderFields', {}, () => 'new', 2408)).value).toBe('new');
      proxy.mode('blackhole');
      t0 = performance.now();
      expect((await fetch(`${listener.url}?order_no=2408&table=ORDERS`)).status).toBe(200);
      // not before the partitioned cache's lease lapsed (it stopped serving before that)
      expect(performance.now() - t0).toBeGreaterThan(LEASE / 2);
      expect(reader.busState()).not.toBe('up');
    } finally {
      proxy.mode('pass');
      await listener.close();
    }
  });

  it('dcn listen refuses --bus-acks other than applied or published (exit 2)', async () => {
    const { runCli } = await import('../support/cli.js');
    const r = await runCli(['listen', '--port', '0', '--cache-dir', dir(), '--bus', redis.url, '--bus-acks', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bus-acks maybe: expected applied or published/);
  });
});
