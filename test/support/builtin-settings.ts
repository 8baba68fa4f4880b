/** Settings the built-in migrations are tested with, and their plans. */
import { resolveMigrationSetConfig, type ConfigFlags } from '../../src/config/resolve-config.js';
import { buildPlan } from '../../src/migrator/plan.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { builtInMigrationsDir } from '../../src/paths.js';

export const SETTINGS: Record<string, ConfigFlags> = {
  default: {},
  'another schema, a URL with ? and &, a token': {
    schema: 'hr',
    ordersTable: 'sales_orders',
    orderItemsTable: 'sales_order_lines',
    callbackUrl: 'http://10.1.2.3:9000/cache/drop?tenant=acme&region=eu-1',
    httpTimeout: '20',
  },
  'https on IPv6 with the demo schema, items never moving': {
    callbackUrl: 'https://[2001:db8::1]/dcn',
    demoSchema: 'yes',
    schema: 'APP$1',
    orderItemsKeyImmutable: 'yes',
  },
};

export function planFor(flags: ConfigFlags, env: Record<string, string> = {}) {
  const config = resolveMigrationSetConfig({
    flags,
    env: { DCN_CALLBACK_TOKEN: 'tok-123', ...env },
    cwd: '/',
    readFile: () => {
      throw Object.assign(new Error('none'), { code: 'ENOENT' });
    },
  });
  return buildPlan({
    migrations: loadMigrations(builtInMigrationsDir()),
    variables: config.variables,
    historyTable: config.historyTable,
  });
}
