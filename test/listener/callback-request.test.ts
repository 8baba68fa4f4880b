/**
 * The batch the callback sends by default (callbackCalls=batch): POST <path>?table=T, one line per
 * order or key in the body. Over real HTTP: the same token as a GET, every entry dropped before
 * the answer, a bad line refuses the whole call, a body beyond the limit is 413.
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startListener, type NotificationEvent, type RunningListener } from '../../src/listener/listener.js';
import { MAX_BATCH_BYTES, parseBatch } from '../../src/listener/callback-request.js';

const P = '/phpcache/dropResults.php';
const TOKEN = { 'x-dcn-token': 'tok-batch' };

function post(
  base: string,
  path: string,
  body: string,
  headers: Record<string, string> = TOKEN,
  method = 'POST',
): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: {
          'content-type': 'text/plain; charset=us-ascii',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // a listener that answers before reading the whole body may reset the connection: the answer came first
    req.on('error', reject);
    req.end(body);
  });
}

describe('a batch over real HTTP', () => {
  let listener: RunningListener;
  let cache: ResultCache;
  const events: NotificationEvent[] = [];
  const base = () => listener.url.replace(P, '');

  beforeAll(async () => {
    cache = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-batch-')) });
    listener = await startListener({
      cache,
      port: 0,
      token: 'tok-batch',
      tables: { ORDERS: 'getOrderFields', JOB_HISTORY: 'getJobHistory' },
      onEvent: (e) => events.push(e),
    });
  });
  afterAll(() => listener.close());

  it('drops every order of the body, as number and as text, and keeps the others', async () => {
    for (const n of [1, 2, 3]) {
      await cache.call('getOrderFields', () => n, n);
      await cache.call('getOrderFields', () => String(n), String(n));
    }
    events.length = 0;
    const r = await post(base(), `${P}?table=ORDERS`, 'order_no=1\norder_no=3');
    expect([r.status, JSON.parse(r.body)]).toEqual([
      200,
      { ok: true, action: 'dropped', table: 'ORDERS', function: 'getOrderFields', entries: 2 },
    ]);
    for (const n of [1, 3]) {
      expect(await cache.has('getOrderFields', n)).toBe(false);
      expect(await cache.has('getOrderFields', String(n))).toBe(false);
    }
    expect(await cache.has('getOrderFields', 2)).toBe(true);
    expect(events.map((e) => [e.action, e.order])).toEqual([
      ['dropped', 1],
      ['dropped', 3],
    ]);
  });

  it('drops the keys of a table routed by its own key, one entry a line, escaped as in a URL', async () => {
    await cache.call('getJobHistory', () => 'x', 101, '13-JAN-93');
    await cache.call('getJobHistory', () => 'y', 'a&b', 'c d');
    await cache.call('getJobHistory', () => 'z', 102, '01-JAN-99');
    const r = await post(base(), `${P}?table=JOB_HISTORY`, 'key=101&key=13-JAN-93\nkey=a%26b&key=c%20d\n');
    expect(r.status).toBe(200);
    expect(await cache.has('getJobHistory', 101, '13-JAN-93')).toBe(false);
    expect(await cache.has('getJobHistory', 'a&b', 'c d')).toBe(false);
    expect(await cache.has('getJobHistory', 102, '01-JAN-99')).toBe(true);
  });

  it('asks for the same token as a GET, before it reads the body', async () => {
    await cache.call('getOrderFields', () => 7, 7);
    expect((await post(base(), `${P}?table=ORDERS`, 'order_no=7', {})).status).toBe(401);
    expect((await post(base(), `${P}?table=ORDERS`, 'order_no=7', { 'x-dcn-token': 'wrong' })).status).toBe(401);
    expect(await cache.has('getOrderFields', 7)).toBe(true);
  });

  it('refuses the whole call for one bad line: nothing of it is dropped', async () => {
    await cache.call('getOrderFields', () => 8, 8);
    for (const body of [
      'order_no=8\norder_no=x',
      'order_no=8\ntable=ORDERS',
      'order_no=8\n\norder_no=9',
      'order_no=8&key=1',
      '',
    ]) {
      const r = await post(base(), `${P}?table=ORDERS`, body);
      expect([body, r.status]).toEqual([body, 400]);
    }
    // orders in the URL of a POST are not a batch
    expect((await post(base(), `${P}?table=ORDERS&order_no=8`, 'order_no=8')).status).toBe(400);
    expect(await cache.has('getOrderFields', 8)).toBe(true);
    // a table without a map: 404, as for a GET
    expect((await post(base(), `${P}?table=EMPLOYEES`, 'order_no=8')).status).toBe(404);
  });

  it('answers a body over the limit with 413, and still serves afterwards', async () => {
    const big = Array.from({ length: Math.ceil(MAX_BATCH_BYTES / 11) + 1 }, (_, i) => `order_no=${i}`).join('\n');
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_BATCH_BYTES);
    expect((await post(base(), `${P}?table=ORDERS`, big)).status).toBe(413);
    await cache.call('getOrderFields', () => 9, 9);
    expect((await post(base(), `${P}?table=ORDERS`, 'order_no=9')).status).toBe(200);
    expect(await cache.has('getOrderFields', 9)).toBe(false);
  });

  it("keeps the article's GET and refuses a GET with a body", async () => {
    await cache.call('getOrderFields', () => 10, 10);
    expect((await post(base(), `${P}?order_no=10&table=ORDERS`, 'order_no=10', TOKEN, 'GET')).status).toBe(413);
    expect((await post(base(), `${P}?order_no=10&table=ORDERS`, '', TOKEN, 'GET')).status).toBe(200);
    expect(await cache.has('getOrderFields', 10)).toBe(false);
  });
});

describe('parseBatch', () => {
  it('reads one entry a line; a final line feed ends the last line', () => {
    expect(parseBatch('order_no=1\r\norder_no=2\n', 6)).toEqual({ entries: [{ order: '1' }, { order: '2' }] });
    expect(parseBatch('key=a&key=b', 6)).toEqual({ entries: [{ keys: ['a', 'b'] }] });
    expect(parseBatch('key=1&key=2&key=3', 2)).toEqual({ error: 'line 1: at most 2 key values' });
    expect(parseBatch('order_no=1&order_no=2', 6)).toMatchObject({ error: /^line 1: / });
    expect(parseBatch('order_no=%E0%A4%A', 6)).toMatchObject({ error: /decode/ });
  });
});
