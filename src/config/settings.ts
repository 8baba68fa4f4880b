/**
 * Every setting of dcn, one record each: its flag, environment variable, config file key, type,
 * default, help and the commands that take its flag. The CLI's options, configuration resolution,
 * the config file's known keys and the README's settings tables are all derived from these
 * records (scripts/settings-table.mjs writes the tables; a test fails when they drift). Nothing
 * but data here, so `dcn --help` loads only this.
 */

/** The commands, by the words that run them. */
export type CommandName =
  | 'migrate'
  | 'migrate status'
  | 'migrate validate'
  | 'migrate down'
  | 'migrate plan'
  | 'migrate repair'
  | 'migrate baseline'
  | 'migrate new'
  | 'register'
  | 'enable-reg'
  | 'regs'
  | 'deregister'
  | 'tail'
  | 'replay'
  | 'log prune'
  | 'doctor'
  | 'listen'
  | 'watch';

/** How a value is checked (by config/resolve-config.ts and config/schema-settings.ts). */
export type SettingType =
  | 'text'
  | 'path'
  | 'user'
  | 'seconds'
  | 'identifier'
  | 'url'
  | 'token'
  | 'yes-no'
  | 'choice'
  | 'variables'
  | 'bus-url'
  | 'channel';

export interface SettingRecord {
  /** What the README's tables call it. */
  readonly label: string;
  /** The flag as commander takes it ('--connect <string>'); none: no flag. */
  readonly flags?: string;
  /** The flag's name in a command's flags, when it is not the setting's (--with-demo-schema). */
  readonly flagKey?: string;
  readonly env?: string;
  /** The config file's key: the setting's name unless given; false: not in the config file. */
  readonly fileKey?: string | false;
  /** How the README shows the config file's entry, where it is not a plain value. */
  readonly fileShape?: string;
  readonly type: SettingType;
  /** Whole seconds from min to max. */
  readonly range?: readonly [number, number];
  /** The values a 'choice' takes. */
  readonly values?: readonly string[];
  /** Values commander itself refuses anything but (the flag's choices). */
  readonly choices?: readonly string[];
  readonly repeatable?: true;
  readonly default?: string | number;
  /** The default in words, where it is not a value ("the app user, else OE"). */
  readonly defaultText?: string;
  /** The flag's help, before "(env …; default …)". */
  readonly help: string;
  /** Said after the default in the flag's help. */
  readonly helpTail?: string;
  /** The commands whose flags include it. */
  readonly commands: readonly CommandName[];
  /** The README table it is listed in: the migrations' settings, or Configuration's. */
  readonly table: 'schema' | 'general';
}

/** The administrative privileges a connection can be made with (AS SYSDBA …). */
export const ADMIN_PRIVILEGES = ['sysdba', 'sysoper', 'sysasm', 'sysbackup', 'sysdg', 'syskm'] as const;

// as const: a command's flags are typed by the settings whose commands name it
const MIGRATE_COMMON = [
  'migrate',
  'migrate status',
  'migrate validate',
  'migrate down',
  'migrate repair',
  'migrate baseline',
  'doctor',
] as const;
const MIGRATION_SET = [...MIGRATE_COMMON, 'migrate plan'] as const;
/** The commands that connect with the app profile only. */
const APP_ONLY = ['register', 'enable-reg', 'deregister', 'tail', 'replay', 'log prune', 'watch'] as const;
const ORDER_TABLES = [...MIGRATION_SET, 'register', 'enable-reg', 'regs', 'watch'] as const;
const CACHES = ['listen', 'watch'] as const;

