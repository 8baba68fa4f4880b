// `dcn listen` requests per second for valid notifications, against a bare node:http server that
// only answers 200. Both are whole processes (the built `dcn listen`, as users run it), loaded by
// wrk when it is installed, else by autocannon, in rounds that alternate the two servers.
// Target: dcn listen at least 0.8x of the bare server.
//
// `node bench/listen.mjs` prints this section alone (after `npm run build`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, load, median, root, verdict } from './lib.mjs';

const SEEDED = 50_000;
const ROUNDS = 10;
const SECONDS = 3;
const CONNECTIONS = 32;
const TARGET = 0.8;
const PATH = '/phpcache/dropResults.php';

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on port ${port}`);
}

// The servers on core 0 and the load generator on core 1, when taskset and two cores are there:
// unpinned, the scheduler moves them around and runs of the same server differ by a fifth.
const pin = cpus().length >= 2 && !spawnSync('taskset', ['-c', '0', 'true']).error;
const onCore = (core, cmd, args) => (pin ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]);
const hasWrk = !spawnSync('wrk', ['--version']).error;

/**
 * The load generator's side, run in its own process (on its own core): autocannon sending GET
 * ?order_no=n&table=ORDERS for n = 0, 1, 2, … over `connections` keep-alive connections. Prints
 * one JSON line: requests/s, latency, non-2xx answers, and the share of a core it used itself
 * (near 1, the generator and not the server may be what limits the rate).
 */
async function autocannonClient(url, seconds, connections) {
  const { default: autocannon } = await import('autocannon');
  let n = -1;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: `${PATH}?order_no=${++n}&table=ORDERS` }) }],
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      rps: r.requests.total / r.duration,
      requests: r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      clientCpu: (cpu.user + cpu.system) / wall,
    }) + '\n',
  );
}

function autocannonRun(base, seconds) {
  const r = spawnSync(
    ...onCore(1, process.execPath, [
      fileURLToPath(import.meta.url),
      '--client',
      base,
      String(seconds),
      String(CONNECTIONS),
    ]),
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`autocannon failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  if (out.non2xx > 0 || out.errors > 0)
    throw new Error(`autocannon saw ${out.non2xx} non-2xx answers and ${out.errors} errors`);
  return out;
}

let wrkScript;
function wrkRun(base, seconds) {
  if (!wrkScript) {
    wrkScript = join(mkdtempSync(join(tmpdir(), 'dcn-bench-wrk-')), 'notify.lua');
    writeFileSync(
      wrkScript,
      `local n = -1\nrequest = function()\n  n = n + 1\n  return wrk.format("GET", "${PATH}?order_no=" .. n .. "&table=ORDERS")\nend\n`,
    );
  }
  const r = spawnSync(
    ...onCore(1, 'wrk', ['-t1', `-c${CONNECTIONS}`, '--latency', `-d${seconds}s`, '-s', wrkScript, base]),
    { encoding: 'utf8' },
  );
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
    clientCpu: NaN,
  };
}

/** CPU seconds a process has used (user + system), from /proc: undefined where there is none. */
function cpuSeconds(pid) {
  try {
    // the fields after the command's closing parenthesis: utime and stime are the 12th and 13th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/**
 * One round against one server: its rate, and the CPU the server used per answer. On a loaded
 * machine the rate falls with whatever else runs; the CPU per answer is what the server's own
 * work costs, and moves much less.
 */
function measure(server, base, seconds) {
  const before = cpuSeconds(server.pid);
  const r = (hasWrk ? wrkRun : autocannonRun)(base, seconds);
  const after = cpuSeconds(server.pid);
  return { ...r, cpuPerAnswer: before === undefined ? NaN : ((after - before) / r.requests) * 1e6 };
}

/** Resolves once `dcn listen` says it answers (after it dropped what was cached before it started). */
function started(child) {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (c) => {
      err += c;
      if (/dcn listen: http:\/\/\S+ →/.test(err)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`dcn listen exited ${code}: ${err}`)));
  });
}

