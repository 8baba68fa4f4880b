/**
 * dcn migrate down: what the command is, its flags, help and examples. Its handler, ./migrate-down.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, PASSWORDS, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const MIGRATE_DOWN = {
  ...COMMON,
  ...settingOptions('migrate down'),
  ...PASSWORDS,
  to: { flags: '--to <version>', description: 'undo every migration above this version (0 = all)' },
  steps: { flags: '--steps <n>', description: 'undo this many migrations' },
  resume: { flags: '--resume', description: 'continue a failed undo from the statement that failed, after fixing it' },
  yes: {
    flags: '--yes',
    description: 'do not ask (on a terminal it lists what it will undo and asks; elsewhere --yes is needed)',
  },
  dryRun: {
    flags: '--dry-run',
    description:
      'print the SQL*Plus script of what down would run on this database now (reads the history; no lock, no change, no question)',
  },
} as const;
export type MigrateDownFlags = FlagsOf<typeof MIGRATE_DOWN>;

export const MIGRATE_DOWN_COMMAND = command({
  name: 'down',
  description:
    'undo applied migrations with their U scripts, newest first (default: the last one); asks first, or needs --yes off a terminal',
  examples: [
    'dcn migrate down --steps 2',
    'dcn migrate down --to 0 --yes   # in a script: no terminal to ask on',
    'dcn migrate down --to 2 --dry-run   # the undo script, run nothing',
  ],
  options: MIGRATE_DOWN,
  summary: true,
});
