/**
 * A function-result cache over a directory, shared by processes: the application caches query
 * results with call(); the listener (another process) drops them when the database says the
 * rows changed. What the 2006 article did with PEAR Cache_Lite_Function, with what it lacked:
 * has(), dropAll() for table-level notifications, per-call lifetimes, safety under concurrency.
 *
 * On disk, per function <dir>/<name>/, each entry is two files:
 *   <hash>.key  a claim: a random token, written before the function runs;
 *   <hash>.val  the result, with the token of the claim it was computed under and its expiry.
 * A result counts only while the claim holds its token. drop() unlinks the claim: one unlink,
 * whatever the number of entries, and a computation that was running when the drop came can
 * never make its (stale) result visible: its claim is gone. Every file is written to a temporary
 * name and renamed into place, so no reader sees half a file.
 *
 * Hits are served from memory after one stat() of the claim, which is what lets another
 * process's drop be seen by the very next call.
 */
import { hash as oneShotHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rm, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export interface ResultCacheOptions {
  /** The directory shared by the application and the listener. */
  readonly dir: string;
  /** Default lifetime of an entry; Cache_Lite's default is one hour. */
  readonly lifetimeSeconds?: number;
  /** How many entries this process keeps in memory (least recently used go first). */
  readonly memoryEntries?: number;
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

interface MemoryEntry {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly expires: number;
  readonly value: unknown;
}

/** What a cached function's name may be: it names a directory. */
export const FUNCTION_NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,99}$/;

function checkName(name: string): void {
  if (!FUNCTION_NAME.test(name)) throw new TypeError(`result cache: function name '${name}' must be 1-100 letters, digits, _ $ . - (starting with a letter, _ or $)`);
}

/** JSON with object keys sorted, so equal arguments give equal keys. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('result cache: arguments must be finite numbers');
    return JSON.stringify(value);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new TypeError(`result cache: an argument of type ${typeof value} cannot be part of a cache key (use strings, numbers, booleans, null, arrays and plain objects)`);
}

/**
 * Recent keys and their hashes: an application and a listener see the same few order numbers
 * again and again, and under load the SHA-256 call costs more than the rest of a lookup.
 */
const recentHashes = new Map<string, string>();
const RECENT_HASHES = 10_000; // of keys up to 200 characters: at most a few MB

export function argumentsHash(args: readonly unknown[]): string {
  const key = stableStringify(args);
  let hash = recentHashes.get(key);
  if (hash === undefined) {
    hash = oneShotHash('sha256', key, 'hex').slice(0, 40);
    if (key.length <= 200) {
      if (recentHashes.size >= RECENT_HASHES) recentHashes.clear();
      recentHashes.set(key, hash);
    }
  }
  return hash;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

function newToken(): string {
  return randomBytes(12).toString('base64url');
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class ResultCache {
  readonly dir: string;
  readonly #lifetimeMs: number;
  readonly #memoryEntries: number;
  readonly #now: () => number;
  /** name → hash → entry, in least-recently-used order per function. */
  readonly #memory = new Map<string, Map<string, MemoryEntry>>();
  #memorySize = 0;
  readonly #inflight = new Map<string, Promise<CallResult<unknown>>>();
  readonly #dirs = new Set<string>();

  constructor(options: ResultCacheOptions) {
    this.dir = options.dir;
    this.#lifetimeMs = (options.lifetimeSeconds ?? 3600) * 1000;
    this.#memoryEntries = options.memoryEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#lifetimeMs > 0)) throw new TypeError('result cache: lifetimeSeconds must be more than 0');
  }

  #paths(name: string, hash: string) {
    const dir = join(this.dir, name);
    return { dir, key: join(dir, `${hash}.key`), val: join(dir, `${hash}.val`) };
  }

  /** Writes a file whole: to a temporary name, then renamed into place. */
  #writeAtomic(path: string, text: string): void {
    const tmp = `${path}.${newToken()}.tmp`;
    writeFileSync(tmp, text);
    try {
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
    if (!byHash.delete(hash)) this.#memorySize++;
    byHash.set(hash, entry);
    while (this.#memorySize > this.#memoryEntries) {
      const [oldestName, oldest] = this.#memory.entries().next().value as [string, Map<string, MemoryEntry>];
      const first = oldest.keys().next();
      if (!first.done) {
        oldest.delete(first.value);
        this.#memorySize--;
      }
      if (oldest.size === 0) this.#memory.delete(oldestName);
    }
  }

  #forget(name: string, hash?: string): void {
    const byHash = this.#memory.get(name);
    if (!byHash) return;
    if (hash === undefined) {
      this.#memorySize -= byHash.size;
      this.#memory.delete(name);
    } else if (byHash.delete(hash)) this.#memorySize--;
  }

  /** The cached value, or undefined. Never throws for a missing, expired or corrupt entry. */
  #lookup(name: string, hash: string): { value: unknown } | undefined {
    const p = this.#paths(name, hash);
    const claim = statSync(p.key, { throwIfNoEntry: false });
    if (!claim) {
      this.#forget(name, hash);
      return undefined;
    }
    const now = this.#now();
    const known = this.#memory.get(name)?.get(hash);
    if (known && known.ino === claim.ino && known.mtimeMs === claim.mtimeMs) {
      if (known.expires > now) return { value: known.value };
      this.#forget(name, hash);
      return undefined;
    }
    return this.#load(name, hash, p, claim, now);
  }

  #load(name: string, hash: string, p: { key: string; val: string }, claim: Stats, now: number): { value: unknown } | undefined {
    let token: unknown;
    try {
      token = (JSON.parse(readFileSync(p.key, 'utf8')) as { t?: unknown }).t;
    } catch (err) {
      if (!isMissing(err)) this.#removeCorrupt(p.key);
      return undefined;
    }
    let record: { t?: unknown; e?: unknown; v?: unknown };
    try {
      record = JSON.parse(readFileSync(p.val, 'utf8')) as typeof record;
    } catch (err) {
      if (!isMissing(err)) this.#removeCorrupt(p.val);
      return undefined;
    }
    if (typeof token !== 'string' || record.t !== token) return undefined; // computed under another claim
    if (typeof record.e !== 'number' || record.e <= now) return undefined;
    const value = deepFreeze(record.v);
    this.#remember(name, hash, { ino: claim.ino, mtimeMs: claim.mtimeMs, expires: record.e, value });
    return { value };
  }

  #removeCorrupt(path: string): void {
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
    const cached = this.#lookup(name, hash);
    if (cached) return { value: cached.value as T, hit: true };
    const flightKey = `${name}\u0000${hash}`;
    const running = this.#inflight.get(flightKey);
    if (running) return (await running) as CallResult<T>;
    const lifetimeMs = options.lifetimeSeconds === undefined ? this.#lifetimeMs : options.lifetimeSeconds * 1000;
    if (!(lifetimeMs > 0)) throw new TypeError('result cache: lifetimeSeconds must be more than 0');
    const flight = this.#compute(name, hash, lifetimeMs, fn as (...a: unknown[]) => unknown, args);
    this.#inflight.set(flightKey, flight);
    try {
      return (await flight) as CallResult<T>;
    } finally {
      this.#inflight.delete(flightKey);
    }
  }

  async #compute(name: string, hash: string, lifetimeMs: number, fn: (...a: unknown[]) => unknown, args: unknown[]): Promise<CallResult<unknown>> {
    const p = this.#paths(name, hash);
    const token = newToken();
    if (!this.#dirs.has(p.dir)) {
      mkdirSync(p.dir, { recursive: true });
      this.#dirs.add(p.dir);
    }
    let claim: Stats | undefined;
    try {
      this.#writeAtomic(p.key, JSON.stringify({ t: token }));
      claim = statSync(p.key, { throwIfNoEntry: false });
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.#dirs.delete(p.dir); // dropAll() moved the directory away: claim again next time
    }
    let result: unknown;
    try {
      result = await fn(...args);
    } catch (err) {
      // a failed function is not cached: take back our claim, if it is still ours
      if (claim) this.#releaseClaim(p.key, claim);
      throw err;
    }
    const text = JSON.stringify(result === undefined ? null : result);
    const value = deepFreeze(JSON.parse(text) as unknown);
    if (!claim) return { value, hit: false };
    const expires = this.#now() + lifetimeMs;
    try {
      this.#writeAtomic(p.val, `{"t":${JSON.stringify(token)},"e":${expires},"v":${text}}`);
    } catch (err) {
      if (!isMissing(err)) throw err;
      return { value, hit: false }; // the directory was dropped meanwhile
    }
    // Visible only if no drop took our claim meanwhile; remember it only then.
    const now = statSync(p.key, { throwIfNoEntry: false });
    if (now && now.ino === claim.ino && now.mtimeMs === claim.mtimeMs) {
      this.#remember(name, hash, { ino: claim.ino, mtimeMs: claim.mtimeMs, expires, value });
    }
    return { value, hit: false };
  }

  #releaseClaim(path: string, claim: Stats): void {
    const now = statSync(path, { throwIfNoEntry: false });
    if (now && now.ino === claim.ino && now.mtimeMs === claim.mtimeMs) this.#removeCorrupt(path);
  }

  /** Is fn(...args) cached (and not expired)? */
  async has(name: string, ...args: unknown[]): Promise<boolean> {
    checkName(name);
    return this.#lookup(name, argumentsHash(args)) !== undefined;
  }

  /**
   * Drops one entry: one unlink (after an existence check, which costs less than the exception
   * of unlinking a missing file). True when there was an entry to drop. A claim made after the
   * check belongs to a computation that began after this drop, so it may stay.
   */
  async drop(name: string, ...args: unknown[]): Promise<boolean> {
    return this.dropSync(name, ...args);
  }

  /** drop(), without a promise: for a server that drops on its request path. */
  dropSync(name: string, ...args: unknown[]): boolean {
    checkName(name);
    const hash = argumentsHash(args);
    this.#forget(name, hash);
    const key = `${this.dir}/${name}/${hash}.key`;
    if (!existsSync(key)) return false;
    try {
      unlinkSync(key);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /**
   * Drops every entry of a function, for a table-level notification: one rename of its directory,
   * whatever the number of entries; the old directory is removed in the background.
   */
  async dropAll(name: string): Promise<void> {
    checkName(name);
    this.#forget(name);
    const dir = join(this.dir, name);
    this.#dirs.delete(dir);
    const away = join(this.dir, `.dropped-${name}-${newToken()}`);
    try {
      renameSync(dir, away);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    rm(away, { recursive: true, force: true }, () => undefined);
  }
}
