/**
 * The store as files (names and ownership: cache-dir.ts; reading and writing them:
 * entry-files.ts), per function a directory, per entry two files:
 *   <hash>.dcn-key  the claim: a random token; known by (inode, mtime)
 *   <hash>.dcn-val  the value, with the token of the claim it was computed under and its expiry;
 *                   mtime = expiry, atime = last use, so that a sweep finds both with one stat()
 * Opened only once the directory is proved dcn's; a function's entries are moved away at once by
 * one rename. Disk errors are thrown to the cache.
 */
import { randomInt } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { readdir } from 'node:fs/promises';
import {
  CacheDirError,
  droppedDir,
  FUNCTION_DIR,
  functionDir,
  KEY_SUFFIX,
  openDir,
  removeDropped,
  tempName,
  VALUE_SUFFIX,
} from './cache-dir.js';
import type { CacheStore, ClaimId, LoadedEntry } from './entry-store.js';
import { claimToken, isMissing, readClaim, readValue, removeQuietly, TOO_LARGE, writeAtomic } from './entry-files.js';
import { sweepDir, type SweepLimits, type SweepReport } from './sweep.js';

const FILES_FORMAT = 2;

/** A claim's identity: its inode and mtime (each claim gets an mtime of its own, see claim()). */
const idOf = (st: Stats): ClaimId => `${st.ino}:${st.mtimeMs}`;

export class FileStore implements CacheStore {
  /** The cache directory, absolute and normalised once: paths below it are joined as text. */
  readonly root: string;
  readonly #shown: string;
  /** The directory is proved to be dcn's (marked): nothing is written or swept before. */
  #opened = false;
  #openError: unknown;
  /** Functions' directories known to exist: made once, not at every claim. */
  readonly #dirs = new Set<string>();
  #reachable = false;

  constructor(root: string, shown: string) {
    this.root = root;
    this.#shown = shown;
  }

