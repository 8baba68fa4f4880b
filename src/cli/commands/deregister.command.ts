/**
 * dcn deregister: what the command is, its flags, help and examples. Its handler, ./deregister.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, APP_PASSWORD, DRY_RUN, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const DEREGISTER = {
  ...COMMON,
  ...settingOptions('deregister'),
  ...APP_PASSWORD,
  callback: { flags: '--callback <procedure>', description: 'remove every registration that uses this callback' },
  all: { flags: '--all', description: 'remove all your registrations' },
  yes: { flags: '--yes', description: 'do not ask (needed to remove more than one when not on a terminal)' },
  ...DRY_RUN,
} as const;
/** With the [regids...] arguments. */
export type DeregisterFlags = FlagsOf<typeof DEREGISTER> & { regids?: string[] };

export const DEREGISTER_COMMAND = command({
  name: 'deregister',
  description: 'remove registrations (DEREGISTER)',
  argument: ['[regids...]', 'registrations to remove', 'regids'],
  examples: ['dcn deregister 41', 'dcn deregister --callback orders_nf_callback --yes'],
  options: DEREGISTER,
  summary: true,
});
