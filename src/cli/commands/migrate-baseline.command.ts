/**
 * dcn migrate baseline: what the command is, its flags, help and examples. Its handler, ./migrate-baseline.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, PASSWORDS, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const MIGRATE_BASELINE = {
  ...COMMON,
  ...settingOptions('migrate baseline'),
  ...PASSWORDS,
  version: {
    flags: '--version <version>',
    description: 'the last migration whose objects were made without dcn',
    required: true,
  },
} as const;
export type MigrateBaselineFlags = FlagsOf<typeof MIGRATE_BASELINE>;

export const MIGRATE_BASELINE_COMMAND = command({
  name: 'baseline',
  description:
    'record migrations up to --version as applied without running them, when their objects are already there',
  examples: ['dcn migrate baseline --version 3', 'dcn migrate baseline --version 3 --json'],
  options: MIGRATE_BASELINE,
  summary: true,
});
