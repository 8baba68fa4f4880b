/**
 * The schema's INVALID objects after a run: a migration that drops or alters what a view or a
 * PL/SQL unit uses leaves that object INVALID, and Oracle only tries to compile it again when it
 * is next used. dcn lists them (USER_OBJECTS), compiles them once, and lists what is left.
 */
import type { DbSession } from '../db/driver.js';
import { firstLine } from '../db/oracle-errors.js';
import { sqlPath } from '../paths.js';
import { loadNamedQueries } from '../script/named-queries.js';
import type { HistoryTable } from './history.js';

export interface SchemaObject {
  readonly type: string;
  readonly name: string;
}

interface RecompileOutcome {
  /** INVALID before, VALID after the compile. */
  readonly recompiled: readonly SchemaObject[];
  /** Still INVALID after it. */
  readonly stillInvalid: readonly SchemaObject[];
  /** Why the compile itself failed (ORA-20000 when some object is not the schema's to compile), when it did. */
  readonly error?: string;
}

/** The connected schema's INVALID objects, by type and name. */
export async function listInvalidObjects(history: HistoryTable, session: DbSession): Promise<SchemaObject[]> {
  const { rows } = await history.run(session, 'objects.invalid');
  return rows.map((row) => ({ type: String(row.OBJECT_TYPE), name: String(row.OBJECT_NAME) }));
}

/** Compiles the schema's INVALID objects once (nothing when `before` is empty) and says what became of them. */
export async function recompileInvalid(
  history: HistoryTable,
  session: DbSession,
  before: readonly SchemaObject[],
): Promise<RecompileOutcome> {
  if (before.length === 0) return { recompiled: [], stillInvalid: [] };
  const q = loadNamedQueries(sqlPath('migrator', 'invalid-objects.sql')).render('objects.recompile', {});
  let error: string | undefined;
  try {
    await session.execute(q.sql, {}, { name: 'objects.recompile' });
  } catch (err) {
    // what it did compile stays compiled: read the list again either way
    error = firstLine(err);
  }
  const stillInvalid = await listInvalidObjects(history, session);
  const key = (o: SchemaObject) => `${o.type} ${o.name}`;
  const left = new Set(stillInvalid.map(key));
  return { recompiled: before.filter((o) => !left.has(key(o))), stillInvalid, ...(error ? { error } : {}) };
}
