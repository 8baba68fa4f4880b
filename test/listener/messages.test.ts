/** What dcn listen's log lines say happened: every form a drop removed, the order a failed drop was for, the status a caller got. */
import { mkdtempSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startListener, type NotificationEvent, type RunningListener } from '../../src/listener/listener.js';
import { formatEvent } from '../../src/cli/commands/listen.js';

const answer = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) =>
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject),
  );
const status = (url: string) =>
  new Promise<number>((resolve, reject) =>
    get(url, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode ?? 0)))).on('error', reject),
  );
const post = (url: string, body: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST' },
      (res) => (res.resume(), res.on('end', () => resolve(res.statusCode ?? 0))),
    );
    req.on('error', reject);
    req.end(body);
  });

describe("dcn listen's log lines", () => {
  let listener: RunningListener | undefined;
  afterEach(() => listener?.close());

  /** A listener whose events arrive in order; `next(n)` waits for the n-th. */
  async function start(options: Partial<Parameters<typeof startListener>[0]> = {}) {
    const cache = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-msg-')) });
    const events: NotificationEvent[] = [];
    const waiting: (() => void)[] = [];
    listener = await startListener({
      cache,
      port: 0,
      tables: { ORDERS: 'getOrderFields', EMPLOYEES: 'getEmployee' },
      ...options,
      onEvent: (e) => (events.push(e), waiting.splice(0).forEach((w) => w())),
    });
    const next = async (n: number) => {
      while (events.length < n) await new Promise<void>((r) => waiting.push(r));
      return events[n - 1]!;
    };
    return { cache, url: listener.url, next, events };
  }

  it('names both forms a number-like key or order was dropped in', async () => {
    const { url, next } = await start();
    expect(await status(`${url}?table=EMPLOYEES&key=7`)).toBe(200);
    expect(formatEvent({ ...(await next(1)), time: 'T' })).toBe(
      'T 200 EMPLOYEES key "7": dropped getEmployee("7") and getEmployee(7)',
    );
    expect(await status(`${url}?table=EMPLOYEES&key=A7`)).toBe(200);
    expect(formatEvent({ ...(await next(2)), time: 'T' })).toBe('T 200 EMPLOYEES key "A7": dropped getEmployee("A7")');
    expect(await status(`${url}?table=ORDERS&order_no=2408`)).toBe(200);
    expect(formatEvent({ ...(await next(3)), time: 'T' })).toBe(
      'T 200 ORDERS order 2408: dropped getOrderFields("2408") and getOrderFields(2408)',
    );
  });

  it('names the order a failed drop was for, not the whole table', async () => {
    const { cache, url, next } = await start();
    // a fault put into this one instance: its directory could not be written
    cache.dropSync = () => {
      throw new Error('EROFS: read-only file system');
    };
    expect(await status(`${url}?table=ORDERS&order_no=2408`)).toBe(500);
    const line = formatEvent({ ...(await next(1)), time: 'T' });
    expect(line).toBe('T 500 ORDERS order 2408: rejected: cache error: EROFS: read-only file system');
    expect(await status(`${url}?table=EMPLOYEES&key=7`)).toBe(500);
    expect(formatEvent({ ...(await next(2)), time: 'T' })).toBe(
      'T 500 EMPLOYEES key "7": rejected: cache error: EROFS: read-only file system',
    );
  });

  it('names each order and key of a failed batch on its own line, not the whole table', async () => {
    const { cache, url, events } = await start();
    // each event is emitted before the answer is sent
    const lines = () => events.splice(0).map((e) => formatEvent({ ...e, time: 'T' }));
    cache.dropSync = () => {
      throw new Error('EROFS: read-only file system');
    };
    expect(await post(`${url}?table=ORDERS`, 'order_no=2408\norder_no=2409\n')).toBe(500);
    expect(lines()).toEqual([
      'T 500 ORDERS order 2408: rejected: cache error: EROFS: read-only file system',
      'T 500 ORDERS order 2409: rejected: cache error: EROFS: read-only file system',
    ]);
    // the bus could not take the drops: the same, for a routed table's keys
    cache.dropSync = () => true;
    cache.publishDrop = () =>
      Promise.reject(Object.assign(new Error('the drop did not reach the bus'), { code: 'ERR_BUS_PUBLISH' }));
    expect(await post(`${url}?table=EMPLOYEES`, 'key=7\nkey=A7\n')).toBe(500);
    expect(lines()).toEqual([
      'T 500 EMPLOYEES key "7": rejected: the drop did not reach the bus',
      'T 500 EMPLOYEES key "A7": rejected: the drop did not reach the bus',
    ]);
  });

  it('logs a failed refresh with the 200 the caller was answered', async () => {
    const { url, next } = await start({
      refresh: {
        getOrderFields: async () => Promise.reject(new Error('ORA-03113: end-of-file on communication channel')),
      },
    });
    expect(await status(`${url}?table=ORDERS&order_no=2408`)).toBe(200);
    expect((await next(1)).action).toBe('dropped');
    const refresh = await next(2);
    expect(refresh).toMatchObject({ status: 200, action: 'refresh-failed' });
    expect(formatEvent({ ...refresh, time: 'T' })).toBe(
      'T 200 ORDERS order 2408: refresh of getOrderFields(2408) failed: ORA-03113: end-of-file on communication channel',
    );
  });

  it('names the parameter that does not decode, or is given twice', async () => {
    const { url } = await start();
    const bad = await answer(`${url}?table=EMPLOYEES&key=%FF`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toBe('key=%FF does not decode: a %XX sequence that is not UTF-8');
    const twice = await answer(`${url}?table=ORDERS&table=EMPLOYEES&order_no=1`);
    expect(JSON.parse(twice.body).error).toBe('table is given more than once');
  });
});
