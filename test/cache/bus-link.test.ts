/**
 * The bus link under the faults a real network produces, against a real redis-server: the
 * reader's link goes through a TCP proxy the test controls (pass, blackhole without closing,
 * close right after SUBSCRIBE, refuse) or the server itself is stopped (SIGSTOP). In each, a
 * staleness oracle: a writer bumps a key's version (the "database") and then awaits drop(); a
 * read that returns a version older than one whose drop() had resolved more than the lease
 * before the read began is stale. No stale read, and no call longer than the lease + 1 s.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startProxy, type TcpProxy } from '../support/tcp-proxy.js';

const dir = () => mkdtempSync(join(tmpdir(), 'dcn-link-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(5);
  }
}

interface OracleReport {
  reads: number;
  hits: number;
  stale: number;
  drops: number;
  failedDrops: number;
  /** The longest read and the longest drop, in ms. */
  slowestRead: number;
  slowestDrop: number;
  /** Hits among reads that began in [from, to). */
  hitsBetween(from: number, to: number): number;
}

/**
 * Runs the writer and the reader until stopped. `drops: false` is the oracle's own check: the
 * writer bumps and says the drop was made without making it.
 */
function runOracle(writer: ResultCache, reader: ResultCache, leaseMs: number, drops = true) {
  const KEYS = 4;
  const committed = new Array<number>(KEYS).fill(0);
  /** Per key: versions whose drop() resolved, and when. */
  const acked: { v: number; at: number }[][] = Array.from({ length: KEYS }, () => []);
  const hitTimes: number[] = [];
  const report = { reads: 0, hits: 0, stale: 0, drops: 0, failedDrops: 0, slowestRead: 0, slowestDrop: 0 };
  let running = true;
  const writing = (async () => {
    while (running) {
      const k = Math.floor(Math.random() * KEYS);
      const v = ++committed[k]!;
      const t0 = performance.now();
      try {
        if (drops) await writer.drop('getOrderFields', k);
        acked[k]!.push({ v, at: performance.now() });
        report.drops++;
      } catch {
        report.failedDrops++; // not acknowledged: the writer knows, nothing is promised
      }
      report.slowestDrop = Math.max(report.slowestDrop, performance.now() - t0);
      await sleep(3);
    }
  })();
  const reading = (async () => {
    while (running) {
      const k = Math.floor(Math.random() * KEYS);
      const t0 = performance.now();
      const { value, hit } = await reader.callWith('getOrderFields', {}, () => committed[k]!, k);
      report.slowestRead = Math.max(report.slowestRead, performance.now() - t0);
      report.reads++;
      if (hit) {
        report.hits++;
        hitTimes.push(t0);
      }
      let mustSee = 0;
      for (const a of acked[k]!) if (a.at < t0 - leaseMs) mustSee = Math.max(mustSee, a.v);
      if (value < mustSee) report.stale++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    /** The counts so far, and the hits since t: what a test waits for instead of a clock. */
    progress: report,
    hitsSince: (t: number) => hitTimes.filter((h) => h >= t).length,
    async stop(): Promise<OracleReport> {
      running = false;
      await Promise.all([writing, reading]);
      return { ...report, hitsBetween: (from, to) => hitTimes.filter((t) => t >= from && t < to).length };
    },
  };
}

describe('the bus link under faults (a real redis-server behind a proxy)', () => {
  const LEASE = 1000;
  let redis: RedisServer;
  const open: { close(): unknown }[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const o of open) await o.close();
    await redis.stop();
  });

  /** A writer straight on the server, a reader through a proxy of its own. */
  async function pair(leaseMs = LEASE): Promise<{
    writer: ResultCache;
    reader: ResultCache;
    proxy: TcpProxy;
    warnings: string[];
    backAfter(t: number): number;
  }> {
    const proxy = await startProxy(redis.port);
    const channel = `dcn:link-${Math.random()}`;
    const writer = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel,
      busLeaseMs: leaseMs,
      sweepIntervalSeconds: 0,
    });
    const reader = new ResultCache({
      dir: dir(),
      bus: proxy.url,
      channel,
      busLeaseMs: leaseMs,
      sweepIntervalSeconds: 0,
      warningIntervalSeconds: 0,
    });
    const warnings: string[] = [];
    const ups: number[] = [];
    writer.on('warning', () => undefined);
    reader.on('warning', (w: { code: string; message: string }) => {
      warnings.push(w.message);
      if (w.code === 'bus_up') ups.push(performance.now());
    });
    open.push(writer, reader, proxy);
    await Promise.all([writer.ready(), reader.ready()]);
    // when the reader served again after t: told by its bus_up warning, as it happens
    return { writer, reader, proxy, warnings, backAfter: (t) => ups.find((u) => u > t) ?? Infinity };
  }

  /** Before a fault: the oracle under way, the reader serving (hits) and drops resolving. */
  const underWay = (o: ReturnType<typeof runOracle>) =>
    until('the oracle under way', () => o.progress.hits > 5 && o.progress.drops > 5, 30_000);

  function expectSound(r: OracleReport, leaseMs = LEASE) {
    expect(r.stale).toBe(0);
    expect(r.slowestRead).toBeLessThan(leaseMs + 1000);
    expect(r.slowestDrop).toBeLessThan(leaseMs + 1000);
    expect(r.reads).toBeGreaterThan(100);
  }

  it('pass: serves from the cache, and no read is stale', async () => {
    const { writer, reader } = await pair();
    const oracle = runOracle(writer, reader, LEASE);
    const { progress } = oracle;
    await until(
      'enough reads, hits and drops',
      () => progress.reads > 100 && progress.hits > 10 && progress.drops > 50,
      30_000,
    );
    const r = await oracle.stop();
    expectSound(r);
    expect(r.hits).toBeGreaterThan(10);
    // for a lease after a channel's log is made, every drop waits: members of a Redis that lost its data may still serve
    expect(r.drops).toBeGreaterThan(20);
  });

  it('the oracle catches staleness: with drops switched off, reads are stale', async () => {
    const { writer, reader } = await pair();
    const oracle = runOracle(writer, reader, LEASE, false);
    await until('a stale read', () => oracle.progress.stale > 0, 30_000);
    const r = await oracle.stop();
    expect(r.stale).toBeGreaterThan(0);
  });

  it('blackhole (the link passes no byte, and does not close): stops serving within the lease, says so, and serves again once it passes', async () => {
    const { writer, reader, proxy, warnings, backAfter } = await pair();
    const oracle = runOracle(writer, reader, LEASE);
    await underWay(oracle);
    proxy.mode('blackhole');
    const fault = performance.now();
    await until('the reader off the bus', () => reader.busState() !== 'up');
    expect(performance.now() - fault).toBeLessThan(LEASE + 100);
    await sleep(LEASE); // a lease more off the bus, blackholed: still not serving
    expect(reader.health()).toMatchObject({ ok: false });
    proxy.mode('pass');
    await until('the reader back', () => reader.busState() === 'up');
    const back = backAfter(fault);
    await until(
      'served again, and enough reads',
      () => oracle.hitsSince(back) > 0 && oracle.progress.reads > 100,
      30_000,
    );
    const r = await oracle.stop();
    expectSound(r);
    expect(r.hitsBetween(fault + LEASE, back)).toBe(0);
    expect(r.hitsBetween(back, Infinity)).toBeGreaterThan(0);
    expect(warnings.join('\n')).toMatch(/no (answer from|PING answered by) the bus for 1000 ms/);
  });

  it('refuse (connections closed, new ones too): stops serving at once, and serves again once the server can be reached', async () => {
    const { writer, reader, proxy, backAfter } = await pair();
    const oracle = runOracle(writer, reader, LEASE);
    await underWay(oracle);
    proxy.mode('refuse');
    const fault = performance.now();
    const accepted = proxy.stats.accepted;
    await until('the reader off the bus', () => reader.busState() !== 'up');
    await until('two reconnections refused', () => proxy.stats.accepted >= accepted + 2 * 3); // 3 connections a session
    proxy.mode('pass');
    await until('the reader back', () => reader.busState() === 'up');
    const back = backAfter(fault);
    await until(
      'served again, and enough reads',
      () => oracle.hitsSince(back) > 0 && oracle.progress.reads > 100,
      30_000,
    );
    const r = await oracle.stop();
    expectSound(r);
    expect(r.hitsBetween(fault + LEASE, back)).toBe(0);
    expect(r.hitsBetween(back, Infinity)).toBeGreaterThan(0);
  });

  it('close right after SUBSCRIBE, 100 times in a row: never serves in between, and serves once the link holds', async () => {
    const lease = 500;
    const { writer, reader, proxy, backAfter } = await pair(lease);
    const oracle = runOracle(writer, reader, lease);
    await underWay(oracle);
    proxy.mode('close-after-subscribe');
    proxy.mode('refuse'); // the links open now are cut; the next ones die right after SUBSCRIBE
    proxy.mode('close-after-subscribe');
    const fault = performance.now();
    await until('100 links closed after SUBSCRIBE', () => proxy.stats.closedAfterSubscribe >= 100, 30_000);
    const rounds = performance.now();
    proxy.mode('pass');
    expect(backAfter(fault)).toBe(Infinity); // not once
    await until('the reader back', () => reader.busState() === 'up');
    const reads = oracle.progress.reads;
    await until('reads after it is back', () => oracle.progress.reads > reads + 50);
    const r = await oracle.stop();
    expectSound(r, lease);
    expect(r.hitsBetween(fault + lease, rounds)).toBe(0);
  }, 40_000);

  it('redis-server stopped (SIGSTOP) and continued: drops reject within the lease, nothing is served meanwhile, and it heals', async () => {
    const { writer, reader, backAfter } = await pair();
    const oracle = runOracle(writer, reader, LEASE);
    await underWay(oracle);
    redis.pause();
    const fault = performance.now();
    try {
      await until('the reader off the bus', () => reader.busState() !== 'up');
      await until('a drop rejected', () => oracle.progress.failedDrops > 0);
    } finally {
      redis.resume();
    }
    await until('both back', () => reader.busState() === 'up' && writer.busState() === 'up');
    const back = backAfter(fault);
    await until(
      'served again, and enough reads',
      () => oracle.hitsSince(back) > 0 && oracle.progress.reads > 100,
      30_000,
    );
    const r = await oracle.stop();
    expectSound(r);
    expect(r.failedDrops).toBeGreaterThan(0);
    expect(r.hitsBetween(fault + LEASE, back)).toBe(0);
  });
});

