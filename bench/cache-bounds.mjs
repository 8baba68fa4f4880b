// The cache's bounds under load: how long dropAll() of a function with 100,000 entries holds the
// event loop at most (target 20 ms: it runs on every table-level notification, at listener start
// and at every bus reconnect), and what a cache with maxBytes 1 MB takes on disk under fast churn,
// measured with du (target: at most twice the bound). `node bench/cache-bounds.mjs` after a build.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../dist/src/cache/result-cache.js';

/** The longest the event loop went without a turn while `work` ran, in ms (a 1 ms ticker). */
async function longestBlock(work) {
  let longest = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - 1);
    last = now;
  }, 1);
  await work();
  clearInterval(ticker);
  return longest;
}

const du = (dir) => Number(execFileSync('du', ['-s', '-B1', dir], { encoding: 'utf8' }).split('\t')[0]);

export async function dropAllBlock(entries = 100_000, store = 'files') {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-dropall-'));
  const cache = new ResultCache({ store, dir, sweepIntervalSeconds: 0, memoryEntries: 1 });
  for (let n = 0; n < entries; n++) await cache.call('getOrderItems', () => ({ order_id: n }), n);
  // files: until the directory moved away is gone; LMDB reclaims the entries in the background,
  // unobservable from here: the next 2 s are watched
  const windowEnd = () => performance.now() + 2000;
  let until;
  const gone = () =>
    store === 'files' ? readdirSync(dir).every((name) => !name.startsWith('.dcn-dropped.')) : performance.now() > until;
  const started = performance.now();
  const block = await longestBlock(async () => {
    await cache.dropAll('getOrderItems');
    until = windowEnd();
    while (!gone()) await new Promise((r) => setTimeout(r, 5));
  });
  const ms = performance.now() - started;
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return { entries, block, ms };
}

export async function churnBound(maxBytes = 1024 * 1024, seconds = 15) {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-churn-'));
  const cache = new ResultCache({ dir, maxBytes, sweepIntervalSeconds: 60, memoryEntries: 1 });
  const value = { text: 'x'.repeat(2000) };
  let most = 0;
  let calls = 0;
  const end = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < end) {
    await cache.call('getOrderFields', () => value, n++);
    if (n % 50 === 0) await cache.drop('getOrderFields', n - 25);
    calls++;
    if (calls % 500 === 0) most = Math.max(most, du(dir));
  }
  await cache.sweep();
  const after = du(dir);
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return { maxBytes, seconds, calls, most, after };
}

export async function cacheBounds() {
  // the same ticker with nothing to do: on a loaded machine the scheduler alone delays it
  const idle = await longestBlock(() => new Promise((r) => setTimeout(r, 3000)));
  const drop = await dropAllBlock();
  const churn = await churnBound();
  return [
    '## Cache bounds',
    '',
    `dropAll() of a function with ${drop.entries.toLocaleString('en')} entries: the event loop was held at most ${drop.block.toFixed(1)} ms at a time (target 20 ms; the same ticker idle for 3 s in this run: ${idle.toFixed(1)} ms, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}); its directory was gone after ${drop.ms.toFixed(0)} ms.`,
    `maxBytes ${churn.maxBytes.toLocaleString('en')} under churn (${churn.calls.toLocaleString('en')} calls of 2 KB values in ${churn.seconds} s, a drop every 50): at most ${churn.most.toLocaleString('en')} bytes on disk (du -s -B1, every 500 calls), ${(churn.most / churn.maxBytes).toFixed(2)}x the bound (target 2x); ${churn.after.toLocaleString('en')} after a last sweep.`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${await cacheBounds()}\n`);
