/** What dcn listen and dcn watch share: the table → function map, and a cache directory proved writable before anything is dropped. */
import { resolve } from 'node:path';
import { CacheDirError } from '../cache/cache-dir.js';
import { FUNCTION_NAME, ResultCache } from '../cache/result-cache.js';
import { DcnError, usageError } from '../errors.js';
import { DEFAULT_TABLES } from '../listener/listener.js';
import { isUnquotedName } from '../oracle/identifiers.js';
import { withoutPassword } from '../redact.js';
import type { BusSettings, CacheStore } from '../config/resolve-config.js';
import type { CommandContext } from './context.js';

/**
 * --map TABLE=function, repeatable, added to the article's two tables' maps (were a map for
 * another table to replace them, every orders notification would answer 404); TABLE=- leaves
 * a table out, the orders tables included. The last entry for a table wins.
 */
export function parseMap(entries: readonly string[] | undefined): Record<string, string> {
  const map: Record<string, string> = { ...DEFAULT_TABLES };
  for (const e of entries ?? []) {
    const [table = '', fn = '', ...rest] = e.split('=');
    if (rest.length > 0 || !isUnquotedName(table) || !(FUNCTION_NAME.test(fn) || fn === '-')) {
      throw usageError(
        `--map ${withoutPassword(e)}: expected TABLE=function, or TABLE=- to leave a table out`,
        'e.g. --map EMPLOYEES=getEmployee, --map ORDER_ITEMS=-',
      );
    }
    if (fn === '-') delete map[table.toUpperCase()];
    else map[table.toUpperCase()] = fn;
  }
  if (Object.keys(map).length === 0)
    throw usageError(
      '--map: every table is left out: nothing would be dropped',
      'map at least one table, e.g. --map EMPLOYEES=getEmployee',
    );
  return map;
}

/** A directory marked for the other store is the application's cache: name the flag that matches it. */
function cacheDirError(cause: CacheDirError): DcnError {
  const store = /is marked for dcn's cache format \d+ \(store (\w+)\)/.exec(cause.message)?.[1];
  return new DcnError('usage', `cannot use cache directory: ${cause.message}`, {
    hint:
      store === undefined
        ? `${cause.hint} (--cache-dir)`
        : `open it with the store the application uses: --cache-store ${store} (or DCN_CACHE_STORE)`,
    cause,
  });
}

/**
 * The cache in --cache-dir (created if missing), refused unless this process can write there: a
 * drop that reaches no cache drops nothing. With a bus, on it before anything is dropped: an
 * unreachable bus is exit 6 before the command answers anything.
 */
export async function openCache(
  ctx: CommandContext,
  cacheDir: string | undefined,
  options: { lifetimeSeconds?: number; bus?: BusSettings; store?: CacheStore } = {},
): Promise<ResultCache> {
  // resolve() would turn an empty path into the current directory
  if (cacheDir !== undefined && cacheDir.trim() === '')
    throw usageError(
      '--cache-dir is empty: it would mean the current directory',
      'give the cache its own directory, e.g. --cache-dir /var/cache/orders',
    );
  let cache: ResultCache;
  try {
    cache = new ResultCache({
      dir: resolve(ctx.cwd, cacheDir ?? 'dcn-cache'),
      lifetimeSeconds: options.lifetimeSeconds,
      ...(options.store ? { store: options.store } : {}),
      ...(options.bus ? { bus: options.bus.url, channel: options.bus.channel, busAcks: options.bus.acks } : {}),
    });
  } catch (cause) {
    if (!(cause instanceof CacheDirError)) throw cause;
    throw cacheDirError(cause);
  }
  try {
    cache.checkWritable();
  } catch (cause) {
    cache.close();
    if (cause instanceof CacheDirError) throw cacheDirError(cause);
    throw new DcnError('usage', `cannot use cache directory ${cache.dir}: ${(cause as Error).message}`, {
      hint: 'give --cache-dir the directory your application caches in, one this process can write (it is created if missing)',
      cause,
    });
  }
  try {
    await cache.ready();
  } catch (cause) {
    cache.close();
    const code = (cause as { code?: string }).code;
    const hint =
      code === 'ERR_BUS_AUTH'
        ? 'give the password Redis expects in the bus URL: redis://[user]:password@host (it is not shown)'
        : code === 'ERR_BUS_PERMISSION'
          ? 'have an admin of Redis run the ACL SETUSER above, or give a user that has those grants in the bus URL'
          : 'start Redis, or check the bus URL and the network (the password is not shown)';
    throw new DcnError('unavailable', (cause as Error).message, { hint, cause });
  }
  return cache;
}
