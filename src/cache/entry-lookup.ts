/**
 * The read path: a cached value, or the claim in the store it would be computed under. A value
 * found in memory is served after its claim is asked for (one stat() of a file, or one read of
 * LMDB's map), which is what lets another process's drop be seen by the very next call; with the
 * memory tier, without asking. A value not in memory is read from the store and remembered.
 * Never throws: a sick disk is a miss, with a warning.
 */
import type { CacheStore, ClaimId } from './entry-store.js';
import type { MemoryEntry, MemoryTier } from './memory-tier.js';
import { deepFreeze } from './stored-value.js';
import type { CacheWarningCode } from './warnings.js';
import { isMissing } from './entry-files.js';

export type Lookup =
  { readonly hit: true; readonly value: unknown } | { readonly hit: false; readonly claim?: ClaimId };

/** A use is written to the store at most this often per entry (for LRU eviction). */
const TOUCH_EVERY_MS = 60_000;

export interface LookupContext {
  readonly store: CacheStore;
  readonly memory: MemoryTier;
  /** Serve what memory holds without asking the store (every drop comes through the bus). */
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

  /** The cached value, or the claim in the store (if any). Never throws: a sick disk is a miss. */
  lookup(name: string, hash: string): Lookup {
    const { memory, store } = this.#ctx;
    const known = memory.get(name, hash);
    if (!known) return this.#load(name, hash);
    // the memory tier: every drop reaches this process through the bus (which is up: a cache off
    // the bus never gets here), so the store need not be asked
    if (this.#ctx.memoryTier) {
      if (known.expires > this.#ctx.now()) return { hit: true, value: known.value };
      memory.forget(name, hash);
      return { hit: false };
    }
    let claim: ClaimId | undefined;
    try {
      claim = store.claimOf(name, hash);
    } catch (err) {
      this.#readFailed(name, err);
      return { hit: false };
    }
    if (claim === undefined) {
      memory.forget(name, hash);
      return { hit: false };
    }
    if (known.claim !== claim) return this.#load(name, hash);
    const now = this.#ctx.now();
    if (known.expires > now) {
      if (now - known.touched > TOUCH_EVERY_MS) this.#touch(name, hash, known, now);
      return { hit: true, value: known.value };
    }
    memory.forget(name, hash);
    return { hit: false, claim };
  }

  #readFailed(name: string, err: unknown): void {
    if (!isMissing(err))
      this.#ctx.warn(
        'read_failed',
        name,
        `cannot read ${this.#ctx.store.where(name)}: ${(err as Error).message}; served as a miss`,
        err,
      );
  }

  /** Records a use in the store, for the sweep's least-recently-used order. */
  #touch(name: string, hash: string, entry: MemoryEntry, now: number): void {
    entry.touched = now;
    this.#ctx.store.touch(name, hash, entry.claim, entry.expires, now);
  }

  /** An entry not in memory, or remembered under an older claim: read from the store. */
  #load(name: string, hash: string): Lookup {
    const now = this.#ctx.now();
    let loaded;
    try {
      loaded = this.#ctx.store.load(name, hash, this.#ctx.maxValueBytes, now);
    } catch (err) {
      this.#readFailed(name, err);
      return { hit: false };
    }
    if (!loaded) return { hit: false };
    const v = loaded.value;
    if (!v || v.expires <= now) return { hit: false, claim: loaded.claim };
    const value = deepFreeze(v.value);
    const entry: MemoryEntry = { claim: loaded.claim, expires: v.expires, value, touched: v.touched, bytes: v.bytes };
    if (now - entry.touched > TOUCH_EVERY_MS) this.#touch(name, hash, entry, now);
    this.#ctx.memory.remember(name, hash, entry);
    return { hit: true, value };
  }
}
