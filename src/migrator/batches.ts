/**
 * Which statements run together in one round trip with their progress: one DDL statement alone,
 * or consecutive DML statements (whose effect a ROLLBACK takes back, so a batch is applied whole
 * or not at all), as long as EXECUTE IMMEDIATE runs them with the same effect.
 */
import type { Statement } from '../script/script-items.js';
import { compiledObjectOf } from './compile-gate.js';

/** Statements Oracle commits itself (SQL Language Reference, "Types of SQL Statements": DDL). */
export const DDL =
  /^\s*(CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|COMMENT|RENAME|AUDIT|NOAUDIT|PURGE|FLASHBACK|ANALYZE|ASSOCIATE|DISASSOCIATE)\b/i;

/** The longest statement bound as text for EXECUTE IMMEDIATE (a VARCHAR2 bind in PL/SQL, in bytes). */
const MAX_BOUND_STATEMENT_BYTES = 32767;

/** DML: statements whose effect a ROLLBACK takes back, so a batch of them is applied whole or not at all. */
const DML = /^\s*(INSERT|UPDATE|DELETE|MERGE)\b/i;

/** At most this many statements, and this many characters, go in one round trip. */
const BATCH_STATEMENTS = 50;
const BATCH_CHARS = 256 * 1024;

/**
 * How many statements from i run in one round trip with their progress: 0 for one that must run
 * on its own, 1 for a plain statement, more for consecutive plain DML statements.
 */
export function batchAt(statements: readonly Statement[], i: number): number {
  if (!isPlain(statements[i]!)) return 0;
  if (!DML.test(statements[i]!.sql)) return 1;
  let n = 1;
  let chars = statements[i]!.sql.length;
  while (n < BATCH_STATEMENTS && i + n < statements.length) {
    const next = statements[i + n]!;
    if (!isPlain(next) || !DML.test(next.sql) || chars + next.sql.length > BATCH_CHARS) break;
    chars += next.sql.length;
    n++;
  }
  return n;
}

/**
 * A statement history.run-statements can run as dynamic SQL with the same effect: not one the
 * compile gate checks (its errors are read back after it runs), not a query, which EXECUTE
 * IMMEDIATE would parse without running, and not SET ROLE or SET TRANSACTION, which change the
 * session or transaction around the block.
 */
function isPlain(st: Statement): boolean {
  return (
    !/^\s*(SELECT|WITH|SET)\b/i.test(st.sql) &&
    st.sql.length * 3 <= MAX_BOUND_STATEMENT_BYTES &&
    compiledObjectOf(st) === undefined
  );
}
