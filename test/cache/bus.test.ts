import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBusUrl, type BusTransport } from '../../src/cache/bus.js';
import { ResultCache, type CacheWarning } from '../../src/cache/result-cache.js';
import { startRedis, type RedisServer } from '../support/redis.js';

const dir = () => mkdtempSync(join(tmpdir(), 'dcn-bus-'));
/**
 * The lease of every cache here: short, so that what waits on it (a first drop on a channel whose
 * log was just made waits out a lease, see drop-acks.ts) takes a second, not the default three.
 */
const LEASE = 1000;

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('caches kept coherent through a real Redis', () => {
  let redis: RedisServer;
  const caches: ResultCache[] = [];
  const onBus = async (channel = 'dcn:test', busLeaseMs = LEASE) => {
    const c = new ResultCache({ dir: dir(), bus: redis.url, channel, busLeaseMs, sweepIntervalSeconds: 0 });
    caches.push(c);
    await c.ready();
    return c;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of caches) c.close();
    await redis.stop();
  });

  it("applies another instance's drop and dropAll to its own directory", async () => {
    const [a, b] = [await onBus(), await onBus()];
    await b.call('getOrderFields', () => 'on b', 2408);
    await b.call('getOrderFields', () => 'on b', 2409);
    await b.call('getOrderItems', () => 'items on b', 2408);
    expect(await a.drop('getOrderFields', 2408)).toBe(false); // nothing in a's own directory
    await until('the drop on b', async () => !(await b.has('getOrderFields', 2408)));
    expect(await b.has('getOrderFields', 2409)).toBe(true);
    await a.dropAll('getOrderItems');
    await until('the dropAll on b', async () => !(await b.has('getOrderItems', 2408)));
    expect(await b.has('getOrderFields', 2409)).toBe(true);
    expect(a.busState()).toBe('up');
  });

  it('keeps channels apart', async () => {
    const [a, other, marker] = [await onBus('dcn:one'), await onBus('dcn:two'), await onBus('dcn:two')];
    const received: unknown[] = [];
    other.on('busDrop', (m) => received.push(m));
    await other.call('f', () => 1, 1);
    await a.drop('f', 1); // resolves once Redis took the PUBLISH
    // published after it, so other's link would carry a's drop first, had it subscribed to dcn:one
    await marker.drop('marker', 1);
    await until('the marker on other', () => received.length > 0);
    expect(received).toMatchObject([{ name: 'marker' }]);
    expect(await other.has('f', 1)).toBe(true);
  });

  it('serves nothing cached while the bus is down, refuses to say a drop reached it, and drops everything once back', async () => {
    const [a, b] = [await onBus(), await onBus()];
    const warnings: CacheWarning[] = [];
    b.on('warning', (w: CacheWarning) => warnings.push(w));
    await b.call('getOrderFields', () => 'cached before the outage', 2408);
    await redis.kill();
    await until('b down', () => b.busState() === 'down');
    // a drop made now reaches no one: a says so instead of returning as if it had
    await expect(a.drop('getOrderFields', 2408)).rejects.toThrow(/did not reach the bus/);
    // b cannot know: it computes every call, and serves nothing it held
    let runs = 0;
    const compute = () => (runs++, 'computed during the outage');
    expect(await b.call('getOrderFields', compute, 2408)).toBe('computed during the outage');
    expect(await b.call('getOrderFields', compute, 2408)).toBe('computed during the outage');
    expect(runs).toBe(2);
    expect(await b.has('getOrderFields', 2408)).toBe(false);
    await redis.restart();
    await until('b up', () => b.busState() === 'up', 10_000);
    // what it held before the outage is gone: drops published meanwhile were lost
    expect(await b.has('getOrderFields', 2408)).toBe(false);
    expect(await b.call('getOrderFields', () => 'fresh', 2408)).toBe('fresh');
    await until('the bus_up warning', () => warnings.length >= 2);
    expect(warnings.map((w) => w.code)).toEqual(['bus_down', 'bus_up']);
    expect(warnings[0]!.message).toMatch(/every call computes, nothing is served from the cache until it is back/);
    await until('a up', () => a.busState() === 'up', 10_000);
  });

  // 1,000 drops in flight at a time, each waiting for b's acknowledgement: none is lost, and b serves
  // again once the flood has passed. The default lease: under a loaded machine, 1,000 scripts in
  // flight take longer than a short one (bench/bus.mjs floods 100,000).
  it('applies a flood of 5,000 drops, 1,000 in flight at a time, none lost', async () => {
    const [a, b] = [await onBus('dcn:flood', 3000), await onBus('dcn:flood', 3000)];
    for (let i = 0; i < 200; i++) await b.call('f', () => i, i);
    let applied = 0;
    b.on('busDrop', () => applied++);
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < 5000; i++) {
      sent.push(a.publishDrop('f', i % 50 === 0 ? i / 50 : 1_000_000 + i));
      if (sent.length === 1000) await Promise.all(sent.splice(0));
    }
    await Promise.all(sent);
    await until('the flood applied', () => applied === 5000, 30_000);
    await until('b serving', () => b.busState() === 'up', 10_000);
    // the entries 0 … 99 were named in the flood; 100 … 199 were not
    for (let i = 0; i < 100; i++) expect(await b.has('f', i)).toBe(false);
    for (let i = 100; i < 200; i++) expect(await b.has('f', i)).toBe(true);
  });

  it("a client module that loads slowly (a cold import on a busy host) is not counted as the server's silence", async () => {
    const { RedisBus } = await import('../../src/cache/redis-bus.js');
    const inner = new RedisBus(redis.url, 'dcn:slow-load');
    let loaded: Promise<void> | undefined;
    const prepare = () => (loaded ??= new Promise((r) => setTimeout(r, 1.5 * LEASE)));
    const transport: BusTransport = {
      where: inner.where,
      prepare,
      open: async (events) => (await prepare(), inner.open(events)),
    };
    const c = new ResultCache({ dir: dir(), bus: transport, busLeaseMs: LEASE, sweepIntervalSeconds: 0 });
    caches.push(c);
    await c.ready();
    expect(c.busState()).toBe('up');
  });
});

