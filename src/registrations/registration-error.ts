import { DcnError } from '../errors.js';
import { firstLine, oracleCode, statementError } from '../db/oracle-errors.js';

/** Explains the errors Oracle gives for registrations. */
export function registrationError(err: unknown, what: string, user: string): DcnError {
  const code = oracleCode(err);
  const message = firstLine(err);
  // ORA-29972: "user does not have privilege to change/create registration", Oracle's answer
  // without CHANGE NOTIFICATION (https://docs.oracle.com/en/error-help/db/ora-29972/)
  const missingGrant =
    code === 'ORA-01031' ||
    code === 'ORA-29972' ||
    (/DBMS_CHANGE_NOTIFICATION/i.test(String((err as Error)?.message)) &&
      /PLS-00201|PLS-00904|ORA-06550/.test(String((err as Error)?.message)));
  if (missingGrant) {
    return new DcnError('privilege_missing', `${what}: ${user} may not register for change notification (${message})`, {
      hint: `run \`dcn migrate\` with the admin profile (V1 grants it), or have a DBA run: GRANT CHANGE NOTIFICATION TO ${user}; GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO ${user};`,
      meta: { oracleCode: code },
      cause: err,
    });
  }
  if (code === 'ORA-29975') {
    return new DcnError(
      'database_error',
      `${what}: a registration cannot be created in the middle of a transaction (ORA-29975)`,
      {
        hint: 'dcn registers on a fresh session; if a logon trigger starts a transaction, commit it there',
        meta: { oracleCode: code },
        cause: err,
      },
    );
  }
  if (code === 'ORA-29973' || code === 'ORA-29983') {
    return new DcnError('usage', `${what}: Oracle cannot register that table (${message})`, {
      hint: 'change notification registers tables: not views, synonyms, fixed tables (V$…) or tables over a database link',
      meta: { oracleCode: code },
      cause: err,
    });
  }
  if (code === 'ORA-44002' || code === 'ORA-00942') {
    return new DcnError('usage', `${what}: a table does not exist or is not visible to ${user} (${message})`, {
      hint: 'check the name, and that the table is granted to the app user',
      meta: { oracleCode: code },
      cause: err,
    });
  }
  return statementError(err, what);
}
