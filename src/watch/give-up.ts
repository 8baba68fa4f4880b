/**
 * When dcn watch stops instead of connecting again. Nothing is retried before the first
 * subscription: a supervisor starts dcn again, and a typo in the host must not look like an outage
 * that dcn is riding out. After it, only a network error or a database that is starting is. A
 * refused login never is: Oracle locks the account after the profile's FAILED_LOGIN_ATTEMPTS
 * (10 in the DEFAULT profile, Oracle Database Security Guide).
 */
import { firstLine, isTransient, oracleCode, rootCause, statementError } from '../db/oracle-errors.js';
import { DcnError } from '../errors.js';

/**
 * Once subscribed, is this worth connecting again for? A network error or a database that is
 * starting is; any other error of the driver or the database is not (credentials, a bad connect
 * string, a missing object); nor is dcn's own refusal. dcn's word that the subscription went, and
 * a cache that could not drop (it drops everything once the watch is back), are.
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

/** Undefined: connect again. Otherwise the error the watch stops with, saying why it does not retry. */
export function giveUp(err: unknown, subscribed: boolean): DcnError | undefined {
  if (subscribed && retryable(err)) return undefined;
  const e = err instanceof DcnError ? err : oracleCode(err) !== undefined ? statementError(err, 'watch') : new DcnError('unavailable', `watch: ${describe(err)}`, { cause: err });
  // bad input, a missing grant, a database or driver that cannot: said as they are
  if (!subscribed && e.code !== 'connection_failed' && e.code !== 'login_denied') return e;
  const why =
    e.code === 'login_denied' ? 'a refused login is never tried again: each one counts towards locking the account (FAILED_LOGIN_ATTEMPTS)'
    : !subscribed ? 'it had not subscribed yet, and reconnects only once it has; a supervisor can start it again'
    : 'only a network error or a database that is starting is tried again';
  return new DcnError(e.code, `the watch stopped instead of retrying (${why}): ${e.message}`, { hint: e.hint, remedies: e.remedies, meta: e.meta, cause: e.cause ?? e });
}
