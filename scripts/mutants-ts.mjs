// npm run test:mutants:ts: StrykerJS mutates the TypeScript of src/cache, src/listener, src/watch and
// src/migrator (one directory a run, stryker.config.mjs), runs the unit tests that cover each
// mutant, and this script writes each directory's score and every surviving mutant, with the reason it
// may survive, into its section of bench/MUTANTS.md. Exits 1 when a directory scores under the target
// or a survivor has no reason. `node scripts/mutants-ts.mjs listener watch` runs only those parts
// (scripts/mutants-ts-areas.mjs), `--mutate=<file,…>` only those files of them (Stryker's option);
// `--report` rewrites the section from the last reports without running anything.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSection } from './report-section.mjs';
import { EXPLAINED } from './mutants-ts-explained.mjs';
import { AREAS as PARTS } from './mutants-ts-areas.mjs';

const root = new URL('..', import.meta.url).pathname;
const TARGET = 80;
const AREAS = Object.keys(PARTS);
const args = process.argv.slice(2);
const reportOnly = args.includes('--report');
const chosen = args.filter((a) => !a.startsWith('--'));
const passed = args.filter((a) => a.startsWith('--') && a !== '--report');
for (const a of chosen) if (!AREAS.includes(a)) throw new Error(`unknown directory ${a}: one of ${AREAS.join(', ')}`);
const out = (area) => join(root, 'bench', 'tmp', 'mutants-ts', area);

if (!reportOnly)
  for (const area of chosen.length ? chosen : AREAS) {
    mkdirSync(out(area), { recursive: true });
    const started = Date.now();
    const r = spawnSync(join(root, 'node_modules', '.bin', 'stryker'), ['run', 'stryker.config.mjs', ...passed], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, DCN_MUTANTS_TS_AREA: area },
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
    const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
    // the code scored: the commit, and whether src/ or test/ differed from it
    const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'test') ? ' (modified)' : ''}`;
    const run = { seconds: Math.round((Date.now() - started) / 1000), date: new Date().toISOString(), commit };
    writeFileSync(join(out(area), 'run.json'), JSON.stringify(run));
  }

/** The text a mutant replaced, on one line. */
function original(source, { start, end }) {
  const lines = source.split('\n');
  const text =
    start.line === end.line
      ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
      : [
          lines[start.line - 1].slice(start.column - 1),
          ...lines.slice(start.line, end.line - 1),
          lines[end.line - 1].slice(0, end.column - 1),
        ].join('\n');
  return text.replace(/\s+/g, ' ').trim();
}
const short = (text) => (text.length > 90 ? `${text.slice(0, 87)}...` : text);
const explanation = (key) => EXPLAINED.find(([re]) => re.test(key))?.[1];

const rows = [];
const survivors = [];
for (const area of AREAS) {
  const file = join(out(area), 'report.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const run = existsSync(join(out(area), 'run.json'))
    ? JSON.parse(readFileSync(join(out(area), 'run.json'), 'utf8'))
    : {};
  const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, CompileError: 0, RuntimeError: 0 };
  for (const [path, { source, mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      count[m.status] = (count[m.status] ?? 0) + 1;
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      const key = `${path}: ${m.mutatorName} \`${original(source, m.location)}\` -> \`${m.replacement ?? ''}\``;
      survivors.push({
        path,
        line: m.location.start.line,
        status: m.status,
        key,
        mutator: m.mutatorName,
        from: original(source, m.location),
        to: m.replacement ?? '',
      });
    }
  }
  const detected = count.Killed + count.Timeout;
  const valid = detected + count.Survived + count.NoCoverage;
  const score = valid ? (100 * detected) / valid : 100;
  const files = Object.keys(report.files).map((f) => f.replace(/^src\//, ''));
  rows.push({ area, count, detected, valid, score, run, files });
}

const fmt = (n) => n.toFixed(1);
const text = [
  '# TypeScript mutation score',
  '',
  'Measured by `npm run test:mutants:ts` (StrykerJS with its vitest runner, stryker.config.mjs): every',
  'mutant Stryker makes of the directory, each run against the unit tests of test/<directory> that cover it',
  '(per-test coverage, one worker). Score = (killed + timed out) / (killed + timed out + survived + not',
  `covered); target ${TARGET}% for each directory. "Static" mutants (module-level code, which only a rerun of`,
  'every test could test) are left out and counted as ignored. Seconds: the last run, which reuses the',
  "results of mutants whose code and tests did not change (Stryker's incremental mode); a first run takes",
  'longest.',
  '',
  'Tests that start dcn as another process (bin/dcn.js, `import(dist/…)` in a child: the listener as a',
  'process, the cache members of the bus tests, watch as a process) run dist/, which the script builds',
  'from the unmutated source before Stryker starts (the global setup that rebuilds a stale dist/ is left',
  'out: in the sandbox it would build the instrumented code). Those tests kill no mutant; their in-process',
  'parts still do, and a mutant only a child process could notice survives and is listed below.',
  '',
  '| part | files mutated | commit | killed | timed out | survived | not covered | ignored (static) | score | seconds |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.area} | ${r.files.join(', ')} | ${r.run.commit ?? '?'} | ${r.count.Killed} | ${r.count.Timeout} | ${r.count.Survived} | ${r.count.NoCoverage} | ${r.count.Ignored} | **${fmt(r.score)}%** (${r.detected}/${r.valid}) | ${r.run.seconds ?? '?'} |`,
  ),
  '',
  ...(rows.length < AREAS.length
    ? [
        `Not measured: ${AREAS.filter((a) => !rows.some((r) => r.area === a)).join(', ')} (no report: run \`node scripts/mutants-ts.mjs <part>\`).`,
        '',
      ]
    : []),
  survivors.length ? '## TypeScript survivors' : 'No survivors.',
  '',
  ...survivors.map((s) => {
    const why = explanation(s.key);
    return `- ${s.path}:${s.line}: ${s.status === 'NoCoverage' ? 'not covered: ' : ''}${s.mutator} \`${short(s.from)}\` → \`${short(s.to)}\` — ${why ? `explained: ${why}` : '**not explained**'}`;
  }),
  '',
].join('\n');
writeSection(join(root, 'bench', 'MUTANTS.md'), 'typescript mutants', text);

for (const r of rows)
  process.stdout.write(`${r.area}: ${r.detected} of ${r.valid} mutants detected (${fmt(r.score)}%)\n`);
const unexplained = survivors.filter((s) => !explanation(s.key));
if (unexplained.length > 0)
  process.stdout.write(
    `${unexplained.length} survivor(s) not explained: add a test that kills it, or its reason to scripts/mutants-ts-explained.mjs\n`,
  );
process.exit(rows.every((r) => r.score >= TARGET) && unexplained.length === 0 ? 0 : 1);
