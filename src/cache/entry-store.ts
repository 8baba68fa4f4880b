/**
 * The cache's directory as a store of entries (names and ownership: cache-dir.ts; the files:
 * entry-files.ts): opened only once proved dcn's, a claim written, an entry's claim unlinked, a
 * function's entries moved away at once, the functions it holds listed. Disk errors are thrown to
 * the cache, which decides what they cost (a miss, a warning, or not serving).
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
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
import type { EntryPaths } from './entry-lookup.js';
import { isMissing, writeAtomic } from './entry-files.js';

export class EntryStore {
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

  /** Opens the directory; false on a disk error (kept for the next claim's warning); CacheDirError is thrown. */
  tryOpen(): boolean {
    if (this.#opened) return true;
    try {
      openDir(this.root);
      this.#opened = true;
      this.#openError = undefined;
    } catch (err) {
      if (err instanceof CacheDirError) throw err;
      this.#openError = err;
    }
    return this.#opened;
  }

  /** Opens the directory and proves this process can write in it; throws when it cannot. */
  checkWritable(): void {
    openDir(this.root);
    this.#opened = true;
    const probe = tempName(`${this.root}/.dcn-probe`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  }

  paths(name: string, hash: string): EntryPaths {
    // template strings, not path.join three times: a tenth of a hit's cost
    const dir = functionDir(this.root, name);
    return { dir, key: `${dir}/${hash}${KEY_SUFFIX}`, val: `${dir}/${hash}${VALUE_SUFFIX}` };
  }

  /** Writes the claim a computation runs under, and returns its identity; throws a disk error. */
  writeClaim(p: EntryPaths, token: string, now: number): Stats | undefined {
    try {
      if (!this.#dirs.has(p.dir)) {
        if (!this.tryOpen()) throw this.#openError;
        // one level: a cache directory that is gone is not made again (a volume not mounted
        // would be filled in its place), it is a miss and a failing drop
        try {
          mkdirSync(p.dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        this.#dirs.add(p.dir);
      }
      // A claim is known by (inode, mtime). A filesystem hands a freed inode out again at once
      // (ext4 does), and a kernel before 6.13 stamps files from a clock that ticks every few ms:
      // a claim made right after a drop could carry the dropped one's identity, and a process
      // that remembers the old value would serve it. So each claim gets an mtime of its own, a
      // random instant of the last second, stored to the nanosecond whatever the clock's tick.
      writeAtomic(p.key, `{"t":"${token}"}`, { atime: now, mtime: now - randomInt(1, 1_000_000) / 1000 });
      return statSync(p.key, { throwIfNoEntry: false });
    } catch (err) {
      this.#dirs.delete(p.dir); // dropAll() may have moved the directory away: make it again next time
      throw err;
    }
  }

  /** Unlinks an entry's claim (its value can never count again); false when there was none. Throws when the directory is gone. */
  unlinkClaim(name: string, hash: string): boolean {
    // unlink and learn from its error, not ask first: one path lookup, not two
    try {
      unlinkSync(this.paths(name, hash).key);
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.#checkReachable();
      return false;
    }
    return true;
  }

  /**
   * Moves every entry of a function away: one rename, whatever their number; the old directory is
   * emptied in the background (and by a sweep, if this process dies first). Throws when the
   * directory is gone.
   */
  moveAway(name: string): void {
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

  /** The functions that have entries; throws when the directory is gone. */
  async functions(): Promise<string[]> {
    const names: string[] = [];
    for (const d of await readdir(this.root, { withFileTypes: true })) {
      const fn = d.isDirectory() ? FUNCTION_DIR.exec(d.name)?.[1] : undefined;
      if (fn !== undefined) names.push(fn);
    }
    return names;
  }

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
