/**
 * An entry's files, read and written (the names are in cache-dir.ts):
 *   <hash>.dcn-key  {"t":"<token>"}: the claim a computation runs under; known by (inode, mtime)
 *   <hash>.dcn-val  {"t":"<token>","e":<expiry ms>,"v":<the value as JSON>}; mtime = expiry,
 *                   atime = last use, so that a sweep finds both with one stat()
 * Every file is written to a temporary name and renamed into place: no reader sees half a file.
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { tempName } from './cache-dir.js';

export const TOO_LARGE = Symbol('too large');
/** A claim file is read into this buffer, never allocated per read. */
const KEY_BUFFER = Buffer.alloc(256);
/** Values up to this size are read with one read() into this buffer (decoded at once). */
const VALUE_BUFFER = Buffer.alloc(64 * 1024);

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export const sameFile = (a: { ino: number; mtimeMs: number }, b: { ino: number; mtimeMs: number }) =>
  a.ino === b.ino && a.mtimeMs === b.mtimeMs;

/** Writes a file whole: to a temporary name, then renamed into place; nothing is left on failure. */
export function writeAtomic(path: string, text: string, times?: { atime: number; mtime: number }): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, text);
    if (times) utimesSync(tmp, times.atime / 1000, times.mtime / 1000);
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** A claim's identity and text, through one open file (path lookups are most of a first read's cost); throws what open() throws. */
export function readClaim(path: string): { claim: Stats; text: string } {
  const fd = openSync(path, 'r');
  try {
    const claim = fstatSync(fd);
    const n = readSync(fd, KEY_BUFFER, 0, KEY_BUFFER.length, 0);
    return { claim, text: KEY_BUFFER.toString('utf8', 0, n) };
  } finally {
    closeSync(fd);
  }
}

/** The token in a claim's text; undefined when it is corrupt. */
export function claimToken(text: string): string | undefined {
  try {
    const t = (JSON.parse(text) as { t?: unknown }).t;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** Is the claim at path still the one given (a drop, or a newer claim, replaces it)? */
export function holds(path: string, claim: Stats): boolean {
  try {
    const now = statSync(path, { throwIfNoEntry: false });
    return now !== undefined && sameFile(now, claim);
  } catch {
    return false;
  }
}

/**
 * A value file's text, unless it is larger than a value may be: read without loading a giant
 * first. Most values fit VALUE_BUFFER and are read with one read(), no fstat; a larger file is
 * read whole after an fstat tells its size. `touched` is when the value was last used, for the
 * sweep's order: its atime, or `now` when the read did not ask for it (the read itself was a use).
 * Undefined when there is none.
 */
export function readValue(
  path: string,
  maxValueBytes: number,
  now: number,
): { text: string; touched: number } | typeof TOO_LARGE | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    // one byte more than a value may take (+ the token and the expiry) tells a too large one
    const limit = Math.min(VALUE_BUFFER.length, maxValueBytes + 201);
    const first = readSync(fd, VALUE_BUFFER, 0, limit, 0);
    if (first < limit) return { text: VALUE_BUFFER.toString('utf8', 0, first), touched: now };
    if (limit < VALUE_BUFFER.length) return TOO_LARGE;
    const stats = fstatSync(fd);
    if (stats.size > maxValueBytes + 200) return TOO_LARGE; // + the token and the expiry
    const buffer = Buffer.allocUnsafe(stats.size);
    let read = 0;
    while (read < stats.size) {
      const n = readSync(fd, buffer, read, stats.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return { text: buffer.toString('utf8', 0, read), touched: stats.atimeMs };
  } finally {
    closeSync(fd);
  }
}
