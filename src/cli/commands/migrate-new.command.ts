/**
 * dcn migrate new: what the command is, its flags, help and examples. Its handler, ./migrate-new.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

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

export const MIGRATE_NEW_COMMAND = command({
  name: 'new',
  description:
    'write the next migration file, V<n>__<name>.sql, numbered after the highest version present (never overwrites)',
  argument: ['<name>', 'what it does, e.g. add_orders_index (spaces become _)', 'name'],
  examples: [
    'dcn migrate new add_orders_index --undo',
    'dcn migrate new order_views --repeatable --migrations db/migrations',
  ],
  options: MIGRATE_NEW,
});
