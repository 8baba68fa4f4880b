/**
 * What the listener answers each request it refuses, over real HTTP: the status, the reason in the
 * body and in the event (what `dcn listen` logs and an operator reads), and the headers that go
 * with them. The listener's other tests check the statuses; these pin the rest.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startListener, type NotificationEvent, type RunningListener } from '../../src/listener/listener.js';
import { http } from '../support/http.js';

const P = '/phpcache/dropResults.php';
const TOKEN = 'tok-m';

describe('what the listener answers a request it refuses', () => {
  let listener: RunningListener;
  let base: string;
  let events: NotificationEvent[];

  beforeAll(async () => {
    listener = await startListener({
      cache: new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-listen-m-')) }),
      port: 0,
      token: TOKEN,
      onEvent: (e) => events.push(e),
    });
    base = listener.url.replace(P, '');
  });
  afterAll(() => listener.close());

  const auth = { 'x-dcn-token': TOKEN };
  const cases: [string, string, Parameters<typeof http>[2], number, string, Record<string, string>?][] = [
    [
      'a URL of 2049 bytes',
      `${P}?table=ORDERS&x=${'a'.repeat(2049 - P.length - 16)}`,
      { headers: auth },
      413,
      'URL longer than 2048 bytes',
    ],
    ['another path', '/other', { headers: auth }, 404, 'no such path'],
    [
      'PUT',
      `${P}?table=ORDERS`,
      { method: 'PUT', headers: auth },
      405,
      'PUT is not allowed: use GET, or POST for a batch',
      { allow: 'GET, POST' },
    ],
    [
      'a GET with a body',
      `${P}?table=ORDERS`,
      { headers: { ...auth, 'content-length': '1' }, body: 'x' },
      413,
      'a notification has no body',
    ],
    ['a GET without the token', `${P}?table=ORDERS&order_no=1`, {}, 401, 'missing or wrong X-Dcn-Token'],
    [
      'an order_no given twice',
      `${P}?table=ORDERS&order_no=1&order_no=2`,
      { headers: auth },
      400,
      'order_no is given more than once',
    ],
    ['no table', `${P}?order_no=1`, { headers: auth }, 400, 'table must be given once, as a table name'],
    [
      'an order_no that is no number',
      `${P}?table=ORDERS&order_no=1x`,
      { headers: auth },
      400,
      'order_no must be a whole number, given at most once',
    ],
    [
      'an order and keys',
      `${P}?table=ORDERS&order_no=1&key=2`,
      { headers: auth },
      400,
      'a notification names an order (order_no) or keys (key), not both',
    ],
    ['a table with no map', `${P}?table=NOPE&order_no=1`, { headers: auth }, 404, 'no cached function for table NOPE'],
    ['/healthz by POST', '/healthz', { method: 'POST' }, 405, 'use GET', { allow: 'GET, HEAD' }],
    [
      'a batch without the token',
      `${P}?table=ORDERS`,
      { method: 'POST', body: 'order_no=1' },
      401,
      'missing or wrong X-Dcn-Token',
      { connection: 'close' },
    ],
    [
      'a batch with no table',
      `${P}`,
      { method: 'POST', headers: auth, body: 'order_no=1' },
      400,
      'table must be given once, as a table name',
      { connection: 'close' },
    ],
    [
      'a batch naming an order in its URL',
      `${P}?table=ORDERS&order_no=1`,
      { method: 'POST', headers: auth, body: 'order_no=1' },
      400,
      'a batch names its orders and keys in the body, one a line, not in the URL',
      { connection: 'close' },
    ],
    [
      'a batch body over the limit',
      `${P}?table=ORDERS`,
      { method: 'POST', headers: auth, body: 'x'.repeat(65_537) },
      413,
      'a batch body longer than 65536 bytes',
      { connection: 'close' },
    ],
    [
      'a batch for a table with no map',
      `${P}?table=NOPE`,
      { method: 'POST', headers: auth, body: 'order_no=1' },
      404,
      'no cached function for table NOPE',
    ],
  ];

  it.each(cases)('%s: its status and reason', async (_, path, options, status, reason, headers = {}) => {
    events = [];
    const r = await http(base, path, options);
    expect([r.status, JSON.parse(r.body), r.headers['content-type']]).toEqual([
      status,
      { ok: false, error: reason },
      'application/json',
    ]);
    expect(r.headers).toMatchObject(headers);
    expect(events).toEqual([expect.objectContaining({ status, action: 'rejected', reason })]);
  });

  it('answers /healthz by HEAD as by GET, and a notification with JSON', async () => {
    expect((await http(base, '/healthz', { method: 'HEAD' })).status).toBe(200);
    const r = await http(base, `${P}?table=ORDERS&order_no=7`, { headers: auth });
    expect([r.status, r.headers['content-type'], JSON.parse(r.body)]).toEqual([
      200,
      'application/json',
      { ok: true, action: 'dropped', table: 'ORDERS', function: 'getOrderFields', order: 7 },
    ]);
  });

  it('answers a URL of exactly 2048 bytes', async () => {
    const path = `${P}?table=ORDERS&x=`;
    const r = await http(base, `${path}${'a'.repeat(2048 - path.length)}`, { headers: auth });
    expect(r.status).toBe(200);
  });

  it('emits what a batch dropped, entry by entry, orders and keys', async () => {
    events = [];
    const r = await http(base, `${P}?table=ORDERS`, { method: 'POST', headers: auth, body: 'order_no=1\nkey=2&key=3' });
    expect(JSON.parse(r.body)).toEqual({
      ok: true,
      action: 'dropped',
      table: 'ORDERS',
      function: 'getOrderFields',
      entries: 2,
    });
    expect(events.map(({ time: _, ...e }) => e)).toEqual([
      { status: 200, action: 'dropped', table: 'ORDERS', function: 'getOrderFields', order: 1 },
      { status: 200, action: 'dropped', table: 'ORDERS', function: 'getOrderFields', keys: ['2', '3'] },
    ]);
  });

  it('answers /metrics only when given a metrics handler (404 here)', async () => {
    expect((await http(base, '/metrics')).status).toBe(404);
  });
});

describe('starting and closing the listener', () => {
  it('fails to start on a port in use, and a closed listener no longer answers', async () => {
    const cache = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-listen-m-')) });
    const first = await startListener({ cache, port: 0 });
    const port = Number(new URL(first.url).port);
    await expect(startListener({ cache, port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await first.close();
    await expect(http(`http://127.0.0.1:${port}`, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
