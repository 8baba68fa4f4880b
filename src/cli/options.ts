/**
 * Every command's options, as data: the flags commander parses, their help, and from them the
 * types of the flags each command receives. A command cannot ask for a flag its options do not
 * define, and a flag's type follows its definition (`<value>` a string, repeatable a list,
 * otherwise true or absent). test/cli/options.test.ts checks each key is the name commander
 * gives the flag.
 */
import {
  ADMIN_PRIVILEGES,
  DEFAULTS,
  ENV_NAMES,
  ENVIRONMENT_ENV_NAME,
  PASSWORD_ENV_NAMES,
  SCHEMA_DEFAULTS,
} from '../config/settings.js';
import { EXIT_CODES } from '../errors.js';

export interface OptionSpec {
  /** As commander takes them: '--lock-timeout <seconds>', '-n, --lines <n>', '--json'. */
  readonly flags: string;
  readonly description: string;
  /** Given more than once, collected into a list. */
  readonly repeatable?: true;
  readonly choices?: readonly string[];
  readonly required?: true;
  /** Also takes --no-<name>, which sets it to false. */
  readonly negatable?: true;
}

export type OptionGroup = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { repeatable: true }
  ? string[]
  : S extends { flags: `${string}<${string}>` }
    ? S extends { choices: readonly (infer C)[] }
      ? C
      : string
    : boolean;

/** The flags a command receives, typed by its options: optional unless the option is required. */
export type FlagsOf<G extends OptionGroup> = {
  -readonly [K in keyof G as G[K] extends { required: true } ? K : never]: ValueOf<G[K]>;
} & {
  -readonly [K in keyof G as G[K] extends { required: true } ? never : K]?: ValueOf<G[K]>;
};

const PRIVILEGE_CHOICES = [...ADMIN_PRIVILEGES, 'none'] as const;