describe('bus URLs', () => {
  it('takes redis:// and rediss:// with a host, and never shows the password', () => {
    expect(parseBusUrl('redis://cache.internal:6380/2').safe).toBe('redis://cache.internal:6380/2');
    expect(parseBusUrl('rediss://app:s3cret@cache.internal/0').safe).toBe('rediss://app:***@cache.internal/0');
    expect(parseBusUrl('redis://:s3cret@cache.internal').safe).toBe('redis://:***@cache.internal');
    expect(() => parseBusUrl('http://cache')).toThrow(/scheme http is not supported: use redis:\/\/ or rediss:\/\//);
    expect(() => parseBusUrl('cache:6379')).toThrow(/scheme cache is not supported/);
    expect(() => parseBusUrl('not a url')).toThrow(/not a URL/);
    expect(() => parseBusUrl('redis://cache/abc')).toThrow(/not a database number/);
  });

  it('an unreachable server: ready() rejects without the password, and the cache computes every call', async () => {
    const c = new ResultCache({
      dir: dir(),
      bus: 'redis://app:s3cret@127.0.0.1:1/0',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    const err = await c.ready().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/cannot reach the bus at redis:\/\/app:\*\*\*@127\.0\.0\.1:1\/0 channel dcn:cache/);
    expect(err?.message).not.toContain('s3cret');
    let runs = 0;
    await c.call('f', () => runs++, 1);
    await c.call('f', () => runs++, 1);
    expect(runs).toBe(2);
    c.close();
  });
});

describe('dcn listen --bus: one listener serves a whole fleet', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  async function get(url: string): Promise<{ status: number; body: string }> {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  }

  it('publishes every drop before answering, shows the bus on /healthz, and answers 500 while the bus is down', async () => {
    const { startListener } = await import('../../src/listener/listener.js');
    const listenerCache = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:fleet',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    await listenerCache.ready();
    const server = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:fleet',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    await server.ready();
    const listener = await startListener({
      cache: listenerCache,
      port: 0,
      tables: { ORDERS: 'getOrderFields', EMPLOYEES: 'getEmployee' },
    });
    try {
      const base = listener.url;
      await server.call('getOrderFields', () => 'on another host', 2408);
      await server.call('getEmployee', () => 'seven', 7);
      await server.call('getOrderFields', () => 'on another host', 2409);
      expect((await get(`${base}?order_no=2408&table=ORDERS`)).status).toBe(200);
      await until('the order dropped on the other server', async () => !(await server.has('getOrderFields', 2408)));
      expect((await get(`${base}?table=EMPLOYEES&key=7`)).status).toBe(200);
      await until('the employee dropped on the other server', async () => !(await server.has('getEmployee', 7)));
      expect(JSON.parse((await get(base.replace(/\/phpcache.*/, '/healthz'))).body)).toMatchObject({
        ok: true,
        bus: 'up',
      });
      await redis.kill();
      await until('the listener off the bus', () => listenerCache.busState() === 'down');
      const failed = await get(`${base}?order_no=2409&table=ORDERS`);
      expect(failed.status).toBe(500);
      expect(JSON.parse(failed.body).error).toMatch(/the drop did not reach the bus/);
      expect((await get(`${base}?table=ORDERS`)).status).toBe(500); // a table-level one too
      const health = await get(base.replace(/\/phpcache.*/, '/healthz'));
      expect(health.status).toBe(503); // 200 only while the cache can serve safely
      expect(JSON.parse(health.body)).toMatchObject({
        ok: false,
        bus: 'down',
        reason: expect.stringMatching(/^bus redis:\/\/127\.0\.0\.1:\d+ channel dcn:fleet: /),
      });
      await redis.restart();
      await until(
        'both back on the bus',
        () => listenerCache.busState() === 'up' && server.busState() === 'up',
        10_000,
      );
      // the server dropped everything when it came back: 2409, whose drop was lost, is not served stale
      expect(await server.has('getOrderFields', 2409)).toBe(false);
    } finally {
      await listener.close();
      listenerCache.close();
      server.close();
    }
  });
});

describe('dcn listen and dcn watch take --bus', () => {
  it('refuse a malformed bus URL (exit 2) and an unreachable bus (exit 6) before they answer or connect, never printing the password', async () => {
    const { runCli, DB_ENV } = await import('../support/cli.js');
    const bad = await runCli(['listen', '--port', '0', '--cache-dir', dir(), '--bus', 'http://cache:6379']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the bus scheme http is not supported: use redis:\/\/ or rediss:\/\//);
    const down = await runCli([
      'listen',
      '--port',
      '0',
      '--cache-dir',
      dir(),
      '--bus',
      'redis://app:s3cret@127.0.0.1:1',
    ]);
    expect(down.code).toBe(6);
    expect(down.stderr).toMatch(/cannot reach the bus at redis:\/\/app:\*\*\*@127\.0\.0\.1:1 channel dcn:cache/);
    expect(down.stderr + down.stdout).not.toContain('s3cret');
    const watch = await runCli(['watch', '--table', 'ORDERS', '--cache-dir', dir(), '--bus', 'redis://127.0.0.1:1'], {
      env: { ...DB_ENV, DCN_BUS_CHANNEL: 'bad channel!' },
    });
    expect(watch.code).toBe(2);
    expect(watch.stderr).toMatch(/bad channel! is not a channel name/);
    expect(watch.driverLoads()).toBe(0);
  });
});

describe('three cache processes on one bus', () => {
  /** A cache in a process of its own, driven over IPC: cache values, ask what it holds, its bus state. */
  function cacheProcess(url: string, channel: string) {
    const code = `
      const { ResultCache } = await import(${JSON.stringify(new URL('../../dist/src/cache/result-cache.js', import.meta.url).href)});
      const { mkdtempSync } = await import('node:fs');
      const cache = new ResultCache({ dir: mkdtempSync('/tmp/dcn-bus-proc-'), bus: ${JSON.stringify(url)}, channel: ${JSON.stringify(channel)}, sweepIntervalSeconds: 0 });
      await cache.ready();
      process.on('message', async (m) => {
        if (m.op === 'fill') { for (const n of m.orders) await cache.call('getOrderFields', () => 'stale?', n); process.send({ id: m.id }); }
        if (m.op === 'has') process.send({ id: m.id, held: await Promise.all(m.orders.map((n) => cache.has('getOrderFields', n))), state: cache.busState() });
        if (m.op === 'exit') { cache.close(); process.exit(0); }
      });
      process.send({ ready: true });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let next = 0;
    const ask = <T>(m: Record<string, unknown>) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        const on = (r: { id?: number } & T) => {
          if (r.id !== id) return;
          child.off('message', on);
          resolve(r);
        };
        child.on('message', on);
        child.send({ ...m, id });
      });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the cache process exited ${code}`)));
    });
    return {
      ready,
      fill: (orders: number[]) => ask({ op: 'fill', orders }),
      has: (orders: number[]) => ask<{ held: boolean[]; state: string }>({ op: 'has', orders }),
      exit: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.send({ op: 'exit' }))),
    };
  }

  it('a drop in one reaches the other two; with the server killed and back, none of them serves what it held before', async () => {
    const redis = await startRedis();
    const a = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:three',
      sweepIntervalSeconds: 0,
    });
    const [b, c] = [cacheProcess(redis.url, 'dcn:three'), cacheProcess(redis.url, 'dcn:three')];
    try {
      await Promise.all([a.ready(), b.ready, c.ready]);
      await Promise.all([b.fill([1, 2, 3]), c.fill([1, 2, 3])]);
      await a.drop('getOrderFields', 2);
      for (const p of [b, c])
        await until('the drop in the other process', async () => (await p.has([2])).held[0] === false);
      expect((await b.has([1, 3])).held).toEqual([true, true]);
      await redis.kill();
      for (const p of [b, c]) await until('off the bus', async () => (await p.has([1])).state === 'down');
      expect((await b.has([1, 3])).held).toEqual([false, false]); // served from nowhere while down
      await expect(a.drop('getOrderFields', 3)).rejects.toThrow(/did not reach the bus/);
      await redis.restart();
      for (const p of [b, c]) await until('back on the bus', async () => (await p.has([1])).state === 'up', 10_000);
      // everything held before was dropped on the way back: 3's drop, lost during the outage, cannot be served stale
      expect((await c.has([1, 3])).held).toEqual([false, false]);
    } finally {
      a.close();
      await Promise.all([b.exit(), c.exit()]);
      await redis.stop();
    }
  }, 30_000);
});

