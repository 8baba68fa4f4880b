/**
 * A function-result cache over a directory, shared by processes: the application caches query
 * results with call(); the listener (another process) drops them when the database says the
 * rows changed. What the 2006 article did with PEAR Cache_Lite_Function, with what it lacked:
 * has(), dropAll() for table-level notifications, per-call lifetimes, safety under concurrency,
 * a bounded directory, and a sick disk that degrades the cache instead of the application.
 *
 * On disk (the names and the ownership marker: cache-dir.ts), per function, each entry is two files:
 *   <hash>.dcn-key  a claim: a random token, written before the function runs;
 *   <hash>.dcn-val  the result, with the token of the claim it was computed under and its expiry.
 *                   Its mtime is set to the expiry and its atime to its last use, so that a sweep
 *                   finds expired and least recently used entries with one stat() each.
 * A result counts only while the claim holds its token. drop() unlinks the claim (a sweep
 * reclaims the value), and a computation that was running when the drop came can
 * never make its (stale) result visible: its claim is gone. Nor can a call that begins after the
 * drop join that computation: a call joins a running computation only while that computation's
 * claim is still the one on disk. Every file is written to a temporary name and renamed into
 * place, so no reader sees half a file.
 *
 * Hits are served from memory after one stat() of the claim, which is what lets another
 * process's drop be seen by the very next call.
 */
import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import type { BusMessage, BusState } from './bus.js';
import type { CallOptions, CallResult, ResultCacheOptions } from './cache-options.js';
import { ServingGuard } from './serving-guard.js';
import { RedisBus } from './redis-bus.js';
import { checkDirPath, newToken } from './cache-dir.js';
import { argumentsHash, checkName } from './cache-key.js';
import { deepFreeze, storedText, Unstorable } from './stored-value.js';
import { MemoryTier } from './memory-tier.js';
import { EntryLookup, type EntryPaths } from './entry-lookup.js';
import { EntryStore } from './entry-store.js';
import { sweepDir, type SweepReport } from './sweep.js';
import { holds, isMissing, removeQuietly, sameFile, writeAtomic } from './entry-files.js';
import { WarningThrottle, type CacheWarningCode } from './warnings.js';

export { FUNCTION_NAME } from './cache-dir.js';
export { argumentsHash, encodeArguments } from './cache-key.js';
export type { SweepReport } from './sweep.js';
export type { CacheWarning, CacheWarningCode } from './warnings.js';
export type { CallOptions, CallResult, Json, ResultCacheOptions } from './cache-options.js';

interface Flight {
  /** The claim this computation wrote; a call joins it only while that claim is still on disk. */
  readonly claim: Stats;
  readonly promise: Promise<CallResult<unknown>>;
}

const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;

export class ResultCache extends EventEmitter {
  readonly dir: string;
  readonly #lifetimeMs: number;
  readonly #maxBytes: number | undefined;
  readonly #maxValueBytes: number;
  readonly #leftoverAgeMs: number;
  readonly #warnings: WarningThrottle;
  readonly #now: () => number;
  /** What this process remembers of the entries (the memory tier serves from it without a stat()). */
  readonly #memory: MemoryTier;
  readonly #entries: EntryLookup;
  readonly #store: EntryStore;
  readonly #inflight = new Map<string, Flight>();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepReport> | undefined;
  #lastSweep: SweepReport | undefined;
  /** The one owner of whether this cache may serve now: its bus link, and drops it could not apply. */
  readonly #guard: ServingGuard;
  /** The memory tier (with a bus): hits without a stat(). */
  readonly #memoryTier: boolean;

