/**
 * dcn tail: what the command is, its flags, help and examples. Its handler, ./tail.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, APP_PASSWORD, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const TAIL = {
  ...COMMON,
  ...settingOptions('tail'),
  ...APP_PASSWORD,
  lines: { flags: '-n, --lines <n>', description: 'how many of the last rows to print first (default 20)' },
  follow: { flags: '-f, --follow', description: 'keep printing new rows until interrupted' },
  interval: { flags: '--interval <seconds>', description: 'how often to look for new rows when following (default 1)' },
  table: { flags: '--table <name>', description: 'only this table (ORDERS, ORDER_ITEMS, …)' },
  order: { flags: '--order <n>', description: 'only this order' },
  since: {
    flags: '--since <when>',
    description: 'only rows since a duration ago (10m, 2h, 1d) or a time (2026-11-26T10:00)',
  },
  errors: { flags: '--errors', description: 'only failed calls (the same as --status failed)' },
  key: {
    flags: '--key <value>',
    description: "only a routed table's calls for this key; repeat for each column of a composite key, in key order",
    repeatable: true,
  },
  status: {
    flags: '--status <which>',
    description: 'only calls that were ok, that failed, or any (default any)',
    choices: ['ok', 'failed', 'any'],
  },
  until: {
    flags: '--until <when>',
    description: 'only rows before a duration ago (10m, 2h, 1d) or a time (2026-11-26T10:00); not with -f',
  },
} as const;
export type TailFlags = FlagsOf<typeof TAIL>;

export const TAIL_COMMAND = command({
  name: 'tail',
  description: 'print the notification log (nfresults): the last rows, and with -f the new ones as they come',
  examples: [
    'dcn tail',
    'dcn tail -f --table ORDERS --since 10m',
    'dcn tail --errors --json | jq .error',
    'dcn tail --table EMPLOYEES --key 7 --status failed --until 1h',
  ],
  options: TAIL,
  ndjson: 'rows-only',
});
