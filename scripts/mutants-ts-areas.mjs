// What npm run test:mutants:ts mutates, one part a run, and the unit tests that run against it
// (test/ mirrors src/). The result cache is two parts: its store and serving, and its Redis bus,
// whose tests wait on a real redis-server and take most of the time.
const bus = ['bus', 'bus-link', 'redis-bus', 'drop-acks'];

export const AREAS = {
  listener: { mutate: ['src/listener/**/*.ts'], tests: ['test/listener/**/*.test.ts'] },
  watch: { mutate: ['src/watch/**/*.ts'], tests: ['test/watch/**/*.test.ts'] },
  migrator: { mutate: ['src/migrator/**/*.ts'], tests: ['test/migrator/**/*.test.ts'] },
  cache: {
    mutate: ['src/cache/**/*.ts', ...bus.map((f) => `!src/cache/${f}.ts`)],
    tests: ['test/cache/**/*.test.ts'],
    exclude: ['test/cache/bus*.test.ts'],
  },
  'cache-bus': {
    mutate: bus.map((f) => `src/cache/${f}.ts`),
    tests: ['test/cache/bus*.test.ts', 'test/cache/serving-guard.test.ts'],
  },
};

/** The part named by DCN_MUTANTS_TS_AREA (scripts/mutants-ts.mjs sets it). */
export function currentArea() {
  const name = process.env.DCN_MUTANTS_TS_AREA ?? 'listener';
  const area = AREAS[name];
  if (!area) throw new Error(`DCN_MUTANTS_TS_AREA=${name}: one of ${Object.keys(AREAS).join(', ')}`);
  return { name, ...area };
}
