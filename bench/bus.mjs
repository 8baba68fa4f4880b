// The cache bus, against a real redis-server on loopback (`node bench/bus.mjs` alone measures acknowledged drops): cache hits with a bus
// configured against hits without one (same process, rounds alternating), and the time from a drop
// in this process to the entry being gone in another process (its cache's busDrop event), over
// 10,000 drops one after the other. Clocks: performance.timeOrigin + performance.now() in both
// processes, one machine.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../dist/src/cache/result-cache.js';
import { fmt, load, median, roundRatios, verdict } from './lib.mjs';

const now = () => performance.timeOrigin + performance.now();

async function redisServer() {
  if (spawnSync('redis-server', ['--version']).status !== 0)
    throw new Error('redis-server is not installed (apt-get install redis-server)');
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = s.address();
      s.close(() => resolve(free));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (c) => (out += c) && /Ready to accept connections/.test(out) && resolve());
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))),
  };
}

/** Hits per second of awaiting get(key) n times over 100 hot keys. */
async function hitsPerSecond(get, n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) await get(i % 100);
  return (n / (performance.now() - start)) * 1000;
}

function otherProcess(url) {
  const code = `
    const { ResultCache } = await import(${JSON.stringify(new URL('../dist/src/cache/result-cache.js', import.meta.url).href)});
    const { mkdtempSync } = await import('node:fs');
    const cache = new ResultCache({ dir: mkdtempSync('/tmp/dcn-bench-bus-'), bus: ${JSON.stringify(url)}, channel: 'dcn:bench', sweepIntervalSeconds: 0 });
    await cache.ready();
    cache.on('busDrop', () => process.send(performance.timeOrigin + performance.now()));
    process.on('message', () => { cache.close(); process.exit(0); });
    process.send('ready');
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export async function busCost() {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    return [
      '## Cache bus (Redis pub/sub, loopback)',
      '',
      '**Not measured**: redis-server is not installed on this machine (apt-get install redis-server).',
      '',
    ].join('\n');
  }
  const redis = await redisServer();
  const dirs = ['nobus', 'bus', 'memory'].map((d) => mkdtempSync(join(tmpdir(), `dcn-bench-${d}-`)));
  const plain = new ResultCache({ dir: dirs[0], sweepIntervalSeconds: 0 });
  const onBus = new ResultCache({ dir: dirs[1], bus: redis.url, channel: 'dcn:bench', sweepIntervalSeconds: 0 });
  const memory = new ResultCache({
    dir: dirs[2],
    bus: redis.url,
    channel: 'dcn:bench-memory',
    memory: true,
    sweepIntervalSeconds: 0,
  });
  await Promise.all([onBus.ready(), memory.ready()]);
  const map = new Map();
  for (let i = 0; i < 100; i++) {
    const value = { order: i, items: [1, 2, 3] };
    for (const c of [plain, onBus, memory]) await c.call('getOrderItems', () => value, i);
    map.set(i, value);
  }
  const competitors = {
    plain: (k) => plain.call('getOrderItems', () => 'never', k),
    onBus: (k) => onBus.call('getOrderItems', () => 'never', k),
    memory: (k) => memory.call('getOrderItems', () => 'never', k),
    map: async (k) => map.get(k),
  };
  const rounds = 10;
  const n = 200_000;
  const rates = { plain: [], onBus: [], memory: [], map: [] };
  for (let r = 0; r < rounds + 1; r++) {
    const names = Object.keys(competitors);
    for (const name of r % 2 === 0 ? names : names.reverse()) {
      const rate = await hitsPerSecond(competitors[name], name === 'plain' || name === 'onBus' ? n : 5 * n);
      if (r > 0) rates[name].push(rate); // round 0 warms up
    }
  }
  const with_ = rates.onBus;
  const without = rates.plain;
  const hits = roundRatios(with_, without);

  const child = otherProcess(redis.url);
  await new Promise((r) => child.once('message', r));
  const latencies = [];
  for (let i = 0; i < 10_000; i++) {
    const arrived = new Promise((r) => child.once('message', r));
    const sent = now();
    await onBus.publishDrop('getOrderFields', i);
    latencies.push((await arrived) - sent);
  }
  child.send('exit');
  const acked = await ackedDrops(redis.url);
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length * 0.5)];
  const p99 = latencies[Math.floor(latencies.length * 0.99)];
  plain.close();
  onBus.close();
  memory.close();
  await redis.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  return [
    '## Cache bus (Redis pub/sub, loopback)',
    '',
    `A real redis-server on loopback. Load averages: ${load()}.`,
    '',
    `Hits (100 hot keys, ${n.toLocaleString('en')} calls a round, ${rounds} rounds, with and without a bus alternating):`,
    '',
    '| without a bus (hits/s, median) | with a bus (hits/s, median) | ratio min | ratio median |',
    '|---|---|---|---|',
    `| ${Math.round(median(without)).toLocaleString('en')} | ${Math.round(median(with_)).toLocaleString('en')} | ${fmt(hits.min, 3)} | ${fmt(hits.median, 3)} |`,
    '',
    `A bus costs nothing per hit (median ratio at least 0.95): ${verdict(hits.median >= 0.95)}.`,
    '',
    'The memory tier (with a bus, hits without a stat()) against an in-process Map behind an async function, the ceiling, in the same rounds:',
    '',
    '| file cache (hits/s) | memory tier (hits/s) | Map (hits/s) | memory tier / Map, median |',
    '|---|---|---|---|',
    `| ${Math.round(median(rates.plain)).toLocaleString('en')} | ${Math.round(median(rates.memory)).toLocaleString('en')} | ${Math.round(median(rates.map)).toLocaleString('en')} | ${fmt(roundRatios(rates.memory, rates.map).median, 3)} |`,
    '',
    `At least 1,000,000 hits/s in one process: ${verdict(median(rates.memory) >= 1_000_000)}.`,
    '',
    'From a drop published in this process to the entry dropped in another process (10,000 drops, one after the other):',
    '',
    '| p50 (ms) | p99 (ms) |',
    '|---|---|',
    `| ${fmt(p50, 3)} | ${fmt(p99, 3)} |`,
    '',
    `p99 under 5 ms: ${verdict(p99 < 5)}.`,
    '',
    ...acked,
  ].join('\n');
}

/** A cache on the bus in a process of its own: a member that applies and acknowledges every drop. */
function member(url, channel) {
  const code = `
    const { ResultCache } = await import(${JSON.stringify(new URL('../dist/src/cache/result-cache.js', import.meta.url).href)});
    const { mkdtempSync } = await import('node:fs');
    const cache = new ResultCache({ dir: mkdtempSync('/tmp/dcn-bench-member-'), bus: ${JSON.stringify(url)}, channel: ${JSON.stringify(channel)}, sweepIntervalSeconds: 0 });
    cache.on('warning', () => undefined);
    await cache.ready();
    process.on('message', () => { cache.close(); setTimeout(() => process.exit(0), 300); });
    process.send('ready');
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];

