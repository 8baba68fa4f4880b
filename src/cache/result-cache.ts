/**
 * A function-result cache over a directory, shared by processes: the application caches query
 * results with call(); the listener (another process) drops them when the database says the
 * rows changed. What the 2006 article did with PEAR Cache_Lite_Function, with what it lacked:
 * has(), dropAll() for table-level notifications, per-call lifetimes, safety under concurrency,
 * a bounded directory, and a sick disk that degrades the cache instead of the application.
 *
 * The entries are in a store (entry-store.ts: two files per entry, or an LMDB environment): per
 * entry a claim, written before the function runs, and the result computed under it, which counts
 * only while its claim is the one stored. drop() removes the claim, so a computation that was
 * running when the drop came can never make its (stale) result visible (entry-writer.ts). Nor can a
 * call that begins after the drop join that computation: a call joins a running computation only
 * while that computation's claim is still the one stored.
 *
 * Hits are served from memory after the store is asked for the claim (entry-lookup.ts), which is
 * what lets another process's drop be seen by the very next call.
 */
import { EventEmitter } from 'node:events';
import type { BusMessage, BusState } from './bus.js';
import type { CallOptions, CallResult, ResultCacheOptions } from './cache-options.js';
import { ServingGuard } from './serving-guard.js';
import { RedisBus } from './redis-bus.js';
import { checkDirPath, newToken } from './cache-dir.js';
import { argumentsHash, checkName } from './cache-key.js';
import { MemoryTier } from './memory-tier.js';
import { EntryLookup } from './entry-lookup.js';
import type { CacheStore, ClaimId } from './entry-store.js';
import { openStore } from './open-store.js';
import type { SweepReport } from './sweep.js';
import { EntryWriter } from './entry-writer.js';
import { Housekeeping } from './housekeeping.js';
import { WarningThrottle, type CacheWarningCode } from './warnings.js';

export { FUNCTION_NAME } from './cache-dir.js';
export { argumentsHash, encodeArguments } from './cache-key.js';
export type { SweepReport } from './sweep.js';
export type { CacheWarning, CacheWarningCode } from './warnings.js';
export type { CallOptions, CallResult, Json, ResultCacheOptions } from './cache-options.js';

interface Flight {
  /** The claim this computation wrote; a call joins it only while that claim is still the one stored. */
  readonly claim: ClaimId;
  readonly promise: Promise<CallResult<unknown>>;
}

const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
/** Chosen by measurement: README.md, "Which store". */
const DEFAULT_STORE = 'files';

export class ResultCache extends EventEmitter {
  readonly dir: string;
  readonly #lifetimeMs: number;
  readonly #warnings: WarningThrottle;
  readonly #now: () => number;
  /** What this process remembers of the entries (the memory tier serves from it without a stat()). */
  readonly #memory: MemoryTier;
  readonly #entries: EntryLookup;
  readonly #writer: EntryWriter;
  readonly #housekeeping: Housekeeping;
  readonly #store: CacheStore;
  readonly #inflight = new Map<string, Flight>();
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
    this.#store = openStore(options.store ?? DEFAULT_STORE, checkDirPath(options.dir), options.dir);
    this.#lifetimeMs = (options.lifetimeSeconds ?? 3600) * 1000;
    const maxBytes = options.maxBytes;
    const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.#now = options.now ?? Date.now;
    this.#warnings = new WarningThrottle((options.warningIntervalSeconds ?? 60) * 1000, this.#now);
    if (!(this.#lifetimeMs > 0)) throw new TypeError('result cache: lifetimeSeconds must be more than 0');
    if (maxBytes !== undefined && !(maxBytes > 0)) throw new TypeError('result cache: maxBytes must be more than 0');
    if (!(maxValueBytes > 0)) throw new TypeError('result cache: maxValueBytes must be more than 0');
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
    const warn = (code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown) =>
      this.#warn(code, fn, message, cause);
    const base = { store: this.#store, memory: this.#memory, maxValueBytes, now: this.#now, warn };
    this.#entries = new EntryLookup({ ...base, memoryTier: this.#memoryTier });
    // the directory only once every option was found good: nothing is made for a refused cache
    this.#store.tryOpen();
    this.#housekeeping = new Housekeeping(
      {
        store: this.#store,
        maxBytes,
        leftoverAgeMs: (options.leftoverAgeSeconds ?? 600) * 1000,
        now: this.#now,
        warn,
        swept: (report) => this.emit('sweep', report), // for monitoring: its duration, entries and bytes
        shown: this.dir,
      },
      sweepMs,
    );
    this.#writer = new EntryWriter({
      ...base,
      bypassed: () => this.#bypassed(),
      mayWrite: (bytes) => this.#housekeeping.mayWrite(bytes),
    });
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
        warn,
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
    this.#housekeeping.stop();
    this.#guard.close();
    this.#store.close();
  }

  /** What the last sweep of this process found, if it swept. */
  stats(): { readonly entries: number; readonly bytes: number; readonly sweptAt: string } | undefined {
    const s = this.#housekeeping.last;
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
    const found = this.#entries.lookup(name, hash);
    if (found.hit) return { value: found.value as T, hit: true };
    const flightKey = `${name}\u0000${hash}`;
    const running = this.#inflight.get(flightKey);
    // Join a computation only while its claim is the one on disk: once a drop (here or in any
    // process) has taken that claim, the computation may have read the old rows.
    if (running && found.claim !== undefined && running.claim === found.claim)
      return (await running.promise) as CallResult<T>;

    const token = newToken();
    const claim = this.#writer.claim(name, hash, token);
    const promise = this.#writer.compute(
      name,
      hash,
      token,
      claim,
      lifetimeMs,
      fn as (...a: unknown[]) => unknown,
      args,
    );
    if (claim === undefined) return (await promise) as CallResult<T>; // nothing stored to join by
    const flight: Flight = { claim, promise };
    this.#inflight.set(flightKey, flight);
    try {
      return (await promise) as CallResult<T>;
    } finally {
      if (this.#inflight.get(flightKey) === flight) this.#inflight.delete(flightKey);
    }
  }

  /** Is fn(...args) cached (and not expired)? */
  async has(name: string, ...args: unknown[]): Promise<boolean> {
    checkName(name);
    if (this.#bypassed()) return false;
    const hash = argumentsHash(args);
    return this.#entries.lookup(name, hash).hit;
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
    return this.#store.drop(name, hash);
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
    this.#store.dropAll(name);
  }

  /**
   * Reclaims what no call can use any more, without blocking the event loop: expired entries,
   * values whose claim was dropped, claims and temporary files that writers left when they died
   * (once older than leftoverAgeSeconds, so a live writer is never raced), directories of
   * interrupted dropAll()s; then, beyond maxBytes, the least recently used entries. Removing is
   * all it does, so it can never make a stale value visible. Runs every sweepIntervalSeconds;
   * concurrent sweeps, here or in other processes, are harmless.
   */
  sweep(): Promise<SweepReport> {
    return this.#housekeeping.sweep();
  }
}
