// The result cache's two stores (files, LMDB) against PEAR Cache_Lite_Function, the seed
// article's cache, in the same run: 100 hot keys and 20,000 distinct keys from a fresh process,
// each competitor a fresh process per run, their order rotated round by round (targets: 5x and
// 3x). Then whether a drop made by another process is seen by the very next call, the cost of a
// drop among 1,000 and among 100,000 entries, and the sweep, for each store.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { ResultCache } from '../dist/src/cache/result-cache.js';
import { fmt, load, median, root, verdict } from './lib.mjs';

const items = (n) =>
  Array.from({ length: 20 }, (_, i) => ({
    order_id: n,
    line_item_id: i + 1,
    product_id: 2700 + i,
    unit_price: 61.5,
    quantity: 3,
    description: 'a row of the order items query',
  }));

const anchor = process.env.CACHE_LITE_DIR ?? join(root, '..', 'shared', 'anchors', 'cache-lite');

/** PHP for the Cache_Lite side: installed from Debian's php-cli when missing (bench only, never CI). */
function php() {
  const found = spawnSync('php', ['-v'], { encoding: 'utf8' });
  if (found.status === 0) return true;
  const apt = spawnSync('sh', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q php-cli'], {
    encoding: 'utf8',
  });
  return apt.status === 0 && spawnSync('php', ['-v']).status === 0;
}

/** hits/s printed by one run of a hit driver. */
function hitsOf(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CACHE_LITE_DIR: anchor, ...env },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

const STORES = ['files', 'lmdb'];
const DISTINCT = 20_000;

/** hits/s of one run of a store's hit driver. */
const dcnHits = (store, args) => hitsOf('node', ['bench/cache-hits.mjs', ...args], { DCN_STORE: store });

/**
 * dcn's stores against PEAR Cache_Lite_Function (unmodified, https://pear.php.net/package/Cache_Lite), in
 * the same run, each run a fresh process, the competitors' order rotated round by round: 100 hot
 * keys, and 20,000 distinct keys each hit once (read from disk, nothing in memory). A Map in one
 * process is the ceiling.
 */
