import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argumentsHash, ResultCache, encodeArguments } from '../../src/cache/result-cache.js';

const root = join(import.meta.dirname, '..', '..');
const tempDir = () => mkdtempSync(join(tmpdir(), 'dcn-cache-'));
/** Every store runs through the same tests (the files' own layout is tested where it is named). */
const STORES = ['files', 'lmdb'] as const;
type Store = (typeof STORES)[number];

/** A function that counts its runs. */
function counted<A extends unknown[], T>(fn: (...args: A) => T | Promise<T>) {
  const f = Object.assign(
    async (...args: A) => {
      f.runs++;
      return fn(...args);
    },
    { runs: 0 },
  );
  return f;
}

const orderFields = (orderNo: number) => ({
  order_id: orderNo,
  customer_id: 166,
  order_total: 309,
  order_date: '2007-06-29T15:41:20Z',
});

/** Runs a drop in a separate node process, as the listener would. */
function dropInAnotherProcess(dir: string, store: Store, name: string, ...args: unknown[]): void {
  const code = `import('${join(root, 'dist', 'src', 'cache', 'result-cache.js')}').then(async ({ ResultCache }) => {
    const dropped = await new ResultCache({ dir: ${JSON.stringify(dir)}, store: '${store}' }).drop(${JSON.stringify(name)}, ...${JSON.stringify(args)});
    process.stdout.write(String(dropped));
  })`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('true');
}

describe.each(STORES)('ResultCache: hit, miss, expiry (%s store)', (store) => {
  it('runs the function on a miss and serves the stored result after', async () => {
    const cache = new ResultCache({ store, dir: tempDir() });
    const fn = counted(orderFields);
    expect(await cache.callWith('getOrderFields', {}, fn, 2408)).toEqual({ value: orderFields(2408), hit: false });
    expect(await cache.callWith('getOrderFields', {}, fn, 2408)).toEqual({ value: orderFields(2408), hit: true });
    expect(await cache.call('getOrderFields', fn, 2409)).toEqual(orderFields(2409));
    expect(fn.runs).toBe(2);
    // a fresh instance (another process) reads it from the directory
    expect(await new ResultCache({ store, dir: cache.dir }).callWith('getOrderFields', {}, fn, 2408)).toMatchObject({
      hit: true,
    });
    expect(fn.runs).toBe(2);
  });

  it('keys by name and a stable hash of the arguments', async () => {
    expect(encodeArguments([{ b: 2, a: 1 }])).toBe(encodeArguments([{ a: 1, b: 2 }]));
    expect(argumentsHash([2408])).not.toBe(argumentsHash(['2408']));
    const cache = new ResultCache({ store, dir: tempDir() });
    const fn = counted((o: { a: number; b: number }) => o.a + o.b);
    await cache.call('sum', fn, { a: 1, b: 2 });
    await cache.call('sum', fn, { b: 2, a: 1 });
    await cache.call('other', fn, { a: 1, b: 2 });
    expect(fn.runs).toBe(2);
    await expect(cache.call('sum', fn, () => 1)).rejects.toThrow(/cannot be part of a cache key/);
    await expect(cache.call('../escape', fn, 1)).rejects.toThrow(/function name/);
  });

  it('gives the same hash whether it was remembered or not, beyond the number it remembers', () => {
    const sha = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 40);
    // twice each: the second time from the remembered hashes; 12,000 keys make it start over once
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < 12_000; n++) expect(argumentsHash([n])).toBe(sha(`[${n}]`));
    }
    const long = 'x'.repeat(300); // too long to be remembered
    expect(argumentsHash([long])).toBe(sha(JSON.stringify([long])));
    expect(argumentsHash([long])).toBe(sha(JSON.stringify([long])));
  });

  it('expires entries after the cache lifetime, or a per-call lifetime', async () => {
    let now = 1_000_000;
    const cache = new ResultCache({ store, dir: tempDir(), lifetimeSeconds: 60, now: () => now });
    const fn = counted(orderFields);
    await cache.call('f', fn, 1);
    await cache.callWith('f', { lifetimeSeconds: 600 }, fn, 2);
    now += 59_000;
    expect(await cache.has('f', 1)).toBe(true);
    now += 2_000;
    expect(await cache.has('f', 1)).toBe(false);
    expect(await cache.has('f', 2)).toBe(true);
    await cache.call('f', fn, 1);
    expect(fn.runs).toBe(3);
  });

  it('returns JSON-shaped, frozen results, the same on a miss and on a hit', async () => {
    const cache = new ResultCache({ store, dir: tempDir() });
    const miss = await cache.call('d', () => ({ when: new Date('2026-11-26T10:00:00Z'), rows: [{ n: 1 }] }));
    const hit = await cache.call('d', () => ({ when: new Date(0), rows: [] }));
    expect(miss).toEqual({ when: '2026-11-26T10:00:00.000Z', rows: [{ n: 1 }] });
    expect(hit).toEqual(miss);
    expect(Object.isFrozen(hit) && Object.isFrozen(hit.rows[0])).toBe(true);
  });
});

