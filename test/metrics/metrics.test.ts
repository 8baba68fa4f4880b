/**
 * dcn listen's and dcn watch's /metrics, scraped over real HTTP and read with a strict parser of
 * the text format; every wait is for a positive signal (a line, a subscription, a value).
 */
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { listenerMetrics, watchMetrics } from '../../src/metrics/metrics.js';
import { DB_ENV } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { ORDER_2408, watchableDatabase } from '../support/watch-database.js';
import { startRedis } from '../support/redis.js';
import { parseExposition, valueOf, type Family } from './exposition.js';

const root = join(import.meta.dirname, '..', '..');
const P = '/phpcache/dropResults.php';
const UPDATE = 4; // CQN_OPCODE_UPDATE
const tempDir = () => mkdtempSync(join(tmpdir(), 'dcn-metrics-'));

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function http(url: string, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers =
      body === undefined
        ? {}
        : { 'content-type': 'text/plain; charset=us-ascii', 'content-length': String(Buffer.byteLength(body)) };
    const req = request(url, { method, agent: false, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function scrape(url: string): Promise<Map<string, Family>> {
  const r = await http(url);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(r.body);
}

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The CLI in this process, with its stderr readable while it runs (the URL it prints), stopped by a signal's name. */
function startCli(args: string[], options: { env?: Record<string, string>; db?: FakeDatabase } = {}) {
  let stderr = '';
  let stdout = '';
  const err = Object.assign(new PassThrough(), { isTTY: false });
  const out = Object.assign(new PassThrough(), { isTTY: false });
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((r) => (stop = r));
  const driver = (options.db ?? new FakeDatabase()).driver({});
  const ctx: CommandContext = {
    env: options.env ?? {},
    cwd: tempDir(),
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    stdout: out,
    stderr: err,
    loadDriver: async () => driver,
    holder: 'dcn test',
    waitForStop: () => stopped,
  };
  const done = main(['node', 'dcn', ...args], ctx);
  return { stderr: () => stderr, stdout: () => stdout, stop, done };
}

describe('dcn listen /metrics', () => {
  it('counts notifications, drops by table and outcome, failures by cause, and times each answered drop', async () => {
    const dir = tempDir();
    const cli = startCli(['listen', '--port', '0', '--cache-dir', dir, '--map', 'EMPLOYEES=getEmployee']);
    const url = await until(() => /dcn listen: (http:\/\/\S+?)\/phpcache/.exec(cli.stderr())?.[1]);
    const before = await scrape(`${url}/metrics`);
    // at start, every mapped function's results were dropped (not a notification): nothing counted yet
    expect(valueOf(before, 'dcn_listener_notifications_total')).toBe(0);
    expect(before.get('dcn_listener_drop_duration_seconds')?.type).toBe('histogram');
    expect(valueOf(before, 'dcn_listener_drop_duration_seconds_count')).toBe(0);
    // the first sweep, made at start, gave the cache's size
    await until(async () => valueOf(await scrape(`${url}/metrics`), 'dcn_cache_sweep_duration_seconds_count') === 1);

    expect((await http(`${url}${P}?table=ORDERS&order_no=2408`)).status).toBe(200);
    expect((await http(`${url}${P}?table=ORDERS&order_no=2409`)).status).toBe(200);
    expect((await http(`${url}${P}?table=ORDER_ITEMS`)).status).toBe(200);
    expect((await http(`${url}${P}?table=EMPLOYEES&key=7`)).status).toBe(200);
    expect((await http(`${url}${P}?table=ORDERS&order_no=x`)).status).toBe(400);
    expect((await http(`${url}${P}?table=PAYROLL&order_no=1`)).status).toBe(404);
    expect((await http(`${url}/nowhere`)).status).toBe(404);
    expect((await http(`${url}${P}?table=ORDERS`, 'PUT')).status).toBe(405); // GET, and POST for a batch, are the methods it takes
    // the callback's batch: one call, two orders
    expect((await http(`${url}${P}?table=ORDERS`, 'POST', 'order_no=10\norder_no=11')).status).toBe(200);

    const m = await scrape(`${url}/metrics`);
    expect(valueOf(m, 'dcn_listener_notifications_total')).toBe(6);
    expect(valueOf(m, 'dcn_listener_drops_total', { table: 'ORDERS', outcome: 'dropped' })).toBe(4);
    expect(valueOf(m, 'dcn_listener_drops_total', { table: 'ORDER_ITEMS', outcome: 'dropped_all' })).toBe(1);
    expect(valueOf(m, 'dcn_listener_drops_total', { table: 'EMPLOYEES', outcome: 'dropped' })).toBe(1);
    expect(valueOf(m, 'dcn_listener_failures_total', { cause: 'bad_request' })).toBe(1);
    expect(valueOf(m, 'dcn_listener_failures_total', { cause: 'no_map' })).toBe(1);
    expect(valueOf(m, 'dcn_listener_failures_total', { cause: 'not_found' })).toBe(1);
    expect(valueOf(m, 'dcn_listener_failures_total', { cause: 'method_not_allowed' })).toBe(1);
    // every call answered 200 on the notification path (the batch is one), and nothing else (the scrapes, the 4xx)
    expect(valueOf(m, 'dcn_listener_drop_duration_seconds_count')).toBe(5);
    expect(valueOf(m, 'dcn_listener_drop_duration_seconds_bucket', { le: '+Inf' })).toBe(5);
    expect(valueOf(m, 'dcn_cache_entries')).toBe(0);
    expect(valueOf(m, 'dcn_cache_last_sweep_timestamp_seconds')).toBeGreaterThan(Date.parse('2020-01-01') / 1000);
    // no bus: no bus state
    expect(m.get('dcn_bus_state')?.samples).toEqual([]);
    // the process's own, from prom-client's defaults
    expect(valueOf(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    expect((await http(`${url}/metrics`, 'HEAD')).body).toBe('');
    expect((await http(`${url}/metrics`, 'POST')).status).toBe(405);
    cli.stop('SIGTERM');
    expect(await cli.done).toBe(0);
  });

  it('gives the cache size the last sweep found', async () => {
    const dir = tempDir();
    const app = new ResultCache({ dir });
    await app.call('getOrderFields', () => ({ id: 1 }), 1);
    const cli = startCli(['listen', '--port', '0', '--cache-dir', dir, '--keep-cache']);
    const url = await until(() => /dcn listen: (http:\/\/\S+?)\/phpcache/.exec(cli.stderr())?.[1]);
    const swept = await until(async () => {
      const m = await scrape(`${url}/metrics`);
      return valueOf(m, 'dcn_cache_sweep_duration_seconds_count') === 1 && m;
    });
    expect(valueOf(swept, 'dcn_cache_entries')).toBe(1);
    expect(valueOf(swept, 'dcn_cache_bytes')).toBeGreaterThan(0);
    cli.stop('SIGTERM');
    expect(await cli.done).toBe(0);
  });

  it('with a bus: its state, a lost bus and its return, and a drop that failed because the bus was down', async () => {
    const redis = await startRedis();
    try {
      const cli = startCli(['listen', '--port', '0', '--cache-dir', tempDir(), '--bus', redis.url]);
      const url = await until(() => /dcn listen: (http:\/\/\S+?)\/phpcache/.exec(cli.stderr())?.[1]);
      const up = await scrape(`${url}/metrics`);
      expect([
        valueOf(up, 'dcn_bus_state', { state: 'up' }),
        valueOf(up, 'dcn_bus_state', { state: 'down' }),
        valueOf(up, 'dcn_bus_state', { state: 'connecting' }),
      ]).toEqual([1, 0, 0]);
      await redis.kill();
      const down = await until(async () => {
        const m = await scrape(`${url}/metrics`);
        return valueOf(m, 'dcn_bus_disconnects_total') === 1 && m;
      });
      expect(valueOf(down, 'dcn_bus_state', { state: 'up' })).toBe(0);
      expect(valueOf(down, 'dcn_cache_warnings_total', { code: 'bus_down' })).toBe(1);
      expect((await http(`${url}${P}?table=ORDERS&order_no=2408`)).status).toBe(500);
      const failed = await scrape(`${url}/metrics`);
      expect(valueOf(failed, 'dcn_listener_failures_total', { cause: 'bus_publish' })).toBe(1);
      expect(valueOf(failed, 'dcn_listener_drops_total', { table: 'ORDERS', outcome: 'failed' })).toBe(1);
      expect(valueOf(failed, 'dcn_listener_notifications_total')).toBe(1);
      // a 500 is no answered drop: not in the latency histogram
      expect(valueOf(failed, 'dcn_listener_drop_duration_seconds_count')).toBe(0);
      await redis.restart();
      const back = await until(async () => {
        const m = await scrape(`${url}/metrics`);
        return valueOf(m, 'dcn_bus_reconnects_total') === 1 && m;
      }, 15_000);
      expect(valueOf(back, 'dcn_bus_state', { state: 'up' })).toBe(1);
      cli.stop('SIGTERM');
      expect(await cli.done).toBe(0);
    } finally {
      await redis.stop();
    }
  });

  it('refuses --path /metrics: the metrics are there', async () => {
    const cli = startCli(['listen', '--port', '0', '--cache-dir', tempDir(), '--path', '/metrics']);
    expect(await cli.done).toBe(2);
    expect(cli.stderr()).toMatch(/--path \/metrics is not a URL path/);
  });
});

const database = (): FakeDatabase => watchableDatabase([ORDER_2408]);

describe('dcn watch --metrics-port', () => {
  it('serves /metrics (subscriptions, drops, notification-to-drop latency) and /healthz while subscribed', async () => {
    const db = database();
    const dir = tempDir();
    const cli = startCli(['watch', '--table', 'ORDERS', '--cache-dir', dir, '--metrics-port', '0'], {
      env: DB_ENV,
      db,
    });
    const url = await until(() => /dcn watch: metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(cli.stderr())?.[1]);
    await until(() => db.subscriptions.size === 1);
    const health = await until(async () => {
      const r = await http(`${url}/healthz`);
      return r.status === 200 && r;
    });
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, subscribed: true, cache: { dir } });

    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR1' }]);
    const m = await until(async () => {
      const s = await scrape(`${url}/metrics`);
      return valueOf(s, 'dcn_watch_drop_latency_seconds_count') === 1 && s;
    });
    expect(valueOf(m, 'dcn_watch_subscribed')).toBe(1);
    expect(valueOf(m, 'dcn_watch_subscriptions_total')).toBe(1);
    expect(valueOf(m, 'dcn_watch_renewals_total')).toBe(0);
    expect(valueOf(m, 'dcn_watch_reconnects_total')).toBe(0);
    expect(valueOf(m, 'dcn_watch_drops_total', { table: 'OE.ORDERS', outcome: 'dropped' })).toBe(1);
    expect(valueOf(m, 'dcn_watch_drop_latency_seconds_sum')).toBeGreaterThan(0);
    expect((await http(`${url}/other`)).status).toBe(404);
    cli.stop('SIGTERM');
    expect(await cli.done).toBe(0);
    // the port is closed with the watch
    await expect(http(`${url}/metrics`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('counts a lost connection as a reconnect, and /healthz says 503 until it is subscribed again', async () => {
    const db = database();
    const cli = startCli(
      ['watch', '--table', 'ORDERS', '--cache-dir', tempDir(), '--metrics-port', '0', '--check-interval', '0.5'],
      { env: DB_ENV, db },
    );
    const url = await until(() => /dcn watch: metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(cli.stderr())?.[1]);
    await until(() => db.subscriptions.size === 1);
    for (const s of db.sessions) s.kill(); // the network goes: the connection and the channel with it
    // the watch waits a second before connecting again: /healthz says so meanwhile
    const down = await until(async () => {
      const r = await http(`${url}/healthz`);
      return r.status === 503 && r;
    });
    expect(JSON.parse(down.body)).toMatchObject({
      ok: false,
      subscribed: false,
      reason: 'not subscribed: connecting, or connecting again',
    });
    await until(async () => valueOf(await scrape(`${url}/metrics`), 'dcn_watch_reconnects_total') === 1);
    const back = await until(async () => {
      const s = await scrape(`${url}/metrics`);
      return valueOf(s, 'dcn_watch_subscriptions_total') === 2 && s;
    }, 10_000);
    expect(valueOf(back, 'dcn_watch_subscribed')).toBe(1);
    expect((await http(`${url}/healthz`)).status).toBe(200);
    cli.stop('SIGTERM');
    expect(await cli.done).toBe(0);
  });

  it('has no port unless asked, and refuses a bad one before connecting (exit 2)', async () => {
    const db = database();
    const off = startCli(['watch', '--table', 'ORDERS', '--cache-dir', tempDir()], { env: DB_ENV, db });
    await until(() => db.subscriptions.size === 1);
    off.stop('SIGTERM');
    expect(await off.done).toBe(0);
    expect(off.stderr()).not.toMatch(/metrics/);
    for (const [args, message] of [
      [['--metrics-port', '99999'], /--metrics-port 99999 is not a port number/],
      [['--metrics-port', 'x'], /--metrics-port x is not a port number/],
      [['--metrics-host', '0.0.0.0'], /--metrics-host without --metrics-port/],
    ] as [string[], RegExp][]) {
      const fresh = database();
      const cli = startCli(['watch', '--table', 'ORDERS', '--cache-dir', tempDir(), ...args], {
        env: DB_ENV,
        db: fresh,
      });
      expect(await cli.done).toBe(2);
      expect(cli.stderr()).toMatch(message);
      expect(fresh.subscriptions.size).toBe(0);
    }
  });
});

describe('dcn watch --metrics-port, taken', () => {
  it('a metrics port in use is exit 6 before it subscribes, saying which port', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as { port: number };
    try {
      const db = database();
      const cli = startCli(['watch', '--table', 'ORDERS', '--cache-dir', tempDir(), '--metrics-port', String(port)], {
        env: DB_ENV,
        db,
      });
      expect(await cli.done).toBe(6);
      expect(cli.stderr()).toMatch(
        new RegExp(
          `cannot serve metrics on 127\\.0\\.0\\.1:${port}: the port is in use\n {2}hint: pick another port with --metrics-port`,
        ),
      );
      expect(db.subscriptions.size).toBe(0);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});

describe('the built CLI', () => {
  it('does not load prom-client for dcn --help', () => {
    // prints the modules the process loaded from node_modules, as it exits
    const probe = join(tempDir(), 'probe.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('\\nLOADED ' + Object.keys(require.cache).filter((k) => k.includes('node_modules')).join(' ')));",
    );
    const help = spawnSync(process.execPath, ['-r', probe, join(root, 'bin', 'dcn.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stderr).toMatch(/LOADED/);
    expect(help.stderr).not.toMatch(/prom-client/);
  });

  it('dcn listen serves /metrics under plain node', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'dcn.js'), 'listen', '--port', '0', '--cache-dir', tempDir()],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    try {
      const url = await until(() => /dcn listen: (http:\/\/\S+?)\/phpcache/.exec(stderr)?.[1], 10_000);
      expect((await http(`${url}${P}?table=ORDERS&order_no=1`)).status).toBe(200);
      const m = await scrape(`${url}/metrics`);
      expect(valueOf(m, 'dcn_listener_drops_total', { table: 'ORDERS', outcome: 'dropped' })).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
  });
});

describe('the README', () => {
  it('documents every dcn_ metric either command serves', async () => {
    const cache = Object.assign(new EventEmitter(), { busState: () => 'up' as const, stats: () => undefined });
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const names = new Set<string>();
    for (const m of [await listenerMetrics(cache), await watchMetrics(cache)]) {
      for (const name of parseExposition(await m.text()).keys()) if (name.startsWith('dcn_')) names.add(name);
    }
    expect(names.size).toBeGreaterThan(20);
    expect([...names].filter((n) => !readme.includes(`\`${n}`))).toEqual([]);
  });
});
