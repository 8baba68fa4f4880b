/**
 * A cache's housekeeping: its sweeps (periodic, and early once half of maxBytes was written since
 * the last began), one at a time per process, and the budget that stops storing beyond 0.9 of
 * maxBytes until a sweep catches up (a sweep a minute let churn grow the directory 50x past its
 * bound). Removing is all a sweep does, so it can never make a stale value visible.
 */
import type { CacheStore } from './entry-store.js';
import { isMissing } from './entry-files.js';
import { emptySweep, type SweepReport } from './sweep.js';
import type { CacheWarningCode } from './warnings.js';

export interface HousekeepingContext {
  readonly store: CacheStore;
  readonly maxBytes: number | undefined;
  readonly leftoverAgeMs: number;
  readonly now: () => number;
  readonly warn: (code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown) => void;
  /** Told of every sweep's report. */
  readonly swept: (report: SweepReport) => void;
  /** Shown in a warning. */
  readonly shown: string;
}

export class Housekeeping {
  readonly #ctx: HousekeepingContext;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepReport> | undefined;
  #writtenSinceSweep = 0;
  last: SweepReport | undefined;

  constructor(ctx: HousekeepingContext, intervalMs: number) {
    this.#ctx = ctx;
    // unref'd: a process that only drops once and exits is not held up by it
    if (intervalMs > 0) this.#timer = setInterval(() => void this.sweep().catch(() => undefined), intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** True when a value of this size may be stored now (always, without maxBytes). */
  mayWrite(bytes: number): boolean {
    const { maxBytes } = this.#ctx;
    if (maxBytes === undefined) return true;
    if (this.#writtenSinceSweep > maxBytes * 0.9) return false;
    this.#writtenSinceSweep += bytes + 8192; // and the blocks it takes
    if (this.#writtenSinceSweep > maxBytes / 2 && !this.#sweeping) void this.sweep().catch(() => undefined);
    return true;
  }

  /** One sweep at a time: a sweep asked for while one runs is that one. */
  sweep(): Promise<SweepReport> {
    if (this.#sweeping) return this.#sweeping;
    const counted = this.#writtenSinceSweep; // what this sweep will find; written meanwhile, the next
    this.#sweeping = this.#sweep().finally(() => {
      this.#sweeping = undefined;
      this.#writtenSinceSweep = Math.max(0, this.#writtenSinceSweep - counted);
    });
    return this.#sweeping;
  }

  async #sweep(): Promise<SweepReport> {
    const { store, now, leftoverAgeMs, maxBytes } = this.#ctx;
    const failed = (err: unknown) => {
      if (!isMissing(err))
        this.#ctx.warn('sweep_failed', undefined, `cannot sweep ${this.#ctx.shown}: ${(err as Error).message}`, err);
    };
    // a directory not proved dcn's is not swept: nothing there is known to be its own
    const report = store.tryOpen()
      ? await store.sweep({ now: now(), leftoverAgeMs, maxBytes }, failed)
      : emptySweep(now());
    this.last = report;
    this.#ctx.swept(report);
    return report;
  }
}
