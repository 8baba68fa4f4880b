/**
 * The one error taxonomy of dcn. Every failure a user can meet is a DcnError with a stable
 * `code`; the CLI maps codes to exit codes in one place (EXIT_CODES) and prints the message
 * and the hint once. Engine code throws these and never exits the process.
 */

import type { ENV_NAMES } from './config/settings.js';

export type ErrorCode =
  | 'usage' // bad flag, bad value, bad name: nothing was done
  | 'not_found' // a named registration, table or object does not exist: nothing was done
  | 'config_invalid' // dcn.config.json or an environment variable is wrong
  | 'script_invalid' // a migration script cannot be split or substituted
  | 'connection_failed' // host unreachable, listener, service
  | 'login_denied' // the database refused these credentials or this account: never retried
  | 'unavailable' // a local resource dcn needs is taken or missing (a port in use)
  | 'lock_held' // another dcn holds the migration lock
  | 'migration_changed' // an applied migration's file changed or is missing
  | 'out_of_order' // a new migration's version is below one already applied
  | 'history_blocked' // a failed migration must be resumed or repaired first
  | 'compile_error' // PL/SQL created with compilation errors (or left INVALID: migrate --fail-on-invalid)
  | 'migration_failed' // a statement of a migration raised an error
  | 'privilege_missing' // ORA-01031 and friends
  | 'database_error' // any other ORA- error outside a migration
  | 'checks_failed' // dcn doctor found a failure (the report said which)
  | 'validation_failed' // dcn migrate validate: a migration is pending, changed, missing, failed or out of order
  | 'internal'; // a bug in dcn

export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  usage: 2,
  not_found: 2,
  config_invalid: 2,
  script_invalid: 2,
  connection_failed: 6,
  login_denied: 6,
  unavailable: 6,
  lock_held: 3,
  migration_changed: 4,
  out_of_order: 8,
  history_blocked: 7,
  compile_error: 5,
  migration_failed: 1,
  privilege_missing: 1,
  database_error: 1,
  checks_failed: 1,
  validation_failed: 9,
  internal: 1,
};

/**
 * What the user can do next, as the engine knows it. The engine never names a command or a flag;
 * the CLI words each remedy with its own (src/cli/remedies.ts).
 */
export type Remedy =
  | { readonly kind: 'resume'; readonly direction: 'up' | 'down' }
  | { readonly kind: 'repair' }
  | { readonly kind: 'wait-longer' }
  | { readonly kind: 'allow-changed' }
  | { readonly kind: 'out-of-order' }
  | { readonly kind: 'migrations-dir' }
  | { readonly kind: 'status' }
  /** Apply the pending migrations. */
  | { readonly kind: 'migrate' }
  /** Change this setting (the CLI names its flag and environment variable). */
  | { readonly kind: 'setting'; readonly name: keyof typeof ENV_NAMES }
  /** The driver's own error says more. */
  | { readonly kind: 'verbose' }
  /** Register a table read only through a role anyway, with a warning. */
  | { readonly kind: 'allow-role-grant' };

export interface DcnErrorOptions {
  /** What to do about it, in one sentence. */
  hint?: string;
  /** The steps the CLI words after the hint. */
  remedies?: readonly Remedy[];
  /** JSON-safe details for --json output. Never holds a password. */
  meta?: Record<string, unknown>;
  cause?: unknown;
  /** The command already told the user; only the exit code is left to set. */
  reported?: boolean;
}

export class DcnError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly remedies: readonly Remedy[];
  readonly meta: Record<string, unknown>;
  readonly reported: boolean;

  constructor(code: ErrorCode, message: string, options: DcnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DcnError';
    this.code = code;
    this.hint = options.hint;
    this.remedies = options.remedies ?? [];
    this.meta = options.meta ?? {};
    this.reported = options.reported ?? false;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }

  /** What --json shows beyond the code, message and hint. */
  jsonMeta(): Record<string, unknown> {
    return this.meta;
  }
}

export function isDcnError(value: unknown): value is DcnError {
  return value instanceof DcnError;
}

/** A usage error: a bad flag or value, caught before anything touches the database. */
export function usageError(message: string, hint?: string): DcnError {
  return new DcnError('usage', message, { hint });
}
