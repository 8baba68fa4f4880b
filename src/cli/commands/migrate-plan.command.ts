/**
 * dcn migrate plan: what the command is, its flags, help and examples. Its handler, ./migrate-plan.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { ENV_NAMES, SETTINGS } from '../../config/settings.js';
import { command } from '../command-registry.js';
import { COMMON, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const MIGRATE_PLAN = {
  ...COMMON,
  ...settingOptions('migrate plan'),
  to: { flags: '--to <version>', description: 'plan up to and including this version' },
  out: { flags: '--out <file>', description: 'write the script to a file instead of stdout' },
  connect: {
    flags: '--connect <string>',
    description: `name this connect string in CONNECT lines (env ${ENV_NAMES.connect})`,
  },
  adminUser: {
    flags: '--admin-user <name>',
    description: `name this user in CONNECT lines for admin migrations (env ${ENV_NAMES.adminUser})`,
  },
  adminPrivilege: {
    flags: '--admin-privilege <privilege>',
    description: `AS SYSDBA etc. in those CONNECT lines (env ${ENV_NAMES.adminPrivilege})`,
    choices: SETTINGS.adminPrivilege.choices,
  },
} as const;
export type MigratePlanFlags = FlagsOf<typeof MIGRATE_PLAN>;

export const MIGRATE_PLAN_COMMAND = command({
  name: 'plan',
  description: 'print the SQL*Plus script that `dcn migrate` would run on a fresh schema (no database needed)',
  examples: [
    'dcn migrate plan --out plan.sql && sqlplus oe@localhost:1521/FREEPDB1 @plan.sql',
    'dcn migrate plan --json | jq ".migrations[].statements | length"',
  ],
  options: MIGRATE_PLAN,
});