function versusCacheLite(rounds) {
  const who = [...STORES, 'lite'];
  const hot = Object.fromEntries([...who, 'map'].map((w) => [w, []]));
  const distinct = Object.fromEntries(who.map((w) => [w, []]));
  const base = mkdtempSync(join(tmpdir(), 'dcn-bench-vs-'));
  const dirOf = (w) => join(base, w);
  try {
    for (const store of STORES) dcnHits(store, ['fill', String(DISTINCT), dirOf(store)]);
    hitsOf('php', ['bench/cache-lite.php', 'fill', String(DISTINCT), dirOf('lite')]);
    for (let r = 0; r < rounds; r++) {
      const order = who.map((_, i) => who[(i + r) % who.length]);
      for (const w of order) {
        hot[w].push(
          w === 'lite' ? hitsOf('php', ['bench/cache-lite.php', 'hot', '50000']) : dcnHits(w, ['hot', '100000']),
        );
        distinct[w].push(
          w === 'lite'
            ? hitsOf('php', ['bench/cache-lite.php', 'distinct', String(DISTINCT), dirOf('lite')])
            : dcnHits(w, ['distinct', String(DISTINCT), dirOf(w)]),
        );
      }
      hot.map.push(hitsOf('node', ['bench/cache-hits.mjs', 'map', '1000000']));
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const ratio = (a, b) => {
    const r = a.map((x, i) => x / b[i]);
    return { min: Math.min(...r), median: median(r) };
  };
  const ratios = Object.fromEntries(
    STORES.map((s) => [s, { hot: ratio(hot[s], hot.lite), distinct: ratio(distinct[s], distinct.lite) }]),
  );
  return { hot, distinct, ratios };
}

/**
 * The memory tier's hit rate against lru-cache's (the npm package, if installed) at the same
 * capacity, on the same skewed stream of keys (Zipf-like: a few keys are most of the calls).
 */
async function memoryHitRate() {
  const { MemoryTier } = await import('../dist/src/cache/memory-tier.js');
  let LRU;
  try {
    // not a dependency of dcn: compared when it happens to be installed (often, through other packages)
    const optional = 'lru-cache';
    ({ LRUCache: LRU } = await import(optional));
  } catch {
    LRU = undefined;
  }
  const capacity = 1_000;
  const keys = 20_000;
  const calls = 500_000;
  // a fixed stream: the same for both
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const stream = Array.from({ length: calls }, () => Math.floor(keys ** rand()) - 1);
  const tier = new MemoryTier(capacity);
  let tierHits = 0;
  for (const k of stream) {
    const h = String(k);
    if (tier.get('f', h)) tierHits++;
    else tier.remember('f', h, { claim: 1, expires: Infinity, value: k, bytes: 8, touched: 0 });
  }
  let lruHits;
  if (LRU) {
    const lru = new LRU({ max: capacity });
    lruHits = 0;
    for (const k of stream) {
      if (lru.get(k) !== undefined) lruHits++;
      else lru.set(k, k);
    }
  }
  return { capacity, keys, calls, tier: tierHits / calls, lru: lruHits === undefined ? undefined : lruHits / calls };
}

/** Median µs of 1,000 drops among `entries` entries: of cached keys, and of keys never cached (the listener's usual case). */
async function dropMicros(store, entries) {
  const dir = mkdtempSync(join(tmpdir(), `dcn-bench-drop-${entries}-`));
  const cache = new ResultCache({ store, dir, memoryEntries: 1, sweepIntervalSeconds: 0 });
  for (let n = 0; n < entries; n++) await cache.call('getOrderFields', () => ({ order_id: n }), n);
  const timed = async (key) => {
    const start = process.hrtime.bigint();
    await cache.drop('getOrderFields', key);
    return Number(process.hrtime.bigint() - start) / 1000;
  };
  const present = [];
  const absent = [];
  for (let i = 0; i < 1000; i++) {
    present.push(await timed(Math.floor((i * 7919) % entries)));
    absent.push(await timed(-1 - i));
  }
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return { present: median(present), absent: median(absent) };
}

/**
 * A sweep of a store of `entries` entries (a thirtieth of them dropped before each), how long
 * it held up the event loop at most in each round, and the longest garbage-collection pause
 * meanwhile: a block as long as a GC pause is the collector's, not the sweep's own work.
 */
export async function sweepCost(entries, store = 'files') {
  const dir = mkdtempSync(join(tmpdir(), `dcn-bench-sweep-${entries}-`));
  const cache = new ResultCache({ store, dir, sweepIntervalSeconds: 0, memoryEntries: 1 });
  for (let n = 0; n < entries; n++)
    await cache.call('getOrderFields', () => ({ order_id: n, text: 'x'.repeat(200) }), n);
  const times = [];
  const maxBlocks = [];
  let maxGcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) maxGcMs = Math.max(maxGcMs, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  for (let round = 0; round < 3; round++) {
    for (let n = round; n < entries; n += 30) await cache.drop('getOrderFields', n);
    let maxBlockMs = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxBlockMs = Math.max(maxBlockMs, now - last - 1);
      last = now;
    }, 1);
    const start = performance.now();
    await cache.sweep();
    times.push(performance.now() - start);
    clearInterval(ticker);
    maxBlocks.push(maxBlockMs);
  }
  gc.disconnect();
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms: median(times), maxBlocks, maxGcMs };
}

/** Whether a drop made by another process is seen by the very next call in this one. */
async function dropSeen(store) {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-cache-'));
  const cache = new ResultCache({ store, dir, sweepIntervalSeconds: 0 });
  await cache.call('getOrderItems', () => items(2408), 2408);
  await cache.call('getOrderItems', () => items(2408), 2408); // from memory now
  const dropped = spawnSync(
    process.execPath,
    [
      '-e',
      `import('${join(root, 'dist', 'src', 'cache', 'result-cache.js')}').then(async ({ ResultCache }) => {
    process.stdout.write(String(await new ResultCache({ store: '${store}', dir: ${JSON.stringify(dir)} }).drop('getOrderItems', 2408)));
  })`,
    ],
    { encoding: 'utf8' },
  );
  const next = await cache.callWith('getOrderItems', {}, () => items(2408), 2408);
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return dropped.stdout === 'true' && next.hit === false;
}

