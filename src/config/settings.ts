/**
 * The names and defaults of dcn's settings, defined once: configuration resolution reads them,
 * and the CLI's help text names them. Nothing else here, so `dcn --help` loads only this.
 */

/** The environment variable of each setting (and of the two passwords, which are not settings). */
export const ENV_NAMES = {
  connect: 'DCN_CONNECT',
  user: 'DCN_USER',
  adminUser: 'DCN_ADMIN_USER',
  adminPrivilege: 'DCN_ADMIN_PRIVILEGE',
  connectTimeout: 'DCN_CONNECT_TIMEOUT',
  tnsAdmin: 'TNS_ADMIN',
  migrations: 'DCN_MIGRATIONS',
  historyTable: 'DCN_HISTORY_TABLE',
  lockTimeout: 'DCN_LOCK_TIMEOUT',
  config: 'DCN_CONFIG',
  schema: 'DCN_SCHEMA',
  ordersTable: 'DCN_ORDERS_TABLE',
  orderItemsTable: 'DCN_ORDER_ITEMS_TABLE',
  callbackUrl: 'DCN_CALLBACK_URL',
  callbackToken: 'DCN_CALLBACK_TOKEN',
  httpTimeout: 'DCN_HTTP_TIMEOUT',
  demoSchema: 'DCN_DEMO_SCHEMA',
  orderItemsKeyImmutable: 'DCN_ORDER_ITEMS_KEY_IMMUTABLE',
  callbackCalls: 'DCN_CALLBACK_CALLS',
  bus: 'DCN_BUS',
  busChannel: 'DCN_BUS_CHANNEL',
} as const;

/** The environment variable naming the config file's environment to use (as --env does). */
export const ENVIRONMENT_ENV_NAME = 'DCN_ENV';

/** The administrative privileges a connection can be made with (AS SYSDBA …). */
export const ADMIN_PRIVILEGES = ['sysdba', 'sysoper', 'sysasm', 'sysbackup', 'sysdg', 'syskm'] as const;

export const PASSWORD_ENV_NAMES = { app: 'DCN_PASSWORD', admin: 'DCN_ADMIN_PASSWORD' } as const;

export const DEFAULTS = {
  connectTimeoutSeconds: 10,
  historyTable: 'DCN_SCHEMA_HISTORY',
  lockTimeoutSeconds: 30,
  configFile: 'dcn.config.json',
} as const;

/** Defaults of the built-in migrations' settings. */
export const SCHEMA_DEFAULTS = {
  schema: 'OE',
  ordersTable: 'ORDERS',
  orderItemsTable: 'ORDER_ITEMS',
  // The article's endpoint, served by `dcn listen` (default port 8080). The database calls it:
  // "localhost" is the database host, so set this to an address the database can reach.
  callbackUrl: 'http://localhost:8080/phpcache/dropResults.php',
  httpTimeout: '5',
  // batch: one POST per table per notification; per-key: the article's GET per order (dropResults.php)
  callbackCalls: 'batch',
} as const;