export const COMMON = {
  json: {
    flags: '--json',
    description: 'print JSON on stdout: one document (tail, replay, listen and watch: one object per line)',
  },
  verbose: { flags: '--verbose', description: 'show the driver error behind a failure' },
  config: {
    flags: '--config <file>',
    description: `config file (default: ./${DEFAULTS.configFile}; env ${ENV_NAMES.config})`,
  },
  env: {
    flags: '--env <name>',
    description: `use this environment of the config file ("environments": {"ci": {…}}): over its top level, under flags and DCN_* (env ${ENVIRONMENT_ENV_NAME})`,
  },
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

export const CONNECTION = {
  connect: {
    flags: '--connect <string>',
    description: `host:port/service, a tnsnames.ora alias or a descriptor (env ${ENV_NAMES.connect})`,
  },
  user: { flags: '--user <name>', description: `schema owner for the app profile, e.g. OE (env ${ENV_NAMES.user})` },
  adminUser: {
    flags: '--admin-user <name>',
    description: `DBA user for the admin profile (env ${ENV_NAMES.adminUser})`,
  },
  adminPrivilege: {
    flags: '--admin-privilege <privilege>',
    description: `connect the admin user AS SYSDBA etc. (env ${ENV_NAMES.adminPrivilege})`,
    choices: PRIVILEGE_CHOICES,
  },
  connectTimeout: {
    flags: '--connect-timeout <seconds>',
    description: `give up connecting after this long (env ${ENV_NAMES.connectTimeout}; default ${DEFAULTS.connectTimeoutSeconds})`,
  },
  tnsAdmin: { flags: '--tns-admin <dir>', description: `directory holding tnsnames.ora (env ${ENV_NAMES.tnsAdmin})` },
  passwordStdin: {
    flags: '--password-stdin',
    description: `read the app password from the first line of stdin (else ${PASSWORD_ENV_NAMES.app}, else a prompt)`,
  },
  adminPasswordStdin: {
    flags: '--admin-password-stdin',
    description: `read the admin password from the first line of stdin (else ${PASSWORD_ENV_NAMES.admin}, else a prompt)`,
  },
} as const;

/** The connection settings of a command that uses only the app profile: no admin user to offer. */
const APP_CONNECTION = {
  connect: CONNECTION.connect,
  user: CONNECTION.user,
  connectTimeout: CONNECTION.connectTimeout,
  tnsAdmin: CONNECTION.tnsAdmin,
  passwordStdin: CONNECTION.passwordStdin,
} as const;

export const MIGRATION_SET = {
  migrations: {
    flags: '--migrations <dir>',
    description: `directory of V<n>__<name>.sql files (env ${ENV_NAMES.migrations}; default: dcn's built-in set)`,
  },
  historyTable: {
    flags: '--history-table <name>',
    description: `history table in the app schema (env ${ENV_NAMES.historyTable}; default ${DEFAULTS.historyTable})`,
  },
  define: {
    flags: '--define <name=value>',
    description: 'set a substitution variable (&name) for the scripts; repeatable',
    repeatable: true,
  },
  schema: {
    flags: '--schema <name>',
    description: `schema that owns nfresults and the callback (env ${ENV_NAMES.schema}; default: the app user, else ${SCHEMA_DEFAULTS.schema})`,
  },
  ordersTable: {
    flags: '--orders-table <name>',
    description: `orders table in that schema (default ${SCHEMA_DEFAULTS.ordersTable})`,
  },
  orderItemsTable: {
    flags: '--order-items-table <name>',
    description: `order items table in that schema (default ${SCHEMA_DEFAULTS.orderItemsTable})`,
  },
  callbackUrl: {
    flags: '--callback-url <url>',
    description: `URL the database calls for each change (env ${ENV_NAMES.callbackUrl}; default ${SCHEMA_DEFAULTS.callbackUrl})`,
  },
  httpTimeout: {
    flags: '--http-timeout <seconds>',
    description: `transfer timeout of that call (env ${ENV_NAMES.httpTimeout}; default ${SCHEMA_DEFAULTS.httpTimeout})`,
  },
  callbackCalls: {
    flags: '--callback-calls <batch|per-key>',
    description: `batch: one POST per table per notification (dcn listen); per-key: the article's GET ?order_no=…&table=… per order, for its dropResults.php (env ${ENV_NAMES.callbackCalls}; default ${SCHEMA_DEFAULTS.callbackCalls})`,
  },
  withDemoSchema: {
    flags: '--with-demo-schema',
    description: `also create a minimal ORDERS/ORDER_ITEMS with the order 2408 (env ${ENV_NAMES.demoSchema})`,
  },
  orderItemsKeyImmutable: {
    flags: '--order-items-key-immutable',
    description: `items never move to another order: an update of an item drops its order's results, not every order's (env ${ENV_NAMES.orderItemsKeyImmutable})`,
  },
} as const;

export const LOCK = {
  lockTimeout: {
    flags: '--lock-timeout <seconds>',
    description: `wait this long for another run to release the lock (env ${ENV_NAMES.lockTimeout}; default ${DEFAULTS.lockTimeoutSeconds}; 0 = do not wait)`,
  },
} as const;

/** What every migrate command that connects shares. */
export const MIGRATE_COMMON = { ...COMMON, ...CONNECTION, ...MIGRATION_SET } as const;
export type MigrateCommonFlags = FlagsOf<typeof MIGRATE_COMMON>;

export const MIGRATE_UP = {
  ...MIGRATE_COMMON,
  ...LOCK,
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
  ...MIGRATE_COMMON,
  ...LOCK,
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
  ...MIGRATION_SET,
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
    choices: PRIVILEGE_CHOICES,
  },
} as const;
export type MigratePlanFlags = FlagsOf<typeof MIGRATE_PLAN>;

export const MIGRATE_REPAIR = {
  ...MIGRATE_COMMON,
  ...LOCK,
  yes: {
    flags: '--yes',
    description: 'do not ask (on a terminal it lists what it will change and asks; elsewhere --yes is needed)',
  },
} as const;
export type MigrateRepairFlags = FlagsOf<typeof MIGRATE_REPAIR>;

export const MIGRATE_BASELINE = {
  ...MIGRATE_COMMON,
  ...LOCK,
  version: {
    flags: '--version <version>',
    description: 'the last migration whose objects were made without dcn',
    required: true,
  },
} as const;
export type MigrateBaselineFlags = FlagsOf<typeof MIGRATE_BASELINE>;

