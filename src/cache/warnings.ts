/**
 * The cache's warnings: what degraded (the application was served all the same), at most one of
 * a kind per function in an interval, with the count of those held back.
 */

export type CacheWarningCode =
  | 'write_failed'
  | 'read_failed'
  | 'value_not_storable'
  | 'value_too_large'
  | 'sweep_failed'
  | 'bus_down'
  | 'bus_up'
  | 'drop_failed'
  | 'drop_healed';

/** Emitted as the 'warning' event: the cache degraded, the application was served all the same. */
export interface CacheWarning {
  readonly code: CacheWarningCode;
  readonly message: string;
  /** The cached function concerned, when there is one. */
  readonly function?: string;
  /** How many warnings like this one were held back since the last one emitted. */
  readonly suppressed: number;
  readonly cause?: unknown;
}

export class WarningThrottle {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    readonly intervalMs: number,
    readonly now: () => number,
  ) {}

  /** The warning to emit, or undefined when one of its kind went out less than the interval ago. */
  admit(code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown): CacheWarning | undefined {
    const key = `${code}\u0000${fn ?? ''}`;
    const now = this.now();
    const last = this.#last.get(key);
    if (last && now - last.at < this.intervalMs) {
      last.suppressed++;
      return undefined;
    }
    this.#last.set(key, { at: now, suppressed: 0 });
    return { code, message: `result cache: ${message}`, function: fn, suppressed: last?.suppressed ?? 0, cause };
  }
}
