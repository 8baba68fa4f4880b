/**
 * The article's testCache.php, in TypeScript: an order page for ?order_no=2408 built from two
 * cached query results, and the listener the database calls, mounted in the same process.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createNotificationHandler, DEFAULT_PATH, type NotificationEvent, type ResultCache } from '../../src/index.js';

export interface OrderFields {
  readonly order_id: number;
  readonly order_date: string;
  readonly order_mode: string | null;
  readonly customer_id: number;
  readonly order_status: number | null;
  readonly order_total: number | null;
  readonly sales_rep_id: number | null;
}

export interface OrderItem {
  readonly line_item_id: number;
  readonly product_id: number;
  readonly unit_price: number | null;
  readonly quantity: number | null;
}

/** The two queries whose results are cached; the real ones are in queries.ts. */
export interface OrderQueries {
  getOrderFields(orderNo: number): Promise<OrderFields | null>;
  getOrderItems(orderNo: number): Promise<OrderItem[]>;
}

export interface OrdersAppOptions {
  readonly cache: ResultCache;
  readonly queries: OrderQueries;
  /** The shared token of sendNotification, when it sends one. */
  readonly token?: string;
  readonly onNotification?: (event: NotificationEvent) => void;
  /** Where a failed query's error goes (the server's log), with the reference the page shows. */
  readonly onError?: (ref: string, err: unknown) => void;
}

const escape = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escape(title)}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

function table(rows: readonly object[]): string {
  if (rows.length === 0) return '<p>No rows.</p>';
  const columns = Object.keys(rows[0]!);
  const head = columns.map((c) => `<th>${escape(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${columns.map((c) => `<td>${escape((r as Record<string, unknown>)[c])}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<tr>${head}</tr>\n${body}\n</table>`;
}

export function createOrdersApp(options: OrdersAppOptions): Server {
  const { cache, queries } = options;
  // the same functions the listener drops by name: ORDERS → getOrderFields, ORDER_ITEMS → getOrderItems
  const notifications = createNotificationHandler({ cache, token: options.token, onEvent: options.onNotification });

  return createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0];
    if (path === DEFAULT_PATH || path === '/healthz') return notifications(req, res);
    if (path !== '/' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page('Not found', '<p>Try <a href="/?order_no=2408">/?order_no=2408</a>.</p>'));
    }
    const orderNo = new URLSearchParams(url.slice(path.length + 1)).get('order_no') ?? '2408';
    if (!/^\d{1,15}$/.test(orderNo)) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page('Bad order number', `<p>${escape(orderNo)} is not an order number.</p>`));
    }
    const n = Number(orderNo);
    Promise.all([
      cache.callWith('getOrderFields', {}, queries.getOrderFields, n),
      cache.callWith('getOrderItems', {}, queries.getOrderItems, n),
    ]).then(
      ([fields, items]) => {
        const headers = {
          'content-type': 'text/html; charset=utf-8',
          'x-cache-order-fields': fields.hit ? 'hit' : 'miss',
          'x-cache-order-items': items.hit ? 'hit' : 'miss',
        };
        if (fields.value === null) {
          res.writeHead(404, headers);
          return res.end(page(`Order ${n}`, `<p>There is no order ${n}.</p>`));
        }
        res.writeHead(200, headers);
        res.end(
          page(
            `Order ${n}`,
            `<h1>Order ${n}</h1>\n${table([fields.value])}\n<h2>Items</h2>\n${table(items.value)}\n` +
              `<p>order fields: ${headers['x-cache-order-fields']}, items: ${headers['x-cache-order-items']}</p>`,
          ),
        );
      },
      (err: unknown) => {
        // a driver's message names the host, port and connection id: for the log, not the browser
        const ref = randomUUID().slice(0, 8);
        options.onError?.(ref, err);
        res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          page(
            'Error',
            `<p>Order ${n} could not be read just now. Please try again; if it goes on, give this reference to the operators: ${ref}.</p>`,
          ),
        );
      },
    );
  });
}
