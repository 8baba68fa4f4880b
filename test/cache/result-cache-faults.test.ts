/**
 * The result cache under faults: never stale, bounded on disk, and degraded — never
 * broken — by a sick disk. Real processes, a real filesystem, and real disk errors from a small
 * tmpfs where this machine lets us mount one (as root, as CI runs); injected errors otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { argumentsHash, encodeArguments, ResultCache, type CacheWarning } from '../../src/cache/result-cache.js';
import { smallTmpfs } from '../support/tmpfs.js';

const root = join(import.meta.dirname, '..', '..');
const distCache = join(root, 'dist', 'src', 'cache', 'result-cache.js');
const tempDir = () => mkdtempSync(join(tmpdir(), 'dcn-faults-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every store runs through the same never-stale and fault tests. */
const STORES = ['files', 'lmdb'] as const;

/** Every file below dir, with its size. */
function filesBelow(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  for (const name of readdirSync(dir)) {
    if (name === '.dcn-cache') continue; // the directory's marker
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...filesBelow(path));
    else out.push({ path, size: st.size });
  }
  return out;
}
const bytesBelow = (dir: string) => filesBelow(dir).reduce((n, f) => n + f.size, 0);

function collectWarnings(cache: ResultCache): CacheWarning[] {
  const warnings: CacheWarning[] = [];
  cache.on('warning', (w: CacheWarning) => warnings.push(w));
  return warnings;
}

