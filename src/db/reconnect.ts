/**
 * When a long-running command (watch, tail -f) stops instead of connecting again. Nothing is
 * retried before it has started: a supervisor starts dcn again, and a typo in the host must not
 * look like an outage that dcn is riding out. After it, only a network error or a database that
 * is starting is. A refused login never is: Oracle locks the account after the profile's
 * FAILED_LOGIN_ATTEMPTS (10 in the DEFAULT profile, Oracle Database Security Guide).
 */
import { DcnError } from '../errors.js';
import { firstLine, isTransient, oracleCode, rootCause, statementError } from './oracle-errors.js';

/**
 * Once started, is this worth connecting again for? A network error or a database that is
 * starting is; any other error of the driver or the database is not (credentials, a bad connect
 * string, a missing object); nor is dcn's own refusal. dcn's word that the connection or the
 * subscription went, and a cache that could not drop (watch drops everything once it is back), are.
 */
function retryable(err: unknown): boolean {
  const root = rootCause(err);
  if (oracleCode(root) !== undefined) return isTransient(root);
  if (root instanceof DcnError) return root.code === 'connection_failed';
  return !(err instanceof DcnError) || err.code === 'connection_failed';
}

/** The reason a 'lost' event gives. */
export function describe(err: unknown): string {
  return err instanceof Error ? firstLine(err) : String(err);
}

/**
 * Undefined: connect again. Otherwise the error `what` (e.g. "the watch") stops with, saying why
 * it does not retry. `started`: it had started (watch: subscribed once) before this error.
 */
export function giveUp(err: unknown, started: boolean, what: string): DcnError | undefined {
  if (started && retryable(err)) return undefined;
  const e =
    err instanceof DcnError
      ? err
      : oracleCode(err) !== undefined
        ? statementError(err, what)
        : new DcnError('unavailable', `${what}: ${describe(err)}`, { cause: err });
  // bad input, a missing grant, a database or driver that cannot: said as they are
  if (!started && e.code !== 'connection_failed' && e.code !== 'login_denied') return e;
  const why =
    e.code === 'login_denied'
      ? 'a refused login is never tried again: each one counts towards locking the account (FAILED_LOGIN_ATTEMPTS)'
      : !started
        ? 'it had not started yet, and reconnects only once it has; a supervisor can start it again'
        : 'only a network error or a database that is starting is tried again';
  return new DcnError(e.code, `${what} stopped instead of retrying (${why}): ${e.message}`, {
    hint: e.hint,
    remedies: e.remedies,
    meta: e.meta,
    cause: e.cause ?? e,
  });
}
