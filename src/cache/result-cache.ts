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
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { accessSync, closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { BusMessage, BusState, BusTransport } from './bus.js';
import { BusLink } from './bus-link.js';
import { RedisBus } from './redis-bus.js';
import { CacheDirError, checkDirPath, droppedDir, FUNCTION_DIR, functionDir, KEY_SUFFIX, newToken, openDir, removeDropped, tempName, VALUE_SUFFIX } from './cache-dir.js';
import { argumentsHash, checkName } from './cache-key.js';
import { deepFreeze, storedText, Unstorable } from './stored-value.js';
import { sweepDir, type SweepReport } from './sweep.js';

export { FUNCTION_NAME } from './cache-dir.js';
export { argumentsHash, encodeArguments } from './cache-key.js';
export type { SweepReport } from './sweep.js';

export interface ResultCacheOptions {
  /** The directory shared by the application and the listener. */
  readonly dir: string;
  /** Default lifetime of an entry; Cache_Lite's default is one hour. */
  readonly lifetimeSeconds?: number;
  /** How many entries this process keeps in memory (least recently used go first). */
  readonly memoryEntries?: number;
  /** A bound on the directory's size: each sweep evicts the least recently used entries beyond it. */
  readonly maxBytes?: number;
  /** A result larger than this (as stored) is returned uncached. Default 4 MiB. */
  readonly maxValueBytes?: number;
  /** How often this process sweeps the directory; 0 never (call sweep() yourself). Default 60. */
  readonly sweepIntervalSeconds?: number;
  /** How old a temporary file or an abandoned claim must be before a sweep takes it. Default 600. */
  readonly leftoverAgeSeconds?: number;
  /** At most one warning of a kind per function in this many seconds. Default 60. */
  readonly warningIntervalSeconds?: number;
  /**
   * A bus that keeps caches on other hosts coherent: redis://[user:password@]host[:port][/db] or
   * rediss:// (TLS), or a BusTransport. Every drop is published, every drop published by another
   * instance on the same channel is applied here, and the cache serves from its directory only
   * while its link to the bus is confirmed live (a PING answered less than busLeaseMs ago);
   * otherwise every call computes. Once subscribed, at start and after each reconnect, everything
   * in the directory is dropped before anything is served.
   */
  readonly bus?: string | BusTransport;
  /**
   * The lease on the bus, in ms (default 3000): a link that goes silent stops serving before this
   * has passed, and drop() and ready() settle within it. A PING goes every third of it.
   */
  readonly busLeaseMs?: number;
  /** The bus channel (default dcn:cache): the instances that share one are kept coherent. */
  readonly channel?: string;
  /**
   * With a bus: serve hits from this process's memory without a stat() of the entry on disk
   * (true, or at most this many bytes of values). Every drop must then come through the bus: one
   * made by a process that shares the directory without the bus is not seen until the entry
   * expires. Bypassed while the bus is down, like the rest of the cache.
   */
  readonly memory?: boolean | number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export interface CallOptions {
  /** Lifetime of this entry, overriding the cache's. */
  readonly lifetimeSeconds?: number;
}

export interface CallResult<T> {
  readonly value: T;
  /** True when the value came from the cache, false when the function ran. */
  readonly hit: boolean;
}

/** JSON-shaped data: what a cached result is stored and returned as. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export type CacheWarningCode = 'write_failed' | 'read_failed' | 'value_not_storable' | 'value_too_large' | 'sweep_failed' | 'bus_down' | 'bus_up' | 'drop_failed' | 'drop_healed';

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

interface MemoryEntry {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly expires: number;
  readonly value: unknown;
  /** The value's size as stored (its JSON), for the memory tier's bound. */
  readonly bytes: number;
  /** When this entry's use was last written to its value file's atime. */
  touched: number;
}

interface Flight {
  /** The claim this computation wrote; a call joins it only while that claim is still on disk. */
  readonly claim: Stats;
  readonly promise: Promise<CallResult<unknown>>;
}

type Lookup = { readonly hit: true; readonly value: unknown } | { readonly hit: false; readonly claim?: Stats };

const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
/** A use is written to the value file's atime at most this often per entry (for LRU eviction). */
const TOUCH_EVERY_MS = 60_000;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const sameFile = (a: { ino: number; mtimeMs: number }, b: { ino: number; mtimeMs: number }) => a.ino === b.ino && a.mtimeMs === b.mtimeMs;

const TOO_LARGE = Symbol('too large');
/** A claim file holds {"t":"<token>"}: read into this buffer, never allocated per read. */
const KEY_BUFFER = Buffer.alloc(256);
/** Values up to this size are read with one read() into this buffer (decoded at once). */
const VALUE_BUFFER = Buffer.alloc(64 * 1024);

export class ResultCache extends EventEmitter {
  readonly dir: string;
  readonly #lifetimeMs: number;
  readonly #memoryEntries: number;
  readonly #maxBytes: number | undefined;
  readonly #maxValueBytes: number;
  readonly #leftoverAgeMs: number;
  readonly #warningIntervalMs: number;
  readonly #now: () => number;
  /** name → hash → entry, in least-recently-used order per function. */
  readonly #memory = new Map<string, Map<string, MemoryEntry>>();
  #memorySize = 0;
  readonly #inflight = new Map<string, Flight>();
  readonly #dirs = new Set<string>();
  readonly #warned = new Map<string, { at: number; suppressed: number }>();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepReport> | undefined;
  #lastSweep: SweepReport | undefined;
  #reachable = false;
  /** The link to the bus, the one owner of whether this cache may serve; undefined without a bus. */
  readonly #link: BusLink | undefined;
  /** Why this cache does not serve from its directory: a drop it could not apply. */
  #unsafe: string | undefined;
  /** Bumped by every drop that could not be applied: a heal that overlapped one does not count. */
  #dropFailures = 0;
  #healTimer: NodeJS.Timeout | undefined;
  #healMs = 0;
  /** The memory tier (with a bus): hits without a stat(); its bound in bytes, if any. */
  readonly #memoryTier: boolean;
  readonly #memoryBytesLimit: number | undefined;
  #memoryBytes = 0;

  /**
   * Takes the directory (creating it if missing): throws CacheDirError when it is not one dcn can
   * prove is its own (see cache-dir.ts), or cannot be a cache directory at all (an empty path,
   * /proc). A disk error (EACCES, EROFS) does not throw: every call computes, with a warning,
   * until the directory can be opened.
   */
  constructor(options: ResultCacheOptions) {
    super();
    this.dir = options.dir;
    this.#root = checkDirPath(options.dir);
    this.#tryOpen();
    this.#lifetimeMs = (options.lifetimeSeconds ?? 3600) * 1000;
    this.#memoryEntries = options.memoryEntries ?? 10_000;
    this.#maxBytes = options.maxBytes;
    this.#maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.#leftoverAgeMs = (options.leftoverAgeSeconds ?? 600) * 1000;
    this.#warningIntervalMs = (options.warningIntervalSeconds ?? 60) * 1000;
    this.#now = options.now ?? Date.now;
    if (!(this.#lifetimeMs > 0)) throw new TypeError('result cache: lifetimeSeconds must be more than 0');
    if (this.#maxBytes !== undefined && !(this.#maxBytes > 0)) throw new TypeError('result cache: maxBytes must be more than 0');
    if (!(this.#maxValueBytes > 0)) throw new TypeError('result cache: maxValueBytes must be more than 0');
    const sweepMs = (options.sweepIntervalSeconds ?? 60) * 1000;
    if (!(sweepMs >= 0)) throw new TypeError('result cache: sweepIntervalSeconds must be 0 or more');
    if (sweepMs > 0) {
      // unref'd: a process that only drops once and exits is not held up by it
      this.#timer = setInterval(() => void this.sweep().catch(() => undefined), sweepMs).unref();
    }
    this.#memoryTier = options.memory !== undefined && options.memory !== false;
    this.#memoryBytesLimit = typeof options.memory === 'number' ? options.memory : undefined;
    if (this.#memoryTier && options.bus === undefined) throw new TypeError('result cache: the memory tier needs a bus: without one, a drop in another process is seen only on disk');
    if (this.#memoryBytesLimit !== undefined && !(this.#memoryBytesLimit > 0)) throw new TypeError('result cache: memory must be true or a number of bytes more than 0');
    if (options.bus !== undefined) {
      const transport = typeof options.bus === 'string' ? new RedisBus(options.bus, options.channel ?? 'dcn:cache') : options.bus;
      this.#link = new BusLink(
        transport,
        {
          // What the directory holds may have missed drops published while this cache was not
          // subscribed (at start too: its host was down, say): it goes before anything is served.
          catchUp: () => this.#dropEverything(),
          apply: (m) => this.#applyRemote(m),
          down: (reason, cause) => this.#warn('bus_down', undefined, reason, cause),
          up: (message) => this.#warn('bus_up', undefined, message),
        },
        options.busLeaseMs,
      );
    }
  }

  /** Resolves once the bus is up (at once without one); rejects when it could not be reached at start (within the lease). */
  ready(): Promise<void> {
    return this.#link?.ready() ?? Promise.resolve();
  }

  /** The bus's state, for /healthz; undefined without a bus. */
  busState(): BusState | undefined {
    if (!this.#link) return undefined;
    const { state } = this.#link.status();
    return state === 'serving' ? 'up' : state === 'connecting' ? 'connecting' : 'down';
  }

  /**
   * Whether this cache can serve safely now, and why not: for /healthz. Not while the bus link
   * does not serve, a drop could not be applied, or the directory is gone or not writable.
   */
  health(): { readonly ok: boolean; readonly reason?: string } {
    if (this.#link && !this.#link.serving) return { ok: false, reason: `bus ${this.#link.where}: ${this.#link.status().reason ?? 'not serving'}` };
    if (this.#unsafe) return { ok: false, reason: this.#unsafe };
    try {
      const st = statSync(this.#root);
      if (!st.isDirectory()) return { ok: false, reason: `the cache directory ${this.dir} is not a directory` };
      accessSync(this.#root, constants.W_OK);
    } catch (err) {
      return { ok: false, reason: isMissing(err) ? `the cache directory ${this.dir} is gone` : `the cache directory ${this.dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    return { ok: true };
  }

  /** Off the bus, or after a drop that could not be applied, the cache neither serves nor stores. */
  #bypassed(): boolean {
    return this.#unsafe !== undefined || (this.#link !== undefined && !this.#link.serving);
  }

  /** Applies another instance's drop; then emits 'busDrop' (the drop), for monitoring and the bench. */
  #applyRemote(m: BusMessage): void {
    try {
      if (m.op === 'drop') this.#dropHash(m.name, m.hash);
      else this.#dropAllLocal(m.name);
      this.emit('busDrop', m);
    } catch (err) {
      this.#dropFailed(`a drop from the bus could not be applied (${(err as Error).message})`, m.name, err);
    }
  }

  /**
   * A drop that could not be applied (the directory gone, read-only, sick): what it should have
   * removed may still be there, so nothing is served from the directory until every entry has
   * been dropped, which is tried again, backing off to 30 s.
   */
  #dropFailed(reason: string, name: string | undefined, cause: unknown): void {
    this.#dropFailures++;
    this.#unsafe = reason;
    this.#warn('drop_failed', name, `${reason}: every call computes until every entry can be dropped`, cause);
    if (!this.#healTimer) this.#healLater((this.#healMs = 1000));
  }

  #healLater(ms: number): void {
    this.#healTimer = setTimeout(() => {
      const failures = this.#dropFailures;
      const retry = () => this.#healLater((this.#healMs = Math.min(this.#healMs * 2, 30_000)));
      this.#dropEverything().then(() => {
        if (failures !== this.#dropFailures) return retry();
        this.#healTimer = undefined;
        this.#unsafe = undefined;
        this.#warn('drop_healed', undefined, 'every entry was dropped after a drop that could not be applied: serving again');
      }, retry);
    }, ms);
    this.#healTimer.unref();
  }

  /**
   * Every entry of every function, and what this process remembers of them. Throws when the
   * directory is gone: one that comes back later (a volume mounted again) could bring old entries back.
   */
  async #dropEverything(): Promise<void> {
    const names: string[] = [];
    for (const d of await readdir(this.#root, { withFileTypes: true })) {
      const fn = d.isDirectory() ? FUNCTION_DIR.exec(d.name)?.[1] : undefined;
      if (fn !== undefined) names.push(fn);
    }
    this.#memory.clear();
    this.#memorySize = 0;
    this.#memoryBytes = 0;
    this.#inflight.clear();
    for (const name of names) this.#dropAllLocal(name);
  }

  /** Stops the periodic sweep, and leaves the bus. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#healTimer);
    this.#healTimer = undefined;
    this.#link?.close();
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
    openDir(this.#root);
    this.#opened = true;
    const probe = tempName(`${this.#root}/.dcn-probe`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  }

  #warn(code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown): void {
    const key = `${code}\u0000${fn ?? ''}`;
    const now = this.#now();
    const last = this.#warned.get(key);
    if (last && now - last.at < this.#warningIntervalMs) {
      last.suppressed++;
      return;
    }
    this.#warned.set(key, { at: now, suppressed: 0 });
    const warning: CacheWarning = { code, message: `result cache: ${message}`, function: fn, suppressed: last?.suppressed ?? 0, cause };
    // Without a listener, Node's own channel for a library's warnings: on stderr by default,
    // and silenced or redirected as the application chooses (--no-warnings, process.on('warning')).
    if (this.listenerCount('warning') > 0) this.emit('warning', warning);
    else process.emitWarning(warning.message, { code: `DCN_CACHE_${code.toUpperCase()}` });
  }

  /** The cache directory, absolute and normalised once: paths below it are joined as text. */
  readonly #root: string;
  /** The directory is proved to be dcn's (marked): nothing is written or swept before. */
  #opened = false;

  /** Opens the directory; false (the error kept for the warning) on a disk error. */
  #tryOpen(): boolean {
    if (this.#opened) return true;
    try {
      openDir(this.#root);
      this.#opened = true;
      this.#openError = undefined;
    } catch (err) {
      if (err instanceof CacheDirError) throw err;
      this.#openError = err;
    }
    return this.#opened;
  }

  #openError: unknown;

  #paths(name: string, hash: string) {
    // template strings, not path.join three times: a tenth of a hit's cost (issue 19)
    const dir = functionDir(this.#root, name);
    return { dir, key: `${dir}/${hash}${KEY_SUFFIX}`, val: `${dir}/${hash}${VALUE_SUFFIX}` };
  }

  /** Writes a file whole: to a temporary name, then renamed into place; nothing is left on failure. */
  #writeAtomic(path: string, text: string, times?: { atime: number; mtime: number }): void {
    const tmp = tempName(path);
    try {
      writeFileSync(tmp, text);
      if (times) utimesSync(tmp, times.atime / 1000, times.mtime / 1000);
      renameSync(tmp, path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
      throw err;
    }
  }

  #remember(name: string, hash: string, entry: MemoryEntry): void {
    let byHash = this.#memory.get(name);
    if (!byHash) {
      byHash = new Map();
      this.#memory.set(name, byHash);
    }
    const previous = byHash.get(hash);
    if (previous) {
      byHash.delete(hash);
      this.#memoryBytes -= previous.bytes;
    } else this.#memorySize++;
    byHash.set(hash, entry);
    this.#memoryBytes += entry.bytes;
    while (this.#memorySize > this.#memoryEntries || (this.#memoryBytesLimit !== undefined && this.#memoryBytes > this.#memoryBytesLimit && this.#memorySize > 0)) {
      const [oldestName, oldest] = this.#memory.entries().next().value as [string, Map<string, MemoryEntry>];
      const first = oldest.entries().next();
      if (!first.done) {
        oldest.delete(first.value[0]);
        this.#memorySize--;
        this.#memoryBytes -= first.value[1].bytes;
      }
      if (oldest.size === 0) this.#memory.delete(oldestName);
    }
  }

  #forget(name: string, hash?: string): void {
    const byHash = this.#memory.get(name);
    if (!byHash) return;
    if (hash === undefined) {
      this.#memorySize -= byHash.size;
      for (const e of byHash.values()) this.#memoryBytes -= e.bytes;
      this.#memory.delete(name);
      return;
    }
    const entry = byHash.get(hash);
    if (entry && byHash.delete(hash)) {
      this.#memorySize--;
      this.#memoryBytes -= entry.bytes;
    }
  }

  /** The cached value, or the claim on disk (if any). Never throws: a sick disk is a miss. */
  #lookup(name: string, hash: string): Lookup {
    const p = this.#paths(name, hash);
    const known = this.#memory.get(name)?.get(hash);
    // Not in memory: the claim is read through one open file (its stat and its token), not
    // looked up by path twice. Path lookups are most of the cost of a key seen for the first time.
    if (!known) return this.#loadFresh(name, hash, p);
    // the memory tier: every drop reaches this process through the bus (which is up: a cache off
    // the bus never gets here), so the entry on disk need not be asked
    if (this.#memoryTier) {
      if (known.expires > this.#now()) return { hit: true, value: known.value };
      this.#forget(name, hash);
      return { hit: false };
    }
    let claim: Stats | undefined;
    try {
      claim = statSync(p.key, { throwIfNoEntry: false });
    } catch (err) {
      if (!isMissing(err)) this.#warn('read_failed', name, `cannot read ${p.key}: ${(err as Error).message}; served as a miss`, err);
      return { hit: false };
    }
    if (!claim) {
      this.#forget(name, hash);
      return { hit: false };
    }
    const now = this.#now();
    if (sameFile(known, claim)) {
      if (known.expires > now) {
        if (now - known.touched > TOUCH_EVERY_MS) this.#touch(p.val, known, now);
        return { hit: true, value: known.value };
      }
      this.#forget(name, hash);
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
  #loadFresh(name: string, hash: string, p: { key: string; val: string }): Lookup {
    let fd: number;
    try {
      fd = openSync(p.key, 'r');
    } catch (err) {
      if (!isMissing(err)) this.#warn('read_failed', name, `cannot read ${p.key}: ${(err as Error).message}; served as a miss`, err);
      return { hit: false };
    }
    let claim: Stats;
    let keyText: string;
    try {
      claim = fstatSync(fd);
      const n = readSync(fd, KEY_BUFFER, 0, KEY_BUFFER.length, 0);
      keyText = KEY_BUFFER.toString('utf8', 0, n);
    } catch (err) {
      this.#warn('read_failed', name, `cannot read ${p.key}: ${(err as Error).message}; served as a miss`, err);
      return { hit: false };
    } finally {
      closeSync(fd);
    }
    return this.#load(name, hash, p, claim, this.#now(), keyText);
  }

  #load(name: string, hash: string, p: { key: string; val: string }, claim: Stats, now: number, claimText?: string): Lookup {
    const miss: Lookup = { hit: false, claim };
    let keyText: string;
    let val: { text: string; touched: number } | typeof TOO_LARGE | undefined;
    try {
      keyText = claimText ?? readFileSync(p.key, 'utf8');
      val = this.#readLimited(p.val);
    } catch (err) {
      if (!isMissing(err)) this.#warn('read_failed', name, `cannot read an entry of ${name}: ${(err as Error).message}; served as a miss`, err);
      return miss;
    }
    if (val === undefined || val === TOO_LARGE) return miss; // being computed, or stored by a process with a larger limit
    let token: unknown;
    try {
      token = (JSON.parse(keyText) as { t?: unknown }).t;
    } catch {
      this.#removeQuietly(p.key);
      return miss;
    }
    let record: { t?: unknown; e?: unknown; v?: unknown };
    try {
      record = JSON.parse(val.text) as typeof record;
    } catch {
      this.#removeQuietly(p.val);
      return miss;
    }
    if (typeof token !== 'string' || record.t !== token) return miss; // computed under another claim
    if (typeof record.e !== 'number' || record.e <= now) return miss;
    const value = deepFreeze(record.v);
    const entry: MemoryEntry = { ino: claim.ino, mtimeMs: claim.mtimeMs, expires: record.e, value, touched: val.touched, bytes: val.text.length };
    if (now - entry.touched > TOUCH_EVERY_MS) this.#touch(p.val, entry, now);
    this.#remember(name, hash, entry);
    return { hit: true, value };
  }

  /**
   * A file's text, unless it is larger than a value may be: read without loading a giant first.
   * Most values fit VALUE_BUFFER and are read with one read(), no fstat; a larger file is read
   * whole after an fstat tells its size. `touched` is when the value was last used, for the
   * sweep's order: its atime, or now when the read did not ask for it (the read itself was a use).
   */
  #readLimited(path: string): { text: string; touched: number } | typeof TOO_LARGE | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    try {
      // one byte more than a value may take (+ the token and the expiry) tells a too large one
      const limit = Math.min(VALUE_BUFFER.length, this.#maxValueBytes + 201);
      const first = readSync(fd, VALUE_BUFFER, 0, limit, 0);
      if (first < limit) return { text: VALUE_BUFFER.toString('utf8', 0, first), touched: this.#now() };
      if (limit < VALUE_BUFFER.length) return TOO_LARGE;
      const stats = fstatSync(fd);
      if (stats.size > this.#maxValueBytes + 200) return TOO_LARGE; // + the token and the expiry
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

  #removeQuietly(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }

  /** Returns the cached result of fn(...args), or runs fn, stores its result and returns it. */
  async call<T>(name: string, fn: (...args: never[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
    return (await this.callWith(name, {}, fn, ...args)).value;
  }

  /** call(), with a per-call lifetime, telling whether the result was a hit. */
  async callWith<T>(name: string, options: CallOptions, fn: (...args: never[]) => T | Promise<T>, ...args: unknown[]): Promise<CallResult<T>> {
    checkName(name);
    const hash = argumentsHash(args);
    const lifetimeMs = options.lifetimeSeconds === undefined ? this.#lifetimeMs : options.lifetimeSeconds * 1000;
    if (!(lifetimeMs > 0)) throw new TypeError('result cache: lifetimeSeconds must be more than 0');
    // off the bus, a cached value may have missed its drop: computed, neither served nor stored
    if (this.#bypassed()) return { value: await (fn as (...a: unknown[]) => T | Promise<T>)(...args), hit: false };
    const found = this.#lookup(name, hash);
    if (found.hit) return { value: found.value as T, hit: true };
    const flightKey = `${name}\u0000${hash}`;
    const running = this.#inflight.get(flightKey);
    // Join a computation only while its claim is the one on disk: once a drop (here or in any
    // process) has taken that claim, the computation may have read the old rows.
    if (running && found.claim && sameFile(running.claim, found.claim)) return (await running.promise) as CallResult<T>;

    const p = this.#paths(name, hash);
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
  #claim(name: string, p: { dir: string; key: string }, token: string): Stats | undefined {
    try {
      if (!this.#dirs.has(p.dir)) {
        if (!this.#tryOpen()) throw this.#openError;
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
      const now = this.#now();
      this.#writeAtomic(p.key, `{"t":"${token}"}`, { atime: now, mtime: now - randomInt(1, 1_000_000) / 1000 });
      return statSync(p.key, { throwIfNoEntry: false });
    } catch (err) {
      this.#dirs.delete(p.dir); // dropAll() may have moved the directory away: make it again next time
      if (!isMissing(err)) this.#warn('write_failed', name, `cannot write in ${p.dir}: ${(err as Error).message}; ${name} runs uncached`, err);
      return undefined;
    }
  }

  async #compute(
    name: string,
    hash: string,
    p: { dir: string; key: string; val: string },
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
      this.#warn('value_not_storable', name, `${name} returned ${text.message}, which cannot be stored: returned to the caller, not cached`);
      return { value: result, hit: false };
    }
    if (text.length > this.#maxValueBytes || (text.length * 3 > this.#maxValueBytes && Buffer.byteLength(text) > this.#maxValueBytes)) {
      if (claim) this.#releaseClaim(p.key, claim);
      this.#warn('value_too_large', name, `a result of ${name} is ${Buffer.byteLength(text)} bytes, more than maxValueBytes (${this.#maxValueBytes}): returned to the caller, not cached`);
      return { value: result, hit: false };
    }
    const value = deepFreeze(JSON.parse(text) as unknown);
    // Not stored off the bus (a drop may have been missed while it ran), nor unless our claim
    // still holds: a drop came, or a newer computation claimed the entry.
    if (claim && this.#bypassed()) {
      this.#releaseClaim(p.key, claim);
      return { value, hit: false };
    }
    if (!claim || !this.#holds(p.key, claim)) return { value, hit: false };
    const now = this.#now();
    const expires = now + lifetimeMs;
    try {
      this.#writeAtomic(p.val, `{"t":"${token}","e":${expires},"v":${text}}`, { atime: now, mtime: expires });
    } catch (err) {
      if (isMissing(err)) return { value, hit: false }; // the directory was dropped meanwhile
      this.#releaseClaim(p.key, claim);
      this.#warn('write_failed', name, `cannot write in ${p.dir}: ${(err as Error).message}; ${name} runs uncached`, err);
      return { value, hit: false };
    }
    // Visible only if no drop took our claim meanwhile; remember it only then.
    if (this.#holds(p.key, claim)) this.#remember(name, hash, { ino: claim.ino, mtimeMs: claim.mtimeMs, expires, value, touched: now, bytes: text.length });
    return { value, hit: false };
  }

  #holds(path: string, claim: Stats): boolean {
    try {
      const now = statSync(path, { throwIfNoEntry: false });
      return now !== undefined && sameFile(now, claim);
    } catch {
      return false;
    }
  }

  #releaseClaim(path: string, claim: Stats): void {
    if (this.#holds(path, claim)) this.#removeQuietly(path);
  }

  /** Is fn(...args) cached (and not expired)? */
  async has(name: string, ...args: unknown[]): Promise<boolean> {
    checkName(name);
    if (this.#bypassed()) return false;
    return this.#lookup(name, argumentsHash(args)).hit;
  }

  /**
   * Drops one entry: one unlink of its claim (after an existence check, which costs less than
   * the exception of unlinking a missing file). Its value can never count again and the next
   * sweep reclaims it: unlinking it here too made each drop half as dear again, on the path
   * where the listener answers the database (bench/RESULTS.md). True when there was an entry.
   * A claim made after the check belongs to a computation that began after this drop, so it may
   * stay. Throws when the cache directory itself is gone: "nothing to drop" must not be said of
   * a cache that cannot be reached.
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
    if (this.#link === undefined) return;
    checkName(name);
    await this.#link.publish({ op: 'drop', name, hash: argumentsHash(args) });
  }

  /** drop(), without a promise and on this instance only (publishDrop() tells the bus): for a server that drops on its request path. */
  dropSync(name: string, ...args: unknown[]): boolean {
    checkName(name);
    const hash = argumentsHash(args);
    try {
      return this.#dropHash(name, hash);
    } catch (err) {
      this.#dropFailed(`a drop of ${name} failed (${(err as Error).message})`, name, err);
      throw err;
    }
  }

  #dropHash(name: string, hash: string): boolean {
    this.#forget(name, hash);
    this.#inflight.delete(`${name}\u0000${hash}`);
    // unlink and learn from its error, not ask first: one path lookup, not two
    try {
      unlinkSync(this.#paths(name, hash).key);
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.#checkReachable();
      return false;
    }
    return true;
  }

  /**
   * Throws unless the cache directory is there. Checked once per synchronous run: the listener
   * drops a whole batch of notifications in one, and pays one stat() for it, not one a drop.
   */
  #checkReachable(): void {
    if (this.#reachable) return;
    const st = statSync(this.dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw Object.assign(new Error(`the cache directory ${this.dir} is ${st ? 'not a directory' : 'gone'}`), { code: st ? 'ENOTDIR' : 'ENOENT' });
    this.#reachable = true;
    queueMicrotask(() => (this.#reachable = false));
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
      this.#dropFailed(`a drop of every ${name} entry failed (${(err as Error).message})`, name, err);
      throw err;
    }
    if (this.#link !== undefined) await this.#link.publish({ op: 'dropAll', name });
  }

  #dropAllLocal(name: string): void {
    this.#forget(name);
    for (const key of this.#inflight.keys()) if (key.startsWith(`${name}\u0000`)) this.#inflight.delete(key);
    const dir = functionDir(this.#root, name);
    this.#dirs.delete(dir);
    const away = droppedDir(this.#root, name);
    try {
      renameSync(dir, away);
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.#checkReachable();
      return;
    }
    // removed a batch of files at a time, off the request path (and by a sweep if this process dies first)
    void removeDropped(away);
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
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweep(): Promise<SweepReport> {
    const failed = (err: unknown) => {
      if (!isMissing(err)) this.#warn('sweep_failed', undefined, `cannot sweep ${this.dir}: ${(err as Error).message}`, err);
    };
    // a directory not proved dcn's is not swept: nothing there is known to be its own
    const report = this.#tryOpen()
      ? await sweepDir(this.#root, { now: this.#now(), leftoverAgeMs: this.#leftoverAgeMs, maxBytes: this.#maxBytes }, failed)
      : { entries: 0, bytes: 0, removedEntries: 0, evictedEntries: 0, removedLeftovers: 0, sweptAt: new Date(this.#now()).toISOString(), ms: 0 };
    this.#lastSweep = report;
    this.emit('sweep', report); // for monitoring: its duration, entries and bytes
    return report;
  }
}
