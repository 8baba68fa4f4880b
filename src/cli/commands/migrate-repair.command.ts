/**
 * dcn migrate repair: what the command is, its flags, help and examples. Its handler, ./migrate-repair.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, PASSWORDS, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const MIGRATE_REPAIR = {
  ...COMMON,
  ...settingOptions('migrate repair'),
  ...PASSWORDS,
  yes: {
    flags: '--yes',
    description: 'do not ask (on a terminal it lists what it will change and asks; elsewhere --yes is needed)',
  },
} as const;
export type MigrateRepairFlags = FlagsOf<typeof MIGRATE_REPAIR>;

export const MIGRATE_REPAIR_COMMAND = command({
  name: 'repair',
  description:
    'forget failed attempts and accept changed files as applied (drops nothing); asks first, or needs --yes off a terminal',
  examples: ['dcn migrate repair', 'dcn migrate repair --yes --json'],
  options: MIGRATE_REPAIR,
  summary: true,
});
