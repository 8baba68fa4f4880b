import { DcnError } from '../errors.js';
import { firstLine, oracleCode, statementError } from '../db/oracle-errors.js';

/**
 * An error reading or writing the notification log: a log that is missing, or lacks a column the
 * migrations named in `needs` add, is installed by `dcn migrate`; any other error is the
 * statement's, as it is.
 */
export function logError(err: unknown, doing: string, needs: { migrations: string; plural: boolean }): DcnError {
  const code = oracleCode(err);
  if (code === 'ORA-00942')
    return new DcnError('not_found', 'the notification log NFRESULTS does not exist (or is not visible)', {
      hint: 'install it, or connect as the schema that owns it',
      remedies: [{ kind: 'migrate' }],
      meta: { oracleCode: code },
      cause: err,
    });
  if (code === 'ORA-00904')
    return new DcnError(
      'not_found',
      `NFRESULTS has no ${/"(\w+)"/.exec(firstLine(err))?.[1] ?? 'such'} column: ${needs.plural ? `migrations ${needs.migrations} are not both applied` : `migration ${needs.migrations} is not applied`}`,
      {
        hint: needs.plural ? 'apply them' : 'apply it',
        remedies: [{ kind: 'migrate' }],
        meta: { oracleCode: code },
        cause: err,
      },
    );
  return statementError(err, doing);
}
