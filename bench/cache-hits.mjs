// dcn's ResultCache measured as bench/cache-lite.php measures PEAR Cache_Lite_Function, one fresh
// process per run: `hot N` hits 100 cached keys N times; `fill N DIR` caches N keys, `distinct N
// DIR` then hits each once (nothing in memory yet); `map N` is the ceiling, an in-process Map.
// Prints hits/s. The result is the one bench.php caches: 20 order-item rows. The store is
// DCN_STORE's (files or lmdb; files when unset).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../dist/src/cache/result-cache.js';

const getOrderItems = (orderNo) => [
  20,
  Array.from({ length: 20 }, (_, i) => ({
    ORDER_ID: orderNo,
    LINE_ITEM_ID: i,
    PRODUCT_ID: 2751 + i,
    UNIT_PRICE: 61.5,
    QUANTITY: 3,
  })),
];
const [mode, count, given] = process.argv.slice(2);
const n = Number(count);
const dir = given ?? mkdtempSync(join(tmpdir(), 'dcn-bench-hits-'));
const cache = new ResultCache({ dir, sweepIntervalSeconds: 0, store: process.env.DCN_STORE ?? 'files' });
let computed = 0;
const fn = (k) => {
  computed++;
  return getOrderItems(k);
};
if (mode === 'hot') {
  for (let k = 0; k < 100; k++) await cache.call('getOrderItems', fn, 2400 + k);
  const start = performance.now();
  for (let i = 0; i < n; i++) await cache.call('getOrderItems', fn, 2400 + (i % 100));
  process.stdout.write(`${Math.round(n / ((performance.now() - start) / 1000))}\n`);
  rmSync(dir, { recursive: true, force: true });
} else if (mode === 'fill') {
  for (let k = 0; k < n; k++) await cache.call('getOrderItems', fn, k);
} else if (mode === 'distinct') {
  const start = performance.now();
  for (let k = 0; k < n; k++) await cache.call('getOrderItems', fn, k);
  const rate = Math.round(n / ((performance.now() - start) / 1000));
  if (computed !== 0) throw new Error(`${computed} of ${n} keys were computed, not read: fill the directory first`);
  process.stdout.write(`${rate}\n`);
} else if (mode === 'map') {
  const map = new Map();
  const call = async (k) => {
    let v = map.get(k);
    if (v === undefined) map.set(k, (v = getOrderItems(k)));
    return v;
  };
  for (let k = 0; k < 100; k++) await call(2400 + k);
  const start = performance.now();
  for (let i = 0; i < n; i++) await call(2400 + (i % 100));
  process.stdout.write(`${Math.round(n / ((performance.now() - start) / 1000))}\n`);
} else throw new Error(`unknown mode ${mode}`);
cache.close();
