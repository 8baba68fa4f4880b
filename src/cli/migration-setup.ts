/** Configuration as each command uses it, resolved once per command from its flags, and the migration set. */
import {
  CommandConfig,
  type BusSettings,
  type CacheStore,
  type ConfigFlags,
  type ConnectionConfig,
  type MigrationSetConfig,
  type ResolveInput,
} from '../config/resolve-config.js';
import { settingRecords } from '../config/settings.js';
import { loadMigrations, type Migration } from '../migrator/source.js';
import { builtInMigrationsDir } from '../paths.js';
import type { CommandContext } from './context.js';
import type { SettingFlags } from './options.js';

/** The flags as settings, by the settings' records: a yes/no flag given is 'yes'. */
function input(flags: SettingFlags, ctx: CommandContext): ResolveInput {
  const given = flags as Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  const settings: Record<string, unknown> = {};
  for (const [name, record] of settingRecords()) {
    if (record.flags === undefined) continue;
    const value = given[record.flagKey ?? name];
    settings[name] = value === true ? 'yes' : value === false ? undefined : value;
  }
  return { flags: settings as ConfigFlags, env: ctx.env, cwd: ctx.cwd, readFile: ctx.readFile };
}

/**
 * The configuration of the command these flags were given to: its config file is read and
 * parsed once, however many parts of the configuration the command asks for (dcn watch asks
 * for its tables, its bus and its connection).
 */
const configs = new WeakMap<SettingFlags, CommandConfig>();

function configOf(flags: SettingFlags, ctx: CommandContext): CommandConfig {
  let config = configs.get(flags);
  if (!config) configs.set(flags, (config = new CommandConfig(input(flags, ctx))));
  return config;
}

/** For the migrate commands, plan and doctor. */
export function migrationSetConfig(flags: SettingFlags, ctx: CommandContext): MigrationSetConfig {
  return configOf(flags, ctx).migrationSet();
}

/** For the commands that connect and use no migration settings: regs, tail, register … */
export function connectionConfig(flags: SettingFlags, ctx: CommandContext): ConnectionConfig {
  return configOf(flags, ctx).connection();
}

/** For dcn migrate new: the migrations directory alone (undefined: the built-in set). */
export function migrationsDir(flags: SettingFlags, ctx: CommandContext): string | undefined {
  return configOf(flags, ctx).migrationsDir();
}

/** For dcn register and enable-reg: the orders and order items tables, which keep the article's route. */
export function orderTables(flags: SettingFlags, ctx: CommandContext): string[] {
  return configOf(flags, ctx).orderTables();
}

/** For dcn watch: the orders tables and orderItemsKeyImmutable. */
export function watchSettings(
  flags: SettingFlags,
  ctx: CommandContext,
): { orderTables: string[]; orderItemsKeyImmutable: boolean } {
  return configOf(flags, ctx).watch();
}

/** For dcn listen and dcn watch: the cache bus, if one is configured. */
export function busSetting(flags: SettingFlags, ctx: CommandContext): BusSettings | undefined {
  return configOf(flags, ctx).bus();
}

/** The store of the cache dcn listen and dcn watch open. */
export function cacheStoreSetting(flags: SettingFlags, ctx: CommandContext): CacheStore {
  return configOf(flags, ctx).cacheStore();
}

/** For dcn listen, which reads only the callback token. */
export function callbackToken(flags: SettingFlags, ctx: CommandContext): string | undefined {
  return configOf(flags, ctx).callbackToken();
}

export function migrationSet(config: MigrationSetConfig): { dir: string; migrations: Migration[] } {
  const dir = config.migrationsDir ?? builtInMigrationsDir();
  return { dir, migrations: loadMigrations(dir) };
}
