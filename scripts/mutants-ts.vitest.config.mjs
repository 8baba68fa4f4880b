// The vitest configuration the TypeScript mutation run (npm run test:mutants:ts) uses: the unit tests of
// the directories it mutates, without the global setup. That setup rebuilds dist/ when src/ is newer,
// and in the mutation sandbox src/ holds the instrumented code: built into dist/ it would be what the
// tests that spawn dcn (bin/dcn.js, dist/src/…) run. npm run test:mutants:ts builds dist/ from the real
// source before it starts, so those tests run unmutated code and kill no mutant (their in-process
// parts still do); a mutant only they would notice survives, and bench/MUTANTS.md says so.
import { configDefaults, defineConfig } from 'vitest/config';
import { currentArea } from './mutants-ts-areas.mjs';

const area = currentArea();

export default defineConfig({
  test: {
    include: area.tests,
    exclude: [...configDefaults.exclude, ...(area.exclude ?? [])],
    testTimeout: 20_000,
  },
});
