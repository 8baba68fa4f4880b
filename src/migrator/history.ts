/**
 * The history table and its lock table, through dcn's named queries (sql/migrator/history.sql):
 * created when missing, read as typed rows.
 */
import type { Binds, DbSession, ExecuteResult } from '../db/driver.js';
import { oracleCode, statementError } from '../db/oracle-errors.js';
import { sqlPath } from '../paths.js';
import { loadNamedQueries, type NamedQuery } from '../script/named-queries.js';
import type { Variables } from '../script/substitute.js';
import type { Profile } from './migration-script.js';

export interface HistoryRow {
  readonly rank: number;
  readonly version: string;
  readonly description: string;
  readonly script: string;
  readonly checksum: string;
  readonly profile: Profile;
  readonly operation: 'migrate' | 'undo' | 'baseline';
  readonly statementsDone: number;
  readonly statementsTotal: number;
  readonly doneHash: string | null;
  readonly success: boolean;
  readonly errorText: string | null;
  readonly installedBy: string;
  readonly installedOn: unknown;
  readonly executionMs: number | null;
}

export function toIso(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  return undefined;
}

/** A row of `history.select`, typed. */
function historyRowOf(row: Readonly<Record<string, unknown>>): HistoryRow {
  return {
    rank: Number(row.INSTALLED_RANK),
    version: String(row.VERSION),
    description: String(row.DESCRIPTION),
    script: String(row.SCRIPT),
    checksum: String(row.CHECKSUM),
    profile: row.PROFILE === 'admin' ? 'admin' : 'app',
    operation: row.OPERATION === 'undo' ? 'undo' : row.OPERATION === 'baseline' ? 'baseline' : 'migrate',
    statementsDone: Number(row.STATEMENTS_DONE),
    statementsTotal: Number(row.STATEMENTS_TOTAL),
    doneHash: row.DONE_HASH == null ? null : String(row.DONE_HASH),
    success: Number(row.SUCCESS) === 1,
    errorText: row.ERROR_TEXT == null ? null : String(row.ERROR_TEXT),
    installedBy: String(row.INSTALLED_BY),
    installedOn: row.INSTALLED_ON,
    executionMs: row.EXECUTION_MS == null ? null : Number(row.EXECUTION_MS),
  };
}

export class HistoryTable {
  readonly #queries = new Map<string, NamedQuery>();
  readonly #variables: Variables;

  /** `name`: upper-case, validated identifier. */
  constructor(
    readonly name: string,
    lockTimeoutSeconds: number,
  ) {
    const wait = lockTimeoutSeconds <= 0 ? 'NOWAIT' : `WAIT ${Math.floor(lockTimeoutSeconds)}`;
    this.#variables = { history_table: name, lock_wait: wait };
  }

  /** A named query, rendered for this table. */
  query(name: string): NamedQuery {
    let q = this.#queries.get(name);
    if (!q) {
      q = loadNamedQueries(sqlPath('migrator', 'history.sql')).render(name, this.#variables);
      this.#queries.set(name, q);
    }
    return q;
  }

  async run(session: DbSession, name: string, binds: Binds = {}): Promise<ExecuteResult> {
    const q = this.query(name);
    try {
      return await session.execute(q.sql, binds, { name });
    } catch (err) {
      throw statementError(err, `dcn query ${name}`);
    }
  }

  async exists(app: DbSession): Promise<boolean> {
    const r = await this.run(app, 'table.exists', { table_name: this.name });
    return r.rows.length > 0;
  }

  /** Creates the history and lock tables when missing (and seeds the lock row). */
  async ensure(app: DbSession): Promise<void> {
    const create = async (table: string, createName: string, seed?: string) => {
      const r = await this.run(app, 'table.exists', { table_name: table });
      if (r.rows.length > 0) return;
      try {
        await app.execute(this.query(createName).sql, {}, { name: createName });
      } catch (err) {
        if (oracleCode(err) === 'ORA-00955') return; // a concurrent run created it first
        throw statementError(err, `creating ${table}`);
      }
      if (seed) {
        try {
          await app.execute(this.query(seed).sql, {}, { name: seed });
          await app.commit();
        } catch (err) {
          if (oracleCode(err) !== 'ORA-00001') throw statementError(err, `seeding ${table}`);
          await app.rollback();
        }
      }
    };
    await create(this.name, 'history.create');
    await create(`${this.name}_LOCK`, 'lock.create', 'lock.seed');
  }

  async read(app: DbSession): Promise<HistoryRow[]> {
    const r = await this.run(app, 'history.select');
    return r.rows.map(historyRowOf);
  }
}
