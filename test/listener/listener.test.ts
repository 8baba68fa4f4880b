import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import {
  createNotificationHandler,
  startListener,
  type NotificationEvent,
  type RunningListener,
} from '../../src/listener/listener.js';
import { formatEvent } from '../../src/cli/commands/listen.js';
import { runCli } from '../support/cli.js';
import { http } from '../support/http.js';

const root = join(import.meta.dirname, '..', '..');
const tempDir = () => mkdtempSync(join(tmpdir(), 'dcn-listen-'));

const P = '/phpcache/dropResults.php';

/** Resolves once ok() holds; rejects after ms. */
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the listener over real HTTP', () => {
  let listener: RunningListener;
  let cache: ResultCache;
  let events: NotificationEvent[];
  let refreshed: number[];
  const base = () => listener.url.replace(P, '');

  // each test its own listener, cache and events: none depends on what another left behind
  beforeEach(async () => {
    events = [];
    refreshed = [];
    cache = new ResultCache({ dir: tempDir() });
    listener = await startListener({
      cache,
      port: 0,
      token: 'tok-123',
      refresh: {
        getOrderFields: async (n: number) => {
          refreshed.push(n);
          return { order_id: n, refreshed: true };
        },
      },
      onEvent: (e) => events.push(e),
    });
  });
  afterEach(() => listener.close());

  const withToken = { 'x-dcn-token': 'tok-123' };

  it('binds to 127.0.0.1 and answers /healthz', async () => {
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/phpcache\/dropResults\.php$/);
    const health = await http(base(), '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, cache: { dir: cache.dir } });
    expect((await http(base(), '/healthz', { method: 'POST' })).status).toBe(405);
  });

  it('drops the order and refreshes it (200)', async () => {
    await cache.call('getOrderFields', () => ({ order_id: 2408, stale: true }), 2408);
    await cache.call('getOrderFields', () => ({ order_id: 2409 }), 2409);
    const r = await http(base(), `${P}?order_no=2408&table=ORDERS`, { headers: withToken });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({
      ok: true,
      action: 'dropped',
      table: 'ORDERS',
      function: 'getOrderFields',
      order: 2408,
    });
    await until('the refresh', () => events.some((e) => e.action === 'refreshed'));
    expect(refreshed).toEqual([2408]);
    expect(await cache.call('getOrderFields', () => ({ wrong: true }), 2408)).toEqual({
      order_id: 2408,
      refreshed: true,
    });
    expect(await cache.has('getOrderFields', 2409)).toBe(true);
    expect(events.map((e) => e.action)).toEqual(['dropped', 'refreshed']);
  });

  it('drops every entry of the function on a table-level notification (no order_no)', async () => {
    for (const n of [1, 2, 3]) await cache.call('getOrderItems', () => [n], n);
    const r = await http(base(), `${P}?table=order_items`, { headers: withToken });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).action).toBe('dropped-all');
    for (const n of [1, 2, 3]) expect(await cache.has('getOrderItems', n)).toBe(false);
  });

  it.each([
    ['no token', 401, `${P}?order_no=1&table=ORDERS`, {}],
    ['a wrong token', 401, `${P}?order_no=1&table=ORDERS`, { 'x-dcn-token': 'tok-124' }],
    ['no table', 400, `${P}?order_no=1`, withToken],
    ['a bad table', 400, `${P}?order_no=1&table=ORD%27ERS`, withToken],
    ['an unknown table', 404, `${P}?order_no=1&table=CUSTOMERS`, withToken],
    ['a bad order', 400, `${P}?order_no=12a&table=ORDERS`, withToken],
    ['a negative order', 400, `${P}?order_no=-1&table=ORDERS`, withToken],
    ['two orders', 400, `${P}?order_no=1&order_no=2&table=ORDERS`, withToken],
    ['two tables', 400, `${P}?order_no=1&table=ORDERS&table=ORDER_ITEMS`, withToken],
    ['another path', 404, '/dropResults.php?order_no=1&table=ORDERS', withToken],
    ['a long URL', 413, `${P}?order_no=1&table=ORDERS&x=${'a'.repeat(3000)}`, withToken],
  ])('answers %s with %i', async (_name, status, path, headers) => {
    const r = await http(base(), path, { headers: headers as Record<string, string> });
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body).ok).toBe(false);
  });

  it('answers a table it has no cached function for with 404 and a reason phrase the database logs', async () => {
    const r = await http(base(), `${P}?order_no=1&table=CUSTOMERS`, { headers: withToken });
    expect([r.status, r.reason]).toEqual([404, 'No Map For Table']);
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: 'no cached function for table CUSTOMERS' });
    const path = await http(base(), '/dropResults.php?order_no=1&table=ORDERS', { headers: withToken });
    expect([path.status, path.reason]).toEqual([404, 'Not Found']);
  });

  it('answers other methods with 405, a body with 413, oversized headers with 431', async () => {
    for (const method of ['PUT', 'DELETE', 'HEAD']) {
      const r = await http(base(), `${P}?order_no=1&table=ORDERS`, { method, headers: withToken });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, POST');
    }
    expect(
      (
        await http(base(), `${P}?order_no=1&table=ORDERS`, {
          headers: { ...withToken, 'content-length': '5' },
          body: 'hello',
        })
      ).status,
    ).toBe(413);
    expect(
      (
        await http(base(), `${P}?order_no=1&table=ORDERS`, {
          headers: { ...withToken, 'transfer-encoding': 'chunked' },
          body: 'hello',
        })
      ).status,
    ).toBe(413);
    expect(
      (await http(base(), `${P}?order_no=1&table=ORDERS`, { headers: { ...withToken, 'x-big': 'a'.repeat(10_000) } }))
        .status,
    ).toBe(431);
    // and it still serves valid notifications afterwards
    expect((await http(base(), `${P}?order_no=1&table=ORDERS`, { headers: withToken })).status).toBe(200);
  });
});

