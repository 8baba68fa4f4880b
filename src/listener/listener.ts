/**
 * The HTTP endpoint that the database's sendNotification calls: GET <path>?order_no=…&table=…
 * drops the cached results of that order (or, without order_no, of the whole table) and, when
 * refresh functions are given, computes them again. A table routed by its own key is
 * called ?table=T&key=…&key=…: that drops function(...keys). A batch, POST ?table=T with one line
 * per order or key in the body (order_no=N, key=…&key=…), drops them all in one call: the
 * callback's default, one call per table per notification. The default path is the article's
 * /phpcache/dropResults.php, so its callback URL works unchanged.
 *
 * Every request is answered and nothing a client sends is kept: bad input gets 400, a wrong
 * token 401, another path 404, another method 405, an oversized URL, a GET with a body or a
 * batch body over MAX_BATCH_BYTES 413 (and Node answers 431 to oversized headers). The handler can be mounted in an application's own server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { keyArguments, MAX_KEYS } from '../cache/key-arguments.js';
import type { ResultCache } from '../cache/result-cache.js';
import { isUnquotedName } from '../oracle/identifiers.js';
import { parseBatch, parseQuery, readBody, MAX_BATCH_BYTES } from './callback-request.js';

export const DEFAULT_PATH = '/phpcache/dropResults.php';
export const DEFAULT_TABLES: Readonly<Record<string, string>> = {
  ORDERS: 'getOrderFields',
  ORDER_ITEMS: 'getOrderItems',
};
const MAX_URL_LENGTH = 2048;
const MAX_HEADER_BYTES = 8192;

export interface NotificationEvent {
  readonly time: string;
  readonly status: number;
  readonly action: 'dropped' | 'dropped-all' | 'refreshed' | 'refresh-failed' | 'rejected';
  readonly table?: string;
  readonly order?: number;
  /** The key values of a table routed by its own key, as the database sent them. */
  readonly keys?: readonly string[];
  readonly function?: string;
  readonly reason?: string;
}

export interface HandlerOptions {
  readonly cache: ResultCache;
  readonly path?: string;
  /** When set, requests must carry it in the X-Dcn-Token header. */
  readonly token?: string;
  /** Table name (upper case) → name of the cached function whose entries it drops. */
  readonly tables?: Readonly<Record<string, string>>;
  /** Function name → the function, to compute a dropped result again at once. */
  readonly refresh?: Readonly<Record<string, (...args: never[]) => unknown>>;
  readonly onEvent?: (event: NotificationEvent) => void;
  readonly now?: () => Date;
  /** When set, answers GET /metrics (dcn listen's Prometheus metrics); else /metrics is 404. */
  readonly metrics?: Handler;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
/** What one notification names: an order, a routed table's keys, or neither (the whole table). */
type Entry = { readonly order?: number; readonly keys?: readonly string[] };

const ORDER = /^\d{1,15}$/;

/** The reason phrase of a 404 for a table the listener has no map for: sendNotification logs it, so `dcn tail` and doctor can tell it from a wrong path. */
export const NO_MAP_REASON = 'No Map For Table';

function reply(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  reason?: string,
): void {
  const text = JSON.stringify(body);
  const head = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers };
  if (reason === undefined) res.writeHead(status, head);
  else res.writeHead(status, reason, head);
  res.end(text);
}

/** The answer to a valid notification, on the hot path: names are checked identifiers, order a number. */
function replyOk(res: ServerResponse, action: string, table: string, fn: string, order: number | undefined): void {
  const text = `{"ok":true,"action":"${action}","table":"${table}","function":"${fn}"${order === undefined ? '' : `,"order":${order}`}}`;
  res.writeHead(200, ['content-type', 'application/json', 'content-length', String(text.length)]);
  res.end(text);
}

function sameToken(given: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof given !== 'string') return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

