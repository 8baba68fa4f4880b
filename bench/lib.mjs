// Shared helpers of the benchmarks: timing, the machine, and the results file.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export const root = new URL('..', import.meta.url).pathname;

/** Median wall time in ms of running a command `runs` times (after `warmup` runs). */
export function medianSpawn(cmd, args, { runs = 40, warmup = 5, cwd = root } = {}) {
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= warmup) times.push(ms);
  }
  return median(times);
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of calling fn() `runs` times. */
export function medianCall(fn, { runs = 5, warmup = 1 } = {}) {
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (i >= warmup) times.push(ms);
  }
  return median(times);
}

export function machine() {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'}, ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

export const fmt = (n, digits = 1) => n.toFixed(digits);
export const verdict = (ok) => (ok ? 'met' : '**not met**');

/**
 * Wall times in ms of whole processes, the competitors alternating round by round (A B C, C B A,
 * …) so that drift in the machine's load falls on all of them alike. Returns, per competitor, one
 * time per round (after `warmup` rounds).
 */
export function interleavedSpawn(competitors, { rounds = 20, warmup = 2, cwd = root } = {}) {
  const times = competitors.map(() => []);
  for (let r = 0; r < warmup + rounds; r++) {
    const order = competitors.map((_, i) => (r % 2 === 0 ? i : competitors.length - 1 - i));
    for (const i of order) {
      const { cmd, args, stdout = 'ignore' } = competitors[i];
      const start = process.hrtime.bigint();
      const res = spawnSync(cmd, args, { cwd, stdio: ['ignore', stdout, 'pipe'], maxBuffer: 1 << 30 });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
      if (r >= warmup) times[i].push(ms);
    }
  }
  return times;
}

/** min and median of the per-round ratios a[i] / b[i]. */
export function roundRatios(a, b) {
  const r = a.map((x, i) => x / b[i]);
  return { min: Math.min(...r), median: median(r) };
}

/** The machine's load while a bench ran: 1, 5 and 15 minute averages. */
export function load() {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

/** Bundles a TypeScript bench module (it uses the test fake, which is TypeScript) with esbuild, and imports it. */
export async function importTs(name) {
  const { build } = await import('esbuild');
  const { mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const out = join(root, 'bench', 'tmp', `${name}.mjs`);
  mkdirSync(join(root, 'bench', 'tmp'), { recursive: true });
  await build({
    entryPoints: [join(root, 'bench', `${name}.ts`)],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return import(out);
}
