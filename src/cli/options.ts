/**
 * Every command's options, as data: the flags commander parses, their help, and from them the
 * types of the flags each command receives. A command cannot ask for a flag its options do not
 * define, and a flag's type follows its definition (`<value>` a string, repeatable a list,
 * otherwise true or absent). test/cli/options.test.ts checks each key is the name commander
 * gives the flag.
 */
import { ENV_NAMES, PASSWORD_ENV_NAMES, SETTINGS, type CommandName } from '../config/settings.js';
import { EXIT_CODES } from '../errors.js';
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
const PASSWORDS = {
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
const APP_PASSWORD = { passwordStdin: PASSWORDS.passwordStdin } as const;

/** What every migrate command that connects shares. */
export const MIGRATE_COMMON = { ...COMMON, ...settingOptions('migrate status'), ...PASSWORDS } as const;
export type MigrateCommonFlags = FlagsOf<typeof MIGRATE_COMMON>;

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

export const MIGRATE_STATUS = { ...MIGRATE_COMMON } as const;
export type MigrateStatusFlags = FlagsOf<typeof MIGRATE_STATUS>;

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

export const MIGRATE_NEW = {
  ...COMMON,
  ...settingOptions('migrate new'),
  undo: { flags: '--undo', description: 'also write its undo script, U<n>__<name>.sql' },
  repeatable: {
    flags: '--repeatable',
    description: 'write a repeatable migration, R__<name>.sql, instead of the next V<n>',
  },
} as const;
export type MigrateNewFlags = FlagsOf<typeof MIGRATE_NEW>;

const DRY_RUN = {
  dryRun: { flags: '--dry-run', description: 'print the PL/SQL and binds it would run, without connecting' },
} as const;

/** How a registered table's changes name its cached results (its route). */
const ROUTE = {
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

export const REGISTER = {
  ...COMMON,
  ...settingOptions('register'),
  ...APP_PASSWORD,
  table: {
    flags: '--table <name>',
    description: 'TABLE or SCHEMA.TABLE to register; repeatable (one registration covers them all)',
    repeatable: true,
  },
  callback: {
    flags: '--callback <procedure>',
    description: 'PL/SQL procedure Oracle calls (default orders_nf_callback)',
  },
  qos: {
    flags: '--qos <names>',
    description:
      'comma-separated: reliable, rowids, dereg-nfy (default reliable,rowids; query and best-effort are refused: the callback handles object changes only)',
    repeatable: true,
  },
  operations: {
    flags: '--operations <names>',
    description: 'comma-separated: insert, update, delete, alter, drop, or all (default all)',
    repeatable: true,
  },
  timeout: { flags: '--timeout <seconds>', description: 'remove the registration after this long (default 0: never)' },
  ...ROUTE,
  ...DRY_RUN,
  quiet: { flags: '-q, --quiet', description: 'print only the new registration id' },
} as const;
export type RegisterFlags = FlagsOf<typeof REGISTER>;

export const ENABLE_REG = {
  ...COMMON,
  ...settingOptions('enable-reg'),
  ...APP_PASSWORD,
  table: { flags: '--table <name>', description: 'TABLE or SCHEMA.TABLE to add; repeatable', repeatable: true },
  callback: {
    flags: '--callback <procedure>',
    description: 'find the registration by its callback instead of a REGID',
  },
  ...ROUTE,
  ...DRY_RUN,
} as const;
/** With the optional [regid] argument. */
export type EnableRegFlags = FlagsOf<typeof ENABLE_REG> & { regid?: string };

export const REGS = {
  ...COMMON,
  ...settingOptions('regs'),
  ...PASSWORDS,
  all: { flags: '--all', description: "every user's registrations (admin profile, DBA_CHANGE_NOTIFICATION_REGS)" },
} as const;
export type RegsFlags = FlagsOf<typeof REGS>;

export const DEREGISTER = {
  ...COMMON,
  ...settingOptions('deregister'),
  ...APP_PASSWORD,
  callback: { flags: '--callback <procedure>', description: 'remove every registration that uses this callback' },
  all: { flags: '--all', description: 'remove all your registrations' },
  yes: { flags: '--yes', description: 'do not ask (needed to remove more than one when not on a terminal)' },
  ...DRY_RUN,
} as const;
/** With the [regids...] arguments. */
export type DeregisterFlags = FlagsOf<typeof DEREGISTER> & { regids?: string[] };

export const TAIL = {
  ...COMMON,
  ...settingOptions('tail'),
  ...APP_PASSWORD,
  lines: { flags: '-n, --lines <n>', description: 'how many of the last rows to print first (default 20)' },
  follow: { flags: '-f, --follow', description: 'keep printing new rows until interrupted' },
  interval: { flags: '--interval <seconds>', description: 'how often to look for new rows when following (default 1)' },
  table: { flags: '--table <name>', description: 'only this table (ORDERS, ORDER_ITEMS, …)' },
  order: { flags: '--order <n>', description: 'only this order' },
  since: {
    flags: '--since <when>',
    description: 'only rows since a duration ago (10m, 2h, 1d) or a time (2026-11-26T10:00)',
  },
  errors: { flags: '--errors', description: 'only failed calls (the same as --status failed)' },
  key: {
    flags: '--key <value>',
    description: "only a routed table's calls for this key; repeat for each column of a composite key, in key order",
    repeatable: true,
  },
  status: {
    flags: '--status <which>',
    description: 'only calls that were ok, that failed, or any (default any)',
    choices: ['ok', 'failed', 'any'],
  },
  until: {
    flags: '--until <when>',
    description: 'only rows before a duration ago (10m, 2h, 1d) or a time (2026-11-26T10:00); not with -f',
  },
} as const;
export type TailFlags = FlagsOf<typeof TAIL>;

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

export const DOCTOR = {
  ...COMMON,
  ...settingOptions('doctor'),
  ...PASSWORDS,
  probe: { flags: '--probe', description: 'also check that the callback URL answers (from where dcn runs)' },
  watch: {
    flags: '--watch',
    description:
      'check what dcn watch needs instead: Oracle 19.4+, Thin mode, CHANGE NOTIFICATION, the tables, a subscription made and removed',
  },
  table: {
    flags: '--table <name>',
    description: 'with --watch: a table to watch; repeatable (default: the orders tables)',
    repeatable: true,
  },
  map: { flags: '--map <TABLE=function>', description: 'with --watch: as dcn watch takes it', repeatable: true },
  logMaxRows: {
    flags: '--log-max-rows <n>',
    description: 'warn when the notification log holds more rows than this (default 1000000; dcn log prune trims it)',
  },
} as const;
export type DoctorFlags = FlagsOf<typeof DOCTOR>;

export const LISTEN = {
  ...COMMON,
  port: { flags: '--port <n>', description: 'port (default 8080; 0 picks a free one)' },
  host: {
    flags: '--host <address>',
    description: `address to bind (default 127.0.0.1; beyond loopback, set ${ENV_NAMES.callbackToken} or it warns)`,
  },
  path: {
    flags: '--path <path>',
    description: 'notification path (default /phpcache/dropResults.php, as in the article)',
  },
  cacheDir: {
    flags: '--cache-dir <dir>',
    description:
      "the application's result cache directory (default ./dcn-cache; created if missing, must be writable, and empty or already a dcn cache)",
  },
  map: {
    flags: '--map <TABLE=function>',
    description:
      'which cached function a table drops: function(order) for ?order_no=…, function(...keys) for ?key=…&key=…; repeatable, added to ORDERS=getOrderFields and ORDER_ITEMS=getOrderItems (TABLE=- leaves a table out, e.g. --map ORDERS=-)',
    repeatable: true,
  },
  refresh: {
    flags: '--refresh <module>',
    description: 'module exporting those functions: compute a dropped result again at once',
  },
  lifetime: { flags: '--lifetime <seconds>', description: 'lifetime of refreshed results (default 3600)' },
  keepCache: {
    flags: '--keep-cache',
    description:
      'keep the cached results at start (default: drop those of the mapped functions once: notifications sent while no listener answered are lost); with --bus nothing is kept: a cache drops all it holds when it subscribes',
  },
  ...settingOptions('listen'),
} as const;
export type ListenFlags = FlagsOf<typeof LISTEN>;

export const WATCH = {
  ...COMMON,
  ...settingOptions('watch'),
  ...APP_PASSWORD,
  table: { flags: '--table <name>', description: 'TABLE or SCHEMA.TABLE to watch; repeatable', repeatable: true },
  cacheDir: LISTEN.cacheDir,
  map: LISTEN.map,
  timeout: {
    flags: '--timeout <seconds>',
    description:
      'the database drops the subscription after this long unless renewed (default 300): one left by a killed watch goes away; renewed at half of it, and at least every 300 s',
  },
  checkInterval: {
    flags: '--check-interval <seconds>',
    description: 'how often the notification channel and the connection are checked (default 10)',
  },
  metricsPort: {
    flags: '--metrics-port <n>',
    description: 'serve /metrics (Prometheus) and /healthz on this port (default: none; 0 picks a free one)',
  },
  metricsHost: { flags: '--metrics-host <address>', description: 'address the metrics port binds (default 127.0.0.1)' },
} as const;
export type WatchFlags = FlagsOf<typeof WATCH>;

/** The flags that carry settings, as any command may have them (each command has a subset). */
export type SettingFlags = Partial<
  FlagsOf<typeof COMMON> & FlagsOf<typeof PASSWORDS> & FlagsOf<SettingOptions<CommandName>>
>;

export const COMPLETION = {
  json: { flags: '--json', description: 'print the commands and their flags as one JSON document instead of a script' },
} as const;
