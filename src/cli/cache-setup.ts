/** What dcn listen and dcn watch share: the table → function map, and a cache directory proved writable before anything is dropped. */
import { resolve } from 'node:path';
import { FUNCTION_NAME, ResultCache } from '../cache/result-cache.js';
import { DcnError, usageError } from '../errors.js';
import { DEFAULT_TABLES } from '../listener/listener.js';
import { isUnquotedName } from '../oracle/identifiers.js';
import type { CommandContext } from './context.js';

/** --map TABLE=function, repeatable; the article's two tables by default. */
export function parseMap(entries: readonly string[] | undefined): Record<string, string> {
  if (!entries || entries.length === 0) return { ...DEFAULT_TABLES };
  const map: Record<string, string> = {};
  for (const e of entries) {
    const [table = '', fn = '', ...rest] = e.split('=');
    if (rest.length > 0 || !isUnquotedName(table) || !FUNCTION_NAME.test(fn)) {
      throw usageError(`--map ${e}: expected TABLE=function`, 'e.g. --map ORDERS=getOrderFields --map ORDER_ITEMS=getOrderItems');
    }
    map[table.toUpperCase()] = fn;
  }
  return map;
}

/** The cache in --cache-dir (created if missing), refused unless this process can write there: a drop that reaches no cache drops nothing. */
export function openCache(ctx: CommandContext, cacheDir: string | undefined, lifetimeSeconds?: number): ResultCache {
  const cache = new ResultCache({ dir: resolve(ctx.cwd, cacheDir ?? 'dcn-cache'), lifetimeSeconds });
  try {
    cache.checkWritable();
  } catch (cause) {
    cache.close();
    throw new DcnError('usage', `cannot use cache directory ${cache.dir}: ${(cause as Error).message}`, {
      hint: 'give --cache-dir the directory your application caches in, one this process can write (it is created if missing)',
      cause,
    });
  }
  return cache;
}