describe.each(STORES)('never stale (%s store)', (store) => {
  it('does not let a call that begins after a drop join a computation that began before it', async () => {
    const cache = new ResultCache({ store, dir: tempDir(), sweepIntervalSeconds: 0 });
    let db = 'old';
    let began!: () => void;
    const firstBegan = new Promise<void>((r) => (began = r));
    const q = async () => {
      const v = db;
      began();
      await sleep(200);
      return v;
    };
    const first = cache.call('getOrderFields', q, 2408);
    await firstBegan; // the first computation has read the row
    db = 'new';
    await cache.drop('getOrderFields', 2408);
    expect(await cache.call('getOrderFields', q, 2408)).toBe('new');
    expect(await first).toBe('old'); // it began before the drop: its answer is its own
    expect(await cache.call('getOrderFields', q, 2408)).toBe('new');
  });

  it('serves no remembered value once another process dropped it and claimed the key again, even in the same clock tick', async () => {
    // File times come from the kernel's coarse clock, and ext4 hands a freed inode out again at
    // once: a claim made right after a drop can look like the dropped one by (inode, mtime).
    const dir = tempDir();
    const reader = new ResultCache({ store, dir, sweepIntervalSeconds: 0 });
    const other = new ResultCache({ store, dir, sweepIntervalSeconds: 0 }); // another process, as far as memory goes
    const claimOf = (i: number) =>
      store === 'files'
        ? statSync(join(dir, 'getOrderFields.dcn-fn', `${argumentsHash([i])}.dcn-key`))
        : { ino: i, mtimeMs: i, ctimeMs: -1 }; // LMDB: a claim's identity is its random version
    let stale = 0;
    let sameIdentity = 0;
    const claims = [];
    for (let i = 0; i < 300; i++) {
      expect(await reader.call('getOrderFields', () => `v${i}`, i)).toBe(`v${i}`); // remembered
      const before = claimOf(i);
      await other.drop('getOrderFields', i);
      expect(await other.call('getOrderFields', () => `w${i}`, i)).toBe(`w${i}`); // claimed and computed again
      const after = claimOf(i);
      claims.push(after);
      if (store === 'files' && before.ino === after.ino && before.mtimeMs === after.mtimeMs) sameIdentity++;
      if ((await reader.call('getOrderFields', () => 'never', i)) !== `w${i}`) stale++;
    }
    expect(stale).toBe(0);
    // The new claim of a key never carries the dropped one's identity (ext4 reuses the inode at
    // once). This kernel stamps files finely, so both pass here either way; on one that stamps
    // them from a coarse tick it is each claim's own mtime that tells them apart: set by dcn,
    // not by the clock, so not its ctime.
    expect(sameIdentity).toBe(0);
    expect(claims.filter((c) => c.mtimeMs === c.ctimeMs)).toEqual([]);
  });

  it('does not let it join one whose claim another process dropped', async () => {
    const dir = tempDir();
    const cache = new ResultCache({ store, dir, sweepIntervalSeconds: 0 });
    let db = 'old';
    let began!: () => void;
    const firstBegan = new Promise<void>((r) => (began = r));
    const q = async () => {
      const v = db;
      began();
      await sleep(300);
      return v;
    };
    const first = cache.call('getOrderFields', q, 2408);
    await firstBegan; // the first computation has read the row
    db = 'new';
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(distCache)}).then(({ ResultCache }) => new ResultCache({ store: '${store}', dir: ${JSON.stringify(dir)} }).drop('getOrderFields', 2408)).then((d) => process.stdout.write(String(d)))`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toBe('true');
    expect(await cache.call('getOrderFields', q, 2408)).toBe('new');
    await first;
  });

  it('serves no value computed before a completed drop, with 4 processes × 8 concurrent callers', async () => {
    const dir = tempDir();
    const state = tempDir();
    const dbFile = join(state, 'db'); // the row's version, as the "query" reads it
    const droppedFile = join(state, 'dropped'); // the version whose drop has completed
    const writeAtomic = (path: string, text: string) => {
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
    };
    writeAtomic(dbFile, '0');
    writeAtomic(droppedFile, '0');
    // Counts, not a clock: each process makes at least callsEach calls and the dropper at least
    // `versions` drops, however slow the machine; the test's timeout bounds the whole.
    const callsEach = 250;
    const versions = 100;
    const enough = join(state, 'enough'); // written once the dropper has made `versions` drops
    const caller = `
      const { existsSync, readFileSync } = require('node:fs');
      import(${JSON.stringify(distCache)}).then(async ({ ResultCache }) => {
        const cache = new ResultCache({ store: '${store}', dir: ${JSON.stringify(dir)} });
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        const q = async () => { const v = Number(readFileSync(${JSON.stringify(dbFile)}, 'utf8')); await sleep(Math.random() * 8); return v; };
        let calls = 0, stale = 0;
        await Promise.all(Array.from({ length: 8 }, async () => {
          while (calls < ${callsEach} || !existsSync(${JSON.stringify(enough)})) {
            const floor = Number(readFileSync(${JSON.stringify(droppedFile)}, 'utf8'));
            const v = await cache.call('getOrderFields', q, 2408);
            calls++;
            if (v < floor) stale++;
            await sleep(Math.random() * 2);
          }
        }));
        process.stdout.write(JSON.stringify({ calls, stale }));
      });`;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['-e', caller], { stdio: ['ignore', 'pipe', 'inherit'] }),
    );
    const results = children.map(
      (child) =>
        new Promise<{ calls: number; stale: number }>((resolve) => {
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c));
          child.on('close', () => resolve(JSON.parse(out) as { calls: number; stale: number }));
        }),
    );
    const dropper = new ResultCache({ store, dir, sweepIntervalSeconds: 0 });
    let running = children.length;
    for (const child of children) child.on('close', () => running--);
    let version = 0;
    while (running > 0) {
      if (version === versions) writeFileSync(enough, '');
      version++;
      writeAtomic(dbFile, String(version)); // the row changes and commits …
      await dropper.drop('getOrderFields', 2408); // … the database notifies, the listener drops …
      writeAtomic(droppedFile, String(version)); // … and from now on no caller may see older
      await sleep(3 + Math.random() * 6);
    }
    const totals = (await Promise.all(results)).reduce((a, b) => ({
      calls: a.calls + b.calls,
      stale: a.stale + b.stale,
    }));
    expect(totals.calls).toBeGreaterThanOrEqual(children.length * callsEach);
    expect(version).toBeGreaterThan(versions);
    expect(totals.stale).toBe(0);
  }, 120_000);
});

describe('arguments: distinct entries, or a TypeError before the function runs', () => {
  const distinct: [string, unknown, unknown][] = [
    ['two different Maps', new Map([['a', 1]]), new Map([['a', 2]])],
    ['two different Sets', new Set([1]), new Set([2])],
    ['a Buffer and an object with its bytes', Buffer.from('a'), { 0: 97 }],
    ['a Date and its ISO string', new Date(0), '1970-01-01T00:00:00.000Z'],
    ['undefined and null in an array', [undefined], [null]],
    ['a property set to undefined and none', { a: undefined }, {}],
    ['NaN and null', NaN, null],
    ['a BigInt and a number', 1n, 1],
    ['a Map and an object', new Map([['a', 1]]), { a: 1 }],
    ['a Set and an array', new Set([1]), [1]],
  ];
  it.each(distinct)('keeps %s apart', async (_what, a, b) => {
    expect(encodeArguments([a])).not.toBe(encodeArguments([b]));
    const cache = new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0 });
    let runs = 0;
    const fn = () => ++runs;
    expect(await cache.call('f', fn, a)).toBe(1);
    expect(await cache.call('f', fn, b)).toBe(2);
    expect(await cache.call('f', fn, a)).toBe(1);
  });

  it('gives equal keys to equal Maps, Sets and objects in any order', () => {
    expect(
      encodeArguments([
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ]),
    ).toBe(
      encodeArguments([
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ]),
    );
    expect(encodeArguments([new Set([1, 2])])).toBe(encodeArguments([new Set([2, 1])]));
    expect(encodeArguments([{ b: 2, a: 1 }])).toBe(encodeArguments([{ a: 1, b: 2 }]));
    expect(argumentsHash([2408])).not.toBe(argumentsHash(['2408']));
  });

  const refused: [string, unknown][] = [
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a class instance', new (class Order {})()],
    ['a RegExp', /x/],
    [
      'a circular object',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
    ['a Float64Array', new Float64Array([1])],
    ['an array with a property besides its elements', Object.assign([1], { region: 'EU' })],
    ['an array with a hole', new Array<number>(3).fill(1, 0, 1)],
  ];
  it.each(refused)('refuses %s before the function runs', async (_what, arg) => {
    const cache = new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0 });
    let runs = 0;
    await expect(cache.call('f', () => ++runs, arg)).rejects.toThrow(TypeError);
    expect(runs).toBe(0);
  });
});

describe('results that cannot be stored', () => {
  const unstorable: [string, () => unknown][] = [
    ['a BigInt', () => ({ total: 10n })],
    [
      'a circular object',
      () => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      },
    ],
    ['a function', () => ({ f: () => 1 })],
    ['a Symbol', () => [Symbol('s')]],
    ['a Map', () => new Map([['a', 1]])],
    ['a Buffer', () => ({ raw: Buffer.from('ab') })],
  ];
  it.each(unstorable)('returns %s to the caller, uncached, with a warning', async (_what, make) => {
    const cache = new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0 });
    const warnings = collectWarnings(cache);
    let runs = 0;
    const fn = () => {
      runs++;
      return make();
    };
    const value = await cache.call('f', fn, 1);
    expect(value).toBeDefined();
    expect(await cache.has('f', 1)).toBe(false);
    await cache.call('f', fn, 1);
    expect(runs).toBe(2);
    expect(warnings[0]).toMatchObject({ code: 'value_not_storable', function: 'f' });
    expect(warnings[0]!.message).toMatch(/not cached/);
    expect(filesBelow(cache.dir)).toEqual([]); // nor its claim, nor a temporary file
  });

  it('stores dates as ISO strings, NaN as null and undefined as JSON does, the same on a miss and a hit', async () => {
    const cache = new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0 });
    const make = () => ({ when: new Date('2026-12-02T00:00:00Z'), ratio: NaN, gone: undefined, list: [undefined, 1] });
    const miss = await cache.call('f', make);
    const hit = await cache.call('f', make);
    expect(miss).toEqual({ when: '2026-12-02T00:00:00.000Z', ratio: null, list: [null, 1] });
    expect(hit).toEqual(miss);
  });

  it("reads back from disk values of every size up to the limit, around the read buffer's 64 KiB too", async () => {
    const dir = tempDir();
    const writer = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    const sizes = [0, 1, 65_000, 65_536 - 40, 65_536, 70_000, 1_000_000];
    for (const n of sizes) await writer.call('f', () => 'é'.repeat(n / 2) + 'x'.repeat(n % 2), n);
    const reader = new ResultCache({ dir, sweepIntervalSeconds: 0 }); // nothing in memory: all from disk
    for (const n of sizes)
      expect(await reader.call('f', () => 'computed again', n), `${n}`).toBe('é'.repeat(n / 2) + 'x'.repeat(n % 2));
  });

  it('returns a value larger than maxValueBytes uncached, with a warning', async () => {
    const cache = new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0, maxValueBytes: 1000 });
    const warnings = collectWarnings(cache);
    const big = 'x'.repeat(2000);
    expect(await cache.call('f', () => big, 1)).toBe(big);
    expect(await cache.has('f', 1)).toBe(false);
    expect(warnings[0]).toMatchObject({ code: 'value_too_large' });
    // and one written by a process with a larger limit is a miss here, not a read of it
    await new ResultCache({ dir: cache.dir, sweepIntervalSeconds: 0 }).call('g', () => big, 1);
    expect(await cache.has('g', 1)).toBe(false);
  });
});

describe.each(STORES)('bounded disk (%s store)', (store) => {
  it('reclaims dropped entries: 2,000 drops of 10 KB entries leave under 1 MB', async () => {
    const cache = new ResultCache({ store, dir: tempDir(), sweepIntervalSeconds: 0 });
    const row = { text: 'x'.repeat(10_000) };
    for (let n = 0; n < 2000; n++) {
      await cache.call('getOrderFields', () => row, n);
      await cache.drop('getOrderFields', n);
    }
    // LMDB frees a dropped entry's pages at the drop, for its next writes; files wait for a sweep
    if (store === 'files') await cache.sweep();
    expect(bytesBelow(cache.dir)).toBeLessThan(1_000_000);
    cache.close();
  }, 30_000);

  it('sweeps expired entries', async () => {
    let now = Date.now();
    const cache = new ResultCache({
      store,
      dir: tempDir(),
      sweepIntervalSeconds: 0,
      lifetimeSeconds: 60,
      now: () => now,
    });
    for (let n = 0; n < 50; n++) await cache.call('f', () => ({ text: 'y'.repeat(1000) }), n);
    now += 61_000;
    const report = await cache.sweep();
    expect(report.removedEntries).toBe(50);
    if (store === 'files') expect(filesBelow(cache.dir)).toEqual([]);
    expect((await cache.sweep()).removedEntries).toBe(0);
    cache.close();
  });

  it('evicts the least recently used entries beyond maxBytes', async () => {
    let now = Date.now();
    const cache = new ResultCache({ store, dir: tempDir(), sweepIntervalSeconds: 0, maxBytes: 60_000, now: () => now });
    const row = { text: 'z'.repeat(10_000) };
    let evicted = 0;
    for (let n = 0; n < 10; n++) {
      await cache.call('f', () => row, n);
      now += 1000;
      // writing half of maxBytes starts a sweep of its own: waited for, so that each call finds room
      evicted += (await cache.sweep()).evictedEntries;
    }
    now += 120_000;
    await cache.call('f', () => row, 0); // entry 0 is used again: the most recent now
    const report = await cache.sweep();
    evicted += report.evictedEntries;
    expect(report.bytes).toBeLessThanOrEqual(60_000);
    expect(evicted).toBeGreaterThan(0);
    expect(await cache.has('f', 0)).toBe(true);
    expect(await cache.has('f', 1)).toBe(false);
    expect(await cache.has('f', 9)).toBe(true);
    cache.close();
  });

  it('holds maxBytes under churn without waiting for the periodic sweep (du: at most twice the bound)', async () => {
    const dir = tempDir();
    const maxBytes = 256 * 1024;
    const cache = new ResultCache({ store, dir, sweepIntervalSeconds: 0, maxBytes });
    const du = () => Number(spawnSync('du', ['-s', '-B1', dir], { encoding: 'utf8' }).stdout.split('\t')[0]);
    const row = { text: 'c'.repeat(2000) };
    let most = 0;
    for (let n = 0; n < 600; n++) {
      await cache.call('f', () => row, n);
      if (n % 25 === 0) await cache.drop('f', n - 10);
      if (n % 50 === 0) most = Math.max(most, du());
    }
    await cache.sweep();
    most = Math.max(most, du());
    expect(most).toBeLessThanOrEqual(2 * maxBytes);
    // while a sweep catches up, results beyond the bound are returned uncached; then it caches again
    await cache.call('f', () => row, 599);
    expect(await cache.has('f', 599)).toBe(true);
    cache.close();
  }, 30_000);
});

describe('bounded disk (files store)', () => {
  it('sweeps the temporary file of a writer killed mid-write, and only once it is old', async () => {
    const dir = tempDir();
    // a writer that writes a large value slowly enough to be killed in the middle
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `
      const fs = require('node:fs');
      import(${JSON.stringify(distCache)}).then(async ({ ResultCache }) => {
        const cache = new ResultCache({ dir: ${JSON.stringify(dir)}, maxValueBytes: 300e6 });
        const big = 'x'.repeat(100e6); // 100 MB: its write takes long enough to be killed in
        process.stdout.write('ready\\n');
        for (;;) { await cache.drop('items', 1); await cache.call('items', () => big, 1); }
      });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => writer.stdout.once('data', () => resolve()));
    let tmps: string[] = [];
    const deadline = Date.now() + 10_000;
    while (tmps.length === 0 && Date.now() < deadline) {
      // a value's temporary file, part-written (a claim's is tiny and renamed at once)
      tmps = existsSync(join(dir, 'items.dcn-fn'))
        ? readdirSync(join(dir, 'items.dcn-fn')).filter(
            (f) =>
              f.endsWith('.dcn-tmp') &&
              (statSync(join(dir, 'items.dcn-fn', f), { throwIfNoEntry: false })?.size ?? 0) > 1e6,
          )
        : [];
      if (tmps.length === 0) await sleep(1);
    }
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('close', r));
    tmps = readdirSync(join(dir, 'items.dcn-fn')).filter((f) => f.endsWith('.dcn-tmp'));
    expect(tmps.length).toBeGreaterThan(0);
    const cache = new ResultCache({ dir, sweepIntervalSeconds: 0, leftoverAgeSeconds: 60 });
    await cache.sweep();
    // young: it may belong to a live writer, so it stays
    expect(readdirSync(join(dir, 'items.dcn-fn')).filter((f) => f.endsWith('.dcn-tmp'))).toEqual(tmps);
    const old = (Date.now() - 120_000) / 1000;
    for (const t of tmps) utimesSync(join(dir, 'items.dcn-fn', t), old, old);
    await cache.sweep();
    expect(readdirSync(join(dir, 'items.dcn-fn')).filter((f) => f.endsWith('.dcn-tmp'))).toEqual([]);
  }, 30_000);

  it('sweeps the directories of interrupted table-level drops', async () => {
    const dir = tempDir();
    const cache = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    const away = join(dir, '.dcn-dropped.getOrderItems.abcdefghijklmnop');
    mkdirSync(away);
    for (let n = 0; n < 100; n++) writeFileSync(join(away, `${argumentsHash([n])}.dcn-val`), 'x'.repeat(100));
    await cache.sweep();
    expect(existsSync(away)).toBe(false);
    // a file dcn did not write keeps the directory, and itself
    mkdirSync(away);
    writeFileSync(join(away, `${argumentsHash([1])}.dcn-val`), 'x');
    writeFileSync(join(away, 'notes.txt'), 'mine');
    await cache.sweep();
    expect(readdirSync(away)).toEqual(['notes.txt']);
  });

  it('reports entries and bytes', async () => {
    const cache = new ResultCache({ dir: tempDir(), sweepIntervalSeconds: 0 });
    for (let n = 0; n < 5; n++) await cache.call('f', () => n, n);
    const report = await cache.sweep();
    expect(report.entries).toBe(5);
    expect(report.bytes).toBe(bytesBelow(cache.dir));
    expect(cache.stats()).toMatchObject({ entries: 5, bytes: report.bytes });
  });
});

