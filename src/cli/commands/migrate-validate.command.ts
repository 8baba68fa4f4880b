/**
 * dcn migrate validate: what the command is, its flags, help and examples. Its handler, ./migrate-validate.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { EXIT_CODES } from '../../errors.js';
import { command } from '../command-registry.js';
import { COMMON, PASSWORDS, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const MIGRATE_VALIDATE = {
  ...COMMON,
  ...settingOptions('migrate validate'),
  ...PASSWORDS,
  allowPending: {
    flags: '--allow-pending',
    description:
      'pass with migrations not applied yet (pending, or repeatable ones to apply again); out of order still fails',
  },
} as const;
export type MigrateValidateFlags = FlagsOf<typeof MIGRATE_VALIDATE>;

export const MIGRATE_VALIDATE_COMMAND = command({
  name: 'validate',
  description: `a CI gate: exit ${EXIT_CODES.validation_failed} when a migration is pending, changed, missing, failed or out of order, naming each (reads only: no lock)`,
  examples: [
    'dcn migrate validate',
    'dcn migrate validate --allow-pending --json   # before a deploy: only drift fails',
  ],
  options: MIGRATE_VALIDATE,
});
