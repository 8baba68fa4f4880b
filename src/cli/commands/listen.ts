import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CacheWarning } from '../../cache/result-cache.js';
import { DcnError, usageError } from '../../errors.js';
import { DEFAULT_PATH, startListener, type NotificationEvent } from '../../listener/listener.js';
import { keyArguments } from '../../cache/key-arguments.js';
import { portOwner } from '../../listener/port-owner.js';
import { listenerMetrics } from '../../metrics/metrics.js';
import { metricsHandler } from '../../metrics/server.js';
import { withoutPassword } from '../../redact.js';
import type { CommandContext } from '../context.js';
import { openCache, parseMap } from '../cache-setup.js';
import { busSetting, cacheStoreSetting, callbackToken } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { ListenFlags } from './listen.command.js';
import { goOnWithoutStdout } from '../stdout-gone.js';

export interface ListenResult {
  readonly url: string;
  readonly stoppedBy: string;
  readonly notifications: number;
}

async function loadRefresh(
  module: string,
  cwd: string,
  functions: readonly string[],
): Promise<Record<string, (...args: never[]) => unknown>> {
  const path = isAbsolute(module) ? module : resolve(cwd, module);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new DcnError('usage', `--refresh ${module}: cannot load ${path}: ${(cause as Error).message}`, {
      hint: 'give a JavaScript module that exports the cached functions by name',
      cause,
    });
  }
  const fns: Record<string, (...args: never[]) => unknown> = {};
  for (const name of functions) {
    const fn = loaded[name] ?? (loaded.default as Record<string, unknown> | undefined)?.[name];
    if (typeof fn !== 'function')
      throw usageError(
        `--refresh ${module} does not export a function ${name}`,
        `export ${name}(orderNo) from it, or change --map`,
      );
    fns[name] = fn as (...args: never[]) => unknown;
  }
  return fns;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach them. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Every argument list a drop removed: a number-like key or order as a number and as text. */
function droppedCalls(fn: string | undefined, e: NotificationEvent): string {
  const lists = keyArguments(e.keys ?? [String(e.order)]);
  return lists
    .map((args) => `${fn}(${args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : String(a))).join(', ')})`)
    .join(' and ');
}

export function formatEvent(e: NotificationEvent): string {
  const keys = e.keys?.map((k) => JSON.stringify(k)).join(', ');
  const what =
    e.order !== undefined
      ? `${e.table} order ${e.order}`
      : keys !== undefined
        ? `${e.table} key ${keys}`
        : e.table
          ? `${e.table} (whole table)`
          : '';
  const action =
    e.action === 'dropped'
      ? `dropped ${droppedCalls(e.function, e)}`
      : e.action === 'dropped-all'
        ? `dropped every ${e.function}() result`
        : e.action === 'refreshed'
          ? `refreshed ${e.function}(${e.order})`
          : e.action === 'refresh-failed'
            ? `refresh of ${e.function}(${e.order}) failed: ${e.reason}`
            : `rejected: ${e.reason}`;
  return `${e.time} ${e.status} ${what ? `${what}: ` : ''}${action}`;
}

