// Runs every benchmark and writes bench/RESULTS.md. `npm run bench` builds first.
import { writeFileSync } from 'node:fs';
import { coldStart } from './cold-start.mjs';
import { machine } from './lib.mjs';
import { splitterThroughput } from './splitter.mjs';
import { planThroughput } from './plan.mjs';
import { listenThroughput } from './listen.mjs';
import { cacheThroughput } from './cache.mjs';
import { tailPollCost } from './tail.mjs';
import { replayBacklog } from './replay.mjs';
import { watchLatency } from './watch.mjs';
import { busCost } from './bus.mjs';
import { migrateCost } from './migrate.mjs';
import { notifyCost } from './notify.mjs';
import { cacheBounds } from './cache-bounds.mjs';

const sections = [
  coldStart(),
  splitterThroughput(),
  planThroughput(),
  await cacheThroughput(),
  await listenThroughput(),
  await tailPollCost(),
  await replayBacklog(),
  await watchLatency(),
  await busCost(),
  await cacheBounds(),
  await migrateCost(),
  await notifyCost(),
];
const text = [
  '# Benchmark results',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on: ${machine()}.`,
  'Each table holds its own baseline, measured in the same run. Re-run to refresh this file.',
  '',
  ...sections,
].join('\n');
writeFileSync(new URL('RESULTS.md', import.meta.url), text);
process.stdout.write(text);
