// The cache bus (issue 18), against a real redis-server on loopback: cache hits with a bus
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
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = s.address();
      s.close(() => resolve(free));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (c) => (out += c) && /Ready to accept connections/.test(out) && resolve());
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}

function hitsPerSecond(cache, n) {
  return new Promise((resolve) => {
    const start = performance.now();
    let i = 0;
    const next = () => {
      if (i === n) return resolve((n / (performance.now() - start)) * 1000);
      cache.call('getOrderItems', () => 'never', i++ % 100).then(next);
    };
    next();
  });
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
  return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function busCost() {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    return ['## Cache bus (Redis pub/sub, loopback)', '', '**Not measured**: redis-server is not installed on this machine (apt-get install redis-server).', ''].join('\n');
  }
  const redis = await redisServer();
  const dirs = [mkdtempSync(join(tmpdir(), 'dcn-bench-nobus-')), mkdtempSync(join(tmpdir(), 'dcn-bench-bus-'))];
  const plain = new ResultCache({ dir: dirs[0], sweepIntervalSeconds: 0 });
  const onBus = new ResultCache({ dir: dirs[1], bus: redis.url, channel: 'dcn:bench', sweepIntervalSeconds: 0 });
  await onBus.ready();
  for (const c of [plain, onBus]) for (let i = 0; i < 100; i++) await c.call('getOrderItems', () => ({ order: i, items: [1, 2, 3] }), i);
  const rounds = 10;
  const n = 200_000;
  const with_ = [];
  const without = [];
  for (let r = 0; r < rounds + 1; r++) {
    const order = r % 2 === 0 ? [plain, onBus] : [onBus, plain];
    for (const c of order) {
      const rate = await hitsPerSecond(c, n);
      if (r === 0) continue; // warm-up
      (c === onBus ? with_ : without).push(rate);
    }
  }
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
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length * 0.5)];
  const p99 = latencies[Math.floor(latencies.length * 0.99)];
  plain.close();
  onBus.close();
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
    'From a drop published in this process to the entry dropped in another process (10,000 drops, one after the other):',
    '',
    '| p50 (ms) | p99 (ms) |',
    '|---|---|',
    `| ${fmt(p50, 3)} | ${fmt(p99, 3)} |`,
    '',
    `p99 under 5 ms: ${verdict(p99 < 5)}.`,
    '',
    'Not built yet: the in-memory tier made coherent by the bus (target 1,000,000 hits/s in one process).',
    '',
  ].join('\n');
}
