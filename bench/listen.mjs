// `dcn listen` requests per second for valid notifications, against a bare node:http server that
// only answers 200, both measured with wrk in the same run. Target: at least 0.8x of it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, root, verdict } from './lib.mjs';

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on port ${port}`);
}

// The servers on core 0 and wrk on core 1, when taskset and two cores are there: unpinned, the
// scheduler moves them around and runs of the same server differ by a fifth.
const pin = cpus().length >= 2 && !spawnSync('taskset', ['-c', '0', 'true']).error;
const onCore = (core, cmd, args) => (pin ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]);

/** Requests per second that wrk measures, median of `rounds` runs, after a warm-up run. */
function wrk(url, script, seconds, rounds = 3) {
  const results = [];
  for (let i = -1; i < rounds; i++) {
    const r = spawnSync(...onCore(1, 'wrk', ['-t1', '-c32', `-d${i < 0 ? 1 : seconds}s`, '-s', script, url]), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
    if (non2xx > 0) throw new Error(`wrk saw ${non2xx} non-2xx answers: ${r.stdout}`);
    if (i >= 0) results.push(rps);
  }
  return results.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

export async function listenThroughput() {
  if (spawnSync('wrk', ['--version']).error) {
    return '## dcn listen throughput\n\nNot measured: wrk is not installed (`apt-get install wrk`).\n';
  }
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-listen-'));
  // 1,000 orders round robin: the drops find entries and missing entries alike
  const script = join(dir, 'notify.lua');
  writeFileSync(script, 'local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format("GET", "/phpcache/dropResults.php?order_no=" .. (n % 1000) .. "&table=ORDERS")\nend\n');

  const barePort = await freePort();
  const bare = spawn(...onCore(0, process.execPath, ['-e', `require('node:http').createServer((q, s) => { s.writeHead(200, {'content-type': 'application/json'}); s.end('{"ok":true}'); }).listen(${barePort}, '127.0.0.1')`]), { stdio: 'ignore' });
  // the same server, answering what it read in one turn of the event loop together, as dcn listen does
  const batchedPort = await freePort();
  const batched = spawn(...onCore(0, process.execPath, ['-e', `let b = []; require('node:http').createServer((q, s) => { if (b.push(s) === 1) setImmediate(() => { const all = b; b = []; for (const r of all) { r.writeHead(200, {'content-type': 'application/json'}); r.end('{"ok":true}'); } }); }).listen(${batchedPort}, '127.0.0.1')`]), { stdio: 'ignore' });
  const dcnPort = await freePort();
  const cacheDir = join(dir, 'cache');
  // seed the cache the listener drops from: 1,000 orders
  spawnSync(process.execPath, ['-e', `import('${join(root, 'dist', 'src', 'cache', 'result-cache.js')}').then(async ({ ResultCache }) => {
    const c = new ResultCache({ dir: ${JSON.stringify(cacheDir)} });
    for (let n = 0; n < 1000; n++) await c.call('getOrderFields', () => ({ order_id: n }), n);
  })`]);
  const dcn = spawn(...onCore(0, process.execPath, [join(root, 'bin', 'dcn.js'), 'listen', '--port', String(dcnPort), '--cache-dir', cacheDir]), { stdio: 'ignore' });
  // dcn's handler with a cache that touches no file: what the filesystem costs, by difference
  const handlerPort = await freePort();
  const handlerOnly = spawn(...onCore(0, process.execPath, ['-e', `import('${join(root, 'dist', 'src', 'listener', 'listener.js')}').then(({ startListener }) =>
    startListener({ port: ${handlerPort}, cache: { dropSync: () => true, dropAll: async () => undefined } }))`]), { stdio: 'ignore' });
  try {
    await waitFor(barePort);
    await waitFor(batchedPort);
    await waitFor(dcnPort);
    await waitFor(handlerPort);
    const seconds = 5;
    // the same request stream for both: building requests in Lua costs wrk too
    const bareRps = wrk(`http://127.0.0.1:${barePort}`, script, seconds);
    const batchedRps = wrk(`http://127.0.0.1:${batchedPort}`, script, seconds);
    const dcnRps = wrk(`http://127.0.0.1:${dcnPort}`, script, seconds);
    const handlerRps = wrk(`http://127.0.0.1:${handlerPort}`, script, seconds);
    const ratio = dcnRps / bareRps;
    return [
      '## dcn listen throughput',
      '',
      `wrk, 1 thread, 32 connections, ${seconds} s, median of 3 runs after a 1 s warm-up; the servers run side by side and are measured one at a time${pin ? ' (servers pinned to core 0, wrk to core 1)' : ''}.`,
      'All get the same requests: valid notifications, round robin over 1,000 orders. `dcn listen` drops each order from a',
      'seeded cache (one existence check, and an unlink when the entry is there) and writes a log line per notification',
      '(to /dev/null); the baseline is a bare `node:http` server that answers 200 and does nothing else.',
      '',
      '| server | requests/s | vs baseline | target | |',
      '|---|---|---|---|---|',
      `| bare node:http, answering each request at once (baseline) | ${fmt(bareRps, 0)} | 1.00x | | |`,
      `| dcn listen | ${fmt(dcnRps, 0)} | ${fmt(ratio, 2)}x | ≥ 0.8x | ${verdict(ratio >= 0.8)} |`,
      `| bare node:http, answering in batches as dcn listen does | ${fmt(batchedRps, 0)} | ${fmt(batchedRps / bareRps, 2)}x | | |`,
      `| dcn's handler, cache touching no file (same requests, no log) | ${fmt(handlerRps, 0)} | ${fmt(handlerRps / bareRps, 2)}x | | |`,
      '',
      `How to read it: \`dcn listen\` drops and answers the notifications it read in one turn of the event loop together (each`,
      'is still dropped before it is answered). That alone, with no work at all, is the third row: on this machine wrk then',
      'finds answers ready together instead of being woken for each. Against that server, dcn listen is at',
      `${fmt(dcnRps / batchedRps, 2)}x: what the work per notification costs (hashing the key, the existence check, the log line).`,
      'Before batching (commit 3417b13), this same script measured dcn listen at 0.52x of the baseline (2026-11-26).',
      '',
    ].join('\n');
  } finally {
    bare.kill();
    batched.kill();
    dcn.kill('SIGTERM');
    handlerOnly.kill();
  }
}
