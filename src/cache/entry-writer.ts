/**
 * The write path: a computation under a claim written before the function runs, and its result
 * stored only while that claim still holds (a drop, here or in any process, takes it, and a
 * result computed from the old rows is then returned to its caller but never stored). What
 * cannot be stored (not JSON, beyond maxValueBytes, beyond maxBytes, off the bus) is returned
 * uncached, the claim taken back.
 */
import type { CallResult } from './cache-options.js';
import type { CacheStore, ClaimId } from './entry-store.js';
import { isMissing } from './entry-files.js';
import type { MemoryTier } from './memory-tier.js';
import { deepFreeze, storedText, Unstorable } from './stored-value.js';
import type { CacheWarningCode } from './warnings.js';

export interface WriterContext {
  readonly store: CacheStore;
  readonly memory: MemoryTier;
  readonly maxValueBytes: number;
  readonly now: () => number;
  readonly warn: (code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown) => void;
  /** Off the bus: nothing is stored (a drop may have been missed while the function ran). */
  readonly bypassed: () => boolean;
  /** Whether maxBytes leaves room for a value of this size. */
  readonly mayWrite: (bytes: number) => boolean;
}

export class EntryWriter {
  readonly #ctx: WriterContext;

  constructor(ctx: WriterContext) {
    this.#ctx = ctx;
  }

  /** Writes the claim a computation runs under; undefined when the disk will not take it. */
  claim(name: string, hash: string, token: string): ClaimId | undefined {
    try {
      return this.#ctx.store.claim(name, hash, token, this.#ctx.now());
    } catch (err) {
      this.#writeFailed(name, err);
      return undefined;
    }
  }

  #writeFailed(name: string, err: unknown): void {
    if (!isMissing(err))
      this.#ctx.warn(
        'write_failed',
        name,
        `cannot write in ${this.#ctx.store.where(name)}: ${(err as Error).message}; ${name} runs uncached`,
        err,
      );
  }

  /** Runs fn under the claim (if any) and stores its result while the claim holds. */
  async compute(
    name: string,
    hash: string,
    token: string,
    claim: ClaimId | undefined,
    lifetimeMs: number,
    fn: (...a: unknown[]) => unknown,
    args: unknown[],
  ): Promise<CallResult<unknown>> {
    const { store, maxValueBytes } = this.#ctx;
    const release = () => claim !== undefined && store.release(name, hash, claim);
    let result: unknown;
    try {
      result = await fn(...args);
    } catch (err) {
      release(); // a failed function is not cached: take back our claim, if it is still ours
      throw err;
    }
    const text = storedText(result);
    if (text instanceof Unstorable) {
      release();
      this.#ctx.warn(
        'value_not_storable',
        name,
        `${name} returned ${text.message}, which cannot be stored: returned to the caller, not cached`,
      );
      return { value: result, hit: false };
    }
    if (text.length > maxValueBytes || (text.length * 3 > maxValueBytes && Buffer.byteLength(text) > maxValueBytes)) {
      release();
      this.#ctx.warn(
        'value_too_large',
        name,
        `a result of ${name} is ${Buffer.byteLength(text)} bytes, more than maxValueBytes (${maxValueBytes}): returned to the caller, not cached`,
      );
      return { value: result, hit: false };
    }
    const value = deepFreeze(JSON.parse(text) as unknown);
    if (claim === undefined) return { value, hit: false };
    // Not stored off the bus (a drop may have been missed while it ran), nor beyond maxBytes, nor
    // unless our claim still holds: a drop came, or a newer computation claimed the entry.
    if (this.#ctx.bypassed() || !this.#ctx.mayWrite(text.length)) {
      release();
      return { value, hit: false };
    }
    const now = this.#ctx.now();
    const expires = now + lifetimeMs;
    let stored: boolean;
    try {
      stored = store.storeValue(name, hash, claim, token, text, now, expires);
    } catch (err) {
      release();
      this.#writeFailed(name, err);
      return { value, hit: false };
    }
    // Visible only if no drop took our claim meanwhile; remember it only then.
    if (stored) this.#ctx.memory.remember(name, hash, { claim, expires, value, touched: now, bytes: text.length });
    return { value, hit: false };
  }
}
