/**
 * The read path: a cached value, or the claim on disk it would be computed under. A value found
 * in memory is served after one stat() of its claim (which is what lets another process's drop be
 * seen by the very next call), or, with the memory tier, without one; a value not in memory is
 * read from its files and remembered. Never throws: a sick disk is a miss, with a warning.
 */
import { readFileSync, statSync, utimesSync, type Stats } from 'node:fs';
import { claimToken, isMissing, readClaim, readValue, removeQuietly, sameFile, TOO_LARGE } from './entry-files.js';
import type { MemoryEntry, MemoryTier } from './memory-tier.js';
import { deepFreeze } from './stored-value.js';
import type { CacheWarningCode } from './warnings.js';

export type Lookup = { readonly hit: true; readonly value: unknown } | { readonly hit: false; readonly claim?: Stats };

export interface EntryPaths {
  readonly dir: string;
  readonly key: string;
  readonly val: string;
}

/** A use is written to the value file's atime at most this often per entry (for LRU eviction). */
const TOUCH_EVERY_MS = 60_000;

export interface LookupContext {
  readonly memory: MemoryTier;
  /** Serve what memory holds without asking the disk (every drop comes through the bus). */
  readonly memoryTier: boolean;
  readonly maxValueBytes: number;
  readonly now: () => number;
  readonly warn: (code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown) => void;
}

export class EntryLookup {
  readonly #ctx: LookupContext;

  constructor(ctx: LookupContext) {
    this.#ctx = ctx;
  }

  /** The cached value, or the claim on disk (if any). Never throws: a sick disk is a miss. */
  lookup(name: string, hash: string, p: EntryPaths): Lookup {
    const known = this.#ctx.memory.get(name, hash);
    // Not in memory: the claim is read through one open file (its stat and its token), not
    // looked up by path twice. Path lookups are most of the cost of a key seen for the first time.
    if (!known) return this.#loadFresh(name, hash, p);
    // the memory tier: every drop reaches this process through the bus (which is up: a cache off
    // the bus never gets here), so the entry on disk need not be asked
    if (this.#ctx.memoryTier) {
      if (known.expires > this.#ctx.now()) return { hit: true, value: known.value };
      this.#ctx.memory.forget(name, hash);
      return { hit: false };
    }
    let claim: Stats | undefined;
    try {
      claim = statSync(p.key, { throwIfNoEntry: false });
    } catch (err) {
      if (!isMissing(err))
        this.#ctx.warn('read_failed', name, `cannot read ${p.key}: ${(err as Error).message}; served as a miss`, err);
      return { hit: false };
    }
    if (!claim) {
      this.#ctx.memory.forget(name, hash);
      return { hit: false };
    }
    const now = this.#ctx.now();
    if (sameFile(known, claim)) {
      if (known.expires > now) {
        if (now - known.touched > TOUCH_EVERY_MS) this.#touch(p.val, known, now);
        return { hit: true, value: known.value };
      }
      this.#ctx.memory.forget(name, hash);
      return { hit: false, claim };
    }
    return this.#load(name, hash, p, claim, now);
  }

  /** Records a use in the value file's atime, for the sweep's least-recently-used order. */
  #touch(val: string, entry: MemoryEntry, now: number): void {
    entry.touched = now;
    try {
      utimesSync(val, now / 1000, entry.expires / 1000);
    } catch {
      // a missing or unwritable file: the entry is only evicted sooner
    }
  }

  /** An entry not in memory: its claim (stat and token) read through one open file, then its value. */
  #loadFresh(name: string, hash: string, p: EntryPaths): Lookup {
    let read: { claim: Stats; text: string };
    try {
      read = readClaim(p.key);
    } catch (err) {
      if (!isMissing(err))
        this.#ctx.warn('read_failed', name, `cannot read ${p.key}: ${(err as Error).message}; served as a miss`, err);
      return { hit: false };
    }
    return this.#load(name, hash, p, read.claim, this.#ctx.now(), read.text);
  }

  #load(name: string, hash: string, p: EntryPaths, claim: Stats, now: number, claimText?: string): Lookup {
    const miss: Lookup = { hit: false, claim };
    let keyText: string;
    let val: ReturnType<typeof readValue>;
    try {
      keyText = claimText ?? readFileSync(p.key, 'utf8');
      val = readValue(p.val, this.#ctx.maxValueBytes, now);
    } catch (err) {
      if (!isMissing(err))
        this.#ctx.warn(
          'read_failed',
          name,
          `cannot read an entry of ${name}: ${(err as Error).message}; served as a miss`,
          err,
        );
      return miss;
    }
    if (val === undefined || val === TOO_LARGE) return miss; // being computed, or stored by a process with a larger limit
    const token = claimToken(keyText);
    if (token === undefined) {
      removeQuietly(p.key);
      return miss;
    }
    let record: { t?: unknown; e?: unknown; v?: unknown };
    try {
      record = JSON.parse(val.text) as typeof record;
    } catch {
      removeQuietly(p.val);
      return miss;
    }
    if (record.t !== token) return miss; // computed under another claim
    if (typeof record.e !== 'number' || record.e <= now) return miss;
    const value = deepFreeze(record.v);
    const entry: MemoryEntry = {
      ino: claim.ino,
      mtimeMs: claim.mtimeMs,
      expires: record.e,
      value,
      touched: val.touched,
      bytes: val.text.length,
    };
    if (now - entry.touched > TOUCH_EVERY_MS) this.#touch(p.val, entry, now);
    this.#ctx.memory.remember(name, hash, entry);
    return { hit: true, value };
  }
}
