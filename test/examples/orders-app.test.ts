/**
 * The example app with its database functions replaced (nothing else): a real cache directory,
 * real HTTP on 127.0.0.1, and notifications arriving as the database sends them.
 */
import { mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersApp, type OrderFields, type OrderItem } from '../../examples/orders-app/app.js';
import { ResultCache } from '../../src/cache/result-cache.js';

const orders = new Map<number, { fields: OrderFields; items: OrderItem[] }>([
  [
    2408,
    {
      fields: {
        order_id: 2408,
        order_date: '2007-06-29T15:41:20',
        order_mode: 'direct',
        customer_id: 166,
        order_status: 1,
        order_total: 309,
        sales_rep_id: 158,
      },
      items: [
        { line_item_id: 1, product_id: 2751, unit_price: 61, quantity: 3 },
        { line_item_id: 2, product_id: 2761, unit_price: 26, quantity: 1 },
      ],
    },
  ],
]);
const calls = { fields: 0, items: 0 };
const logged: { ref: string; err: unknown }[] = [];
const queries = {
  async getOrderFields(n: number) {
    calls.fields++;
    if (n === 666)
      throw new Error(
        'NJS-500: connection to host db.internal port 1521 could not be established (CONNECTION_ID=Kx9f)',
      );
    return orders.get(n)?.fields ?? null;
  },
  async getOrderItems(n: number) {
    calls.items++;
    return orders.get(n)?.items ?? [];
  },
};

function fetch(port: number, path: string): Promise<{ status: number; body: string; fields?: string; items?: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          fields: res.headers['x-cache-order-fields'] as string,
          items: res.headers['x-cache-order-items'] as string,
        }),
      );
    }).on('error', reject);
  });
}

describe('the orders example app', () => {
  const app = createOrdersApp({
    cache: new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-app-')) }),
    queries,
    onError: (ref, err) => logged.push({ ref, err }),
  });
  let port = 0;
  beforeAll(
    () =>
      new Promise<void>((r) => app.listen(0, '127.0.0.1', () => ((port = (app.address() as AddressInfo).port), r()))),
  );
  afterAll(() => new Promise<void>((r) => app.close(() => r())));

  it('shows order 2408 from the queries, then from the cache', async () => {
    const first = await fetch(port, '/?order_no=2408');
    expect(first.status).toBe(200);
    expect([first.fields, first.items]).toEqual(['miss', 'miss']);
    expect(first.body).toContain('<h1>Order 2408</h1>');
    expect(first.body).toContain('<td>2751</td>');
    const second = await fetch(port, '/?order_no=2408');
    expect([second.fields, second.items]).toEqual(['hit', 'hit']);
    expect(second.body).toBe(first.body.replace('order fields: miss, items: miss', 'order fields: hit, items: hit'));
    expect(calls).toEqual({ fields: 1, items: 1 });
  });

  it('reads fresh data after the database notifies a change to the order', async () => {
    orders.get(2408)!.fields = { ...orders.get(2408)!.fields, order_total: 350 };
    expect((await fetch(port, '/?order_no=2408')).body).not.toContain('<td>350</td>'); // still cached
    const notified = await fetch(port, '/phpcache/dropResults.php?order_no=2408&table=ORDERS');
    expect(notified.status).toBe(200);
    const after = await fetch(port, '/?order_no=2408');
    expect([after.fields, after.items]).toEqual(['miss', 'hit']);
    expect(after.body).toContain('<td>350</td>');
  });

  it('drops every cached item list on a table-level notification', async () => {
    orders.get(2408)!.items = [
      ...orders.get(2408)!.items,
      { line_item_id: 3, product_id: 2783, unit_price: 10, quantity: 10 },
    ];
    expect((await fetch(port, '/phpcache/dropResults.php?table=ORDER_ITEMS')).status).toBe(200);
    const after = await fetch(port, '/?order_no=2408');
    expect([after.fields, after.items]).toEqual(['hit', 'miss']);
    expect(after.body).toContain('<td>2783</td>');
  });

  it('answers an unknown order with 404, a bad one with 400, and escapes what it shows', async () => {
    expect((await fetch(port, '/?order_no=9999')).status).toBe(404);
    const bad = await fetch(port, '/?order_no=%3Cscript%3E');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('&#60;script&#62;');
    expect((await fetch(port, '/elsewhere')).status).toBe(404);
  });

  it("shows a plain error page with a reference when a query fails, and logs the driver's message with it", async () => {
    const r = await fetch(port, '/?order_no=666');
    expect(r.status).toBe(500);
    expect(r.body).not.toMatch(/db\.internal|1521|CONNECTION_ID|NJS-500/);
    expect(logged).toHaveLength(1);
    expect(r.body).toContain(`reference to the operators: ${logged[0]!.ref}.`);
    expect((logged[0]!.err as Error).message).toMatch(/db\.internal port 1521/);
  });
});
