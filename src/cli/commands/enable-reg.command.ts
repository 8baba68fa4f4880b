/**
 * dcn enable-reg: what the command is, its flags, help and examples. Its handler, ./enable-reg.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, APP_PASSWORD, DRY_RUN, ROUTE, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const ENABLE_REG = {
  ...COMMON,
  ...settingOptions('enable-reg'),
  ...APP_PASSWORD,
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

export const ENABLE_REG_COMMAND = command({
  name: 'enable-reg',
  description: 'add tables to an existing registration (ENABLE_REG)',
  argument: ['[regid]', 'the registration to add tables to (dcn regs shows them)', 'regid'],
  examples: [
    'dcn enable-reg 41 --table OE.ORDER_ITEMS',
    'dcn enable-reg --callback orders_nf_callback --table OE.ORDER_ITEMS',
  ],
  options: ENABLE_REG,
  summary: true,
});