export const MIGRATE_VALIDATE = {
  ...MIGRATE_COMMON,
  allowPending: {
    flags: '--allow-pending',
    description:
      'pass with migrations not applied yet (pending, or repeatable ones to apply again); out of order still fails',
  },
} as const;
export type MigrateValidateFlags = FlagsOf<typeof MIGRATE_VALIDATE>;

export const MIGRATE_NEW = {
  ...COMMON,
  migrations: MIGRATION_SET.migrations,
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
  ordersTable: MIGRATION_SET.ordersTable,
  orderItemsTable: MIGRATION_SET.orderItemsTable,
} as const;

export const REGISTER = {
  ...COMMON,
  ...APP_CONNECTION,
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
  ...APP_CONNECTION,
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
  ...CONNECTION,
  all: { flags: '--all', description: "every user's registrations (admin profile, DBA_CHANGE_NOTIFICATION_REGS)" },
  ordersTable: MIGRATION_SET.ordersTable,
  orderItemsTable: MIGRATION_SET.orderItemsTable,
} as const;
export type RegsFlags = FlagsOf<typeof REGS>;

export const DEREGISTER = {
  ...COMMON,
  ...APP_CONNECTION,
  callback: { flags: '--callback <procedure>', description: 'remove every registration that uses this callback' },
  all: { flags: '--all', description: 'remove all your registrations' },
  yes: { flags: '--yes', description: 'do not ask (needed to remove more than one when not on a terminal)' },
  ...DRY_RUN,
} as const;
/** With the [regids...] arguments. */
export type DeregisterFlags = FlagsOf<typeof DEREGISTER> & { regids?: string[] };

export const TAIL = {
  ...COMMON,
  ...APP_CONNECTION,
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
  ...APP_CONNECTION,
  callbackUrl: MIGRATION_SET.callbackUrl,
  define: MIGRATION_SET.define,
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
  ...APP_CONNECTION,
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
  ...MIGRATE_COMMON,
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

/** The cache bus: every drop published, so every application server's cache drops it too. */
const BUS = {
  bus: {
    flags: '--bus <url>',
    description: `publish every drop to this Redis, for the caches of the other application servers: redis://[user:password@]host[:port][/db] or rediss:// (env ${ENV_NAMES.bus})`,
  },
  busChannel: {
    flags: '--bus-channel <name>',
    description: `the channel on that bus (env ${ENV_NAMES.busChannel}; default dcn:cache)`,
  },
} as const;

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
  ...BUS,
  busAcks: {
    flags: '--bus-acks <applied|published>',
    description:
      'with --bus, what a 200 waits for: applied (default) every live cache on the bus dropped the result (or its lease lapsed); published only Redis took the drop',
  },
} as const;
export type ListenFlags = FlagsOf<typeof LISTEN>;

export const WATCH = {
  ...COMMON,
  ...APP_CONNECTION,
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
  ordersTable: MIGRATION_SET.ordersTable,
  orderItemsTable: MIGRATION_SET.orderItemsTable,
  orderItemsKeyImmutable: MIGRATION_SET.orderItemsKeyImmutable,
  ...BUS,
  metricsPort: {
    flags: '--metrics-port <n>',
    description: 'serve /metrics (Prometheus) and /healthz on this port (default: none; 0 picks a free one)',
  },
  metricsHost: { flags: '--metrics-host <address>', description: 'address the metrics port binds (default 127.0.0.1)' },
} as const;
export type WatchFlags = FlagsOf<typeof WATCH>;

/** The flags that carry settings, as any command may have them (each command has a subset). */
export type SettingFlags = Partial<
  FlagsOf<typeof COMMON> &
    FlagsOf<typeof CONNECTION> &
    FlagsOf<typeof MIGRATION_SET> &
    FlagsOf<typeof LOCK> &
    FlagsOf<typeof BUS>
>;

export const COMPLETION = {
  json: { flags: '--json', description: 'print the commands and their flags as one JSON document instead of a script' },
} as const;
