/** What every migrate command shares, plan included: configuration and the migration set. */
import { resolveConfig, type ResolvedConfig } from '../config/resolve-config.js';
import { loadMigrations, type Migration } from '../migrator/source.js';
import { builtInMigrationsDir } from '../paths.js';
import type { CommandContext } from './context.js';
import type { CommonFlags, ConnectionFlags, MigrationSetFlags } from './program.js';

export function configFrom(flags: CommonFlags & Partial<ConnectionFlags> & MigrationSetFlags & { lockTimeout?: string }, ctx: CommandContext): ResolvedConfig {
  return resolveConfig({
    flags: {
      config: flags.config,
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
      demoSchema: flags.withDemoSchema ? 'yes' : undefined,
    },
    env: ctx.env,
    cwd: ctx.cwd,
  });
}

export function migrationSet(config: ResolvedConfig): { dir: string; migrations: Migration[] } {
  const dir = config.migrationsDir ?? builtInMigrationsDir();
  return { dir, migrations: loadMigrations(dir) };
}
