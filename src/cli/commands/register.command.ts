/**
 * dcn register: what the command is, its flags, help and examples. Its handler, ./register.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, APP_PASSWORD, DRY_RUN, ROUTE, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

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

export const REGISTER_COMMAND = command({
  name: 'register',
  description: 'create a registration: the database calls the callback when these tables change',
  examples: [
    'dcn register --table OE.ORDERS --table OE.ORDER_ITEMS',
    'REGID=$(dcn register --table OE.ORDERS --quiet)',
    'dcn register --table ORDERS --qos reliable,rowids --operations insert,update,delete --dry-run',
  ],
  options: REGISTER,
});
