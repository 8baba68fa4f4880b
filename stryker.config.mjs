// StrykerJS for npm run test:mutants:ts: mutates the TypeScript of the result cache, the listener,
// dcn watch and the migrator, and runs, for each mutant, only the unit tests that cover it (vitest,
// per-test coverage). One worker: a run shares the machine with everything else. The incremental file
// keeps the result of every mutant whose code and tests did not change, so a rerun tests only what
// changed. scripts/mutants-ts.mjs runs it and writes the scores into bench/MUTANTS.md.
import { currentArea } from './scripts/mutants-ts-areas.mjs';

// One part a run (scripts/mutants-ts-areas.mjs), each with its own incremental file, report and
// sandbox: a run of one part leaves the others' results as they were.
const area = currentArea();
const out = `bench/tmp/mutants-ts/${area.name}`;

export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'scripts/mutants-ts.vitest.config.mjs', related: false },
  coverageAnalysis: 'perTest',
  mutate: area.mutate,
  concurrency: 1,
  // a mutant of module-level code (a constant, a table) can only be tested by running every test
  // again (about 30 s a mutant here): those are left out, and bench/MUTANTS.md counts them
  ignoreStatic: true,
  // a mutant that makes a test hang (a server that never answers) is a timeout, which counts as
  // detected: Stryker's default allowance over the tests' own time, so that each costs seconds
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: `${out}/incremental.json`,
  tempDirName: `bench/tmp/stryker-${area.name}`,
  ignorePatterns: ['bench/tmp', 'coverage'],
  reporters: ['json', 'html', 'clear-text', 'progress-append-only'],
  jsonReporter: { fileName: `${out}/report.json` },
  htmlReporter: { fileName: `${out}/report.html` },
  thresholds: { high: 90, low: 80, break: null },
};
