// Cold start: `dcn --help` and `dcn migrate plan` against `node -e 0`, measured in the same run.
// Targets (issue "dcn foundation"): --help at most 1.4x bare node, migrate plan at most 1.6x.
import { fmt, medianSpawn, verdict } from './lib.mjs';

export function coldStart() {
  const node = medianSpawn('node', ['-e', '0']);
  const help = medianSpawn('node', ['bin/dcn.js', '--help']);
  const plan = medianSpawn('node', ['bin/dcn.js', 'migrate', 'plan']);
  const rows = [
    ['`node -e 0` (baseline)', node, 1, '', ''],
    ['`dcn --help`', help, help / node, '≤ 1.4x', verdict(help / node <= 1.4)],
    ['`dcn migrate plan`', plan, plan / node, '≤ 1.6x', verdict(plan / node <= 1.6)],
  ];
  return [
    '## Cold start',
    '',
    'Median wall time of 40 runs after 5 warm-up runs, each a fresh `node` process, output discarded.',
    '',
    '| command | median ms | vs node | target | |',
    '|---|---|---|---|---|',
    ...rows.map(([name, ms, ratio, target, ok]) => `| ${name} | ${fmt(ms)} | ${fmt(ratio, 2)}x | ${target} | ${ok} |`),
    '',
  ].join('\n');
}
