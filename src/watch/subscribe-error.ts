import { firstLine, isConnectionLost, isLoginDenied, isUnreachable, oracleCode } from '../db/oracle-errors.js';
import { DcnError } from '../errors.js';

/** What a failed subscribe() means, and whether a reconnect could cure it (connection_failed). */
export function subscribeError(err: unknown, table: string): DcnError {
  const code = oracleCode(err);
  if (code === 'ORA-29972' || code === 'ORA-01031') {
    return new DcnError(
      'privilege_missing',
      `subscribing to ${table}: the user lacks CHANGE NOTIFICATION (${firstLine(err)})`,
      { hint: 'GRANT CHANGE NOTIFICATION TO the user (dcn migrate with the admin profile does it)', cause: err },
    );
  }
  if (code === 'ORA-00942')
    return new DcnError('usage', `subscribing to ${table}: not visible to this user (${firstLine(err)})`, {
      hint: `GRANT SELECT ON ${table} to the user`,
      cause: err,
    });
  // node-oracledb Thin opens each notification connection with the password the watch connected with
  if (isLoginDenied(err))
    return new DcnError(
      'login_denied',
      `subscribing to ${table}: the database refused the login of the notification connection (${firstLine(err)})`,
      { hint: 'if the password changed while the watch ran, start it again with the new one', cause: err },
    );
  if (isConnectionLost(err) || isUnreachable(err))
    return new DcnError('connection_failed', `subscribing to ${table}: ${firstLine(err)}`, { cause: err });
  if (/NJS-089|not supported.*Thin/i.test(firstLine(err)))
    return new DcnError('unavailable', `subscribing to ${table}: ${firstLine(err)}`, {
      hint: 'dcn watch needs node-oracledb 26 in Thin mode',
      cause: err,
    });
  return new DcnError('connection_failed', `subscribing to ${table}: ${firstLine(err)}`, { cause: err });
}