  tryOpen(): boolean {
    if (this.#opened) return true;
    try {
      openDir(this.root, FILES_FORMAT);
      this.#opened = true;
      this.#openError = undefined;
    } catch (err) {
      if (err instanceof CacheDirError) throw err;
      this.#openError = err;
    }
    return this.#opened;
  }

  checkWritable(): void {
    openDir(this.root, FILES_FORMAT);
    this.#opened = true;
    const probe = tempName(`${this.root}/.dcn-probe`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  }

  where(name: string): string {
    return functionDir(this.root, name);
  }

  // template strings, not path.join: a tenth of a hit's cost
  #key = (name: string, hash: string) => `${functionDir(this.root, name)}/${hash}${KEY_SUFFIX}`;
  #val = (name: string, hash: string) => `${functionDir(this.root, name)}/${hash}${VALUE_SUFFIX}`;

  claimOf(name: string, hash: string): ClaimId | undefined {
    const st = statSync(this.#key(name, hash), { throwIfNoEntry: false });
    return st && idOf(st);
  }

  load(name: string, hash: string, maxValueBytes: number, now: number): LoadedEntry | undefined {
    const keyPath = this.#key(name, hash);
    let read: { claim: Stats; text: string };
    // the claim's stat and token through one open file: path lookups are most of a first read's cost
    try {
      read = readClaim(keyPath);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const claim = idOf(read.claim);
    const valPath = this.#val(name, hash);
    const val = readValue(valPath, maxValueBytes, now);
    if (val === undefined || val === TOO_LARGE) return { claim }; // being computed, or stored by a process with a larger limit
    const token = claimToken(read.text);
    if (token === undefined) {
      removeQuietly(keyPath);
      return { claim };
    }
    let record: { t?: unknown; e?: unknown; v?: unknown };
    try {
      record = JSON.parse(val.text) as typeof record;
    } catch {
      removeQuietly(valPath);
      return { claim };
    }
    if (record.t !== token || typeof record.e !== 'number') return { claim }; // computed under another claim
    return { claim, value: { value: record.v, bytes: val.text.length, expires: record.e, touched: val.touched } };
  }

  claim(name: string, hash: string, token: string, now: number): ClaimId {
    const dir = functionDir(this.root, name);
    const key = `${dir}/${hash}${KEY_SUFFIX}`;
    try {
      if (!this.#dirs.has(dir)) {
        if (!this.tryOpen()) throw this.#openError;
        // one level: a cache directory that is gone is not made again (a volume not mounted
        // would be filled in its place), it is a miss and a failing drop
        try {
          mkdirSync(dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        this.#dirs.add(dir);
      }
      // A claim is known by (inode, mtime). A filesystem hands a freed inode out again at once
      // (ext4 does), and a kernel before 6.13 stamps files from a clock that ticks every few ms:
      // a claim made right after a drop could carry the dropped one's identity, and a process
      // that remembers the old value would serve it. So each claim gets an mtime of its own, a
      // random instant of the last second, stored to the nanosecond whatever the clock's tick.
      writeAtomic(key, `{"t":"${token}"}`, { atime: now, mtime: now - randomInt(1, 1_000_000) / 1000 });
      return idOf(statSync(key));
    } catch (err) {
      this.#dirs.delete(dir); // dropAll() may have moved the directory away: make it again next time
      throw err;
    }
  }

  holds(name: string, hash: string, claim: ClaimId): boolean {
    try {
      return this.claimOf(name, hash) === claim;
    } catch {
      return false;
    }
  }

  storeValue(
    name: string,
    hash: string,
    claim: ClaimId,
    token: string,
    text: string,
    now: number,
    expires: number,
  ): boolean {
    if (!this.holds(name, hash, claim)) return false;
    try {
      writeAtomic(this.#val(name, hash), `{"t":"${token}","e":${expires},"v":${text}}`, { atime: now, mtime: expires });
    } catch (err) {
      if (isMissing(err)) return false; // the directory was dropped meanwhile
      throw err;
    }
    // visible only if no drop took the claim meanwhile
    return this.holds(name, hash, claim);
  }

  release(name: string, hash: string, claim: ClaimId): void {
    if (this.holds(name, hash, claim)) removeQuietly(this.#key(name, hash));
  }

  touch(name: string, hash: string, _claim: ClaimId, expires: number, now: number): void {
    try {
      utimesSync(this.#val(name, hash), now / 1000, expires / 1000);
    } catch {
      // a missing or unwritable file: the entry is only evicted sooner
    }
  }

  /**
   * Unlinks the claim (its value can never count again; the next sweep reclaims it: unlinking it
   * here too made each drop half as dear again). Asked first, not learnt from unlink's error: the
   * listener mostly drops keys that were never cached, and an exception per drop cost more than
   * the question.
   */
  drop(name: string, hash: string): boolean {
    const key = this.#key(name, hash);
    if (!existsSync(key)) {
      this.#checkReachable();
      return false;
    }
    try {
      unlinkSync(key);
    } catch (err) {
      if (!isMissing(err)) throw err;
      return false; // dropped meanwhile by another process
    }
    return true;
  }

  /**
   * Moves every entry of a function away: one rename, whatever their number; the old directory is
   * emptied in the background (and by a sweep, if this process dies first).
   */
  dropAll(name: string): void {
    const dir = functionDir(this.root, name);
    this.#dirs.delete(dir);
    const away = droppedDir(this.root, name);
    try {
      renameSync(dir, away);
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.#checkReachable();
      return;
    }
    void removeDropped(away);
  }

  async functions(): Promise<string[]> {
    const names: string[] = [];
    for (const d of await readdir(this.root, { withFileTypes: true })) {
      const fn = d.isDirectory() ? FUNCTION_DIR.exec(d.name)?.[1] : undefined;
      if (fn !== undefined) names.push(fn);
    }
    return names;
  }

  sweep(limits: SweepLimits, failed: (err: unknown) => void): Promise<SweepReport> {
    return sweepDir(this.root, limits, failed);
  }

  close(): void {}

  /**
   * Throws unless the cache directory is there. Checked once per synchronous run: the listener
   * drops a whole batch of notifications in one, and pays one stat() for it, not one a drop.
   */
  #checkReachable(): void {
    if (this.#reachable) return;
    const st = statSync(this.root, { throwIfNoEntry: false });
    if (!st?.isDirectory())
      throw Object.assign(new Error(`the cache directory ${this.#shown} is ${st ? 'not a directory' : 'gone'}`), {
        code: st ? 'ENOTDIR' : 'ENOENT',
      });
    this.#reachable = true;
    queueMicrotask(() => (this.#reachable = false));
  }
}
