/**
 * The sweep: what no call can use any more is reclaimed, without blocking the event loop, and
 * only among the files dcn names (cache-dir.ts): expired entries, values whose claim was dropped,
 * claims and temporary files that writers left when they died (once older than the leftover age,
 * so a live writer is never raced), directories of interrupted dropAll()s; then, beyond maxBytes,
 * the least recently used entries. Removing is all it does, so it can never make a stale value
 * visible; concurrent sweeps, in this process or others, are harmless.
 */
import { opendir, readdir, stat, unlink } from 'node:fs/promises';
import {
  ENTRY_FILE,
  FUNCTION_DIR,
  isDroppedDir,
  KEY_SUFFIX,
  removeDropped,
  TEMP_FILE,
  VALUE_SUFFIX,
} from './cache-dir.js';

/** What a sweep found and did. */
export interface SweepReport {
  /** Entries (a claim with its value) left, and the bytes of every file left. */
  readonly entries: number;
  readonly bytes: number;
  /** Expired entries and leftovers of dropped ones (values without a claim, abandoned claims). */
  readonly removedEntries: number;
  /** Entries evicted to keep under maxBytes. */
  readonly evictedEntries: number;
  /** Temporary files of writers that died, and directories of interrupted dropAll()s. */
  readonly removedLeftovers: number;
  readonly sweptAt: string;
  readonly ms: number;
}

export interface SweepLimits {
  /** The cache's clock: entries' expiry is on it. */
  readonly now: number;
  readonly leftoverAgeMs: number;
  /** A bound on what the entries take on disk (in whole blocks, as du counts). */
  readonly maxBytes?: number;
}

export const emptySweep = (now: number): SweepReport => ({
  entries: 0,
  bytes: 0,
  removedEntries: 0,
  evictedEntries: 0,
  removedLeftovers: 0,
  sweptAt: new Date(now).toISOString(),
  ms: 0,
});

/** Evicting down to this share of maxBytes keeps a full cache from sweeping at every insert. */
export const EVICT_TO = 0.9;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `each` over the items, `size` at a time, letting timers and I/O in between. */
async function inChunks<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(each));
    await yieldToEventLoop();
  }
}

const unlinkQuietly = async (path: string) =>
  unlink(path).then(
    () => true,
    () => false,
  );

/** Sweeps the directory root (absolute); `failed` is told when the directory cannot be read. */
export async function sweepDir(
  root: string,
  limits: SweepLimits,
  failed: (err: unknown) => void,
): Promise<SweepReport> {
  const started = performance.now();
  const startedAt = Date.now(); // the file system's clock, for ctimes
  const { now } = limits;
  const oldLeftover = now - limits.leftoverAgeMs;
  let removedEntries = 0;
  let removedLeftovers = 0;
  let evictedEntries = 0;
  let bytes = 0;
  /** What the files take on disk (whole blocks: du's measure), which maxBytes bounds. */
  let disk = 0;
  const onDisk = (st: { size: number; blocks: number }) => Math.max(st.size, st.blocks * 512);
  const live: { key: string; val: string; size: number; disk: number; used: number }[] = [];
  /** A writer's own file: its mtime moves while it writes, and a value's temporary file carries its expiry as mtime, so its age is the older of mtime and ctime. */
  const leftover = async (path: string) => {
    const st = await stat(path).catch(() => undefined);
    if (!st) return;
    if (Math.min(st.mtimeMs, st.ctimeMs) < oldLeftover && (await unlinkQuietly(path))) removedLeftovers++;
    else {
      bytes += st.size;
      disk += onDisk(st);
    }
  };
  let top: string[];
  try {
    top = await readdir(root);
  } catch (err) {
    failed(err);
    top = [];
  }
  for (const name of top) {
    const path = `${root}/${name}`;
    if (isDroppedDir(name)) {
      if (await removeDropped(path)) removedLeftovers++;
      continue;
    }
    if (TEMP_FILE.test(name)) {
      await leftover(path);
      continue;
    }
    if (!FUNCTION_DIR.test(name)) continue; // not dcn's
    // read a batch of names at a time: readdir() of 200,000 names turns them all into strings in
    // one callback, which held the event loop over 100 ms (bench/RESULTS.md)
    const files: string[] = [];
    const names = new Set<string>();
    try {
      // each batch of 1,024 is read on the thread pool: the loop gets its turn between them
      for await (const entry of await opendir(path, { bufferSize: 1024 })) {
        if (!ENTRY_FILE.test(entry.name) && !TEMP_FILE.test(entry.name)) continue; // not dcn's
        files.push(entry.name);
        names.add(entry.name);
      }
    } catch {
      continue; // a file, or dropped meanwhile
    }
    // a few hundred stat()s at a time: in series they wait on the thread pool one by one
    await inChunks(files, 256, async (file) => {
      const filePath = `${path}/${file}`;
      if (TEMP_FILE.test(file)) return leftover(filePath);
      const base = file.slice(0, 40);
      if (file.endsWith(VALUE_SUFFIX)) {
        const st = await stat(filePath).catch(() => undefined);
        if (!st) return;
        const keyName = `${base}${KEY_SUFFIX}`;
        const key = `${path}/${keyName}`;
        // (a value renamed into place after the directory was read has its claim unlisted)
        if ((!names.has(keyName) && st.ctimeMs < startedAt) || st.mtimeMs <= now) {
          // dropped (no claim: it can never count again) or expired: the claim goes first
          if (names.has(keyName)) await unlinkQuietly(key);
          if (await unlinkQuietly(filePath)) removedEntries++;
          return;
        }
        const keyStat = await stat(key).catch(() => undefined);
        if (!keyStat) return;
        bytes += st.size + keyStat.size;
        disk += onDisk(st) + onDisk(keyStat);
        live.push({
          key,
          val: filePath,
          size: st.size + keyStat.size,
          disk: onDisk(st) + onDisk(keyStat),
          used: st.atimeMs,
        });
      } else if (!names.has(`${base}${VALUE_SUFFIX}`)) {
        // a claim with no value: a computation running now, or one that died long ago
        const st = await stat(filePath).catch(() => undefined);
        if (!st) return;
        if (st.mtimeMs < oldLeftover && (await unlinkQuietly(filePath))) removedEntries++;
        else {
          bytes += st.size;
          disk += onDisk(st);
        }
      }
    });
  }
  if (limits.maxBytes !== undefined && disk > limits.maxBytes) {
    live.sort((a, b) => a.used - b.used);
    const target = limits.maxBytes * EVICT_TO;
    for (const entry of live) {
      if (disk <= target) break;
      await unlinkQuietly(entry.key); // a drop: the claim first
      await unlinkQuietly(entry.val);
      bytes -= entry.size;
      disk -= entry.disk;
      evictedEntries++;
    }
  }
  return {
    entries: live.length - evictedEntries,
    bytes,
    removedEntries,
    evictedEntries,
    removedLeftovers,
    sweptAt: new Date(now).toISOString(),
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
}
