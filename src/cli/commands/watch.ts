import { DcnError, usageError } from '../../errors.js';
import { parseTables } from '../../registrations/registrations.js';
import type { ResultCache } from '../../cache/result-cache.js';
import { watchMetrics, type WatchMetrics } from '../../metrics/metrics.js';
import { startMetricsServer, type RunningMetricsServer } from '../../metrics/server.js';
import { Watch, type WatchEvent } from '../../watch/watch.js';
import { openCache, parseMap } from '../cache-setup.js';
import type { CommandContext } from '../context.js';
import { busSetting, cacheStoreSetting, watchSettings } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { WatchFlags } from './watch.command.js';
import { goOnWithoutStdout } from '../stdout-gone.js';
import { withSessions } from '../with-sessions.js';

export interface WatchCommandResult {
  readonly stoppedBy: string;
  readonly notifications: number;
  readonly drops: number;
  readonly reconnects: number;
}

function seconds(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(n >= min && n <= max))
    throw usageError(`--${flag} ${raw} is not a number of seconds from ${min} to ${max}`, `e.g. --${flag} ${fallback}`);
  return n;
}

export function formatWatchEvent(e: WatchEvent): string {
  const what =
    e.order !== undefined ? `order ${e.order}` : e.keys ? `key ${e.keys.map((k) => JSON.stringify(k)).join(', ')}` : '';
  const head = [e.table, e.operation, what].filter(Boolean).join(' ');
  const action =
    e.action === 'dropped'
      ? `dropped ${e.function}(${e.order ?? e.keys?.map((k) => JSON.stringify(k)).join(', ')})`
      : e.action === 'dropped-all'
        ? `dropped every ${e.function}() result${e.reason ? `: ${e.reason}` : ''}`
        : `${e.action}${e.reason ? `: ${e.reason}` : ''}`;
  return `${e.time} ${head ? `${head}: ` : ''}${action}`;
}

export async function run(flags: WatchFlags, ctx: CommandContext, out: Output): Promise<WatchCommandResult> {
  // everything is checked before connecting
  const tables = parseTables(flags.table ?? []);
  const functions = parseMap(flags.map);
  const missing = tables.filter((t) => functions[t.name] === undefined);
  if (missing.length > 0)
    throw usageError(
      `no cached function for ${missing.map((t) => t.name).join(', ')}: its changes would drop nothing`,
      `map it: --map ${missing[0]!.name}=function (every table needs one)`,
    );
  const timeoutSeconds = seconds('timeout', flags.timeout, 300, 30, 86_400);
  const checkSeconds = seconds('check-interval', flags.checkInterval, 10, 0.5, 3600);
  if (checkSeconds * 2 > timeoutSeconds)
    throw usageError(
      `--check-interval ${checkSeconds} is more than half of --timeout ${timeoutSeconds}: the subscription would run out before it is renewed`,
      'check more often, or give a longer timeout',
    );
  const metricsPort = flags.metricsPort === undefined ? undefined : Number(flags.metricsPort);
  if (metricsPort !== undefined && (!/^\d{1,5}$/.test(flags.metricsPort!) || metricsPort > 65535))
    throw usageError(
      `--metrics-port ${flags.metricsPort} is not a port number`,
      'e.g. --metrics-port 9464 (0 picks a free one)',
    );
  if (flags.metricsHost !== undefined && metricsPort === undefined)
    throw usageError(
      '--metrics-host without --metrics-port: there is nothing to bind',
      'give --metrics-port too, e.g. --metrics-port 9464',
    );
  const settings = watchSettings(flags, ctx);
  const cache = await openCache(ctx, flags.cacheDir, {
    bus: busSetting(flags, ctx),
    store: cacheStoreSetting(flags, ctx),
  });
  goOnWithoutStdout(ctx, out, 'dcn watch', 'event lines are dropped from now on; it goes on watching and dropping');
  const metrics =
    metricsPort === undefined
      ? undefined
      : await serveMetrics(cache, flags.metricsHost ?? '127.0.0.1', metricsPort, out);
  const stop = new AbortController();
  let stoppedBy = '';
  void ctx.waitForStop().then((signal) => {
    stoppedBy = signal;
    stop.abort();
  });
  try {
    const result = await withSessions(flags, ctx, (sessions) =>
      new Watch({
        connect: (options) => sessions.openApp(options),
        tables,
        functions,
        orderTables: settings.orderTables,
        orderItemsKeyImmutable: settings.orderItemsKeyImmutable,
        cache,
        timeoutSeconds,
        checkSeconds,
        name: 'dcn-watch',
        signal: stop.signal,
        onEvent: (e) => {
          metrics?.watch.event(e);
          if (out.json) out.raw(`${JSON.stringify(e)}\n`);
          else if (e.action === 'lost') out.line(out.color.yellow(formatWatchEvent(e)));
          else out.line(formatWatchEvent(e));
        },
      }).run(),
    );
    out.status(`dcn watch: stopped (${stoppedBy}) after ${result.notifications} notification(s).`);
    return { stoppedBy, ...result };
  } finally {
    await metrics?.server.close();
    cache.close();
  }
}

/** The metrics port: /metrics, and /healthz (200 while subscribed and the cache can serve). */
async function serveMetrics(
  cache: ResultCache,
  host: string,
  port: number,
  out: Output,
): Promise<{ watch: WatchMetrics; server: RunningMetricsServer }> {
  const watch = await watchMetrics(cache);
  const health = () => {
    const c = cache.health();
    const bus = cache.busState();
    const reason = !watch.subscribed ? 'not subscribed: connecting, or connecting again' : c.reason;
    return {
      ok: watch.subscribed && c.ok,
      ...(reason ? { reason } : {}),
      subscribed: watch.subscribed,
      cache: { dir: cache.dir, ...cache.stats() },
      ...(bus ? { bus } : {}),
    };
  };
  try {
    const server = await startMetricsServer({ metrics: watch, health, host, port });
    out.status(`dcn watch: metrics on ${server.url}, health on ${server.url.replace(/\/metrics$/, '/healthz')}`);
    return { watch, server };
  } catch (err) {
    cache.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new DcnError('unavailable', `cannot serve metrics on ${host}:${port}: the port is in use`, {
        hint: 'pick another port with --metrics-port',
        cause: err,
      });
    throw new DcnError('usage', `cannot serve metrics on ${host}:${port}: ${e.message}`, {
      hint: 'check --metrics-host and --metrics-port',
      cause: err,
    });
  }
}

export function print(): void {
  // the events were printed as they came, and the stop on stderr
}
