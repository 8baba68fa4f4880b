// Runs bench/replay-backlog.ts (it uses the test fake, which is TypeScript) through esbuild.
import { fmt, importTs, verdict } from './lib.mjs';

export async function replayBacklog() {
  const { measure } = await importTs('replay-backlog');
  const small = await measure(1_000);
  const large = await measure(10_000);
  const kib = (b) => fmt(b / 1024, 0);
  const row = (c) =>
    `| ${c.rows.toLocaleString('en')} | ${c.sent.toLocaleString('en')} | ${c.pages} | ${c.largestPage} | ${c.rowsRead.toLocaleString('en')} | ${kib(c.ownPeak)} | ${kib(c.ownEnd)} | ${fmt(c.ms, 0)} |`;
  const each = [small, large].every(
    (c) =>
      c.sent === c.rows && c.rowsRead === c.rows && c.largestPage <= 500 && c.pages === Math.ceil(c.rows / 500) + 1,
  );
  // constant: dcn's own heap at 10,000 rows within 1 MiB of the 1,000-row run (sampling noise)
  const flat = large.ownPeak - small.ownPeak < 1024 * 1024;
  return [
    '## dcn replay: a backlog of failed calls',
    '',
    'On the driver fake (no Oracle here): every failed call sent again in one run, a page of at most 500 rows per read.',
    "dcn's own heap is the heap after a full GC, beyond a control run that logs the same rows and calls without dcn",
    '(the fake keeps every row), sampled every 500 calls. Time is on the fake, which scans its whole log for each statement.',
    '',
    "| failed calls | sent | page reads | largest page | rows read | dcn's heap, peak (KiB) | at the end (KiB) | ms |",
    '|---|---|---|---|---|---|---|---|',
    row(small),
    row(large),
    '',
    `Every call sent once and read once, a page at a time: ${verdict(each)}. Memory constant (dcn's peak at 10,000 rows within 1 MiB of its peak at 1,000): ${verdict(flat)}.`,
    '',
  ].join('\n');
}