/** A request handler for the notification path and /healthz; other paths answer 404. */
export function createNotificationHandler(options: HandlerOptions): Handler {
  const path = options.path ?? DEFAULT_PATH;
  const tables = options.tables ?? DEFAULT_TABLES;
  const token = options.token ? Buffer.from(options.token) : undefined;
  const now = options.now ?? (() => new Date());
  const emit = (event: Omit<NotificationEvent, 'time'>) => options.onEvent?.({ time: now().toISOString(), ...event });
  const reject = (
    res: ServerResponse,
    status: number,
    reason: string,
    headers?: Record<string, string>,
    phrase?: string,
  ) => {
    emit({ status, action: 'rejected', reason });
    reply(res, status, { ok: false, error: reason }, headers, phrase);
  };

  return (req, res) => {
    const url = req.url ?? '/';
    if (url.length > MAX_URL_LENGTH) return reject(res, 413, `URL longer than ${MAX_URL_LENGTH} bytes`);
    const q = url.indexOf('?');
    const requestPath = q === -1 ? url : url.slice(0, q);
    if (requestPath === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return reject(res, 405, 'use GET', { allow: 'GET, HEAD' });
      const stats = options.cache.stats();
      const bus = options.cache.busState();
      // 200 only while the cache can serve safely: a probe that routes traffic must see the rest
      const health = options.cache.health();
      return reply(res, health.ok ? 200 : 503, {
        ok: health.ok,
        ...(health.reason ? { reason: health.reason } : {}),
        cache: { dir: options.cache.dir, ...stats },
        ...(bus ? { bus } : {}),
      });
    }
    if (requestPath === '/metrics' && options.metrics) return options.metrics(req, res);
    if (requestPath !== path) return reject(res, 404, 'no such path');
    if (req.method === 'POST') return void onBatch(req, res, q === -1 ? '' : url.slice(q + 1));
    if (req.method !== 'GET')
      return reject(res, 405, `${req.method} is not allowed: use GET, or POST for a batch`, { allow: 'GET, POST' });
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > 0 || req.headers['transfer-encoding'] !== undefined)
      return reject(res, 413, 'a notification has no body');
    if (token && !sameToken(req.headers['x-dcn-token'], token)) return reject(res, 401, 'missing or wrong X-Dcn-Token');

    const query = parseQuery(q === -1 ? '' : url.slice(q + 1));
    if (query.bad)
      return reject(res, 400, query.badReason ?? 'table and order_no must each be given at most once, and decode');
    if (query.table === undefined || !isUnquotedName(query.table))
      return reject(res, 400, 'table must be given once, as a table name');
    if (query.order !== undefined && !ORDER.test(query.order))
      return reject(res, 400, 'order_no must be a whole number, given at most once');
    if (query.keys && query.order !== undefined)
      return reject(res, 400, 'a notification names an order (order_no) or keys (key), not both');
    if (query.keys && query.keys.length > MAX_KEYS) return reject(res, 400, `at most ${MAX_KEYS} key values`);
    const table = query.table.toUpperCase();
    const fn = tables[table];
    // a table this listener does not drop for: not a bad request, but nothing here for it (404),
    // with a reason phrase the database logs, so the log tells it from a wrong path
    if (fn === undefined) return reject(res, 404, `no cached function for table ${table}`, undefined, NO_MAP_REASON);
    const order = query.order === undefined ? undefined : Number(query.order);

    if (query.keys) {
      const keys = query.keys;
      const lists = keyArguments(keys);
      try {
        for (const args of lists) options.cache.dropSync(fn, ...args);
      } catch (err) {
        return failed(res, table, fn, err, { keys });
      }
      // with a bus, answered only once every drop reached it: the other servers drop them too
      Promise.all(lists.map((args) => options.cache.publishDrop(fn, ...args))).then(
        () => {
          emit({ status: 200, action: 'dropped', table, function: fn, keys });
          reply(res, 200, { ok: true, action: 'dropped', table, function: fn, keys });
        },
        (err: unknown) => failed(res, table, fn, err, { keys }),
      );
      return;
    }
    if (order === undefined) {
      options.cache.dropAll(fn).then(
        () => {
          emit({ status: 200, action: 'dropped-all', table, function: fn });
          replyOk(res, 'dropped-all', table, fn, undefined);
        },
        (err: unknown) => failed(res, table, fn, err),
      );
      return;
    }
    dropOrder(res, table, fn, order);
  };

  /**
   * A batch: the token checked before the body is read, the body read whole and checked whole
   * (one bad line refuses the call: none of it is answered 200), then every entry dropped before
   * the answer, as a GET's is; with a bus, answered once every drop reached it.
   */
  async function onBatch(req: IncomingMessage, res: ServerResponse, queryString: string): Promise<void> {
    if (token && !sameToken(req.headers['x-dcn-token'], token))
      return reject(res, 401, 'missing or wrong X-Dcn-Token', { connection: 'close' });
    const query = parseQuery(queryString);
    if (query.bad || query.table === undefined || !isUnquotedName(query.table))
      return reject(res, 400, 'table must be given once, as a table name', { connection: 'close' });
    if (query.order !== undefined || query.keys)
      return reject(res, 400, 'a batch names its orders and keys in the body, one a line, not in the URL', {
        connection: 'close',
      });
    let body: string | 'too-large';
    try {
      body = await readBody(req);
    } catch {
      return; // the client went away: nobody to answer
    }
    if (body === 'too-large')
      return reject(res, 413, `a batch body longer than ${MAX_BATCH_BYTES} bytes`, { connection: 'close' });
    const parsed = parseBatch(body, MAX_KEYS);
    if ('error' in parsed) return reject(res, 400, parsed.error);
    const table = query.table.toUpperCase();
    const fn = tables[table];
    if (fn === undefined) return reject(res, 404, `no cached function for table ${table}`, undefined, NO_MAP_REASON);
    const lists = parsed.entries.flatMap((e) => ('order' in e ? keyArguments([e.order]) : keyArguments([...e.keys])));
    // one line per entry, as a batch that succeeds is logged: never as the whole table
    const batchFailed = (err: unknown) =>
      failed(
        res,
        table,
        fn,
        err,
        parsed.entries.map((e) => ('order' in e ? { order: Number(e.order) } : { keys: e.keys })),
      );
    try {
      for (const args of lists) options.cache.dropSync(fn, ...args);
    } catch (err) {
      return batchFailed(err);
    }
    try {
      await Promise.all(lists.map((args) => options.cache.publishDrop(fn, ...args)));
    } catch (err) {
      return batchFailed(err);
    }
    for (const e of parsed.entries) {
      if ('order' in e) emit({ status: 200, action: 'dropped', table, function: fn, order: Number(e.order) });
      else emit({ status: 200, action: 'dropped', table, function: fn, keys: e.keys });
    }
    reply(res, 200, { ok: true, action: 'dropped', table, function: fn, entries: parsed.entries.length });
    for (const e of parsed.entries) if ('order' in e) refreshAfter(table, fn, Number(e.order));
  }

  /**
   * Drops an order's entry and answers in the same turn of the event loop that read the request:
   * the answer leaves with the drop done, and a notification never waits for others to be read.
   */
  function dropOrder(res: ServerResponse, table: string, fn: string, order: number): void {
    // as keys are: the application may have cached getOrderFields(2408) or getOrderFields('2408')
    const forms = keyArguments([String(order)]);
    try {
      for (const args of forms) options.cache.dropSync(fn, ...args);
    } catch (err) {
      return failed(res, table, fn, err, { order });
    }
    if (options.cache.busState() !== undefined) {
      // answered only once the drop reached the bus: else the other servers keep the entry, and
      // a 500 makes sendNotification log the call as failed (dcn replay sends it again)
      Promise.all(forms.map((args) => options.cache.publishDrop(fn, ...args))).then(
        () => {
          emit({ status: 200, action: 'dropped', table, function: fn, order });
          replyOk(res, 'dropped', table, fn, order);
          refreshAfter(table, fn, order);
        },
        (err: unknown) => failed(res, table, fn, err, { order }),
      );
      return;
    }
    emit({ status: 200, action: 'dropped', table, function: fn, order });
    replyOk(res, 'dropped', table, fn, order);
    refreshAfter(table, fn, order);
  }

  /** Refreshed after the answer: the database's call is not held up by the query. */
  function refreshAfter(table: string, fn: string, order: number): void {
    const compute = options.refresh?.[fn];
    if (!compute) return;
    options.cache.call(fn, compute, order).then(
      () => emit({ status: 200, action: 'refreshed', table, function: fn, order }),
      // the call was answered 200 before the refresh began: its status stays the answer's
      (err: unknown) =>
        emit({ status: 200, action: 'refresh-failed', table, function: fn, order, reason: (err as Error).message }),
    );
  }

  /**
   * A drop that failed, named with the order or keys it was for (not as the whole table); a
   * batch's, with each of its entries.
   */
  function failed(
    res: ServerResponse,
    table: string,
    fn: string,
    err: unknown,
    what: Entry | readonly Entry[] = {},
  ): void {
    const reason =
      (err as { code?: string }).code === 'ERR_BUS_PUBLISH'
        ? (err as Error).message
        : `cache error: ${(err as Error).message}`;
    for (const entry of Array.isArray(what) ? what : [what])
      emit({ status: 500, action: 'rejected', table, function: fn, ...entry, reason });
    reply(res, 500, { ok: false, error: reason });
  }
}

export interface ListenerOptions extends HandlerOptions {
  readonly host?: string;
  readonly port?: number;
}

export interface RunningListener {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts the listener; binds to 127.0.0.1 unless told otherwise. */
export async function startListener(options: ListenerOptions): Promise<RunningListener> {
  const handler = createNotificationHandler(options);
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 },
    handler,
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as { address: string; port: number };
  const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}${options.path ?? DEFAULT_PATH}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
