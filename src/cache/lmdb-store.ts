/**
 * The store as one LMDB environment in the cache directory (lmdb-js, loaded only when this store
 * is chosen): memory-mapped, shared by every process on the host with MVCC, its writes serialised
 * by LMDB's lock across processes. http://www.lmdb.tech/doc/
 *
 *   <dir>/store.<boot id>.dcn-lmdb/{data,lock}.mdb   the environment
 *     db "entries": "<function>/<hash>" → {t: token, g: generation, c: claimed at, e?: expiry,
 *                   v?: the value's JSON, u?: last use}; the entry's LMDB version is its claim
 *     db "gens":    "<function>" → its generation, raised by dropAll()
 *
 * A claim is a write of the entry with a new random version; a value is stored by a
 * compare-and-set on that version (in one write transaction, so atomic across processes); a drop
 * deletes the entry (its pages are free for the next write at once); dropAll() raises the
 * function's generation (one small write, whatever the number of entries), and an entry of an
 * older generation never counts; its pages are reclaimed in the background.
 *
 * Writes are not flushed with fsync (noSync): a process killed at any point loses nothing, since
 * the kernel holds what it wrote, but a machine that crashes may leave a torn file. So the
 * environment belongs to one boot of the machine (/proc/sys/kernel/random/boot_id): after a
 * reboot a new one is made and the old removed. Where the boot is not known, writes are flushed.
 */
import { randomInt } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readdir, rmdir, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Database, RootDatabase } from 'lmdb';
import { CacheDirError, openDir } from './cache-dir.js';
import type { CacheStore, ClaimId, LoadedEntry } from './entry-store.js';
import { emptySweep, EVICT_TO, type SweepLimits, type SweepReport } from './sweep.js';

const LMDB_FORMAT = 3;
const ENV_DIR = /^store\.([0-9a-f-]{36}|unbooted)\.dcn-lmdb$/;
const ENV_FILES = ['data.mdb', 'lock.mdb'];
/** Entries read or removed per write transaction by the sweep and the reclaim after dropAll(). */
const CHUNK = 500;

interface Entry {
  readonly t: string;
  readonly g: number;
  readonly c: number;
  readonly e?: number;
  readonly v?: string;
  readonly u?: number;
}

