// The cache bus, against a real redis-server on loopback (`npm run build && node bench/bus.mjs`
// runs this section alone and writes it into bench/RESULTS.md): cache hits with a bus configured,
// with acknowledged drops and with pub/sub only, against hits without one (same process, rounds
// alternating); the time from a drop in this process to the entry being gone in another process
// (its cache's busDrop event), over 10,000 drops one after the other (clocks:
// performance.timeOrigin + performance.now() in both processes, one machine); a flood of 100,000
// drops; acknowledged drops against pub/sub only with 2, 5 and 10 member processes; a reconnect
// after a 5 s outage; and the strict staleness oracle under each fault for BUS_FAULT_SECONDS
// (default 60) each.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../dist/src/cache/result-cache.js';
import { fmt, importTs, load, median, roundRatios, verdict } from './lib.mjs';

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
  for (let i = 0; i < n; i++) {
    await get(i % 100);
    // a hit settles without a turn of the event loop: the bus's PINGs are answered on one, or its lease lapses
    if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
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
  const dirs = ['nobus', 'bus', 'memory', 'pub'].map((d) => mkdtempSync(join(tmpdir(), `dcn-bench-${d}-`)));
  const plain = new ResultCache({ dir: dirs[0], sweepIntervalSeconds: 0 });
  const onBus = new ResultCache({ dir: dirs[1], bus: redis.url, channel: 'dcn:bench', sweepIntervalSeconds: 0 });
  const memory = new ResultCache({
    dir: dirs[2],
    bus: redis.url,
    channel: 'dcn:bench-memory',
    memory: true,
    sweepIntervalSeconds: 0,
  });
  const pubOnly = new ResultCache({
    dir: dirs[3],
    bus: redis.url,
    channel: 'dcn:bench',
    busAcks: 'published',
    sweepIntervalSeconds: 0,
  });
  await Promise.all([onBus.ready(), memory.ready(), pubOnly.ready()]);
  const map = new Map();
  for (let i = 0; i < 100; i++) {
    const value = { order: i, items: [1, 2, 3] };
    for (const c of [plain, onBus, memory, pubOnly]) await c.call('getOrderItems', () => value, i);
    map.set(i, value);
  }
  const competitors = {
    plain: (k) => plain.call('getOrderItems', () => 'never', k),
    onBus: (k) => onBus.call('getOrderItems', () => 'never', k),
    pubOnly: (k) => pubOnly.call('getOrderItems', () => 'never', k),
    memory: (k) => memory.call('getOrderItems', () => 'never', k),
    map: async (k) => map.get(k),
  };
  const rounds = 10;
  const n = 200_000;
  const rates = { plain: [], onBus: [], pubOnly: [], memory: [], map: [] };
  for (let r = 0; r < rounds + 1; r++) {
    const names = Object.keys(competitors);
    for (const name of r % 2 === 0 ? names : names.reverse()) {
      const rate = await hitsPerSecond(competitors[name], ['plain', 'onBus', 'pubOnly'].includes(name) ? n : 5 * n);
      if (r > 0) rates[name].push(rate); // round 0 warms up
    }
  }
  const with_ = rates.onBus;
  const without = rates.plain;
  const hits = roundRatios(with_, without);
  const hitsPub = roundRatios(rates.pubOnly, without);

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
  const flood = await floodOf(onBus, redis.url, 100_000);
  pubOnly.close();
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
    '| without a bus (hits/s, median) | with a bus, drops acknowledged (hits/s, median) | ratio min | ratio median | with a bus, pub/sub only (hits/s, median) | ratio median |',
    '|---|---|---|---|---|---|',
    `| ${Math.round(median(without)).toLocaleString('en')} | ${Math.round(median(with_)).toLocaleString('en')} | ${fmt(hits.min, 3)} | ${fmt(hits.median, 3)} | ${Math.round(median(rates.pubOnly)).toLocaleString('en')} | ${fmt(hitsPub.median, 3)} |`,
    '',
    `A bus costs nothing per hit, with acknowledgements or without (median ratios at least 0.95): ${verdict(hits.median >= 0.95 && hitsPub.median >= 0.95)}.`,
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
    ...flood,
    ...acked,
    ...(await faults()),
  ].join('\n');
}

