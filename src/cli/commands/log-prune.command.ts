/**
 * dcn log prune: what the command is, its flags, help and examples. Its handler, ./log-prune.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, APP_PASSWORD, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const LOG_PRUNE = {
  ...COMMON,
  ...settingOptions('log prune'),
  ...APP_PASSWORD,
  olderThan: {
    flags: '--older-than <when>',
    description: 'delete the rows logged before a duration ago (30d, 12h) or a time (2026-11-01T00:00)',
    required: true,
  },
  keepFailed: {
    flags: '--keep-failed',
    description: 'keep the failed calls not sent again yet (what dcn replay would send)',
  },
  dryRun: { flags: '--dry-run', description: 'count the rows it would delete, and delete nothing' },
} as const;
export type LogPruneFlags = FlagsOf<typeof LOG_PRUNE>;

export const LOG_PRUNE_COMMAND = command({
  name: 'prune',
  description: 'delete the log rows older than a time, in batches, one commit per batch',
  examples: ['dcn log prune --older-than 30d --dry-run', 'dcn log prune --older-than 30d --keep-failed'],
  options: LOG_PRUNE,
});
