// npm run test:mutants: changes dcn's SQL one small way at a time (drops a SET assignment, a WHERE
// condition or a COMMIT, changes a constant, flips a comparison, swaps two inserted columns), runs
// the unit tests that cover the file, and reports which changes no test noticed. A test suite that
// stays green when the SQL is wrong proves nothing about the SQL. Writes its section of
// bench/MUTANTS.md (the TypeScript's has its own, scripts/mutants-ts.mjs); exits 1
// when the score is under the target. Every file is restored, also on Ctrl-C.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeSection } from './report-section.mjs';

const root = new URL('..', import.meta.url).pathname;
const TARGET = 0.9;
const PER_FILE = Number(process.env.DCN_MUTANTS_PER_FILE ?? 6);

/** The SQL files, and the tests that cover each (DCN_MUTANTS_ONLY=<part of a path> picks some). */
const ALL_TARGETS = [
  { file: 'sql/migrator/history.sql', tests: ['test/migrator', 'test/cli/main.test.ts', 'test/migrations'] },
  { file: 'sql/doctor/doctor.sql', tests: ['test/doctor'] },
  { file: 'sql/registrations/registrations.sql', tests: ['test/registrations'] },
  { file: 'sql/replay/replay.sql', tests: ['test/replay', 'test/doctor'] },
  { file: 'sql/log/prune.sql', tests: ['test/log'] },
  ...readdirSync(join(root, 'migrations'))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => ({ file: `migrations/${f}`, tests: ['test/migrations', 'test/reference', 'test/sql'] })),
];
const TARGETS = ALL_TARGETS.filter(
  (t) => !process.env.DCN_MUTANTS_ONLY || t.file.includes(process.env.DCN_MUTANTS_ONLY),
);

/**
 * Survivors whose reason is known, by file and description: behaviour only a real database shows
 * (the fake answers these queries by name, or does not run PL/SQL), checked by the real-Oracle
 * suite instead (npm run test:oracle).
 */
const EXPLAINED = [
  [
    /^sql\/replay\/replay\.sql: 0 becomes 1$/,
    'NVL(MAX(id), 0) in replay.last-id: where nfresults holds rows MAX(id) is not NULL and the default is not used; on an empty log a bound of 1 finds nothing either (an equivalent mutant)',
  ],
  [
    /^sql\/registrations\/registrations\.sql: 1 becomes 2$/,
    'the DBMS_ASSERT loop: skipping the first name changes nothing for names dcn has already validated (src/oracle/identifiers.ts) and sent as binds; it guards against names that cannot reach it',
  ],
  [
    /^migrations\/U1__grants_and_network_acl\.sql: ('>' becomes '>='|drop the condition 'AND principal = '&app_schema'')$/,
    'U1 calls REMOVE_HOST_ACE only for an ACE of the schema that DBA_HOST_ACES lists, because what REMOVE_HOST_ACE does for one that is not there is not documented; the fake does nothing then, so a looser guard changes nothing it can show (test/oracle removes ACEs for real)',
  ],
  [
    /^sql\/migrator\/history\.sql: ('ERROR' becomes 'ERRORx'|drop the condition 'AND attribute = 'ERROR'')$/,
    'plan.compile-gate is PL/SQL that runs only in SQL*Plus, from the plan script, and the fake does not run PL/SQL; its text is pinned by the golden plan (test/golden), which this run leaves out because it fails on any change',
  ],
];
const explanation = (m) => EXPLAINED.find(([re]) => re.test(`${m.file}: ${m.what}`))?.[1];

const isCode = (line) =>
  line.trim() !== '' && !line.trim().startsWith('--') && !/^\s*(-- name:|PROMPT|SET |WHENEVER )/i.test(line);