export async function cacheThroughput() {
  const rounds = Number(process.env.DCN_BENCH_ROUNDS ?? 6);
  const vs = php() ? versusCacheLite(rounds) : undefined;
  const during = load();
  const memory = await memoryHitRate();
  // the larger store's size: 100,000 unless DCN_BENCH_ENTRIES says less (a slow disk)
  const big = Number(process.env.DCN_BENCH_ENTRIES ?? 100_000);
  const per = {};
  for (const store of STORES)
    per[store] = {
      seen: await dropSeen(store),
      drop1k: await dropMicros(store, 1_000),
      drop100k: await dropMicros(store, big),
      sweep10k: await sweepCost(10_000, store),
      sweep100k: await sweepCost(big, store),
    };
  const versus = vs
    ? [
        `dcn's ResultCache, on each of its stores, against PEAR Cache_Lite_Function (the seed article's cache, unmodified: https://pear.php.net/package/Cache_Lite, PHP ${spawnSync('php', ['-r', 'echo PHP_VERSION;'], { encoding: 'utf8' }).stdout}), the result bench.php caches (20 order-item rows).`,
        `Each run a fresh process; ${rounds} rounds, the three competitors' order rotated round by round; ratios per round. Load: ${during} (1, 5, 15 min).`,
        '',
        '| pattern | store | dcn hits/s, median | Cache_Lite hits/s, median | ratio: min | median | target | |',
        '|---|---|---|---|---|---|---|---|',
        ...STORES.flatMap((st) => [
          `| 100 hot keys | ${st} | ${fmt(median(vs.hot[st]), 0)} | ${fmt(median(vs.hot.lite), 0)} | ${fmt(vs.ratios[st].hot.min, 2)}x | **${fmt(vs.ratios[st].hot.median, 2)}x** | ≥ 5x | ${verdict(vs.ratios[st].hot.median >= 5)} |`,
          `| ${DISTINCT.toLocaleString('en')} distinct keys, each hit once, fresh process | ${st} | ${fmt(median(vs.distinct[st]), 0)} | ${fmt(median(vs.distinct.lite), 0)} | ${fmt(vs.ratios[st].distinct.min, 2)}x | **${fmt(vs.ratios[st].distinct.median, 2)}x** | ≥ 3x | ${verdict(vs.ratios[st].distinct.median >= 3)} |`,
        ]),
        `| ceiling: a Map in one process, 100 hot keys | | ${fmt(median(vs.hot.map), 0)} | | | | | |`,
        '',
      ]
    : [
        'PHP could not be installed here, so PEAR Cache_Lite_Function was not measured (`apt-get install php-cli`).',
        '',
      ];
  const lru =
    memory.lru === undefined
      ? 'lru-cache is not installed here: not compared'
      : `lru-cache ${fmt(memory.lru * 100, 1)}%`;
  return [
    '## Result cache',
    '',
    ...versus,
    `Memory tier, ${memory.capacity.toLocaleString('en')} entries, ${memory.calls.toLocaleString('en')} calls over ${memory.keys.toLocaleString('en')} keys (skewed): hit rate ${fmt(memory.tier * 100, 1)}%; ${lru} (target: at least lru-cache's) ${memory.lru === undefined ? '' : verdict(memory.tier >= memory.lru)}.`,
    '',
    'A hit of a key in memory asks the store for its claim (files: one stat(); LMDB: one read of its map), so a drop by another process is seen at once.',
    '',
    '| measure | files | lmdb | target |',
    '|---|---|---|---|',
    `| drop by another process seen by the very next call | ${STORES.map((st) => (per[st].seen ? 'yes' : '**no**')).join(' | ')} | yes |`,
    `| drop among 1,000 entries, median of 1,000 drops | ${STORES.map((st) => `${fmt(per[st].drop1k.present, 1)} µs`).join(' | ')} | |`,
    `| drop among ${big.toLocaleString('en')} entries, median of 1,000 drops | ${STORES.map((st) => `${fmt(per[st].drop100k.present, 1)} µs`).join(' | ')} | about the same |`,
    `| drop of a key not cached, among ${big.toLocaleString('en')} | ${STORES.map((st) => `${fmt(per[st].drop100k.absent, 1)} µs`).join(' | ')} | no exception |`,
    `| sweep of 10,000 entries (a thirtieth dropped), median of 3; event loop held at most (per round) | ${STORES.map((st) => `${fmt(per[st].sweep10k.ms, 0)} ms; ${per[st].sweep10k.maxBlocks.map((b) => fmt(b, 1)).join(', ')} ms (GC ${fmt(per[st].sweep10k.maxGcMs, 1)} ms)`).join(' | ')} | in the background |`,
    `| sweep of ${big.toLocaleString('en')} entries | ${STORES.map((st) => `${fmt(per[st].sweep100k.ms, 0)} ms; ${per[st].sweep100k.maxBlocks.map((b) => fmt(b, 1)).join(', ')} ms (GC ${fmt(per[st].sweep100k.maxGcMs, 1)} ms)`).join(' | ')} | |`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${await cacheThroughput()}\n`);