export async function listenThroughput() {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-listen-'));
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
  const resultCache = join(root, 'dist', 'src', 'cache', 'result-cache.js');
  spawnSync(process.execPath, [
    '-e',
    `import(${JSON.stringify(resultCache)}).then(async ({ ResultCache }) => {
    const c = new ResultCache({ dir: ${JSON.stringify(template)}, sweepIntervalSeconds: 0, memoryEntries: 1 });
    for (let n = 0; n < ${SEEDED}; n++) await c.call('getOrderFields', () => ({ order_id: n }), n);
    c.close();
  })`,
  ]);
  // whatever the cache keeps under its directory, but its marker (the listener's own is there)
  const reseed = () => {
    for (const name of readdirSync(template)) {
      if (name === '.dcn-cache') continue;
      spawnSync('rm', ['-rf', join(cacheDir, name)]);
      spawnSync('cp', ['-al', join(template, name), join(cacheDir, name)]);
    }
  };
  /** Whether the first order was dropped and the last seeded one is still there: the drops were real. */
  const droppedReal = () => {
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(resultCache)}).then(async ({ ResultCache }) => {
        const c = new ResultCache({ dir: ${JSON.stringify(cacheDir)}, sweepIntervalSeconds: 0 });
        process.stdout.write(JSON.stringify([await c.has('getOrderFields', 0), await c.has('getOrderFields', ${SEEDED - 1})]));
        c.close();
      })`,
      ],
      { encoding: 'utf8' },
    );
    return r.stdout === '[false,true]';
  };
  spawnSync('mkdir', ['-p', cacheDir]);
  // what users run: the built CLI, its notification lines on stdout (to /dev/null)
  const dcn = spawn(
    ...onCore(0, process.execPath, [
      join(root, 'bin', 'dcn.js'),
      'listen',
      '--port',
      String(dcnPort),
      '--cache-dir',
      cacheDir,
    ]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    await started(dcn);
    await waitFor(barePort);
    const loadBefore = load();
    measure(bare, `http://127.0.0.1:${barePort}`, 1); // warm-ups
    reseed();
    measure(dcn, `http://127.0.0.1:${dcnPort}`, 1);
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A, B, then B, A: neither always runs first
      const runBare = () => measure(bare, `http://127.0.0.1:${barePort}`, SECONDS);
      const runDcn = () => {
        reseed();
        return measure(dcn, `http://127.0.0.1:${dcnPort}`, SECONDS);
      };
      let b, d;
      if (round % 2 === 0) {
        b = runBare();
        d = runDcn();
      } else {
        d = runDcn();
        b = runBare();
      }
      if (round === 0 && d.requests < SEEDED && !droppedReal())
        throw new Error(
          'the notifications dropped no seeded entry: the seeding does not match the cache it is restored into',
        );
      rounds.push({ bare: b, dcn: d, ratio: d.rps / b.rps, cpuRatio: b.cpuPerAnswer / d.cpuPerAnswer });
    }
    const loadAfter = load();
    const ratios = rounds.map((r) => r.ratio);
    const cpuRatios = rounds.map((r) => r.cpuRatio);
    const min = Math.min(...ratios);
    const med = median(ratios);
    const p = (k, which) => median(rounds.map((r) => r[which][k]));
    const outran = rounds.filter((r) => r.dcn.requests > SEEDED).length;
    const tool = hasWrk ? 'wrk, 1 thread' : 'autocannon (wrk is not installed), in its own process';
    const clientColumn = !hasWrk;
    const row = (name, which) =>
      `| ${name} | ${fmt(p('rps', which), 0)} | ${fmt(p('p50', which), 2)} ms | ${fmt(p('p99', which), 2)} ms | ${fmt(p('cpuPerAnswer', which), 0)} µs |${clientColumn ? ` ${fmt(p('clientCpu', which) * 100, 0)}% |` : ''}`;
    const perRound = (values) => values.map((r) => fmt(r, 2)).join(' ');
    const bareCpu = p('cpuPerAnswer', 'bare');
    const dcnCpu = p('cpuPerAnswer', 'dcn');
    return [
      '## dcn listen throughput',
      '',
      `${tool}, ${CONNECTIONS} keep-alive connections, ${ROUNDS} rounds of ${SECONDS} s per server after a 1 s warm-up, the two servers alternating (A B, B A, …)${pin ? '; servers pinned to core 0, the load generator to core 1' : ''}.`,
      'Both servers are whole processes: the built `dcn listen` (`node bin/dcn.js listen`, its notification lines to /dev/null), and a bare',
      '`node:http` server that answers 200 and does nothing else.',
      `Every request is a valid notification for a new order (0, 1, 2, …). Before each of its rounds the cache \`dcn listen\` drops from`,
      `is restored to ${SEEDED.toLocaleString('en')} entries, so each notification drops a real entry (the unlink of its claim)`,
      `and logs a line${outran ? `; in ${outran} round(s) the load generator sent more requests than there were entries` : ''}.`,
      `Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}. The machine has ${cpus().length} cores: above ${cpus().length}, other processes took CPU from the servers or the load generator, and rounds vary.`,
      "CPU per answer is the server process's user + system time (/proc) over the answers of its round.",
      '',
      `| server | requests/s, median | p50 latency | p99 latency | server CPU per answer, median |${clientColumn ? " load generator's CPU |" : ''}`,
      `|---|---|---|---|---|${clientColumn ? '---|' : ''}`,
      row('bare node:http (baseline)', 'bare'),
      row('dcn listen', 'dcn'),
      '',
      '| dcn listen / bare | per round | min | median | target | |',
      '|---|---|---|---|---|---|',
      `| requests/s | ${perRound(ratios)} | ${fmt(min, 2)}x | **${fmt(med, 2)}x** | ≥ ${TARGET}x (median) | ${verdict(med >= TARGET)} |`,
      `| answers per CPU second | ${perRound(cpuRatios)} | ${fmt(Math.min(...cpuRatios), 2)}x | ${fmt(median(cpuRatios), 2)}x | | |`,
      '',
      ...(med < TARGET
        ? [
            `Where not met: the bare server spends ${fmt(bareCpu, 0)} µs of CPU per answer and \`dcn listen\` ${fmt(dcnCpu, 0)} µs; the ${fmt(dcnCpu - bareCpu, 0)} µs between them are`,
            "dcn's work per notification: the checks of the request, the cache's drop of the entry in both forms the application may have",
            'cached (the order as a number and as text: a stat of each, and the unlink of the one there), a log line and the metrics; and the',
            "cache's sweep, which reads every entry once a minute. `node --cpu-prof bin/dcn.js listen` under the same load shows the shares.",
            "0.8x would leave dcn a quarter of the bare server's CPU per answer for all of that: less than the system calls of one drop on",
            "the files store, so the target is out of reach while a drop is a file's unlink. Where the rate ratio and the CPU ratio differ,",
            'the load of the machine, not the servers, made the difference.',
            '',
          ]
        : []),
    ].join('\n');
  } finally {
    bare.kill();
    dcn.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--client') {
    const [url, seconds, connections] = process.argv.slice(3);
    await autocannonClient(url, Number(seconds), Number(connections));
  } else process.stdout.write(`${await listenThroughput()}\n`);
}
