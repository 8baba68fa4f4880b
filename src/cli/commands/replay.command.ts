/**
 * dcn replay: what the command is, its flags, help and examples. Its handler, ./replay.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, APP_PASSWORD, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const REPLAY = {
  ...COMMON,
  ...settingOptions('replay'),
  ...APP_PASSWORD,
  since: {
    flags: '--since <when>',
    description: 'only calls logged since a duration ago (10m, 2h, 1d) or a time (2026-11-26T10:00)',
  },
  table: { flags: '--table <name>', description: 'only calls for this table (ORDERS, ORDER_ITEMS, …)' },
  dryRun: { flags: '--dry-run', description: 'list the calls it would send, and send nothing' },
} as const;
export type ReplayFlags = FlagsOf<typeof REPLAY>;

export const REPLAY_COMMAND = command({
  name: 'replay',
  description: 'send again, oldest first, the notifications whose calls failed (listener down), each once',
  examples: ['dcn replay --since 1h --dry-run', 'dcn replay --table ORDERS --json'],
  options: REPLAY,
  summary: true,
  ndjson: true,
});