/** Every mutation of one line, as [description, new line]. */
function lineMutations(line) {
  const out = [];
  // drop one assignment of an UPDATE's SET list ("a = x," at the start or after SET)
  for (const m of line.matchAll(/(\bSET\s+|,\s*)(\w+ = [^,]+?)(,|$)/gi)) {
    const without = m[1].startsWith(',')
      ? line.replace(m[0], m[3] === ',' ? ',' : '')
      : line.replace(`${m[2]}${m[3]}`, '');
    if (without !== line) out.push([`drop the assignment '${m[2].trim()}'`, without]);
  }
  // drop one AND condition
  const and = /\s+AND\s+[^()]+?(?=\s+AND\s|\s*$|\s+ORDER\s|;)/i.exec(line);
  if (and) out.push([`drop the condition '${and[0].trim()}'`, line.replace(and[0], '')]);
  // flip a comparison
  const cmp = /\s(>=|<=|<>|>|<)\s/.exec(line);
  if (cmp) {
    const flipped = { '>=': '>', '<=': '<', '<>': '=', '>': '>=', '<': '<=' }[cmp[1]];
    out.push([`'${cmp[1]}' becomes '${flipped}'`, line.replace(cmp[0], ` ${flipped} `)]);
  }
  // change a constant: a whole number on its own, or a quoted word compared or assigned
  const num = /(?<![\w.:&$#'(])(\d+)(?![\w.'])/.exec(line);
  if (num && !/VARCHAR2|NUMBER\(|TIMESTAMP/i.test(line))
    out.push([`${num[1]} becomes ${Number(num[1]) + 1}`, line.replace(num[0], String(Number(num[1]) + 1))]);
  const word = /= '(\w+)'/.exec(line);
  if (word) out.push([`'${word[1]}' becomes '${word[1]}x'`, line.replace(word[0], `= '${word[1]}x'`)]);
  // drop a COMMIT
  if (/^\s*COMMIT;\s*$/i.test(line)) out.push(['drop the COMMIT', line.replace(/COMMIT;/i, 'NULL;')]);
  return out;
}

/** Swapping the first two columns of an INSERT's column list (on its line). */
function swapMutation(line) {
  const m = /INSERT INTO [\w&.]+ \((\w+), (\w+)/i.exec(line);
  return m ? [[`swap the columns ${m[1]} and ${m[2]}`, line.replace(`(${m[1]}, ${m[2]}`, `(${m[2]}, ${m[1]}`)]] : [];
}

function mutantsOf(target) {
  const text = readFileSync(join(root, target.file), 'utf8');
  const lines = text.split('\n');
  const all = [];
  lines.forEach((line, i) => {
    if (!isCode(line)) return;
    for (const [what, changed] of [...lineMutations(line), ...swapMutation(line)]) {
      if (changed === line) continue;
      const copy = [...lines];
      copy[i] = changed;
      all.push({ file: target.file, line: i + 1, what, text: copy.join('\n'), tests: target.tests });
    }
  });
  // spread over the file, at most PER_FILE, always the same ones
  if (all.length <= PER_FILE) return { original: text, mutants: all };
  const step = all.length / PER_FILE;
  return { original: text, mutants: Array.from({ length: PER_FILE }, (_, k) => all[Math.floor(k * step)]) };
}

// Only the file that holds a mutant now is restored: an edit made to another file meanwhile stays.
let inFlight;
const restore = () => {
  if (inFlight) writeFileSync(join(root, inFlight.file), inFlight.original);
  inFlight = undefined;
};
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

if (process.argv.includes('--list')) {
  for (const target of TARGETS)
    for (const m of mutantsOf(target).mutants) process.stdout.write(`${m.file}:${m.line}: ${m.what}\n`);
  process.exit(0);
}

const results = [];
const started = Date.now();
try {
  for (const target of TARGETS) {
    const { original, mutants } = mutantsOf(target);
    for (const m of mutants) {
      inFlight = { file: m.file, original };
      writeFileSync(join(root, m.file), m.text);
      const r = spawnSync(
        process.execPath,
        [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', '--bail', '1', ...m.tests],
        { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', DCN_MUTANTS: '1' } },
      );
      restore();
      const killed = r.status !== 0;
      results.push({ ...m, killed });
      process.stdout.write(`${killed ? 'killed  ' : 'SURVIVED'} ${m.file}:${m.line}: ${m.what}\n`);
    }
  }
} finally {
  restore();
}

const killed = results.filter((r) => r.killed).length;
const score = results.length ? killed / results.length : 1;
const survivors = results.filter((r) => !r.killed);
const report = [
  '# SQL mutation score',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run test:mutants\` (scripts/mutants.mjs): ${results.length} mutations of the SQL under sql/ and migrations/,`,
  `at most ${PER_FILE} per file, spread over it; each run against the unit tests that cover its file. ${Math.round((Date.now() - started) / 1000)} s.`,
  '',
  `**${killed} of ${results.length} killed: ${(score * 100).toFixed(1)}%** (target ${TARGET * 100}%).`,
  '',
  survivors.length ? '## Survivors' : 'No survivors.',
  '',
  ...survivors.map(
    (s) =>
      `- ${relative(root, join(root, s.file))}:${s.line}: ${s.what}${explanation(s) ? ` — explained: ${explanation(s)}` : ' — **not explained**'}`,
  ),
  '',
].join('\n');
writeSection(join(root, 'bench', 'MUTANTS.md'), 'sql mutants', report);
process.stdout.write(
  `\n${killed} of ${results.length} mutations killed (${(score * 100).toFixed(1)}%); report in bench/MUTANTS.md\n`,
);
const unexplained = survivors.filter((m) => !explanation(m));
if (unexplained.length > 0)
  process.stdout.write(
    `${unexplained.length} survivor(s) not explained: add a test that kills it, or its reason to EXPLAINED\n`,
  );
process.exit(score >= TARGET && unexplained.length === 0 ? 0 : 1);