describe('the memory tier, made coherent by the bus', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('needs a bus', () => {
    expect(() => new ResultCache({ dir: dir(), memory: true })).toThrow(/the memory tier needs a bus/);
    expect(() => new ResultCache({ dir: dir(), bus: redis.url, memory: 0 })).toThrow(
      /memory must be true or a number of bytes/,
    );
  });

  it('serves hits from memory without asking the disk, and drops through the bus still reach it', async () => {
    const { renameSync } = await import('node:fs');
    const a = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:mem',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    const fast = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:mem',
      memory: true,
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    const disk = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:mem',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    try {
      await Promise.all([a.ready(), fast.ready(), disk.ready()]);
      for (const c of [fast, disk]) {
        await c.call('f', () => 'cached', 1);
        await c.call('f', () => 'cached', 2);
      }
      // the directories go away: the memory tier does not look, the disk-checked cache does
      for (const c of [fast, disk]) renameSync(c.dir, `${c.dir}.gone`);
      expect(await fast.call('f', () => 'computed', 1)).toBe('cached');
      expect(await disk.call('f', () => 'computed', 1)).toBe('computed');
      for (const c of [fast, disk]) renameSync(`${c.dir}.gone`, c.dir);
      await a.drop('f', 2);
      await until('the drop in memory', async () => (await fast.call('f', () => 'fresh', 2)) === 'fresh');
    } finally {
      for (const c of [a, fast, disk]) c.close();
    }
  });

  it('keeps to its bound in bytes, least recently used first', async () => {
    const c = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:bound',
      memory: 1000,
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    try {
      await c.ready();
      for (let i = 0; i < 10; i++) await c.call('f', () => 'x'.repeat(200), i); // about 200 bytes each
      const { renameSync } = await import('node:fs');
      renameSync(c.dir, `${c.dir}.gone`); // only what is in memory can hit now
      const held: number[] = [];
      for (let i = 0; i < 10; i++) if ((await c.call('f', () => 'miss', i)) !== 'miss') held.push(i);
      expect(held).toEqual([6, 7, 8, 9]); // 4 values of ~210 bytes fit in 1,000
    } finally {
      c.close();
    }
  });

  it('is bypassed while the bus is down, and empty once it is back', async () => {
    const c = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:memdown',
      memory: true,
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    try {
      await c.ready();
      await c.call('f', () => 'before', 1);
      await redis.kill();
      await until('down', () => c.busState() === 'down');
      expect(await c.call('f', () => 'during', 1)).toBe('during');
      await redis.restart();
      await until('up', () => c.busState() === 'up', 10_000);
      expect(await c.call('f', () => 'after', 1)).toBe('after');
    } finally {
      c.close();
    }
  });
});