export const SETTINGS = {
  connect: {
    label: 'connect string',
    flags: '--connect <string>',
    env: 'DCN_CONNECT',
    type: 'text',
    help: 'host:port/service, a tnsnames.ora alias or a descriptor',
    commands: [...MIGRATION_SET, ...APP_ONLY, 'regs'],
    table: 'general',
  },
  user: {
    label: 'app user (schema owner)',
    flags: '--user <name>',
    env: 'DCN_USER',
    type: 'user',
    help: 'schema owner for the app profile, e.g. OE',
    commands: [...MIGRATE_COMMON, ...APP_ONLY, 'regs'],
    table: 'general',
  },
  adminUser: {
    label: 'admin user',
    flags: '--admin-user <name>',
    env: 'DCN_ADMIN_USER',
    type: 'user',
    help: 'DBA user for the admin profile',
    commands: [...MIGRATION_SET, 'regs'],
    table: 'general',
  },
  adminPrivilege: {
    label: 'admin privilege',
    flags: '--admin-privilege <privilege>',
    env: 'DCN_ADMIN_PRIVILEGE',
    type: 'choice',
    values: [...ADMIN_PRIVILEGES, 'none'],
    choices: [...ADMIN_PRIVILEGES, 'none'],
    defaultText: 'none',
    help: 'connect the admin user AS SYSDBA etc.',
    commands: [...MIGRATION_SET, 'regs'],
    table: 'general',
  },
  connectTimeout: {
    label: 'connect timeout (s)',
    flags: '--connect-timeout <seconds>',
    env: 'DCN_CONNECT_TIMEOUT',
    type: 'seconds',
    range: [1, 600],
    default: 10,
    help: 'give up connecting after this long',
    commands: [...MIGRATE_COMMON, ...APP_ONLY, 'regs'],
    table: 'general',
  },
  tnsAdmin: {
    label: 'tnsnames.ora directory',
    flags: '--tns-admin <dir>',
    env: 'TNS_ADMIN',
    type: 'path',
    help: 'directory holding tnsnames.ora',
    commands: [...MIGRATE_COMMON, ...APP_ONLY, 'regs'],
    table: 'general',
  },
  migrations: {
    label: 'migrations directory',
    flags: '--migrations <dir>',
    env: 'DCN_MIGRATIONS',
    type: 'path',
    defaultText: "dcn's built-in set",
    help: 'directory of V<n>__<name>.sql files',
    commands: [...MIGRATION_SET, 'migrate new'],
    table: 'general',
  },
  historyTable: {
    label: 'history table',
    flags: '--history-table <name>',
    env: 'DCN_HISTORY_TABLE',
    type: 'identifier',
    default: 'DCN_SCHEMA_HISTORY',
    help: 'history table in the app schema',
    commands: MIGRATION_SET,
    table: 'general',
  },
  lockTimeout: {
    label: 'lock timeout (s)',
    flags: '--lock-timeout <seconds>',
    env: 'DCN_LOCK_TIMEOUT',
    type: 'seconds',
    range: [0, 86400],
    default: 30,
    help: 'wait this long for another run to release the lock',
    helpTail: '0 = do not wait',
    commands: ['migrate', 'migrate down', 'migrate repair', 'migrate baseline'],
    table: 'general',
  },
  define: {
    label: 'substitution variables',
    flags: '--define <name=value>',
    fileKey: 'variables',
    fileShape: 'variables: {…}',
    type: 'variables',
    repeatable: true,
    help: 'set a substitution variable (&name) for the scripts; repeatable',
    commands: [...MIGRATION_SET, 'replay'],
    table: 'general',
  },
  schema: {
    label: 'schema (owner and grantee)',
    flags: '--schema <name>',
    env: 'DCN_SCHEMA',
    type: 'identifier',
    default: 'OE',
    defaultText: 'the app user, else `OE`',
    help: 'schema that owns nfresults and the callback',
    commands: MIGRATION_SET,
    table: 'schema',
  },
  ordersTable: {
    label: 'orders table',
    flags: '--orders-table <name>',
    env: 'DCN_ORDERS_TABLE',
    type: 'identifier',
    default: 'ORDERS',
    help: 'orders table in that schema',
    commands: ORDER_TABLES,
    table: 'schema',
  },
  orderItemsTable: {
    label: 'order items table',
    flags: '--order-items-table <name>',
    env: 'DCN_ORDER_ITEMS_TABLE',
    type: 'identifier',
    default: 'ORDER_ITEMS',
    help: 'order items table in that schema',
    commands: ORDER_TABLES,
    table: 'schema',
  },
  callbackUrl: {
    label: 'callback URL',
    flags: '--callback-url <url>',
    env: 'DCN_CALLBACK_URL',
    type: 'url',
    // The article's endpoint, served by `dcn listen` (default port 8080). The database calls it:
    // "localhost" is the database host, so set this to an address the database can reach.
    default: 'http://localhost:8080/phpcache/dropResults.php',
    help: 'URL the database calls for each change',
    commands: [...MIGRATION_SET, 'replay'],
    table: 'schema',
  },
  callbackToken: {
    label: 'shared token',
    env: 'DCN_CALLBACK_TOKEN',
    type: 'token',
    defaultText: 'none',
    help: 'the token the callback sends in X-Dcn-Token, which dcn listen requires',
    commands: [],
    table: 'schema',
  },
  httpTimeout: {
    label: 'HTTP timeout (s)',
    flags: '--http-timeout <seconds>',
    env: 'DCN_HTTP_TIMEOUT',
    type: 'seconds',
    range: [1, 300],
    default: 5,
    help: 'transfer timeout of that call',
    commands: MIGRATION_SET,
    table: 'schema',
  },
  demoSchema: {
    label: 'demo schema',
    flags: '--with-demo-schema',
    flagKey: 'withDemoSchema',
    env: 'DCN_DEMO_SCHEMA',
    type: 'yes-no',
    help: 'also create a minimal ORDERS/ORDER_ITEMS with the order 2408',
    commands: MIGRATION_SET,
    table: 'schema',
  },
  orderItemsKeyImmutable: {
    label: 'items never move to another order',
    flags: '--order-items-key-immutable',
    env: 'DCN_ORDER_ITEMS_KEY_IMMUTABLE',
    type: 'yes-no',
    help: "items never move to another order: an update of an item drops its order's results, not every order's",
    commands: [...MIGRATION_SET, 'watch'],
    table: 'schema',
  },
  callbackCalls: {
    label: 'calls per notification: `batch` or `per-key`',
    flags: '--callback-calls <batch|per-key>',
    env: 'DCN_CALLBACK_CALLS',
    type: 'choice',
    values: ['batch', 'per-key'],
    // batch: one POST per table per notification; per-key: the article's GET per order (dropResults.php)
    default: 'batch',
    help: "batch: one POST per table per notification (dcn listen); per-key: the article's GET ?order_no=…&table=… per order, for its dropResults.php",
    commands: MIGRATION_SET,
    table: 'schema',
  },
  bus: {
    label: 'cache bus (Redis URL)',
    flags: '--bus <url>',
    env: 'DCN_BUS',
    type: 'bus-url',
    help: 'publish every drop to this Redis, for the caches of the other application servers: redis://[user:password@]host[:port][/db] or rediss://',
    commands: CACHES,
    table: 'general',
  },
  busChannel: {
    label: 'channel on that bus',
    flags: '--bus-channel <name>',
    env: 'DCN_BUS_CHANNEL',
    type: 'channel',
    default: 'dcn:cache',
    help: 'the channel on that bus',
    commands: CACHES,
    table: 'general',
  },
  busAcks: {
    label: 'what a drop on the bus waits for: `applied` or `published`',
    flags: '--bus-acks <applied|published>',
    env: 'DCN_BUS_ACKS',
    type: 'choice',
    values: ['applied', 'published'],
    default: 'applied',
    help: 'with --bus, what a drop (and a 200 from dcn listen) waits for: applied, every live cache on the bus dropped the result (or its lease lapsed); published, only Redis took the drop',
    commands: CACHES,
    table: 'general',
  },
  cacheStore: {
    label: 'how the cache keeps its entries: `files` or `lmdb`',
    flags: '--cache-store <files|lmdb>',
    env: 'DCN_CACHE_STORE',
    type: 'choice',
    values: ['files', 'lmdb'],
    default: 'files',
    help: 'files: two files per entry; lmdb: one LMDB environment (faster, not on NFS); the same as the application whose cache directory this is',
    commands: CACHES,
    table: 'general',
  },
  config: {
    label: 'config file',
    flags: '--config <file>',
    env: 'DCN_CONFIG',
    fileKey: false,
    type: 'path',
    default: 'dcn.config.json',
    defaultText: '`./dcn.config.json`',
    help: 'config file',
    commands: [],
    table: 'general',
  },
  env: {
    label: 'environment of the config file',
    flags: '--env <name>',
    env: 'DCN_ENV',
    fileKey: 'environments',
    fileShape: 'environments: {name: {…}}',
    type: 'text',
    defaultText: 'none: the top level only',
    help: 'use this environment of the config file ("environments": {"ci": {…}}): over its top level, under flags and DCN_*',
    commands: [],
    table: 'general',
  },
} as const satisfies Record<string, SettingRecord>;

