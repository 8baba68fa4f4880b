/**
 * dcn regs: what the command is, its flags, help and examples. Its handler, ./regs.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, PASSWORDS, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const REGS = {
  ...COMMON,
  ...settingOptions('regs'),
  ...PASSWORDS,
  all: { flags: '--all', description: "every user's registrations (admin profile, DBA_CHANGE_NOTIFICATION_REGS)" },
} as const;
export type RegsFlags = FlagsOf<typeof REGS>;

export const REGS_COMMAND = command({
  name: 'regs',
  description: 'list registrations: tables, callback, QoS, operations, timeout',
  examples: ['dcn regs', 'dcn regs --json | jq ".registrations[].regid"'],
  options: REGS,
});