function bootId(): string | undefined {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return /^[0-9a-f-]{36}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

interface Handles {
  readonly env: RootDatabase;
  readonly entries: Database<Entry, string>;
  readonly gens: Database<number, string>;
}

/** One environment per path in a process, shared by its caches (LMDB forbids opening one twice). */
const opened = new Map<string, Handles & { users: number }>();

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class LmdbStore implements CacheStore {
  readonly root: string;
  readonly #shown: string;
  readonly #path: string;
  readonly #boot: string | undefined;
  #db: Handles | undefined;
  #openError: unknown;
  #reachable = false;
  #closed = false;

  constructor(root: string, shown: string) {
    this.root = root;
    this.#shown = shown;
    this.#boot = bootId();
    this.#path = `${root}/store.${this.#boot ?? 'unbooted'}.dcn-lmdb`;
  }

  tryOpen(): boolean {
    if (this.#db) return true;
    try {
      this.#open();
    } catch (err) {
      if (err instanceof CacheDirError) throw err;
      this.#openError = err;
    }
    return this.#db !== undefined;
  }

  #open(): void {
    openDir(this.root, LMDB_FORMAT);
    let shared = opened.get(this.#path);
    if (!shared) {
      // loaded here, not imported: a cache on files never loads LMDB's native module
      const lmdb = createRequire(import.meta.url)('lmdb') as typeof import('lmdb');
      const env = lmdb.open({ path: this.#path, noSync: this.#boot !== undefined, maxDbs: 4 });
      shared = {
        env,
        entries: env.openDB<Entry, string>({ name: 'entries', useVersions: true }),
        gens: env.openDB<number, string>({ name: 'gens' }),
        users: 0,
      };
      opened.set(this.#path, shared);
      void this.#removeOtherBoots();
    }
    shared.users++;
    this.#db = shared;
    this.#openError = undefined;
  }

  #must(): Handles {
    if (!this.tryOpen()) throw this.#openError;
    return this.#db!;
  }

  checkWritable(): void {
    const { gens } = this.#must();
    gens.putSync('.dcn-probe', 0);
    gens.removeSync('.dcn-probe');
  }

  where(name: string): string {
    return `${this.#path} (${name})`;
  }

  /** A snapshot taken now, not at the start of this event-loop turn: a drop made a moment ago by another process is seen. */
  #fresh() {
    const db = this.#must();
    db.env.resetReadTxn();
    return db;
  }

  /** The entry and whether it counts (its generation is the function's). */
  #read(name: string, hash: string): { version: number; value: Entry } | undefined {
    const { entries, gens } = this.#fresh();
    const found = entries.getEntry(`${name}/${hash}`) as { version: number; value: Entry } | undefined;
    if (!found || found.value.g !== (gens.get(name) ?? 0)) return undefined;
    return found;
  }

  claimOf(name: string, hash: string): ClaimId | undefined {
    return this.#read(name, hash)?.version;
  }

  load(name: string, hash: string, maxValueBytes: number): LoadedEntry | undefined {
    const found = this.#read(name, hash);
    if (!found) return undefined;
    const { v, e, u, c } = found.value;
    if (v === undefined || e === undefined) return { claim: found.version };
    // stored by a process with a larger limit: a miss here, not a parse of it
    if (v.length > maxValueBytes || (v.length * 3 > maxValueBytes && Buffer.byteLength(v) > maxValueBytes))
      return { claim: found.version };
    return { claim: found.version, value: { value: JSON.parse(v), bytes: v.length, expires: e, touched: u ?? c } };
  }

  claim(name: string, hash: string, token: string, now: number): ClaimId {
    const { env, entries, gens } = this.#must();
    // a new claim of a key never carries the identity of the one it replaces (1 in 2^47)
    const version = randomInt(1, 2 ** 47);
    env.transactionSync(() => {
      let g = gens.get(name);
      if (g === undefined) gens.putSync(name, (g = 0)); // listed by functions(), for the drop of everything
      entries.putSync(`${name}/${hash}`, { t: token, g, c: now }, { version });
    });
    return version;
  }

  holds(name: string, hash: string, claim: ClaimId): boolean {
    try {
      return this.claimOf(name, hash) === claim;
    } catch {
      return false;
    }
  }

  /** Compare-and-set, in one write transaction: stored only while the claim (and its generation) is the one there. */
  #ifClaim(name: string, hash: string, claim: ClaimId, write: (e: Entry, key: string) => void): boolean {
    const { env, entries, gens } = this.#must();
    const key = `${name}/${hash}`;
    return env.transactionSync(() => {
      const found = entries.getEntry(key) as { version: number; value: Entry } | undefined;
      if (found?.version !== claim || found.value.g !== (gens.get(name) ?? 0)) return false;
      write(found.value, key);
      return true;
    }) as boolean;
  }

  storeValue(
    name: string,
    hash: string,
    claim: ClaimId,
    _token: string,
    text: string,
    now: number,
    expires: number,
  ): boolean {
    const { entries } = this.#must();
    return this.#ifClaim(name, hash, claim, (e, key) =>
      entries.putSync(key, { ...e, e: expires, v: text, u: now }, { version: claim as number }),
    );
  }

  release(name: string, hash: string, claim: ClaimId): void {
    try {
      this.#must().entries.removeSync(`${name}/${hash}`, claim as never);
    } catch {
      // not ours to remove any more, or the disk refuses: a sweep takes it once old
    }
  }

  touch(name: string, hash: string, claim: ClaimId, _expires: number, now: number): void {
    try {
      const { entries } = this.#must();
      this.#ifClaim(name, hash, claim, (e, key) =>
        entries.putSync(key, { ...e, u: now }, { version: claim as number }),
      );
    } catch {
      // an unwritable store: the entry is only evicted sooner
    }
  }

  /** Deletes the entry (its pages are free at once); no exception for one that is not there. */
  drop(name: string, hash: string): boolean {
    const { entries } = this.#must();
    this.#checkReachable();
    return entries.removeSync(`${name}/${hash}`);
  }

  dropAll(name: string): void {
    const { env, gens } = this.#must();
    this.#checkReachable();
    const g = env.transactionSync(() => {
      const next = (gens.get(name) ?? 0) + 1;
      gens.putSync(name, next);
      return next;
    }) as number;
    void this.#reclaim(name, g).catch(() => undefined);
  }

  /** Removes a function's entries of generations before g, a chunk per write transaction. */
  async #reclaim(name: string, g: number): Promise<void> {
    let start = `${name}/`;
    const end = `${name}0`; // '0' follows '/': the range of this function's keys
    for (;;) {
      await yieldToEventLoop();
      if (this.#closed) return;
      const { env, entries } = this.#must();
      const keys = Array.from(entries.getKeys({ start, end, limit: CHUNK }));
      if (keys.length === 0) return;
      env.transactionSync(() => {
        for (const key of keys) if ((entries.get(key)?.g ?? g) < g) entries.removeSync(key);
      });
      start = `${keys[keys.length - 1]}\u0000`;
    }
  }

  async functions(): Promise<string[]> {
    const { gens } = this.#must();
    return Array.from(gens.getKeys({})).filter((k) => k !== '.dcn-probe');
  }

  /**
   * Reclaims expired entries, entries of dropped generations, and claims whose computation died
   * (once older than the leftover age); then, beyond maxBytes, the least recently used entries.
   * A chunk of entries per write transaction, the event loop free between them.
   */
  async sweep(limits: SweepLimits, failed: (err: unknown) => void): Promise<SweepReport> {
    const started = performance.now();
    let db: Handles;
    try {
      db = this.#must();
    } catch (err) {
      failed(err);
      return emptySweep(limits.now);
    }
    const { env, entries, gens } = db;
    const oldLeftover = limits.now - limits.leftoverAgeMs;
    let removedEntries = 0;
    let evictedEntries = 0;
    let bytes = 0;
    const live: { key: string; version: number; size: number; used: number }[] = [];
    let start: string | undefined;
    for (;;) {
      if (this.#closed) break;
      env.resetReadTxn();
      const chunk = Array.from(entries.getRange({ start, limit: CHUNK, versions: true })) as {
        key: string;
        value: Entry;
        version: number;
      }[];
      if (chunk.length === 0) break;
      const gone: { key: string; version: number }[] = [];
      for (const { key, value, version } of chunk) {
        const name = key.slice(0, key.indexOf('/'));
        const size = key.length + (value.v?.length ?? 0) + 64;
        const dead =
          value.g !== (gens.get(name) ?? 0) ||
          (value.e !== undefined && value.e <= limits.now) ||
          (value.v === undefined && value.c < oldLeftover);
        if (dead) gone.push({ key, version });
        else {
          bytes += size;
          if (limits.maxBytes !== undefined) live.push({ key, version, size, used: value.u ?? value.c });
        }
      }
      try {
        if (gone.length > 0)
          env.transactionSync(() => {
            for (const { key, version } of gone) if (entries.removeSync(key, version as never)) removedEntries++;
          });
      } catch (err) {
        failed(err);
        break;
      }
      start = `${chunk[chunk.length - 1]!.key}\u0000`;
      await yieldToEventLoop();
    }
    if (limits.maxBytes !== undefined && bytes > limits.maxBytes) {
      live.sort((a, b) => a.used - b.used);
      const target = limits.maxBytes * EVICT_TO;
      for (let i = 0; i < live.length && bytes > target; i += CHUNK) {
        const batch = live.slice(i, i + CHUNK);
        env.transactionSync(() => {
          for (const entry of batch) {
            if (bytes <= target) break;
            if (entries.removeSync(entry.key, entry.version as never)) evictedEntries++;
            bytes -= entry.size;
          }
        });
        await yieldToEventLoop();
      }
    }
    return {
      entries: (limits.maxBytes !== undefined ? live.length : 0) - evictedEntries,
      bytes,
      removedEntries,
      evictedEntries,
      removedLeftovers: 0,
      sweptAt: new Date(limits.now).toISOString(),
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  close(): void {
    if (this.#closed || !this.#db) return;
    this.#closed = true;
    const shared = opened.get(this.#path);
    if (shared && --shared.users === 0) {
      opened.delete(this.#path);
      void shared.env.close();
    }
    this.#db = undefined;
  }

  /** Environments of earlier boots of this machine: nothing can still use them. */
  async #removeOtherBoots(): Promise<void> {
    if (this.#boot === undefined) return;
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      if (!ENV_DIR.test(name) || name === this.#path.slice(this.root.length + 1)) continue;
      for (const f of ENV_FILES) await unlink(`${this.root}/${name}/${f}`).catch(() => undefined);
      await rmdir(`${this.root}/${name}`).catch(() => undefined);
    }
  }

  /** Throws unless the cache directory is there (checked once per synchronous run, as the file store does). */
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