/** 100,000 drops published from `cache`, 1,000 in flight at a time, each awaiting its acknowledgement by another process that counts what it applied. */
async function floodOf(cache, url, n) {
  const child = otherProcess(url);
  await new Promise((r) => child.once('message', r));
  let applied = 0;
  const done = new Promise((resolve) =>
    child.on('message', () => {
      if (++applied === n) resolve();
    }),
  );
  const t0 = performance.now();
  const sent = [];
  let rejected = 0;
  for (let i = 0; i < n; i++) {
    sent.push(cache.publishDrop('getOrderFields', 1_000_000 + i).catch(() => rejected++));
    if (sent.length === 1000) await Promise.all(sent.splice(0));
  }
  await Promise.all(sent);
  const resolvedMs = performance.now() - t0;
  await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))]);
  child.send('exit');
  return [
    `A flood of ${n.toLocaleString('en')} drops, 1,000 in flight at a time, each awaiting its acknowledgement: every drop() settled after ${fmt(resolvedMs / 1000, 1)} s (${Math.round(n / (resolvedMs / 1000)).toLocaleString('en')} drops/s), ${rejected.toLocaleString('en')} of them rejected (a link that lost its lease under the load says so instead of resolving); the other process applied ${applied.toLocaleString('en')} (every drop resolved and applied: ${verdict(rejected === 0 && applied === n)}).`,
    '',
  ];
}

/** The reconnect after a 5 s outage, and the strict staleness oracle under each fault (bus-faults.ts). */
async function faults() {
  const { outage, underFault, LEASE } = await importTs('bus-faults');
  const outages = [];
  for (const acks of ['applied', 'published', 'applied', 'published']) outages.push(await outage(acks));
  const seconds = Number(process.env.BUS_FAULT_SECONDS ?? 60);
  const runs = [];
  for (const fault of ['SIGKILL of members', 'SIGSTOP of a member', 'Redis restarted', 'silent partition'])
    runs.push(await underFault(fault, seconds));
  return [
    '### A reconnect after a 5 s outage',
    '',
    `A cache holding 1,000 entries loses its link (every connection closed, new ones refused, through a TCP proxy) for 5 s, while another cache drops 100 of them; back, it reads all 1,000 (lease ${LEASE} ms; the two modes alternating):`,
    '',
    '| drops | caught up from the log | computed again: dropped | computed again: not dropped |',
    '|---|---|---|---|',
    ...outages.map(
      (o) =>
        `| ${o.acks} | ${o.caughtUp ? 'yes' : 'no'} | ${o.recomputedDropped} of ${o.dropped} | ${o.recomputedOther} of ${o.entries - o.dropped} |`,
    ),
    '',
    `Nothing that was not dropped is computed again: ${verdict(outages.every((o) => o.recomputedOther === 0 && o.recomputedDropped === o.dropped))}.`,
    '',
    '### Stale reads under faults (acknowledged drops, the strict rule)',
    '',
    `A writer bumps a key's version and awaits drop(); a reader in this process (through a TCP proxy) and two member processes read through their caches; a read that begins after a drop() resolved and returns an older version is stale. Each fault is made again and again for ${seconds} s (\`BUS_FAULT_SECONDS\`), lease ${LEASE} ms:`,
    '',
    '| fault | rounds | drops resolved | drops rejected | slowest drop (ms) | reads | hits | stale reads |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.fault} | ${r.rounds} | ${r.drops.toLocaleString('en')} | ${r.failedDrops} | ${fmt(r.slowestDropMs, 0)} | ${r.reads.toLocaleString('en')} | ${r.hits.toLocaleString('en')} | ${r.stale} |`,
    ),
    '',
    `Zero stale reads over at least 60 s of each fault: ${verdict(seconds >= 60 && runs.every((r) => r.stale === 0))}.`,
    '',
  ];
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
  // this section alone, written in place into bench/RESULTS.md
  const { readFileSync, writeFileSync } = await import('node:fs');
  const section = await busCost();
  const file = new URL('RESULTS.md', import.meta.url);
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('## Cache bus');
  const end = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
  writeFileSync(
    file,
    start < 0 ? `${text}\n${section}` : text.slice(0, start) + section + (end < 0 ? '' : text.slice(end)),
  );
  process.stdout.write(section);
}