describe('the listener for tables routed by their own key', () => {
  let listener: RunningListener;
  let cache: ResultCache;
  let events: NotificationEvent[];
  const base = () => listener.url.replace(P, '');

  beforeEach(async () => {
    events = [];
    cache = new ResultCache({ dir: tempDir() });
    listener = await startListener({
      cache,
      port: 0,
      tables: { ORDERS: 'getOrderFields', EMPLOYEES: 'getEmployee', JOB_HISTORY: 'getJobHistory' },
      onEvent: (e) => events.push(e),
    });
  });
  afterEach(() => listener.close());

  it('drops function(...keys): ?table=EMPLOYEES&key=7 drops getEmployee(7), whether the application passed 7 or "7"', async () => {
    await cache.call('getEmployee', () => 'number seven', 7);
    await cache.call('getEmployee', () => 'string seven', '7');
    await cache.call('getEmployee', () => 'eight', 8);
    const r = await http(base(), `${P}?table=EMPLOYEES&key=7`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({
      ok: true,
      action: 'dropped',
      table: 'EMPLOYEES',
      function: 'getEmployee',
      keys: ['7'],
    });
    expect(await cache.has('getEmployee', 7)).toBe(false);
    expect(await cache.has('getEmployee', '7')).toBe(false);
    expect(await cache.has('getEmployee', 8)).toBe(true);
    expect(events.at(-1)).toMatchObject({
      status: 200,
      action: 'dropped',
      table: 'EMPLOYEES',
      function: 'getEmployee',
      keys: ['7'],
    });
    expect(formatEvent({ ...events.at(-1)!, time: 'T' })).toBe(
      'T 200 EMPLOYEES key "7": dropped getEmployee("7") and getEmployee(7)',
    );
  });

  it('?order_no=2408 drops getOrderFields(2408) and getOrderFields("2408"), as keys drop both forms', async () => {
    await cache.call('getOrderFields', () => 'number', 2408);
    await cache.call('getOrderFields', () => 'text', '2408');
    await cache.call('getOrderFields', () => 'other', 2409);
    // two in one batch, and the same order twice in it: each form is dropped
    const [a, b] = await Promise.all([
      http(base(), `${P}?order_no=2408&table=ORDERS`),
      http(base(), `${P}?order_no=2408&table=ORDERS`),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(JSON.parse(a.body)).toEqual({
      ok: true,
      action: 'dropped',
      table: 'ORDERS',
      function: 'getOrderFields',
      order: 2408,
    });
    expect(await cache.has('getOrderFields', 2408)).toBe(false);
    expect(await cache.has('getOrderFields', '2408')).toBe(false);
    expect(await cache.has('getOrderFields', 2409)).toBe(true);
  });

  it('takes one key parameter per key column, in order, each decoded', async () => {
    await cache.call('getJobHistory', () => 'x', 101, '13-JAN-93');
    await cache.call('getJobHistory', () => 'y', 101, '24-MAR-97');
    await cache.call('getJobHistory', () => 'z', 'a&b', 'c d');
    expect((await http(base(), `${P}?table=JOB_HISTORY&key=101&key=13-JAN-93`)).status).toBe(200);
    expect(await cache.has('getJobHistory', 101, '13-JAN-93')).toBe(false);
    expect(await cache.has('getJobHistory', 101, '24-MAR-97')).toBe(true);
    // the callback escapes each value (UTL_URL.ESCAPE with reserved characters)
    expect((await http(base(), `${P}?table=JOB_HISTORY&key=a%26b&key=c%20d`)).status).toBe(200);
    expect(await cache.has('getJobHistory', 'a&b', 'c d')).toBe(false);
  });

  it('drops every entry of the function without keys, and refuses keys with an order number, or more keys than it can try (400)', async () => {
    await cache.call('getEmployee', () => 'nine', 9);
    expect(JSON.parse((await http(base(), `${P}?table=EMPLOYEES`)).body)).toMatchObject({ action: 'dropped-all' });
    expect(await cache.has('getEmployee', 9)).toBe(false);
    expect((await http(base(), `${P}?table=ORDERS&order_no=1&key=1`)).status).toBe(400);
    expect(
      (await http(base(), `${P}?table=EMPLOYEES&${Array.from({ length: 9 }, (_, i) => `key=${i}`).join('&')}`)).status,
    ).toBe(400);
    expect((await http(base(), `${P}?table=EMPLOYEES&key=%E0%A4%A`)).status).toBe(400);
  });
});

describe('the listener under concurrent notifications', () => {
  it('drops and answers each notification in the call that read it, without waiting a turn of the event loop', async () => {
    const drops: unknown[] = [];
    class CountingCache extends ResultCache {
      override dropSync(name: string, ...args: unknown[]): boolean {
        drops.push(args[0]);
        return super.dropSync(name, ...args);
      }
    }
    const cache = new CountingCache({ dir: tempDir() });
    await cache.call('getOrderFields', () => ({ order_id: 7 }), 7);
    const handler = createNotificationHandler({ cache });
    const answers: { status: number; body: string; dropsWhenAnswered?: number }[] = [];
    const res = () => {
      const answer: (typeof answers)[number] = { status: 0, body: '' };
      answers.push(answer);
      return {
        writeHead: (status: number) => (answer.status = status),
        end: (body: string) => {
          answer.body = body;
          answer.dropsWhenAnswered = drops.length;
        },
      } as never;
    };
    handler({ url: `${P}?order_no=7&table=ORDERS`, method: 'GET', headers: {} } as never, res());
    // answered before the handler returned, its entry already gone
    expect(answers.map((a) => [a.status, JSON.parse(a.body || 'null')?.order, a.dropsWhenAnswered])).toEqual([
      [200, 7, 2],
    ]);
    expect(drops).toEqual(['7', 7]);
    expect(await cache.has('getOrderFields', 7)).toBe(false);
    // the same order again is dropped again: each notification drops its own entry
    handler({ url: `${P}?order_no=7&table=ORDERS`, method: 'GET', headers: {} } as never, res());
    handler({ url: `${P}?order_no=8&table=ORDERS`, method: 'GET', headers: {} } as never, res());
    expect(drops).toEqual(['7', 7, '7', 7, '8', 8]);
    expect(answers.map((a) => [a.status, JSON.parse(a.body || 'null')?.order])).toEqual([
      [200, 7],
      [200, 7],
      [200, 8],
    ]);
  });

  it('drops each order before answering it, and a failing drop answers 500 without holding up the others', async () => {
    class FailingCache extends ResultCache {
      override dropSync(name: string, ...args: unknown[]): boolean {
        if (args[0] === 13) throw new Error('disk on fire');
        return super.dropSync(name, ...args);
      }
    }
    const cache = new FailingCache({ dir: tempDir() });
    const orders = Array.from({ length: 40 }, (_, i) => i + 1);
    for (const n of [...orders, 99]) await cache.call('getOrderFields', () => ({ order_id: n }), n);
    const events: NotificationEvent[] = [];
    const listener = await startListener({ cache, port: 0, onEvent: (e) => events.push(e) });
    try {
      const base = listener.url.replace(P, '');
      const answers = await Promise.all(
        orders.map(async (n) => {
          const r = await http(base, `${P}?order_no=${n}&table=ORDERS`);
          // answered only once its entry is gone
          return { n, status: r.status, cachedWhenAnswered: await cache.has('getOrderFields', n) };
        }),
      );
      for (const a of answers)
        expect(a).toEqual({ n: a.n, status: a.n === 13 ? 500 : 200, cachedWhenAnswered: a.n === 13 });
      expect(await cache.has('getOrderFields', 99)).toBe(true);
      expect(
        events
          .filter((e) => e.action === 'dropped')
          .map((e) => e.order)
          .sort((a, b) => a! - b!),
      ).toEqual(orders.filter((n) => n !== 13));
      expect(events.filter((e) => e.status === 500)).toMatchObject([
        { action: 'rejected', function: 'getOrderFields', reason: 'cache error: disk on fire' },
      ]);
    } finally {
      await listener.close();
    }
  });
});

/** `dcn listen` as a real process: its URL from stderr, its memory from /proc. */
async function startCli(
  args: string[],
): Promise<{ child: ChildProcess; base: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'dcn.js'), 'listen', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c;
      const m = /dcn listen: (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`dcn listen exited: ${stderr}`)));
  });
  return { child, base: url.replace(P, ''), stdout: () => stdout, stderr: () => stderr };
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('dcn listen as a process', () => {
  it('prints one NDJSON line per notification and stops cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dir = tempDir();
      const cli = await startCli(['--cache-dir', dir, '--json']);
      expect((await http(cli.base, `${P}?order_no=2408&table=ORDERS`)).status).toBe(200);
      expect((await http(cli.base, `${P}?order_no=x&table=ORDERS`)).status).toBe(400);
      cli.child.kill(signal);
      const code = await new Promise((r) => cli.child.on('exit', r));
      expect(code).toBe(0);
      const lines = cli
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({
        status: 200,
        action: 'dropped-all-at-start',
        functions: ['getOrderFields', 'getOrderItems'],
      });
      expect(lines[1]).toMatchObject({ status: 200, action: 'dropped', table: 'ORDERS', order: 2408 });
      expect(lines[2]).toMatchObject({ status: 400, action: 'rejected' });
      expect(lines.at(-1)).toMatchObject({ ok: true, stoppedBy: signal, notifications: 1 });
      expect(cli.stderr()).toMatch(new RegExp(`stopped \\(${signal}\\) after 1 notification`));
    }
  });

  it('keeps serving when the reader of its stdout goes away (dcn listen | head -1), and says so once on stderr', async () => {
    const cli = await startCli(['--cache-dir', tempDir()]);
    const firstLine = new Promise<void>((resolve) => cli.child.stdout!.once('data', () => resolve()));
    expect((await http(cli.base, `${P}?order_no=1&table=ORDERS`)).status).toBe(200);
    await firstLine;
    cli.child.stdout!.destroy(); // as head does after its line
    const exited = new Promise<number | null>((resolve) => cli.child.on('exit', resolve));
    const gone = /cannot write to stdout/;
    // notifications go on; the log line of one of them meets the closed pipe
    for (let i = 2; !gone.test(cli.stderr()) && cli.child.exitCode === null && i < 500; i++) {
      expect((await http(cli.base, `${P}?order_no=${i}&table=ORDERS`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 25)); // past the 20 ms in which log lines are gathered
    }
    expect(cli.child.exitCode).toBeNull();
    expect(cli.stderr()).toMatch(
      /dcn listen: warning: cannot write to stdout \(EPIPE\): notification lines are dropped from now on; it goes on serving/,
    );
    for (let i = 0; i < 5; i++)
      expect((await http(cli.base, `${P}?order_no=${1000 + i}&table=ORDERS`)).status).toBe(200);
    cli.child.kill('SIGTERM'); // it writes what lines it holds before it says it stopped
    expect(await exited).toBe(0);
    expect(cli.stderr().match(/cannot write to stdout/g)).toHaveLength(1);
    expect(cli.stderr()).toMatch(/stopped \(SIGTERM\) after \d+ notification/);
  });

  it('takes --map TABLE=function, and refuses anything else before it listens', async () => {
    for (const bad of [
      'ORDERS',
      'ORDERS=',
      '=getOrderFields',
      'ORDERS=get=x',
      '1ORDERS=getOrderFields',
      'ORDERS=get/../x',
    ]) {
      const r = await runCli(['listen', '--port', '0', '--cache-dir', tempDir(), '--map', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toContain(`--map ${bad}: expected TABLE=function`);
    }
    const ok = await runCli(['listen', '--port', '0', '--cache-dir', tempDir(), '--map', 'line_items=getLines'], {
      stop: Promise.resolve('SIGTERM'),
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/→ ORDERS=getOrderFields, ORDER_ITEMS=getOrderItems, LINE_ITEMS=getLines; cache /);
  });

  it('with a --map for another table still drops for the orders tables; ORDERS=- leaves them out', async () => {
    const cli = await startCli(['--cache-dir', tempDir(), '--map', 'EMPLOYEES=getEmployee']);
    expect((await http(cli.base, `${P}?order_no=2408&table=ORDERS`)).status).toBe(200);
    expect((await http(cli.base, `${P}?table=EMPLOYEES&key=7`)).status).toBe(200);
    cli.child.kill('SIGTERM');
    await new Promise((r) => cli.child.on('exit', r));
    const only = await startCli([
      '--cache-dir',
      tempDir(),
      '--map',
      'EMPLOYEES=getEmployee',
      '--map',
      'ORDERS=-',
      '--map',
      'ORDER_ITEMS=-',
    ]);
    expect(only.stderr()).toMatch(/→ EMPLOYEES=getEmployee; cache /);
    expect((await http(only.base, `${P}?order_no=2408&table=ORDERS`)).status).toBe(404);
    only.child.kill('SIGTERM');
    await new Promise((r) => only.child.on('exit', r));
  });

  it('refuses a --path that is not a URL path without echoing a password it holds (a callback URL given by mistake)', async () => {
    for (const path of ['http://app:s3cret@10.0.0.5:8080/phpcache/dropResults.php', 'app:s3cret@10.0.0.5/x']) {
      for (const json of [[], ['--json']]) {
        const r = await runCli(['listen', '--port', '0', '--cache-dir', tempDir(), '--path', path, ...json]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/--path \S*app:\*\*\*@10\.0\.0\.5\S* is not a URL path/);
        expect(r.stderr + r.stdout).not.toContain('s3cret');
      }
    }
  });

  it('loads refresh functions from a module, and says which one is missing', async () => {
    const dir = tempDir();
    const module = join(dir, 'queries.mjs');
    writeFileSync(module, 'export async function getOrderFields(n) { return { order_id: n }; }\n');
    const missing = spawn(process.execPath, [
      join(root, 'bin', 'dcn.js'),
      'listen',
      '--port',
      '0',
      '--refresh',
      module,
    ]);
    let err = '';
    missing.stderr.on('data', (c: Buffer) => (err += c));
    expect(await new Promise((r) => missing.on('exit', r))).toBe(2);
    expect(err).toMatch(/does not export a function getOrderItems/);
  });

  it('keeps its memory flat under a flood of malformed requests', async () => {
    const cli = await startCli(['--cache-dir', tempDir()]);
    const bad = [
      `${P}?order_no=%%%&table=ORDERS`,
      `${P}?table=`,
      `/x/${'y'.repeat(1500)}`,
      `${P}?order_no=1&table=${'T'.repeat(200)}`,
      `${P}?order_no=${'9'.repeat(40)}&table=ORDERS`,
    ];
    const flood = async (n: number) => {
      for (let i = 0; i < n; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => http(cli.base, bad[(i + j) % bad.length]!)));
      }
    };
    await flood(2000); // warm up
    const before = rssKb(cli.child.pid!);
    await flood(10_000);
    const after = rssKb(cli.child.pid!);
    expect((await http(cli.base, `${P}?order_no=1&table=ORDERS`)).status).toBe(200);
    cli.child.kill('SIGTERM');
    await new Promise((r) => cli.child.on('exit', r));
    expect(after - before).toBeLessThan(20_000); // KiB
  }, 60_000);
});

