/** Each setting a command resolved, its value and where it came from: what dcn doctor shows. */
import type { ConnectionConfig, MigrationSetConfig, Source } from '../config/resolve-config.js';
import { withoutPassword } from '../redact.js';
import { SETTINGS, longFlag, settingRecord, type SettingName } from '../config/settings.js';

export interface SettingRow {
  readonly name: string;
  /** null: not set. Secrets show only whether they are set. */
  readonly value: string | null;
  readonly source: Source;
  /** The flag, the environment variable, the config file (and its environment), or "default". */
  readonly from: string;
}

function valueOf(name: string, config: ConnectionConfig | MigrationSetConfig): string | undefined {
  const v: Readonly<Record<string, string>> = 'variables' in config ? config.variables : {};
  const migration = 'historyTable' in config ? config : undefined;
  const values: Record<string, string | undefined> = {
    connect: config.connect,
    user: config.user,
    adminUser: config.adminUser,
    adminPrivilege: config.adminPrivilege ?? 'none',
    connectTimeout: String(config.connectTimeoutSeconds),
    tnsAdmin: config.tnsAdmin,
    migrations: migration && (migration.migrationsDir ?? "dcn's built-in set"),
    historyTable: migration?.historyTable,
    lockTimeout: migration && String(migration.lockTimeoutSeconds),
    schema: v.app_schema,
    ordersTable: v.orders_table,
    orderItemsTable: v.order_items_table,
    callbackUrl: v.callback_url,
    callbackToken: v.callback_token ? '(set)' : undefined,
    httpTimeout: v.http_timeout,
    demoSchema: v.demo_schema,
    orderItemsKeyImmutable: v.order_items_key_immutable,
    callbackCalls: v.callback_calls,
  };
  return values[name];
}

function from(name: string, source: Source, config: ConnectionConfig): string {
  switch (source) {
    case 'flag':
      return (Object.hasOwn(SETTINGS, name) && longFlag(name as SettingName)) || name;
    case 'env':
      return (Object.hasOwn(SETTINGS, name) && settingRecord(name as SettingName).env) || name;
    case 'environment':
      return `environment "${config.environment}" in ${config.configFile}`;
    case 'file':
      return config.configFile ?? 'the config file';
    case 'default':
      return 'default';
  }
}

export function settingRows(config: ConnectionConfig | MigrationSetConfig, bus?: string): SettingRow[] {
  return Object.entries(config.sources).map(([name, source]) => ({
    name,
    value: (name === 'bus' ? bus && withoutPassword(bus) : valueOf(name, config)) ?? null,
    source,
    from: from(name, source, config),
  }));
}

/** The settings as lines for people: the config file and environment in use, then each setting. */
export function settingLines(
  config: { readonly configFile: string | null; readonly environment: string | null },
  rows: readonly SettingRow[],
): string[] {
  const width = Math.max(...rows.map((r) => r.name.length));
  const valueWidth = Math.min(50, Math.max(...rows.map((r) => (r.value ?? '—').length)));
  return [
    `Settings (config file ${config.configFile ?? 'none'}${config.environment ? `, environment "${config.environment}"` : ''}):`,
    ...rows.map((r) => `  ${r.name.padEnd(width)}  ${(r.value ?? '—').padEnd(valueWidth)}  ${r.from}`),
  ];
}
