// `dcn listen` requests per second for valid notifications, against a bare node:http server that
// only answers 200, measured with wrk in alternating rounds. Target: a median ratio of at least 0.9.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, root, verdict } from './lib.mjs';

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on port ${port}`);
}

// The servers on core 0 and wrk on core 1, when taskset and two cores are there: unpinned, the
// scheduler moves them around and runs of the same server differ by a fifth.
const pin = cpus().length >= 2 && !spawnSync('taskset', ['-c', '0', 'true']).error;
const onCore = (core, cmd, args) => (pin ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]);

/** One wrk run: requests/s and the p50 and p99 latency (ms). */
function wrkRun(url, script, seconds) {
  const r = spawnSync(...onCore(1, 'wrk', ['-t1', '-c32', '--latency', `-d${seconds}s`, '-s', script, url]), {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`wrk saw ${non2xx} non-2xx answers: ${r.stdout}`);
  const ms = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(r.stdout);
    return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]),
    requests: Number(/(\d+) requests in/.exec(r.stdout)?.[1]),
    p50: ms(50),
    p99: ms(99),
  };
}

const SEEDED = 100_000;
const ROUNDS = 8;
const SECONDS = 2;

export async function listenThroughput() {
  if (spawnSync('wrk', ['--version']).error) {
    return '## dcn listen throughput\n\nNot measured: wrk is not installed (`apt-get install wrk`).\n';
  }
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-listen-'));
  // each request a new order, 0, 1, 2, …: with the cache seeded before every round, each
  // notification dcn listen gets drops a real entry (until the round outruns the seed)
  const script = join(dir, 'notify.lua');
  writeFileSync(
    script,
    'local n = -1\nrequest = function()\n  n = n + 1\n  return wrk.format("GET", "/phpcache/dropResults.php?order_no=" .. n .. "&table=ORDERS")\nend\n',
  );

  const barePort = await freePort();
  const bare = spawn(
    ...onCore(0, process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => { s.writeHead(200, {'content-type': 'application/json'}); s.end('{"ok":true}'); }).listen(${barePort}, '127.0.0.1')`,
    ]),
    { stdio: 'ignore' },
  );
  const dcnPort = await freePort();
  const cacheDir = join(dir, 'cache');
  const template = join(dir, 'template');
  // the entries once, through the library; before each round hard links restore them in a second
  spawnSync(process.execPath, [
    '-e',
    `import('${join(root, 'dist', 'src', 'cache', 'result-cache.js')}').then(async ({ ResultCache }) => {
    const c = new ResultCache({ dir: ${JSON.stringify(template)}, sweepIntervalSeconds: 0, memoryEntries: 1 });
    for (let n = 0; n < ${SEEDED}; n++) await c.call('getOrderFields', () => ({ order_id: n }), n);
  })`,
  ]);
  const reseed = () => {
    spawnSync('rm', ['-rf', join(cacheDir, 'getOrderFields')]);
    spawnSync('cp', ['-al', join(template, 'getOrderFields'), join(cacheDir, 'getOrderFields')]);
  };
  spawnSync('mkdir', ['-p', cacheDir]);
  const dcn = spawn(
    ...onCore(0, process.execPath, [
      join(root, 'bin', 'dcn.js'),
      'listen',
      '--port',
      String(dcnPort),
      '--cache-dir',
      cacheDir,
    ]),
    { stdio: 'ignore' },
  );
  try {
    await waitFor(barePort);
    await waitFor(dcnPort);
    wrkRun(`http://127.0.0.1:${barePort}`, script, 1); // warm-ups
    reseed();
    wrkRun(`http://127.0.0.1:${dcnPort}`, script, 1);
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A, B, then B, A: neither always runs first
      const runBare = () => wrkRun(`http://127.0.0.1:${barePort}`, script, SECONDS);
      const runDcn = () => {
        reseed();
        return wrkRun(`http://127.0.0.1:${dcnPort}`, script, SECONDS);
      };
      let b, d;
      if (round % 2 === 0) {
        b = runBare();
        d = runDcn();
      } else {
        d = runDcn();
        b = runBare();
      }
      rounds.push({ bare: b, dcn: d, ratio: d.rps / b.rps });
    }
    const ratios = rounds.map((r) => r.ratio);
    const min = Math.min(...ratios);
    const med = median(ratios);
    const p = (k, which) => median(rounds.map((r) => r[which][k]));
    const outran = rounds.filter((r) => r.dcn.requests > SEEDED).length;
    return [
      '## dcn listen throughput',
      '',
      `wrk, 1 thread, 32 connections, ${ROUNDS} rounds of ${SECONDS} s per server after a 1 s warm-up, the two servers alternating (A B, B A, …)${pin ? '; servers pinned to core 0, wrk to core 1' : ''}.`,
      `Every request is a valid notification for a new order (0, 1, 2, …). Before each of its rounds the cache \`dcn listen\` drops from`,
      `is restored to ${SEEDED.toLocaleString('en')} entries, so each notification drops a real entry (the unlink of its claim)`,
      `and logs a line (to /dev/null)${outran ? `; in ${outran} round(s) wrk sent more requests than there were entries` : ''}. The baseline is a bare \`node:http\` server that answers 200 and does nothing else.`,
      `Load while measured: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')} (1, 5, 15 min).`,
      '',
      '| server | requests/s, median | p50 latency | p99 latency |',
      '|---|---|---|---|',
      `| bare node:http (baseline) | ${fmt(p('rps', 'bare'), 0)} | ${fmt(p('p50', 'bare'), 2)} ms | ${fmt(p('p99', 'bare'), 2)} ms |`,
      `| dcn listen | ${fmt(p('rps', 'dcn'), 0)} | ${fmt(p('p50', 'dcn'), 2)} ms | ${fmt(p('p99', 'dcn'), 2)} ms |`,
      '',
      '| ratio dcn listen / bare, per round | min | median | target | |',
      '|---|---|---|---|---|',
      `| ${ratios.map((r) => fmt(r, 2)).join(' ')} | ${fmt(min, 2)}x | **${fmt(med, 2)}x** | ≥ 0.9x (median) | ${verdict(med >= 0.9)} |`,
      '',
      ...(med < 0.9
        ? [
            'Where not met: each notification `dcn listen` answers also unlinks a real entry and logs a line; the bare server answers at once and does neither.',
            '',
          ]
        : []),
    ].join('\n');
  } finally {
    bare.kill();
    dcn.kill('SIGTERM');
  }
}
