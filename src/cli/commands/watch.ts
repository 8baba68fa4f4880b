import { usageError } from '../../errors.js';
import { parseTables } from '../../registrations/registrations.js';
import { Watch, type WatchEvent } from '../../watch/watch.js';
import { openCache, parseMap } from '../cache-setup.js';
import type { CommandContext } from '../context.js';
import { busSetting, watchSettings } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { WatchFlags } from '../options.js';
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
  if (!(n >= min && n <= max)) throw usageError(`--${flag} ${raw} is not a number of seconds from ${min} to ${max}`, `e.g. --${flag} ${fallback}`);
  return n;
}

export function formatWatchEvent(e: WatchEvent): string {
  const what = e.order !== undefined ? `order ${e.order}` : e.keys ? `key ${e.keys.map((k) => JSON.stringify(k)).join(', ')}` : '';
  const head = [e.table, e.operation, what].filter(Boolean).join(' ');
  const action =
    e.action === 'dropped' ? `dropped ${e.function}(${e.order ?? e.keys?.map((k) => JSON.stringify(k)).join(', ')})`
    : e.action === 'dropped-all' ? `dropped every ${e.function}() result${e.reason ? `: ${e.reason}` : ''}`
    : `${e.action}${e.reason ? `: ${e.reason}` : ''}`;
  return `${e.time} ${head ? `${head}: ` : ''}${action}`;
}

export async function run(flags: WatchFlags, ctx: CommandContext, out: Output): Promise<WatchCommandResult> {
  // everything is checked before connecting
  const tables = parseTables(flags.table ?? []);
  const functions = parseMap(flags.map);
  const missing = tables.filter((t) => functions[t.name] === undefined);
  if (missing.length > 0) throw usageError(`no cached function for ${missing.map((t) => t.name).join(', ')}: its changes would drop nothing`, `map it: --map ${missing[0]!.name}=function (every table needs one)`);
  const timeoutSeconds = seconds('timeout', flags.timeout, 300, 30, 86_400);
  const checkSeconds = seconds('check-interval', flags.checkInterval, 10, 0.5, 3600);
  if (checkSeconds * 2 > timeoutSeconds) throw usageError(`--check-interval ${checkSeconds} is more than half of --timeout ${timeoutSeconds}: the subscription would run out before it is renewed`, 'check more often, or give a longer timeout');
  const settings = watchSettings(flags, ctx);
  const cache = await openCache(ctx, flags.cacheDir, { bus: busSetting(flags, ctx) });
  goOnWithoutStdout(ctx, out, 'dcn watch', 'event lines are dropped from now on; it goes on watching and dropping');
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
          if (out.json) out.raw(`${JSON.stringify(e)}\n`);
          else if (e.action === 'lost') out.line(out.color.yellow(formatWatchEvent(e)));
          else out.line(formatWatchEvent(e));
        },
      }).run(),
    );
    out.note(`dcn watch: stopped (${stoppedBy}) after ${result.notifications} notification(s).`);
    return { stoppedBy, ...result };
  } finally {
    cache.close();
  }
}

export function print(): void {
  // the events were printed as they came, and the stop on stderr
}
