/** Configuration as each command uses it, resolved once per command from its flags, and the migration set. */
import {
  resolveCallbackToken,
  resolveConnectionConfig,
  resolveBus,
  resolveMigrationSetConfig,
  resolveMigrationsDir,
  resolveOrderTables,
  resolveWatchSettings,
  type ConfigFlags,
  type ConnectionConfig,
  type MigrationSetConfig,
  type ResolveInput,
} from '../config/resolve-config.js';
import { loadMigrations, type Migration } from '../migrator/source.js';
import { builtInMigrationsDir } from '../paths.js';
import type { CommandContext } from './context.js';
import type { SettingFlags } from './options.js';

function input(flags: SettingFlags, ctx: CommandContext): ResolveInput {
  const settings: ConfigFlags = {
    config: flags.config,
    env: flags.env,
    connect: flags.connect,
    user: flags.user,
    adminUser: flags.adminUser,
    adminPrivilege: flags.adminPrivilege,
    connectTimeout: flags.connectTimeout,
    tnsAdmin: flags.tnsAdmin,
    migrations: flags.migrations,
    historyTable: flags.historyTable,
    lockTimeout: flags.lockTimeout,
    define: flags.define,
    schema: flags.schema,
    ordersTable: flags.ordersTable,
    orderItemsTable: flags.orderItemsTable,
    callbackUrl: flags.callbackUrl,
    httpTimeout: flags.httpTimeout,
    callbackCalls: flags.callbackCalls,
    demoSchema: flags.withDemoSchema ? 'yes' : undefined,
    orderItemsKeyImmutable: flags.orderItemsKeyImmutable ? 'yes' : undefined,
    bus: flags.bus,
    busChannel: flags.busChannel,
  };
  return { flags: settings, env: ctx.env, cwd: ctx.cwd };
}

/** For the migrate commands, plan and doctor. */
export function migrationSetConfig(flags: SettingFlags, ctx: CommandContext): MigrationSetConfig {
  return resolveMigrationSetConfig(input(flags, ctx));
}

/** For the commands that connect and use no migration settings: regs, tail, register … */
export function connectionConfig(flags: SettingFlags, ctx: CommandContext): ConnectionConfig {
  return resolveConnectionConfig(input(flags, ctx));
}

/** For dcn migrate new: the migrations directory alone (undefined: the built-in set). */
export function migrationsDir(flags: SettingFlags, ctx: CommandContext): string | undefined {
  return resolveMigrationsDir(input(flags, ctx));
}

/** For dcn register and enable-reg: the orders and order items tables, which keep the article's route. */
export function orderTables(flags: SettingFlags, ctx: CommandContext): string[] {
  return resolveOrderTables(input(flags, ctx));
}

/** For dcn watch: the orders tables and orderItemsKeyImmutable. */
export function watchSettings(
  flags: SettingFlags,
  ctx: CommandContext,
): { orderTables: string[]; orderItemsKeyImmutable: boolean } {
  return resolveWatchSettings(input(flags, ctx));
}

/** For dcn listen and dcn watch: the cache bus, if one is configured. */
export function busSetting(flags: SettingFlags, ctx: CommandContext): { url: string; channel: string } | undefined {
  return resolveBus(input(flags, ctx));
}

/** For dcn listen, which reads only the callback token. */
export function callbackToken(flags: SettingFlags, ctx: CommandContext): string | undefined {
  return resolveCallbackToken(input(flags, ctx));
}

export function migrationSet(config: MigrationSetConfig): { dir: string; migrations: Migration[] } {
  const dir = config.migrationsDir ?? builtInMigrationsDir();
  return { dir, migrations: loadMigrations(dir) };
}