describe('dcn listen never says "dropped" when nothing was', () => {
  it('refuses a cache directory it cannot use, before it listens, and prints the absolute path of one it can', async () => {
    const dir = tempDir();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runCli(['listen', '--port', '0', '--cache-dir', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot use cache directory ${file}`);
    expect(r.stderr).toMatch(/--cache-dir/);
    const ok = await runCli(['listen', '--port', '0', '--cache-dir', 'relative/cache'], {
      cwd: dir,
      stop: Promise.resolve('SIGTERM'),
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`cache ${join(dir, 'relative', 'cache')}`);
    expect(statSync(join(dir, 'relative', 'cache')).isDirectory()).toBe(true);
  });

  it('answers 500 when the cache directory is gone, for one order and for a whole table', async () => {
    const dir = join(tempDir(), 'cache');
    const cache = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    cache.checkWritable();
    const listener = await startListener({ cache, port: 0 });
    try {
      const base = listener.url.replace(P, '');
      expect((await http(base, `${P}?order_no=1&table=ORDERS`)).status).toBe(200); // nothing cached: fine
      expect((await http(base, '/healthz')).status).toBe(200);
      rmSync(dir, { recursive: true });
      // a probe sees it before any notification does
      const health = await http(base, '/healthz');
      expect(health.status).toBe(503);
      expect(JSON.parse(health.body)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/cache directory .* is gone/),
      });
      const one = await http(base, `${P}?order_no=1&table=ORDERS`);
      expect(one.status).toBe(500);
      expect(JSON.parse(one.body).error).toMatch(/cache directory .* is gone/);
      expect((await http(base, `${P}?table=ORDER_ITEMS`)).status).toBe(500);
    } finally {
      await listener.close();
    }
  });

  it('reports the cache entries and bytes on /healthz', async () => {
    const cache = new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0 });
    for (const n of [1, 2, 3]) await cache.call('getOrderFields', () => ({ order_id: n }), n);
    await cache.sweep();
    const listener = await startListener({ cache, port: 0 });
    try {
      const body = JSON.parse((await http(listener.url.replace(P, ''), '/healthz')).body);
      expect(body).toMatchObject({ ok: true, cache: { dir: cache.dir, entries: 3 } });
      expect(body.cache.bytes).toBeGreaterThan(0);
    } finally {
      await listener.close();
    }
  });

  it('warns when it listens beyond loopback without a token, on stderr and in --json', async () => {
    const r = await runCli(['listen', '--port', '0', '--host', '0.0.0.0', '--cache-dir', tempDir(), '--json'], {
      stop: Promise.resolve('SIGTERM'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*0\.0\.0\.0.* without a token/);
    const warning = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((l) => l.warning);
    expect(warning).toMatchObject({ code: 'no_token' });
    const quiet = await runCli(['listen', '--port', '0', '--cache-dir', tempDir()], {
      stop: Promise.resolve('SIGTERM'),
    });
    expect(quiet.stderr).not.toMatch(/warning/);
  });

  it('counts notifications, not the refreshes that follow them', async () => {
    const dir = tempDir();
    const module = join(dir, 'queries.mjs');
    writeFileSync(
      module,
      'export async function getOrderFields(n) { return { order_id: n }; }\nexport async function getOrderItems(n) { return [n]; }\n',
    );
    const cli = await startCli(['--cache-dir', join(dir, 'cache'), '--refresh', module]);
    for (const n of [1, 2, 3, 4]) expect((await http(cli.base, `${P}?order_no=${n}&table=ORDERS`)).status).toBe(200);
    await until('the 4 refreshes logged', () => (cli.stdout().match(/refreshed getOrderFields/g) ?? []).length === 4);
    cli.child.kill('SIGTERM');
    await new Promise((r) => cli.child.on('exit', r));
    expect(cli.stderr()).toMatch(/after 4 notification\(s\)/);
  });

  it('exits 6 when the port is taken, and names the process that holds it when the system tells', async () => {
    const holder = await startListener({
      cache: new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0 }),
      port: 0,
    });
    try {
      const port = new URL(holder.url).port;
      const r = await runCli(['listen', '--port', port, '--cache-dir', tempDir()]);
      expect(r.code).toBe(6);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
      if (existsSync('/proc/net/tcp')) expect(r.stderr).toContain(`held by process ${process.pid}`);
    } finally {
      await holder.close();
    }
  });
});

describe('dcn listen at start (no notification lost for good)', () => {
  async function seeded() {
    const dir = tempDir();
    const cache = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    await cache.call('getOrderFields', () => ({ order_id: 2408, status: 'stale?' }), 2408);
    await cache.call('getOrderItems', () => [{ line: 1 }], 2408);
    await cache.call('getCustomer', () => ({ id: 7 }), 7);
    cache.close();
    const cached = async () => {
      const c = new ResultCache({ dir, sweepIntervalSeconds: 0 });
      const hits = [];
      for (const [fn, arg] of [
        ['getOrderFields', 2408],
        ['getOrderItems', 2408],
        ['getCustomer', 7],
      ] as const) {
        if ((await c.callWith(fn, {}, () => null, arg)).hit) hits.push(fn);
      }
      c.close();
      return hits;
    };
    return { dir, cached };
  }

  it('drops every result of the mapped functions once it answers: what a notification sent while it was down would have dropped may be stale', async () => {
    const { dir, cached } = await seeded();
    const r = await runCli(['listen', '--port', '0', '--cache-dir', dir, '--json'], {
      stop: Promise.resolve('SIGTERM'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/dropped every getOrderFields\(\) and getOrderItems\(\) result cached before it answered/);
    expect(JSON.parse(r.stdout.split('\n')[0]!)).toMatchObject({
      action: 'dropped-all-at-start',
      functions: ['getOrderFields', 'getOrderItems'],
    });
    expect(await cached()).toEqual(['getCustomer']); // a function it does not drop for is not its business
  });

  it('--keep-cache keeps them', async () => {
    const { dir, cached } = await seeded();
    const r = await runCli(['listen', '--port', '0', '--cache-dir', dir, '--keep-cache'], {
      stop: Promise.resolve('SIGTERM'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/dropped every/);
    expect(await cached()).toEqual(['getOrderFields', 'getOrderItems', 'getCustomer']);
  });
});
