/**
 * dcn doctor: what the command is, its flags, help and examples. Its handler, ./doctor.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, PASSWORDS, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const DOCTOR = {
  ...COMMON,
  ...settingOptions('doctor'),
  ...PASSWORDS,
  probe: { flags: '--probe', description: 'also check that the callback URL answers (from where dcn runs)' },
  watch: {
    flags: '--watch',
    description:
      'check what dcn watch needs instead: Oracle 19.4+, Thin mode, CHANGE NOTIFICATION, the tables, a subscription made and removed',
  },
  table: {
    flags: '--table <name>',
    description: 'with --watch: a table to watch; repeatable (default: the orders tables)',
    repeatable: true,
  },
  map: { flags: '--map <TABLE=function>', description: 'with --watch: as dcn watch takes it', repeatable: true },
  logMaxRows: {
    flags: '--log-max-rows <n>',
    description: 'warn when the notification log holds more rows than this (default 1000000; dcn log prune trims it)',
  },
} as const;
export type DoctorFlags = FlagsOf<typeof DOCTOR>;

export const DOCTOR_COMMAND = command({
  name: 'doctor',
  description:
    'check the whole chain: connection, grants, job queue, network ACL, objects, registration, history, last notifications',
  examples: ['dcn doctor', 'dcn doctor --probe --json'],
  options: DOCTOR,
});
