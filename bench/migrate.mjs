// Runs bench/migrate-rounds.ts (it uses the test fake, which is TypeScript) through esbuild.
import { fmt, importTs, verdict } from './lib.mjs';

export async function migrateCost() {
  const { roundTrips, bookkeepingMs } = await importTs('migrate-rounds');
  const trips = [];
  for (const n of [1, 10, 1000]) trips.push(await roundTrips(n));
  const tripRow = (t) =>
    `| ${t.statements.toLocaleString('en')} | ${t.roundTrips.toLocaleString('en')} | ${fmt(t.roundTrips / t.statements, 2)} | ${fmt(t.roundTrips * 0.001, 2)} s | ${fmt(t.roundTrips * 0.05, 1)} s |`;
  const sizes = [1_000, 10_000, 100_000];
  const running = sizes.map((n) => bookkeepingMs(n, false));
  // re-hashing every prefix is quadratic: measured where it ends in seconds, not hours
  const rehash = [1_000, 3_000].map((n) => bookkeepingMs(n, true));
  const linear = running[2] / running[0];
  return [
    '## dcn migrate: round trips and resume bookkeeping',
    '',
    'One migration of N statements (a CREATE TABLE, then INSERTs) applied by the Migrator to the driver fake; every',
    '`execute`, `commit` and `rollback` dcn sends counts as one round trip, and the time is what those round trips',
    'cost at 1 ms (a LAN) and 50 ms (a distant cloud database) each. A plain statement runs with its progress in one',
    'PL/SQL block, consecutive DML statements 50 to a block; a PL/SQL unit (checked by the compile gate) and a',
    'statement of an admin migration cost more.',
    '',
    '| statements | round trips | per statement | at 1 ms | at 50 ms |',
    '|---|---|---|---|---|',
    ...trips.map(tripRow),
    '',
    `Each statement beyond the first ${trips[1].statements} costs ${fmt((trips[2].roundTrips - trips[1].roundTrips) / (trips[2].statements - trips[1].statements), 2)} round trips (target: at most one): ${verdict(trips[2].roundTrips - trips[1].roundTrips <= trips[2].statements - trips[1].statements)}. The fixed cost of a run (lock, history, checks) is ${trips[0].roundTrips - 1} round trips; Flyway's is about 10.`,
    '',
    'CPU time of the resume bookkeeping (the hash of the statements done, recorded after each statement), by',
    '`process.cpuUsage()`: a running hash as dcn keeps it, and re-hashing the whole prefix each time as it did before.',
    '',
    '| statements | running hash | re-hashing each prefix |',
    '|---|---|---|',
    `| 1,000 | ${fmt(running[0])} ms | ${fmt(rehash[0])} ms |`,
    `| 3,000 | | ${fmt(rehash[1])} ms |`,
    `| 10,000 | ${fmt(running[1])} ms | |`,
    `| 100,000 | ${fmt(running[2])} ms | |`,
    '',
    `100,000 statements cost ${fmt(linear, 0)}x the time of 1,000 (linear would be 100x): ${verdict(linear < 200)}.`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(await migrateCost());