/**
 * drop() with acknowledgements ('applied', the default) against pub/sub only ('published'), with
 * 2, 5 and 10 member processes, rounds alternating; then one member killed with SIGKILL: how long
 * the next drop waits (at most its lease, 3000 ms, and a tenth).
 */
export async function ackedDrops(url) {
  const rows = [];
  let killedWait;
  for (const n of [2, 5, 10]) {
    const channel = `dcn:bench-acks-${n}`;
    const children = Array.from({ length: n }, () => member(url, channel));
    await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
    const applied = new ResultCache({
      dir: mkdtempSync(join(tmpdir(), 'dcn-bench-acked-')),
      bus: url,
      channel,
      sweepIntervalSeconds: 0,
    });
    const published = new ResultCache({
      dir: mkdtempSync(join(tmpdir(), 'dcn-bench-pub-')),
      bus: url,
      channel,
      busAcks: 'published',
      sweepIntervalSeconds: 0,
    });
    for (const c of [applied, published]) c.on('warning', () => undefined);
    await Promise.all([applied.ready(), published.ready()]);
    await new Promise((r) => setTimeout(r, 3500)); // past the grace period of a log just made
    const times = { applied: [], published: [] };
    for (let round = 0; round < 10; round++) {
      for (const [name, cache] of round % 2 === 0
        ? [
            ['applied', applied],
            ['published', published],
          ]
        : [
            ['published', published],
            ['applied', applied],
          ]) {
        for (let i = 0; i < 200; i++) {
          const t0 = performance.now();
          await cache.drop('getOrderFields', i);
          times[name].push(performance.now() - t0);
        }
      }
    }
    for (const t of Object.values(times)) t.sort((a, b) => a - b);
    rows.push(
      `| ${n} | ${fmt(pct(times.applied, 0.5), 3)} | ${fmt(pct(times.applied, 0.99), 3)} | ${fmt(pct(times.published, 0.5), 3)} | ${fmt(pct(times.published, 0.99), 3)} |`,
    );
    if (n === 2) {
      children[0].kill('SIGKILL');
      await new Promise((r) => children[0].once('exit', r));
      const t0 = performance.now();
      await applied.drop('getOrderFields', 1);
      killedWait = performance.now() - t0;
    }
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.send('exit');
    await Promise.all(
      children.map((c) =>
        c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
      ),
    );
    applied.close();
    published.close();
  }
  return [
    '### Acknowledged drops (busAcks applied) against pub/sub only (published)',
    '',
    'drop() from a cache in this process until it resolved, with N member processes on the channel (and the two caches of this process, which are members too); 10 rounds of 200 drops, the two modes alternating:',
    '',
    '| members | applied p50 (ms) | applied p99 (ms) | published p50 (ms) | published p99 (ms) |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `One member killed with SIGKILL: the next drop resolved after ${fmt(killedWait, 0)} ms (its lease is 3000 ms and a tenth: ${verdict(killedWait <= 3400)}).`,
    '',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const redis = await redisServer();
  try {
    process.stdout.write((await ackedDrops(redis.url)).join('\n'));
  } finally {
    await redis.stop();
  }
}
