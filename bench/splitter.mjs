// Script engine throughput: dcn's SQL*Plus splitter on a generated 10 MB script of mixed SQL
// and PL/SQL, against a naive split on ';' (what a migration runner without a parser does) in
// the same run. Targets: at least 30 MB/s, and linear: 10x the input costs at most 11x the time.
import { splitScript } from '../dist/src/script/split.js';
import { fmt, medianCall, verdict } from './lib.mjs';

const UNITS = [
  (i) =>
    `CREATE TABLE t_${i} (\n  id NUMBER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  note VARCHAR2(200) DEFAULT 'a;b' NOT NULL -- a comment; with a semicolon\n);\n`,
  (i) => `INSERT INTO t_${i} (note) VALUES (q'[it's; quoted]');\n`,
  (i) =>
    `CREATE OR REPLACE PROCEDURE p_${i}(p_id IN NUMBER) AS\n  v NUMBER := 10 / 2;\nBEGIN\n  /* block; comment */\n  UPDATE t_${i} SET note = 'x' WHERE id = p_id;\n  IF SQL%ROWCOUNT = 0 THEN\n    RAISE_APPLICATION_ERROR(-20001, 'no row; none');\n  END IF;\nEND;\n/\n`,
  (i) => `PROMPT step ${i}\nCOMMENT ON TABLE t_${i} IS 'table number ${i}';\n`,
  (i) => `BEGIN\n  DBMS_OUTPUT.PUT_LINE('http://host/x?order_no=${i}&table=ORDERS');\nEND;\n/\n`,
];

/** A deterministic script of about `bytes` bytes. */
export function generateScript(bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const unit = UNITS[i % UNITS.length](i);
    parts.push(unit);
    size += unit.length;
  }
  return parts.join('');
}

/** Per-run ms at each size: 1 MB as the mean of batches of 10 consecutive runs, 10 MB single runs. */
function measure(fn, small, large) {
  // One 1 MB run alone leaves its garbage to be collected after the clock stops; a 10 MB run
  // pays for its own. So the 1 MB time is the mean of a batch of 10 consecutive runs (its
  // steady-state cost, GC included), median of 9 batches; the 10 MB time is the median of 5.
  const tSmall =
    medianCall(
      () => {
        for (let i = 0; i < 10; i++) fn(small);
      },
      { runs: 9, warmup: 2 },
    ) / 10;
  const tLarge = medianCall(() => fn(large), { runs: 5, warmup: 1 });
  return { tSmall, tLarge, scale: tLarge / tSmall };
}

export function splitterThroughput() {
  const small = generateScript(1_000_000);
  const large = generateScript(10_000_000);
  const mb = large.length / 1e6;
  const statements = splitScript(large, 'bench.sql').filter((i) => i.kind === 'statement').length;
  const dcn = measure((t) => splitScript(t, 'bench.sql'), small, large);
  const naive = measure((t) => t.split(';'), small, large);
  const rate = mb / (dcn.tLarge / 1000);
  return [
    '## Script engine throughput',
    '',
    `A generated script of ${fmt(mb, 2)} MB (${statements} statements: tables, inserts, procedures, comments, anonymous blocks), in one process.`,
    "Baseline: a naive `text.split(';')` (what a runner without a parser does; wrong on PL/SQL), measured the same way in the same run.",
    '',
    '| measure | dcn splitter | naive split (baseline) | target | |',
    '|---|---|---|---|---|',
    `| 10 MB, median of 5 runs | ${fmt(dcn.tLarge)} ms = **${fmt(rate)} MB/s** | ${fmt(naive.tLarge)} ms = ${fmt(mb / (naive.tLarge / 1000))} MB/s | ≥ 30 MB/s | ${verdict(rate >= 30)} |`,
    `| 1 MB, mean of 10 consecutive runs | ${fmt(dcn.tSmall, 2)} ms | ${fmt(naive.tSmall, 2)} ms | | |`,
    `| time(10 MB) / time(1 MB) | **${fmt(dcn.scale, 2)}x** | ${fmt(naive.scale, 2)}x | ≤ 11x | ${verdict(dcn.scale <= 11)} |`,
    '',
    'Reading the last row: the splitter makes one pass over the text (the regex engine finds the next',
    'character that matters) and keeps one object per statement. Above 10x, what grows faster than the',
    "input is the cost of holding a 10 MB script and its ~100,000 statement objects instead of 1 MB's",
    'worth (CPU caches, and the garbage collector promoting the result out of the young generation);',
    'the naive baseline, which keeps its pieces too, shows the same effect in its own ratio.',
    '',
  ].join('\n');
}