export async function run(flags: ListenFlags, ctx: CommandContext, out: Output): Promise<ListenResult> {
  const port = flags.port === undefined ? 8080 : Number(flags.port);
  if (!/^\d{1,5}$/.test(flags.port ?? '8080') || port > 65535)
    throw usageError(`--port ${flags.port} is not a port number`, 'e.g. --port 8080 (0 picks a free one)');
  const path = flags.path ?? DEFAULT_PATH;
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path) || path === '/healthz' || path === '/metrics')
    throw usageError(`--path ${withoutPassword(path)} is not a URL path`, `e.g. --path ${DEFAULT_PATH}`);
  const lifetime = flags.lifetime === undefined ? undefined : Number(flags.lifetime);
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime > 0))
    throw usageError(`--lifetime ${flags.lifetime} is not a whole number of seconds`);
  const tables = parseMap(flags.map);
  const token = callbackToken(flags, ctx);
  const refresh = flags.refresh
    ? await loadRefresh(flags.refresh, ctx.cwd, [...new Set(Object.values(tables))])
    : undefined;
  // A listener that cannot reach its cache would answer "dropped" while dropping nothing.
  const cache = await openCache(ctx, flags.cacheDir, {
    lifetimeSeconds: lifetime,
    bus: busSetting(flags, ctx),
    store: cacheStoreSetting(flags, ctx),
  });
  let notifications = 0;
  // Lines are written at most every 20 ms (or per 256 lines), not one write per notification:
  // under load, a write per line costs the listener a fifth of its throughput (bench/RESULTS.md).
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  // `dcn listen … | head -1`: it goes on serving, since its work is the drops, not the lines
  const stdoutGone = goOnWithoutStdout(
    ctx,
    out,
    'dcn listen',
    'notification lines are dropped from now on; it goes on serving',
    () => (pending = []),
  );
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0 && !stdoutGone()) out.raw(pending.join(''));
    pending = [];
  };
  const log = (line: string) => {
    if (stdoutGone()) return;
    pending.push(`${line}\n`);
    if (pending.length >= 256) flush();
    else timer ??= setTimeout(flush, 20);
  };
  const warn = (code: string, message: string) => {
    out.note(`dcn listen: warning: ${message}`);
    if (out.json) log(JSON.stringify({ time: new Date().toISOString(), warning: true, code, message }));
  };
  cache.on('warning', (w: CacheWarning) =>
    warn(w.code, w.suppressed > 0 ? `${w.message} (and ${w.suppressed} more like it)` : w.message),
  );
  const metrics = await listenerMetrics(cache);
  const host = flags.host ?? '127.0.0.1';
  const listener = await startListener({
    cache,
    host,
    port,
    path,
    token,
    tables,
    refresh,
    metrics: metricsHandler(metrics),
    onEvent: (e) => {
      metrics.event(e);
      // a notification is a request that named a table; refreshes follow one, rejections are none
      if (e.action === 'dropped' || e.action === 'dropped-all' || (e.action === 'rejected' && e.status === 500))
        notifications++;
      if (out.json) log(JSON.stringify(e));
      else log(e.status >= 400 ? out.color.red(formatEvent(e)) : formatEvent(e));
    },
  }).catch((err: NodeJS.ErrnoException) => {
    cache.close();
    if (err.code === 'EADDRINUSE') {
      const owner = portOwner(port);
      throw new DcnError(
        'unavailable',
        `cannot listen on ${host}:${port}: the port is in use${owner ? `, held by process ${owner.pid}${owner.command ? ` (${owner.command})` : ''}` : ''}`,
        {
          hint: 'stop that process, or pick another port with --port',
          cause: err,
        },
      );
    }
    throw new DcnError('usage', `cannot listen on ${host}:${port}: ${err.message}`, {
      hint: 'check --host and --port',
      cause: err,
    });
  });
  metrics.timeAnswers(listener.server, path);
  if (!token && !isLoopback(host)) {
    warn(
      'no_token',
      `listening on ${host} without a token: anyone who reaches this port can drop cached results; set DCN_CALLBACK_TOKEN (sendNotification sends it)`,
    );
  }
  // A notification sent while no listener answered is lost (sendNotification logs it as failed),
  // and what it would have dropped may still be cached: stale until it expires. So once this
  // listener answers, every result of the functions it drops for goes; from then on each
  // notification drops its own. Dropped after listening, not before, so none falls in between.
  if (!flags.keepCache) {
    const functions = [...new Set(Object.values(tables))];
    for (const fn of functions) await cache.dropAll(fn);
    const message = `dropped every ${functions.map((f) => `${f}()`).join(' and ')} result cached before it answered: notifications sent while no listener answered are lost (--keep-cache keeps them)`;
    out.status(`dcn listen: ${message}`);
    if (out.json)
      log(
        JSON.stringify({
          time: new Date().toISOString(),
          status: 200,
          action: 'dropped-all-at-start',
          functions,
          reason: message,
        }),
      );
  }
  void cache.sweep().catch(() => undefined); // entries and bytes for /healthz, leftovers reclaimed
  out.status(
    `dcn listen: ${listener.url} → ${Object.entries(tables)
      .map(([t, f]) => `${t}=${f}`)
      .join(', ')}; cache ${cache.dir}${token ? '; token required' : ''}. Ctrl-C stops.`,
  );
  const stoppedBy = await ctx.waitForStop();
  await listener.close();
  cache.close();
  flush();
  out.status(`dcn listen: stopped (${stoppedBy}) after ${notifications} notification(s).`);
  return { url: listener.url, stoppedBy, notifications };
}

export function print(): void {
  // the events were printed as they came, and the stop on stderr
}