describe('a sick disk degrades the cache, never the application', () => {
  const mounts: { umount(): void }[] = [];
  afterAll(() => mounts.forEach((m) => m.umount()));

  const canMount = smallTmpfs(64);
  if (canMount) canMount.umount();
  const onTmpfs = canMount ? it : it.skip;

  describe.each(STORES)('%s store', (store) => {
    onTmpfs(
      'runs the function and returns its value when the disk is full (ENOSPC), and leaves nothing behind',
      async () => {
        const fs = smallTmpfs(store === 'files' ? 64 : 128)!;
        mounts.push(fs);
        const cache = new ResultCache({ store, dir: join(fs.dir, 'cache'), sweepIntervalSeconds: 0 });
        const warnings = collectWarnings(cache);
        await cache.call('small', () => 1, 1); // the directory exists and works
        const before = bytesBelow(fs.dir);
        const big = 'b'.repeat(200_000); // larger than the whole filesystem
        let runs = 0;
        for (let i = 0; i < 3; i++) expect(await cache.call('big', () => (runs++, big), 1)).toBe(big);
        expect(runs).toBe(3);
        expect(warnings.filter((w) => w.code === 'write_failed')).toHaveLength(1); // rate-limited
        // LMDB reports the short write of a full disk as an I/O error (EIO)
        expect(warnings[0]!.message).toMatch(store === 'files' ? /ENOSPC/ : /Input\/output error/);
        expect(filesBelow(fs.dir).filter((f) => f.path.endsWith('.dcn-tmp'))).toEqual([]);
        if (store === 'files') expect(bytesBelow(fs.dir)).toBeLessThan(4096);
        // LMDB keeps the pages of the failed write in its file (free, for its next writes): the
        // filesystem does not get them back, but the next big write takes no more
        else {
          const after = bytesBelow(fs.dir);
          expect(await cache.call('big', () => big, 2)).toBe(big);
          expect(bytesBelow(fs.dir)).toBe(after);
          expect(after).toBeGreaterThan(before);
        }
        expect(await cache.call('small', () => 2, 1)).toBe(1); // what was cached still serves
        expect(await cache.drop('small', 1)).toBe(true); // and a drop still works on a full disk
        expect(await cache.call('small', () => 3, 1)).toBe(3);
        cache.close();
      },
    );

    onTmpfs('runs the function when the directory is read-only (EROFS), and still serves what it has', async () => {
      const fs = smallTmpfs(512)!;
      mounts.push(fs);
      const cache = new ResultCache({ store, dir: join(fs.dir, 'cache'), sweepIntervalSeconds: 0 });
      await cache.call('f', () => 'cached', 1);
      // a mount with a file open for writing cannot be made read-only: LMDB's environment is
      // closed first, and a process that opens it on the read-only disk is what is tested
      if (store === 'lmdb') cache.close();
      fs.remountReadOnly();
      const reopened =
        store === 'files' ? cache : new ResultCache({ store, dir: join(fs.dir, 'cache'), sweepIntervalSeconds: 0 });
      const warnings = collectWarnings(reopened);
      expect(await reopened.call('f', () => 'fresh', 2)).toBe('fresh');
      if (store === 'files') expect(await reopened.call('f', () => 'fresh', 1)).toBe('cached');
      const fresh = new ResultCache({ store, dir: join(fs.dir, 'cache'), sweepIntervalSeconds: 0 });
      expect(await fresh.call('g', () => 'computed', 1)).toBe('computed'); // mkdir fails: still computed
      expect(warnings[0]!.message).toMatch(/EROFS|read-only/i);
      fs.remountReadWrite();
    });
  });

  // files store only: a mount with a file open for writing (LMDB's environment) cannot be remounted read-only
  onTmpfs(
    'stops serving what it could not drop on a read-only disk, says why on health(), and heals once a full drop succeeds',
    async () => {
      const fs = smallTmpfs(4096)!; // room for 50 entries twice (a page a file)
      mounts.push(fs);
      const cache = new ResultCache({ dir: join(fs.dir, 'cache'), sweepIntervalSeconds: 0 });
      const warnings = collectWarnings(cache);
      for (let n = 0; n < 50; n++) await cache.call('f', () => 'before the change', n);
      expect(cache.health()).toEqual({ ok: true });
      fs.remountReadOnly();
      expect(cache.health()).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot be written \(EROFS\)/) });
      for (let n = 0; n < 50; n++) expect(() => cache.dropSync('f', n)).toThrow(/EROFS/);
      await expect(cache.dropAll('f')).rejects.toThrow(/EROFS/);
      // none of the 50 reads returns the value whose drop failed
      for (let n = 0; n < 50; n++) expect(await cache.call('f', () => 'after the change', n)).toBe('after the change');
      expect(warnings.map((w) => w.code)).toContain('drop_failed');
      expect(cache.health()).toMatchObject({ ok: false });
      fs.remountReadWrite();
      const end = Date.now() + 10_000;
      while (!cache.health().ok && Date.now() < end) await sleep(20);
      expect(cache.health()).toEqual({ ok: true });
      expect(await cache.call('f', () => 'recomputed', 1)).toBe('recomputed'); // everything was dropped on the way back
      expect(await cache.call('f', () => 'not again', 1)).toBe('recomputed');
    },
    20_000,
  );

  it('runs the function when it may not write the directory (EACCES, as another user)', () => {
    if (process.getuid?.() !== 0) return; // only root can run the child as another user
    const dir = tempDir();
    mkdirSync(join(dir, 'cache'), { mode: 0o555 });
    spawnSync('chmod', ['755', dir]);
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(distCache)}).then(async ({ ResultCache }) => {
      const cache = new ResultCache({ dir: ${JSON.stringify(join(dir, 'cache'))}, sweepIntervalSeconds: 0 });
      const warnings = [];
      cache.on('warning', (w) => warnings.push(w.code + ': ' + w.message));
      const v = await cache.call('f', () => 'computed', 1);
      process.stdout.write(JSON.stringify({ v, warnings }));
    })`,
      ],
      { encoding: 'utf8', uid: 65534, gid: 65534 },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { v: string; warnings: string[] };
    expect(out.v).toBe('computed');
    expect(out.warnings.join('\n')).toMatch(/EACCES/);
  });

  it('treats a read error as a miss, with a warning', async () => {
    const dir = tempDir();
    const cache = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    await cache.call('f', () => 'cached', 1);
    // an I/O error on read: the value file replaced by a directory reads with EISDIR
    const fdir = join(dir, 'f.dcn-fn');
    const val = readdirSync(fdir).find((f) => f.endsWith('.dcn-val'))!;
    const saved = readFileSync(join(fdir, val));
    renameSync(join(fdir, val), join(dir, 'saved'));
    mkdirSync(join(fdir, val));
    const other = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    const warnings = collectWarnings(other);
    expect(await other.call('f', () => 'computed', 1)).toBe('computed');
    expect(warnings.map((w) => w.code)).toContain('read_failed');
    expect(saved.length).toBeGreaterThan(0);
  });
});
