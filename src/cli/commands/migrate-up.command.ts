/**
 * dcn migrate: what the command is, its flags, help and examples. Its handler, ./migrate-up.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { EXIT_CODES } from '../../errors.js';
import { command } from '../command-registry.js';
import { COMMON, PASSWORDS, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const MIGRATE_UP = {
  ...COMMON,
  ...settingOptions('migrate'),
  ...PASSWORDS,
  to: { flags: '--to <version>', description: 'apply up to and including this version' },
  resume: {
    flags: '--resume',
    description: 'continue a failed migration from the statement that failed, after fixing it',
  },
  allowChanged: { flags: '--allow-changed', description: 'run even though applied migrations changed since they ran' },
  outOfOrder: {
    flags: '--out-of-order',
    description: 'also apply new migrations whose version is below one already applied',
  },
  dryRun: {
    flags: '--dry-run',
    description:
      'print the SQL*Plus script of what migrate would run on this database now (reads the history; no lock, no change)',
  },
  failOnInvalid: {
    flags: '--fail-on-invalid',
    description: `exit ${EXIT_CODES.compile_error} when schema objects stay INVALID after migrate compiles them once (the migrations stay applied)`,
  },
} as const;
export type MigrateUpFlags = FlagsOf<typeof MIGRATE_UP>;

export const MIGRATE_UP_COMMAND = command({
  name: 'migrate',
  description: 'apply pending migrations (subcommands: status, validate, down, plan, repair, new, baseline)',
  examples: [
    'DCN_CONNECT=localhost:1521/FREEPDB1 DCN_USER=OE DCN_PASSWORD=… dcn migrate',
    'dcn migrate --to 3 --json',
    'dcn migrate --dry-run > next.sql   # what it would run on this database; changes nothing',
  ],
  options: MIGRATE_UP,
  summary: true,
  configure: (c) => c.passThroughOptions(),
});
