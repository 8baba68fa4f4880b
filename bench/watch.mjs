// Runs bench/watch-latency.ts (it uses the test fake, which is TypeScript) through esbuild.
import { fmt, importTs, verdict } from './lib.mjs';

export async function watchLatency() {
  const { measure } = await importTs('watch-latency');
  const r = await measure();
  const heap = r.flood.heapMiB;
  const growth = Math.max(...heap) - heap[0];
  return [
    '## dcn watch: from a notification to its drop',
    '',
    "In process, on the fake of node-oracledb's subscribe() (no Oracle here) and a real ResultCache on disk: from the",
    "subscription callback's call to the drop completed (the key lookup on the fake, then the unlink), one notification",
    `at a time, ${r.latencyMs.samples.toLocaleString('en')} of them; then ${r.flood.notifications.toLocaleString('en')} notifications in batches of 1,000, the heap after a full GC at every tenth.`,
    '',
    '| p50 (ms) | p99 (ms) | notifications/s in the flood | heap at start, then each tenth (MiB) |',
    '|---|---|---|---|',
    `| ${fmt(r.latencyMs.p50, 3)} | ${fmt(r.latencyMs.p99, 3)} | ${Math.round(r.flood.notifications / r.flood.seconds).toLocaleString('en')} | ${heap.map((h) => fmt(h, 1)).join(', ')} |`,
    '',
    `Memory flat over the flood (growth under 5 MiB): ${verdict(growth < 5)} (${fmt(growth, 1)} MiB).`,
    '',
  ].join('\n');
}