  /**
   * Takes the directory (creating it if missing): throws CacheDirError when it is not one dcn can
   * prove is its own (see cache-dir.ts), or cannot be a cache directory at all (an empty path,
   * /proc). A disk error (EACCES, EROFS) does not throw: every call computes, with a warning,
   * until the directory can be opened.
   */
  constructor(options: ResultCacheOptions) {
    super();
    this.dir = options.dir;
    this.#store = new EntryStore(checkDirPath(options.dir), options.dir);
    this.#lifetimeMs = (options.lifetimeSeconds ?? 3600) * 1000;
    this.#maxBytes = options.maxBytes;
    this.#maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.#leftoverAgeMs = (options.leftoverAgeSeconds ?? 600) * 1000;
    this.#now = options.now ?? Date.now;
    this.#warnings = new WarningThrottle((options.warningIntervalSeconds ?? 60) * 1000, this.#now);
    if (!(this.#lifetimeMs > 0)) throw new TypeError('result cache: lifetimeSeconds must be more than 0');
    if (this.#maxBytes !== undefined && !(this.#maxBytes > 0))
      throw new TypeError('result cache: maxBytes must be more than 0');
    if (!(this.#maxValueBytes > 0)) throw new TypeError('result cache: maxValueBytes must be more than 0');
    const sweepMs = (options.sweepIntervalSeconds ?? 60) * 1000;
    if (!(sweepMs >= 0)) throw new TypeError('result cache: sweepIntervalSeconds must be 0 or more');
    this.#memoryTier = options.memory !== undefined && options.memory !== false;
    const memoryBytes = typeof options.memory === 'number' ? options.memory : undefined;
    if (this.#memoryTier && options.bus === undefined)
      throw new TypeError(
        'result cache: the memory tier needs a bus: without one, a drop in another process is seen only on disk',
      );
    if (memoryBytes !== undefined && !(memoryBytes > 0))
      throw new TypeError('result cache: memory must be true or a number of bytes more than 0');
    this.#memory = new MemoryTier(options.memoryEntries ?? 10_000, memoryBytes);
    this.#entries = new EntryLookup({
      memory: this.#memory,
      memoryTier: this.#memoryTier,
      maxValueBytes: this.#maxValueBytes,
      now: this.#now,
      warn: (...a) => this.#warn(...a),
    });
    // the directory only once every option was found good: nothing is made for a refused cache
    this.#store.tryOpen();
    if (sweepMs > 0) {
      // unref'd: a process that only drops once and exits is not held up by it
      this.#timer = setInterval(() => void this.sweep().catch(() => undefined), sweepMs).unref();
    }
    const transport =
      typeof options.bus === 'string'
        ? new RedisBus(options.bus, options.channel ?? 'dcn:cache', options.busLogLength)
        : options.bus;
    this.#guard = new ServingGuard(
      this.#store.root,
      this.dir,
      {
        dropEverything: () => this.#dropEverything(),
        apply: (m) => this.#applyRemote(m),
        warn: (...a) => this.#warn(...a),
      },
      transport && { transport, leaseMs: options.busLeaseMs, acks: options.busAcks },
    );
  }

  /** Resolves once the bus is up (at once without one); rejects when it could not be reached at start (within the lease). */
  ready(): Promise<void> {
    return this.#guard.ready();
  }

  /** The bus's state, for /healthz; undefined without a bus. */
  busState(): BusState | undefined {
    return this.#guard.busState();
  }

  /**
   * Whether this cache can serve safely now, and why not: for /healthz. Not while the bus link
   * does not serve, a drop could not be applied, or the directory is gone or not writable.
   */
  health(): { readonly ok: boolean; readonly reason?: string } {
    return this.#guard.health();
  }

  /** Off the bus, or after a drop that could not be applied, the cache neither serves nor stores. */
  #bypassed(): boolean {
    return !this.#guard.serving;
  }

  /** Applies another instance's drop; then emits 'busDrop' (the drop), for monitoring and the bench. */
  #applyRemote(m: BusMessage): void {
    if (m.op === 'drop') this.#dropHash(m.name, m.hash);
    else this.#dropAllLocal(m.name);
    this.emit('busDrop', m);
  }

  /**
   * Every entry of every function, and what this process remembers of them. Throws when the
   * directory is gone: one that comes back later (a volume mounted again) could bring old entries back.
   */
  async #dropEverything(): Promise<void> {
    const names = await this.#store.functions();
    this.#memory.clear();
    this.#inflight.clear();
    for (const name of names) this.#dropAllLocal(name);
  }