describe.each(STORES)('ResultCache: drop, dropAll, has (%s store)', (store) => {
  it('drops one entry, and all entries of one function', async () => {
    const cache = new ResultCache({ store, dir: tempDir() });
    const fields = counted(orderFields);
    const items = counted((n: number) => [{ order_id: n, line_item_id: 1 }]);
    for (const n of [2408, 2409, 2410]) {
      await cache.call('getOrderFields', fields, n);
      await cache.call('getOrderItems', items, n);
    }
    expect(await cache.drop('getOrderFields', 2408)).toBe(true);
    expect(await cache.drop('getOrderFields', 2408)).toBe(false);
    expect(await cache.has('getOrderFields', 2408)).toBe(false);
    expect(await cache.has('getOrderFields', 2409)).toBe(true);
    await cache.dropAll('getOrderItems');
    for (const n of [2408, 2409, 2410]) expect(await cache.has('getOrderItems', n)).toBe(false);
    expect(await cache.has('getOrderFields', 2410)).toBe(true);
    await cache.call('getOrderItems', items, 2408);
    expect(items.runs).toBe(4);
    await cache.dropAll('never-used');
  });

  it('sees a drop made by another process on the very next call', async () => {
    const dir = tempDir();
    const cache = new ResultCache({ store, dir });
    const fn = counted(orderFields);
    await cache.call('getOrderFields', fn, 2408);
    await cache.call('getOrderFields', fn, 2408); // now served from memory
    dropInAnotherProcess(dir, store, 'getOrderFields', 2408);
    expect(await cache.callWith('getOrderFields', {}, fn, 2408)).toMatchObject({ hit: false });
    expect(fn.runs).toBe(2);
  });
});

describe.each(STORES)('ResultCache: concurrency (%s store)', (store) => {
  it('runs the function once for concurrent calls of the same missing entry', async () => {
    const cache = new ResultCache({ store, dir: tempDir() });
    const fn = counted(async (n: number) => {
      await new Promise((r) => setTimeout(r, 20));
      return orderFields(n);
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.call('getOrderFields', fn, 2408)));
    expect(fn.runs).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('does not store a value computed before a drop that came while it was computed', async () => {
    const dir = tempDir();
    const app = new ResultCache({ store, dir });
    const listener = new ResultCache({ store, dir });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let version = 1;
    let began!: () => void;
    const readRow = new Promise<void>((r) => (began = r));
    const fn = counted(async () => {
      const seen = version; // the "query" reads the row now
      began();
      await gate;
      return { version: seen };
    });
    const running = app.call('getOrderFields', fn, 2408);
    await readRow;
    version = 2; // the row changes and commits …
    expect(await listener.drop('getOrderFields', 2408)).toBe(true); // … and the database notifies
    release();
    expect(await running).toEqual({ version: 1 }); // the caller that asked before gets its answer
    expect(await app.has('getOrderFields', 2408)).toBe(false); // but it was not kept
    expect(await listener.has('getOrderFields', 2408)).toBe(false);
    expect(await app.call('getOrderFields', fn, 2408)).toEqual({ version: 2 });
  });
});

describe('ResultCache: failures (files store)', () => {
  it('does not cache a failed function, and passes its error on', async () => {
    const cache = new ResultCache({ dir: tempDir() });
    let fail = true;
    const fn = counted(() => {
      if (fail) throw new Error('ORA-03113: end-of-file on communication channel');
      return 1;
    });
    await expect(cache.call('f', fn, 1)).rejects.toThrow('ORA-03113');
    expect(await cache.has('f', 1)).toBe(false);
    fail = false;
    expect(await cache.call('f', fn, 1)).toBe(1);
    expect(fn.runs).toBe(2);
    expect(readdirSync(join(cache.dir, 'f.dcn-fn')).filter((f) => f.endsWith('.dcn-tmp'))).toEqual([]);
  });

  it('treats corrupt or truncated files as a miss, and removes them', async () => {
    const cache = new ResultCache({ dir: tempDir() });
    await cache.call('f', () => ({ big: 'x'.repeat(1000) }), 1);
    const dir = join(cache.dir, 'f.dcn-fn');
    const val = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.dcn-val'))!,
    );
    writeFileSync(val, '{"t":"abc","e":99999999999999,"v":{"big":"xx'); // truncated
    const fresh = new ResultCache({ dir: cache.dir });
    expect(await fresh.has('f', 1)).toBe(false);
    expect(existsSync(val)).toBe(false);
    expect(await fresh.call('f', () => 'again', 1)).toBe('again');
    const key = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.dcn-key'))!,
    );
    writeFileSync(key, '\u0000\u0001 not json');
    expect(await new ResultCache({ dir: cache.dir }).call('f', () => 'third', 1)).toBe('third');
  });

  it('never lets a reader see half a file while another process rewrites it', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 2000 }, (_, i) => ({ line_item_id: i, unit_price: 61, quantity: 3 }));
    await new ResultCache({ dir }).call('items', () => rows, 1);
    const files = readdirSync(join(dir, 'items.dcn-fn')).map((f) => join(dir, 'items.dcn-fn', f));
    // another process drops and recomputes the same entry, rewriting both files, as fast as it can
    const writer = spawn(process.execPath, [
      '-e',
      `import('${join(root, 'dist', 'src', 'cache', 'result-cache.js')}').then(async ({ ResultCache }) => {
      const c = new ResultCache({ dir: ${JSON.stringify(dir)} });
      const rows = ${JSON.stringify(rows)};
      for (let i = 0; i < 300; i++) { await c.drop('items', 1); await c.call('items', () => rows, 1); }
    })`,
    ]);
    let finished = false;
    writer.on('close', () => (finished = true));
    let reads = 0;
    while (!finished) {
      for (const file of files) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          continue; // between a drop and the next claim the file is absent: that is allowed
        }
        expect(() => JSON.parse(text), `a whole file, not ${text.length} bytes of one`).not.toThrow();
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(reads).toBeGreaterThan(50);
  });
});
