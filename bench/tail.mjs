// Runs bench/tail-polls.ts (it uses the test fake, which is TypeScript) through esbuild.
import { fmt, importTs, verdict } from './lib.mjs';

export async function tailPollCost() {
  const { measure } = await importTs('tail-polls');
  const small = await measure(10);
  const large = await measure(1_000_000);
  const row = (c) =>
    `| ${c.tableRows.toLocaleString('en')} | ${fmt(c.queriesPerPoll, 2)} | ${fmt(c.rowsReadPerPoll, 1)} | ${fmt(c.rowsPrintedPerPoll, 1)} |`;
  const same =
    large.queriesPerPoll === 1 && small.queriesPerPoll === 1 && large.rowsReadPerPoll === small.rowsReadPerPoll;
  return [
    '## dcn tail -f: cost of a poll',
    '',
    'On the driver fake, which reads NFRESULTS like an index range scan on its key and counts each row it reads. 20 polls,',
    '5 new rows before each; the baseline is the same measurement on a 10-row log.',
    '',
    '| rows in nfresults | queries (round trips) per poll | rows read per poll | rows printed per poll |',
    '|---|---|---|---|',
    row(small),
    row(large),
    '',
    `One round trip per poll, reading only the new rows, whatever the table size: ${verdict(same)}.`,
    '',
  ].join('\n');
}
