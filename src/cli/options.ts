/**
 * The options several commands share, as data: the flags commander parses and their help. Each
 * command's own options sit in its definition, commands/<name>.command.ts, built from these.
 * test/cli/options.test.ts checks each key is the name commander gives the flag.
 */
import { PASSWORD_ENV_NAMES, SETTINGS, type CommandName } from '../config/settings.js';
import { settingDescription, settingOptions, type FlagsOf, type SettingOptions } from './setting-options.js';

export type { FlagsOf, OptionGroup } from './setting-options.js';

export const COMMON = {
  json: {
    flags: '--json',
    description: 'print JSON on stdout: one document (tail, replay, listen and watch: one object per line)',
  },
  verbose: { flags: '--verbose', description: 'show the driver error behind a failure' },
  config: { flags: SETTINGS.config.flags, description: settingDescription('config') },
  env: { flags: SETTINGS.env.flags, description: settingDescription('env') },
  quiet: {
    flags: '-q, --quiet',
    description:
      'no progress lines and no closing summary: what the command reports (rows, tables, the plan, an id), warnings and errors still print',
  },
  color: {
    flags: '--color',
    description:
      'colour even when not on a terminal; --no-color: never (default: FORCE_COLOR, then NO_COLOR, then colour on a terminal only)',
    negatable: true,
  },
} as const;

/** The passwords: never settings, so never in a file or a flag's value (cli/secrets.ts). */
export const PASSWORDS = {
  passwordStdin: {
    flags: '--password-stdin',
    description: `read the app password from the first line of stdin (else ${PASSWORD_ENV_NAMES.app}, else a prompt)`,
  },
  adminPasswordStdin: {
    flags: '--admin-password-stdin',
    description: `read the admin password from the first line of stdin (else ${PASSWORD_ENV_NAMES.admin}, else a prompt)`,
  },
} as const;

/** A command that uses only the app profile: no admin password to offer. */
export const APP_PASSWORD = { passwordStdin: PASSWORDS.passwordStdin } as const;

/** What every migrate command that connects shares. */
export const MIGRATE_COMMON = { ...COMMON, ...settingOptions('migrate status'), ...PASSWORDS } as const;
export type MigrateCommonFlags = FlagsOf<typeof MIGRATE_COMMON>;

export const DRY_RUN = {
  dryRun: { flags: '--dry-run', description: 'print the PL/SQL and binds it would run, without connecting' },
} as const;

/** How a registered table's changes name its cached results (its route). */
export const ROUTE = {
  key: {
    flags: '--key <columns>',
    description:
      "COL[,COL…]: the columns whose values name the table's cached results, sent as ?table=T&key=…&key=… (default: the primary key; with neither, table-level notifications); at most 6 columns; one table at a time",
  },
  keyImmutable: {
    flags: '--key-immutable',
    description:
      'the --key columns never change: an update is notified per key, not for the whole table (a primary key is taken as immutable)',
  },
  allowRoleGrant: {
    flags: '--allow-role-grant',
    description:
      "register a table you read only through a role, with a warning (default: refused: the callback runs with definer's rights, where roles do not count, so its lookups fail)",
  },
} as const;

/** The flags that carry settings, as any command may have them (each command has a subset). */
export type SettingFlags = Partial<
  FlagsOf<typeof COMMON> & FlagsOf<typeof PASSWORDS> & FlagsOf<SettingOptions<CommandName>>
>;