describe('a slow consumer', () => {
  it('applies every drop that queued while it was busy, once it is free again', async () => {
    const redis = await startRedis();
    const a = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:slow',
      busLeaseMs: 3000, // the default: half a second busy on a loaded machine stays well within it
      sweepIntervalSeconds: 0,
    });
    const b = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:slow',
      busLeaseMs: 3000, // the default: half a second busy on a loaded machine stays well within it
      sweepIntervalSeconds: 0,
    });
    try {
      await Promise.all([a.ready(), b.ready()]);
      for (let i = 0; i < 300; i++) await b.call('f', () => i, i);
      // b's event loop is held for half a second by the first drop it applies
      b.once('busDrop', () => {
        const end = Date.now() + 500;
        while (Date.now() < end) {
          // busy: nothing else runs in this process
        }
      });
      await Promise.all(Array.from({ length: 300 }, (_, i) => a.publishDrop('f', i)));
      await until('every drop applied', async () => !(await b.has('f', 299)));
      for (let i = 0; i < 300; i++) expect(await b.has('f', i)).toBe(false);
    } finally {
      a.close();
      b.close();
      await redis.stop();
    }
  });
});

describe('a bus with a password', () => {
  it('connects with the password in the URL, and a wrong one is refused without being printed', async () => {
    const redis = await startRedis('s3cret-bus');
    const url = `redis://:s3cret-bus@127.0.0.1:${redis.port}/0`;
    const [a, b] = [
      new ResultCache({ dir: dir(), bus: url, busLeaseMs: LEASE, sweepIntervalSeconds: 0 }),
      new ResultCache({ dir: dir(), bus: url, busLeaseMs: LEASE, sweepIntervalSeconds: 0 }),
    ];
    const wrong = new ResultCache({
      dir: dir(),
      bus: `redis://:wrong-one@127.0.0.1:${redis.port}/0`,
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    try {
      await Promise.all([a.ready(), b.ready()]);
      await b.call('f', () => 1, 1);
      await a.drop('f', 1);
      await until('the drop', async () => !(await b.has('f', 1)));
      const err = await wrong.ready().then(
        () => undefined,
        (e: Error) => e,
      );
      // named as a password problem, not as a bus to start
      expect(err?.message).toMatch(
        /the bus at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 channel dcn:cache refused the password \(WRONGPASS/,
      );
      expect(err?.message).not.toMatch(/wrong-one|s3cret-bus/);
      const { runCli } = await import('../support/cli.js');
      const cli = await runCli([
        'listen',
        '--port',
        '0',
        '--cache-dir',
        dir(),
        '--bus',
        `redis://127.0.0.1:${redis.port}/0`,
      ]);
      expect(cli.code).toBe(6);
      expect(cli.stderr).toMatch(/refused the password \(NOAUTH/);
      expect(cli.stderr).toMatch(/give the password Redis expects/);
    } finally {
      for (const c of [a, b, wrong]) c.close();
      await redis.stop();
    }
  });
});

describe('a bus over TLS (rediss://)', () => {
  it('keeps two caches coherent through a redis-server that speaks only TLS, trusting its certificate as Node does (NODE_EXTRA_CA_CERTS)', async () => {
    const { execFileSync } = await import('node:child_process');
    const certs = dir();
    const [cert, key] = [join(certs, 'cert.pem'), join(certs, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const redis = await startRedis(undefined, { cert, key });
    try {
      expect(redis.url).toMatch(/^rediss:\/\//);
      // Node reads NODE_EXTRA_CA_CERTS at start: the caches run in a process of their own
      const code = `
        const { ResultCache } = await import(${JSON.stringify(new URL('../../dist/src/cache/result-cache.js', import.meta.url).href)});
        const { mkdtempSync } = await import('node:fs');
        const open = () => new ResultCache({ dir: mkdtempSync('/tmp/dcn-bus-tls-'), bus: ${JSON.stringify(redis.url)}, sweepIntervalSeconds: 0 });
        const [a, b] = [open(), open()];
        await Promise.all([a.ready(), b.ready()]);
        await b.call('f', () => 1, 1);
        await a.drop('f', 1);
        for (let i = 0; i < 200 && (await b.has('f', 1)); i++) await new Promise((r) => setTimeout(r, 10));
        console.log(JSON.stringify({ held: await b.has('f', 1), state: b.busState() }));
        a.close(); b.close();
      `;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ held: false, state: 'up' });
    } finally {
      await redis.stop();
    }
  }, 30_000);
});

describe('a drop from the bus that cannot be applied', () => {
  it('stops serving, then heals itself once every entry can be dropped', async () => {
    const { renameSync } = await import('node:fs');
    const redis = await startRedis();
    const a = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:heal',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    const b = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:heal',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    b.on('warning', () => undefined);
    try {
      await Promise.all([a.ready(), b.ready()]);
      await b.call('g', () => 'kept?', 1);
      renameSync(b.dir, `${b.dir}.away`); // b's directory is gone: a dropAll cannot be applied
      await a.dropAll('f');
      // the link itself stays up: it is the directory that cannot be trusted
      await until('b stops serving', () => !b.health().ok);
      expect(await b.call('g', () => 'computed', 1)).toBe('computed');
      await new Promise((r) => setTimeout(r, 1500)); // a retry while the directory is still gone
      expect(b.health().ok).toBe(false);
      renameSync(`${b.dir}.away`, b.dir);
      await until('b healed', () => b.health().ok, 10_000);
      expect(await b.has('g', 1)).toBe(false); // everything it held was dropped on the way back
    } finally {
      a.close();
      b.close();
      await redis.stop();
    }
  }, 20_000);
});

describe('a cache that joins the bus', () => {
  it('drops what its directory held: drops published before it subscribed never reached it', async () => {
    const redis = await startRedis();
    const shared = dir();
    const before = new ResultCache({ dir: shared, sweepIntervalSeconds: 0 });
    await before.call('getOrderFields', () => 'computed before this server went down', 2408);
    before.close();
    const listener = new ResultCache({
      dir: dir(),
      bus: redis.url,
      channel: 'dcn:join',
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    try {
      await listener.ready();
      await listener.drop('getOrderFields', 2408); // while no cache on `shared` listened
      const joined = new ResultCache({
        dir: shared,
        bus: redis.url,
        channel: 'dcn:join',
        busLeaseMs: LEASE,
        sweepIntervalSeconds: 0,
      });
      try {
        await joined.ready();
        expect(await joined.has('getOrderFields', 2408)).toBe(false);
        expect(await joined.call('getOrderFields', () => 'fresh', 2408)).toBe('fresh');
      } finally {
        joined.close();
      }
    } finally {
      listener.close();
      await redis.stop();
    }
  });
});

describe('its own drops', () => {
  it('are not applied again by the instance that published them', async () => {
    const redis = await startRedis();
    const [a, b] = [
      new ResultCache({ dir: dir(), bus: redis.url, channel: 'dcn:own', busLeaseMs: LEASE, sweepIntervalSeconds: 0 }),
      new ResultCache({ dir: dir(), bus: redis.url, channel: 'dcn:own', busLeaseMs: LEASE, sweepIntervalSeconds: 0 }),
    ];
    const applied = { a: 0, b: 0 };
    a.on('busDrop', () => applied.a++);
    b.on('busDrop', () => applied.b++);
    try {
      await Promise.all([a.ready(), b.ready()]);
      await a.drop('f', 1);
      await a.dropAll('g');
      await until('b applied both', () => applied.b === 2);
      // b's drop reaches a after a's own two (Redis took those first): once a applied it, a has seen them
      await b.drop('h', 1);
      await until("a applied b's drop", () => applied.a === 1);
      expect(applied).toEqual({ a: 1, b: 2 });
    } finally {
      a.close();
      b.close();
      await redis.stop();
    }
  });
});