  /** Stops the periodic sweep, and leaves the bus. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#guard.close();
  }

  /** What the last sweep of this process found, if it swept. */
  stats(): { readonly entries: number; readonly bytes: number; readonly sweptAt: string } | undefined {
    const s = this.#lastSweep;
    return s && { entries: s.entries, bytes: s.bytes, sweptAt: s.sweptAt };
  }

  /**
   * Creates the directory if it is missing and proves that this process can write in it, by
   * writing and removing a file. Throws (with the system's error code) when it cannot: for a
   * listener that would otherwise answer "dropped" while reaching nothing.
   */
  checkWritable(): void {
    this.#store.checkWritable();
  }

  #warn(code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown): void {
    const warning = this.#warnings.admit(code, fn, message, cause);
    if (!warning) return;
    // Without a listener, Node's own channel for a library's warnings: on stderr by default,
    // and silenced or redirected as the application chooses (--no-warnings, process.on('warning')).
    if (this.listenerCount('warning') > 0) this.emit('warning', warning);
    else process.emitWarning(warning.message, { code: `DCN_CACHE_${code.toUpperCase()}` });
  }

  /** Returns the cached result of fn(...args), or runs fn, stores its result and returns it. */
  async call<T>(name: string, fn: (...args: never[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
    return (await this.callWith(name, {}, fn, ...args)).value;
  }

  /** call(), with a per-call lifetime, telling whether the result was a hit. */
  async callWith<T>(
    name: string,
    options: CallOptions,
    fn: (...args: never[]) => T | Promise<T>,
    ...args: unknown[]
  ): Promise<CallResult<T>> {
    checkName(name);
    const hash = argumentsHash(args);
    const lifetimeMs = options.lifetimeSeconds === undefined ? this.#lifetimeMs : options.lifetimeSeconds * 1000;
    if (!(lifetimeMs > 0)) throw new TypeError('result cache: lifetimeSeconds must be more than 0');
    // off the bus, a cached value may have missed its drop: computed, neither served nor stored
    if (this.#bypassed()) return { value: await (fn as (...a: unknown[]) => T | Promise<T>)(...args), hit: false };
    const found = this.#entries.lookup(name, hash, this.#store.paths(name, hash));
    if (found.hit) return { value: found.value as T, hit: true };
    const flightKey = `${name}\u0000${hash}`;
    const running = this.#inflight.get(flightKey);
    // Join a computation only while its claim is the one on disk: once a drop (here or in any
    // process) has taken that claim, the computation may have read the old rows.
    if (running && found.claim && sameFile(running.claim, found.claim)) return (await running.promise) as CallResult<T>;

    const p = this.#store.paths(name, hash);
    const token = newToken();
    const claim = this.#claim(name, p, token);
    const promise = this.#compute(name, hash, p, token, claim, lifetimeMs, fn as (...a: unknown[]) => unknown, args);
    if (!claim) return (await promise) as CallResult<T>; // nothing on disk to join by
    const flight: Flight = { claim, promise };
    this.#inflight.set(flightKey, flight);
    try {
      return (await promise) as CallResult<T>;
    } finally {
      if (this.#inflight.get(flightKey) === flight) this.#inflight.delete(flightKey);
    }
  }

  /** Writes the claim a computation runs under; undefined when the disk will not take it. */
  #claim(name: string, p: EntryPaths, token: string): Stats | undefined {
    try {
      return this.#store.writeClaim(p, token, this.#now());
    } catch (err) {
      if (!isMissing(err))
        this.#warn(
          'write_failed',
          name,
          `cannot write in ${p.dir}: ${(err as Error).message}; ${name} runs uncached`,
          err,
        );
      return undefined;
    }
  }

  async #compute(
    name: string,
    hash: string,
    p: EntryPaths,
    token: string,
    claim: Stats | undefined,
    lifetimeMs: number,
    fn: (...a: unknown[]) => unknown,
    args: unknown[],
  ): Promise<CallResult<unknown>> {
    let result: unknown;
    try {
      result = await fn(...args);
    } catch (err) {
      // a failed function is not cached: take back our claim, if it is still ours
      if (claim) this.#releaseClaim(p.key, claim);
      throw err;
    }
    const text = storedText(result);
    if (text instanceof Unstorable) {
      if (claim) this.#releaseClaim(p.key, claim);
      this.#warn(
        'value_not_storable',
        name,
        `${name} returned ${text.message}, which cannot be stored: returned to the caller, not cached`,
      );
      return { value: result, hit: false };
    }
    if (
      text.length > this.#maxValueBytes ||
      (text.length * 3 > this.#maxValueBytes && Buffer.byteLength(text) > this.#maxValueBytes)
    ) {
      if (claim) this.#releaseClaim(p.key, claim);
      this.#warn(
        'value_too_large',
        name,
        `a result of ${name} is ${Buffer.byteLength(text)} bytes, more than maxValueBytes (${this.#maxValueBytes}): returned to the caller, not cached`,
      );
      return { value: result, hit: false };
    }
    const value = deepFreeze(JSON.parse(text) as unknown);
    // Not stored off the bus (a drop may have been missed while it ran), nor beyond maxBytes, nor
    // unless our claim still holds: a drop came, or a newer computation claimed the entry.
    if (claim && (this.#bypassed() || !this.#mayWrite(text.length))) {
      this.#releaseClaim(p.key, claim);
      return { value, hit: false };
    }
    if (!claim || !holds(p.key, claim)) return { value, hit: false };
    const now = this.#now();
    const expires = now + lifetimeMs;
    try {
      writeAtomic(p.val, `{"t":"${token}","e":${expires},"v":${text}}`, { atime: now, mtime: expires });
    } catch (err) {
      if (isMissing(err)) return { value, hit: false }; // the directory was dropped meanwhile
      this.#releaseClaim(p.key, claim);
      this.#warn(
        'write_failed',
        name,
        `cannot write in ${p.dir}: ${(err as Error).message}; ${name} runs uncached`,
        err,
      );
      return { value, hit: false };
    }
    // Visible only if no drop took our claim meanwhile; remember it only then.
    if (holds(p.key, claim))
      this.#memory.remember(name, hash, {
        ino: claim.ino,
        mtimeMs: claim.mtimeMs,
        expires,
        value,
        touched: now,
        bytes: text.length,
      });
    return { value, hit: false };
  }

  #releaseClaim(path: string, claim: Stats): void {
    if (holds(path, claim)) removeQuietly(path);
  }

  /** Is fn(...args) cached (and not expired)? */
  async has(name: string, ...args: unknown[]): Promise<boolean> {
    checkName(name);
    if (this.#bypassed()) return false;
    const hash = argumentsHash(args);
    return this.#entries.lookup(name, hash, this.#store.paths(name, hash)).hit;
  }

  /**
   * Drops one entry: one unlink of its claim, without asking first whether it exists (one path
   * lookup, not two). Its value can never count again and the next sweep reclaims it: the value
   * is left for the sweep because a second unlink would make each drop dearer on the path where
   * the listener answers the database (bench/RESULTS.md). True when there was an entry. A claim
   * made after the unlink belongs to a computation that began after this drop, so it may stay.
   * Throws when the cache directory itself is gone: "nothing to drop" must not be said of a
   * cache that cannot be reached.
   */
  async drop(name: string, ...args: unknown[]): Promise<boolean> {
    const dropped = this.dropSync(name, ...args);
    await this.publishDrop(name, ...args);
    return dropped;
  }

  /**
   * Publishes a drop made with dropSync() to the bus (nothing without one); rejects when it did
   * not reach it: the other instances would keep the entry, so the caller must not say it is gone.
   */
  async publishDrop(name: string, ...args: unknown[]): Promise<void> {
    if (!this.#guard.hasBus) return;
    checkName(name);
    await this.#guard.publish({ op: 'drop', name, hash: argumentsHash(args) });
  }

  /** drop(), without a promise and on this instance only (publishDrop() tells the bus): for a server that drops on its request path. */
  dropSync(name: string, ...args: unknown[]): boolean {
    checkName(name);
    const hash = argumentsHash(args);
    try {
      return this.#dropHash(name, hash);
    } catch (err) {
      this.#guard.dropFailed(`a drop of ${name} failed (${(err as Error).message})`, name, err);
      throw err;
    }
  }

  #dropHash(name: string, hash: string): boolean {
    this.#memory.forget(name, hash);
    this.#inflight.delete(`${name}\u0000${hash}`);
    return this.#store.unlinkClaim(name, hash);
  }

  /**
   * Drops every entry of a function, for a table-level notification: one rename of its directory,
   * whatever the number of entries; the old directory is removed in the background (and by the
   * next sweep, if this process dies first).
   */
  async dropAll(name: string): Promise<void> {
    checkName(name);
    try {
      this.#dropAllLocal(name);
    } catch (err) {
      this.#guard.dropFailed(`a drop of every ${name} entry failed (${(err as Error).message})`, name, err);
      throw err;
    }
    await this.#guard.publish({ op: 'dropAll', name });
  }

  #dropAllLocal(name: string): void {
    this.#memory.forget(name);
    for (const key of this.#inflight.keys()) if (key.startsWith(`${name}\u0000`)) this.#inflight.delete(key);
    this.#store.moveAway(name);
  }

  /**
   * With maxBytes, a sweep once half of it was written since the last sweep began, and nothing
   * stored beyond 0.9 of it until a sweep catches up: a sweep a minute let churn grow the
   * directory 50x past its bound. True when the value may be stored.
   */
  #mayWrite(bytes: number): boolean {
    if (this.#maxBytes === undefined) return true;
    if (this.#writtenSinceSweep > this.#maxBytes * 0.9) return false;
    this.#writtenSinceSweep += bytes + 8192; // and the two files' blocks
    if (this.#writtenSinceSweep > this.#maxBytes / 2 && !this.#sweeping) void this.sweep().catch(() => undefined);
    return true;
  }
  #writtenSinceSweep = 0;

  /**
   * Reclaims what no call can use any more, without blocking the event loop: expired entries,
   * values whose claim was dropped, claims and temporary files that writers left when they died
   * (once older than leftoverAgeSeconds, so a live writer is never raced), directories of
   * interrupted dropAll()s; then, beyond maxBytes, the least recently used entries. Removing is
   * all it does, so it can never make a stale value visible. Runs every sweepIntervalSeconds;
   * concurrent sweeps, here or in other processes, are harmless.
   */
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
    const failed = (err: unknown) => {
      if (!isMissing(err))
        this.#warn('sweep_failed', undefined, `cannot sweep ${this.dir}: ${(err as Error).message}`, err);
    };
    // a directory not proved dcn's is not swept: nothing there is known to be its own
    const report = this.#store.tryOpen()
      ? await sweepDir(
          this.#store.root,
          { now: this.#now(), leftoverAgeMs: this.#leftoverAgeMs, maxBytes: this.#maxBytes },
          failed,
        )
      : {
          entries: 0,
          bytes: 0,
          removedEntries: 0,
          evictedEntries: 0,
          removedLeftovers: 0,
          sweptAt: new Date(this.#now()).toISOString(),
          ms: 0,
        };
    this.#lastSweep = report;
    this.emit('sweep', report); // for monitoring: its duration, entries and bytes
    return report;
  }
}
