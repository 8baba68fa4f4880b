/**
 * The cache directory on disk, and how dcn proves a file there is its own. dcn removes only what
 * it wrote, so every name it writes has a shape no user file has by accident, and a directory is
 * taken only when dcn made it (or found it empty) and marked it:
 *
 *   <dir>/.dcn-cache                          the marker: {"dcn":"result-cache","format":2}
 *                                             (format 3: the LMDB store, lmdb-store.ts)
 *   <dir>/<function>.dcn-fn/                  one per cached function
 *   <dir>/<function>.dcn-fn/<hash>.dcn-key    a claim (hash: 40 hex digits)
 *   <dir>/<function>.dcn-fn/<hash>.dcn-val    a value
 *   <path>.<token>.dcn-tmp                    a file being written (token: 16 base64url)
 *   <dir>/.dcn-dropped.<function>.<token>/    a function's directory being removed by dropAll()
 *
 * A non-empty directory without the marker, or with another format's, is refused: it may be
 * anyone's. Anything else found in a marked directory (a user's file, a directory named like a
 * function) is left alone by every sweep and drop.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { opendir, rmdir, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pseudoFilesystem } from '../paths.js';

export const MARKER = '.dcn-cache';
/** A directory's format is its store's: processes that share it must share the store too. */
const STORE_OF_FORMAT: Record<number, string> = { 2: 'files', 3: 'lmdb' };

export const FUNCTION_SUFFIX = '.dcn-fn';
export const KEY_SUFFIX = '.dcn-key';
export const VALUE_SUFFIX = '.dcn-val';
export const TEMP_SUFFIX = '.dcn-tmp';
const DROPPED_PREFIX = '.dcn-dropped.';

/** What a cached function's name may be: it names a directory. */
export const FUNCTION_NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,99}$/;
const FN = '[A-Za-z_$][A-Za-z0-9_$.-]{0,99}';
const TOKEN = '[A-Za-z0-9_-]{16}';
/** A function's directory, with the function's name as its first group. */
export const FUNCTION_DIR = new RegExp(`^(${FN})\\${FUNCTION_SUFFIX}$`);
/** An entry's file in a function's directory: the hash, and key or val. */
export const ENTRY_FILE = /^([0-9a-f]{40})\.dcn-(key|val)$/;
/** A file being written, in the directory or a function's directory. */
export const TEMP_FILE = new RegExp(
  `^(?:[0-9a-f]{40}\\.dcn-(?:key|val)|\\.dcn-probe|${MARKER.replace('.', '\\.')})\\.${TOKEN}\\${TEMP_SUFFIX}$`,
);
/** A function's directory moved away by dropAll(). */
export const DROPPED_DIR = new RegExp(`^\\.dcn-dropped\\.${FN}\\.${TOKEN}$`);

export function newToken(): string {
  return randomBytes(12).toString('base64url');
}

export const functionDir = (root: string, name: string) => `${root}/${name}${FUNCTION_SUFFIX}`;
export const droppedDir = (root: string, name: string) => `${root}/${DROPPED_PREFIX}${name}.${newToken()}`;
export const tempName = (path: string) => `${path}.${newToken()}${TEMP_SUFFIX}`;

export class CacheDirError extends Error {
  readonly code = 'ERR_CACHE_DIR';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Refuses what can never be a cache directory: an empty path, a path on /proc or /sys. */
export function checkDirPath(dir: string): string {
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new CacheDirError(
      'the cache directory is empty: an empty path would mean the current directory',
      'give the cache its own directory, e.g. /var/cache/orders',
    );
  }
  const absolute = resolve(dir);
  const pseudo = pseudoFilesystem(absolute);
  if (pseudo)
    throw new CacheDirError(
      `the cache directory ${absolute} is on ${pseudo.ancestor} (${pseudo.kind}), which is not storage`,
      'give a directory on a real filesystem, e.g. /var/cache/orders',
    );
  return absolute;
}

/**
 * Creates the directory one level at a time (never mkdir -p, which loops on some kernels'
 * pseudo filesystems), and marks it when dcn made it or found it empty. Throws CacheDirError when
 * the directory holds files without dcn's marker; an I/O error (EACCES, EROFS, …) as it is.
 */
export function openDir(absolute: string, want: number): void {
  const missing: string[] = [];
  for (let at = absolute; statSync(at, { throwIfNoEntry: false }) === undefined; at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (!statSync(absolute).isDirectory())
    throw Object.assign(new Error(`${absolute} is not a directory`), { code: 'ENOTDIR' });
  const marker = `${absolute}/${MARKER}`;
  let text: string | undefined;
  try {
    text = readFileSync(marker, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    let format: unknown;
    try {
      const parsed = JSON.parse(text) as { dcn?: unknown; format?: unknown };
      format = parsed.dcn === 'result-cache' ? parsed.format : undefined;
    } catch {
      format = undefined;
    }
    if (format === want) return;
    throw new CacheDirError(
      `the cache directory ${absolute} is marked ${format === undefined ? 'by something that is not a dcn result cache' : `for dcn's cache format ${String(format)}${STORE_OF_FORMAT[format as number] ? ` (store ${STORE_OF_FORMAT[format as number]})` : ''}, not ${want} (store ${STORE_OF_FORMAT[want]})`}`,
      'give this version of dcn a directory of its own (an empty or a new one)',
    );
  }
  const found = readdirSync(absolute);
  if (found.length > 0) {
    const some = found.sort().slice(0, 4).join(', ');
    throw new CacheDirError(
      `${absolute} is not a dcn cache directory: it holds ${found.length} file(s) without dcn's marker (${MARKER}), e.g. ${some}; dcn removes only what it can prove it wrote`,
      'give the cache an empty directory or a new one (it is created if missing); a cache directory of an older dcn can be emptied by hand',
    );
  }
  // exclusive: two processes opening one new directory at once write it once, and both accept it
  try {
    const fd = openSync(marker, 'wx');
    try {
      writeSync(fd, `{"dcn":"result-cache","format":${want}}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Removes a function's directory that dropAll() moved away: only the files dcn names, a batch at
 * a time so that the event loop is never held for long, then the directory if it is empty (a
 * user's file in it keeps it). True when the directory is gone.
 */
export async function removeDropped(path: string): Promise<boolean> {
  let batch: string[] = [];
  const flush = async () => {
    await Promise.all(batch.map((f) => unlink(`${path}/${f}`).catch(() => undefined)));
    batch = [];
    await yieldToEventLoop();
  };
  try {
    for await (const entry of await opendir(path, { bufferSize: 256 })) {
      if (ENTRY_FILE.test(entry.name) || TEMP_FILE.test(entry.name)) batch.push(entry.name);
      if (batch.length >= 128) await flush();
    }
    await flush();
    await rmdir(path);
    return true;
  } catch {
    return false;
  }
}

/** The functions' directories and dropped directories at the top of the cache directory. */
export function isDroppedDir(name: string): boolean {
  return name.startsWith(DROPPED_PREFIX) && DROPPED_DIR.test(name);
}