describe('a bus that accepts and never answers', () => {
  let server: ReturnType<typeof createServer>;
  const sockets: Socket[] = [];
  let url = '';
  beforeAll(async () => {
    server = createServer((s) => void sockets.push(s)); // reads nothing, writes nothing
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('ready() and drop() reject within the lease', async () => {
    const cache = new ResultCache({ dir: dir(), bus: url, busLeaseMs: 500, sweepIntervalSeconds: 0 });
    cache.on('warning', () => undefined);
    try {
      const t0 = performance.now();
      await expect(cache.ready()).rejects.toThrow(/cannot reach the bus.*no answer from the bus within 500 ms/);
      await expect(cache.drop('f', 1)).rejects.toThrow(/did not reach the bus/);
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      cache.close();
    }
  });

  it('dcn listen --bus and dcn watch --bus exit 6 within 10 s', async () => {
    const { runCli, DB_ENV } = await import('../support/cli.js');
    const t0 = performance.now();
    const listen = await runCli(['listen', '--port', '0', '--cache-dir', dir(), '--bus', url]);
    expect(listen.code).toBe(6);
    expect(listen.stderr).toMatch(/cannot reach the bus/);
    const watch = await runCli(['watch', '--table', 'ORDERS', '--cache-dir', dir(), '--bus', url], { env: DB_ENV });
    expect(watch.code).toBe(6);
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 30_000);
});
