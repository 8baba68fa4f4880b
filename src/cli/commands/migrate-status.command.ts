/**
 * dcn migrate status: what the command is, its flags, help and examples. Its handler, ./migrate-status.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { MIGRATE_COMMON, type FlagsOf } from '../options.js';

export const MIGRATE_STATUS = { ...MIGRATE_COMMON } as const;
export type MigrateStatusFlags = FlagsOf<typeof MIGRATE_STATUS>;

export const MIGRATE_STATUS_COMMAND = command({
  name: 'status',
  description: 'show every migration: applied, pending, outdated, failed, changed or missing',
  examples: ['dcn migrate status'],
  options: MIGRATE_STATUS,
});