export type SettingName = keyof typeof SETTINGS;

/** The records, in the order of SETTINGS. */
export function settingRecords(): [SettingName, SettingRecord][] {
  return Object.entries(SETTINGS) as [SettingName, SettingRecord][];
}

/** The record of a setting, typed as any record (its optional fields readable). */
export function settingRecord(name: SettingName): SettingRecord {
  return SETTINGS[name];
}

/** The settings read from the environment, and their variable. */
export const ENV_NAMES = Object.fromEntries(
  settingRecords().flatMap(([name, r]) => (r.env === undefined ? [] : [[name, r.env]])),
) as { readonly [K in SettingName as (typeof SETTINGS)[K] extends { env: string } ? K : never]: string };

/** The environment variable naming the config file's environment to use (as --env does). */
export const ENVIRONMENT_ENV_NAME = SETTINGS.env.env;

export const PASSWORD_ENV_NAMES = { app: 'DCN_PASSWORD', admin: 'DCN_ADMIN_PASSWORD' } as const;

export const DEFAULTS = {
  connectTimeoutSeconds: SETTINGS.connectTimeout.default,
  historyTable: SETTINGS.historyTable.default,
  lockTimeoutSeconds: SETTINGS.lockTimeout.default,
  configFile: SETTINGS.config.default,
} as const;

/** Defaults of the built-in migrations' settings. */
export const SCHEMA_DEFAULTS = {
  schema: SETTINGS.schema.default,
  ordersTable: SETTINGS.ordersTable.default,
  orderItemsTable: SETTINGS.orderItemsTable.default,
  callbackUrl: SETTINGS.callbackUrl.default,
  httpTimeout: String(SETTINGS.httpTimeout.default),
  callbackCalls: SETTINGS.callbackCalls.default,
} as const;

/** The long flag of a setting, e.g. --connect-timeout. */
export function longFlag(name: SettingName): string | undefined {
  return settingRecord(name).flags?.split(' ')[0];
}

/** How messages name a setting: its name, with its flag and environment variable. */
export function settingLabel(name: SettingName): string {
  const r = settingRecord(name);
  const ways = [longFlag(name), r.env].filter((w): w is string => w !== undefined);
  return ways.length ? `${name} (${ways.join(', ')})` : name;
}
