/**
 * `tail -f` for the notification log (nfresults). Reads the last N rows, then, when following,
 * only rows after the highest id it read, and the few lower ids that were missing then (a lower
 * id can commit after a higher one): one query per poll on the primary key, at most a batch of
 * rows at a time, so memory stays constant however long it runs. A lost connection is said
 * once and retried with backoff; it goes on from the last id it printed, so no row is lost or
 * printed twice. Only network errors and a database that is starting are retried: a refused
 * login stops it (each one counts towards locking the account). Never prints and never exits: it
 * yields rows and events.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { DcnError } from '../errors.js';
import type { BindValue, DbSession } from '../db/driver.js';
import { firstLine, oracleCode, rootCause, statementError } from '../db/oracle-errors.js';
import { giveUp } from '../db/reconnect.js';

export interface TailFilters {
  /** Table name as sendNotification logs it (ORDERS), also matched as SCHEMA.TABLE. */
  readonly table?: string;
  readonly order?: string;
  /** The key of a routed table's call, as the callback logs it in KEY_VALUES: key=7, key=101&key=X. */
  readonly keyValues?: string;
  readonly since?: Date;
  /** Rows before this time only. */
  readonly until?: Date;
  /** Failed calls only: an error, an HTTP status of 400 or more, or a callback error. */
  readonly errorsOnly?: boolean;
  /** The calls that did not fail only (the rows errorsOnly leaves out). */
  readonly okOnly?: boolean;
}

export interface LogRow {
  readonly id: number;
  readonly time: string;
  readonly table: string | null;
  readonly order: string | null;
  readonly event: string;
  readonly operation: string | null;
  readonly status: number | null;
  readonly message: string | null;
  readonly error: string | null;
  readonly regid: number | null;
  /** A routed table's key as the call sent it (key=7); null for an order, a table-level call, or a log from before KEY_VALUES. */
  readonly keyValues?: string | null;
}

export type TailEvent =
  | { readonly type: 'rows'; readonly rows: readonly LogRow[] }
  | { readonly type: 'lost'; readonly reason: string }
  | { readonly type: 'reconnected' };

export const COLUMNS = [
  'ID',
  'OPERDATE',
  'TBLNAME',
  'ORDER_ID',
  'EVENT',
  'OPERATION',
  'STATUS_CODE',
  'RSLT_MSG',
  'ERROR_TEXT',
  'REGID',
] as const;
/** Added by migration V8 (routes): a log installed before it has no such column. */
const KEY_VALUES = 'KEY_VALUES';

/**
 * The KEY_VALUES text of a key, as the callback writes it: key=v for each value in key order,
 * joined by &, each value escaped as UTL_URL.ESCAPE(v, TRUE) does for ASCII, which leaves only
 * RFC 2396's unreserved characters as they are (Oracle Database PL/SQL Packages and Types
 * Reference, UTL_URL) — those encodeURIComponent leaves too.
 */
export function keyValuesOf(values: readonly string[]): string {
  return values.map((v) => `key=${encodeURIComponent(v)}`).join('&');
}

/** A failed row, for --errors and for colour. */
export function isFailure(row: LogRow): boolean {
  return row.error !== null || (row.status !== null && row.status >= 400) || row.event === 'error';
}

let knexLoaded: Promise<Knex> | undefined;

/** knex as a query builder only (no connection): it writes the SQL and the bind list. */
async function builder(): Promise<Knex> {
  knexLoaded ??= import('knex').then((m) => {
    const knex = ((m as { default?: unknown }).default ?? m) as (config: Knex.Config) => Knex;
    return knex({ client: 'oracledb' });
  });
  return knexLoaded;
}

export interface TailQuery {
  readonly sql: string;
  readonly binds: readonly BindValue[];
}

/**
 * The query: rows after `afterId` in id order (and the ids in `again`, which may have committed
 * since), or the last `last` rows; filters as given.
 */
export async function tailQuery(
  filters: TailFilters,
  schema: string,
  window: { afterId: number; limit: number; again?: readonly number[] } | { last: number },
  withKeyValues = true,
): Promise<TailQuery> {
  const knex = await builder();
  let q = knex('NFRESULTS').select(...COLUMNS, ...(withKeyValues ? [KEY_VALUES] : []));
  if ('afterId' in window) {
    const again = window.again ?? [];
    q =
      again.length === 0
        ? q.where('ID', '>', window.afterId)
        : q.where((w) => w.where('ID', '>', window.afterId).orWhereIn('ID', again as number[]));
  }
  if (filters.table !== undefined) q = q.whereIn('TBLNAME', [filters.table, `${schema}.${filters.table}`]);
  if (filters.order !== undefined) q = q.where('ORDER_ID', filters.order);
  if (filters.keyValues !== undefined) q = q.where(KEY_VALUES, filters.keyValues);
  if (filters.since !== undefined) q = q.where('OPERDATE', '>=', filters.since);
  if (filters.until !== undefined) q = q.where('OPERDATE', '<', filters.until);
  if (filters.errorsOnly)
    q = q.where((w) => w.whereNotNull('ERROR_TEXT').orWhere('STATUS_CODE', '>=', 400).orWhere('EVENT', 'error'));
  // the complement of the line above, NULLs included
  if (filters.okOnly)
    q = q
      .whereNull('ERROR_TEXT')
      .where((w) => w.whereNull('STATUS_CODE').orWhere('STATUS_CODE', '<', 400))
      .where((w) => w.whereNull('EVENT').orWhere('EVENT', '<>', 'error'));
  q = 'afterId' in window ? q.orderBy('ID', 'asc').limit(window.limit) : q.orderBy('ID', 'desc').limit(window.last);
  const native = q.toSQL().toNative();
  return { sql: native.sql, binds: native.bindings as BindValue[] };
}

/**
 * The filters of tailQuery, on a row that has been read: following reads every new row, because
 * a row that a filter leaves out still tells which ids are taken (see Tail.follow).
 */
function matchesFilters(row: LogRow, filters: TailFilters, schema: string): boolean {
  if (filters.table !== undefined && row.table !== filters.table && row.table !== `${schema}.${filters.table}`)
    return false;
  if (filters.order !== undefined && row.order !== filters.order) return false;
  if (filters.keyValues !== undefined && row.keyValues !== filters.keyValues) return false;
  if (filters.since !== undefined && !(Date.parse(row.time) >= filters.since.getTime())) return false;
  if (filters.until !== undefined && !(Date.parse(row.time) < filters.until.getTime())) return false;
  if (filters.errorsOnly && !isFailure(row)) return false;
  if (filters.okOnly && isFailure(row)) return false;
  return true;
}

/**
 * Ids below the highest one read that were not there yet: each may be a row that committed
 * later (identity values are cached, and rows come from concurrent job sessions, and from several
 * instances under RAC, so a lower id can commit after a higher one: SQL Language Reference,
 * CREATE SEQUENCE, ORDER/NOORDER and CACHE,
 * https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-SEQUENCE.html), or a value that was never used (a rollback, a cache lost at restart). Each is
 * asked for again, by id in the same query, until it comes or is older than GAP_MS.
 */
const MAX_GAPS = 500; // bounded memory, and an IN list within Oracle's 1,000
const GAP_MS = 10 * 60_000;

function toRow(r: Record<string, unknown>): LogRow {
  const time = r.OPERDATE instanceof Date ? r.OPERDATE.toISOString() : String(r.OPERDATE);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: Number(r.ID),
    time,
    table: str(r.TBLNAME),
    order: str(r.ORDER_ID),
    event: String(r.EVENT ?? ''),
    operation: str(r.OPERATION),
    status: num(r.STATUS_CODE),
    message: str(r.RSLT_MSG),
    error: str(r.ERROR_TEXT),
    regid: num(r.REGID),
    keyValues: str(r.KEY_VALUES),
  };
}

export interface TailOptions {
  /** Opens a session for the app schema; called again after a lost connection. */
  readonly connect: () => Promise<DbSession>;
  /** The app schema, to match SCHEMA.TABLE names the callback logs. */
  readonly schema: string;
  readonly filters: TailFilters;
  /** Most rows one poll reads; the next poll follows at once when it was full. */
  readonly batch?: number;
}

export class Tail {
  #session: DbSession | undefined;
  /** Whether NFRESULTS has KEY_VALUES: assumed until a query says otherwise. */
  #keyValues = true;

  constructor(private readonly options: TailOptions) {}

  async #execute(sql: string, binds: readonly BindValue[], name: string): Promise<readonly Record<string, unknown>[]> {
    this.#session ??= await this.options.connect();
    try {
      return (await this.#session.execute(sql, binds, { name })).rows;
    } catch (err) {
      if (oracleCode(err) === 'ORA-00904' && /KEY_VALUES/i.test(firstLine(err)))
        throw new DcnError('not_found', 'the notification log NFRESULTS has no KEY_VALUES column', {
          meta: { missingColumn: KEY_VALUES },
          cause: err,
        });
      if (oracleCode(err) === 'ORA-00942') {
        throw new DcnError(
          'not_found',
          `the notification log NFRESULTS does not exist in ${this.options.schema} (or is not visible)`,
          {
            hint: 'install it with `dcn migrate` (migration V2), or connect as the schema that owns it (DCN_USER)',
            cause: err,
          },
        );
      }
      // a connection lost in the first query too (ORA-03113 right after connecting): said as one
      throw statementError(err, 'reading the notification log');
    }
  }

  /**
   * The rows of the query `build` writes: with KEY_VALUES unless the log has none (installed
   * before migration V8), which the first query finds out once.
   */
  async #query(build: (withKeyValues: boolean) => Promise<TailQuery>): Promise<LogRow[]> {
    if (this.#keyValues) {
      try {
        const q = await build(true);
        return (await this.#execute(q.sql, q.binds, 'tail.select')).map(toRow);
      } catch (err) {
        if (!(err instanceof DcnError && err.meta.missingColumn === KEY_VALUES)) throw err;
        if (this.options.filters.keyValues !== undefined) {
          throw new DcnError(
            'not_found',
            'the notification log NFRESULTS has no KEY_VALUES column: its calls carry no keys to filter by',
            { hint: 'apply migration V8 (routes) with `dcn migrate`', cause: err },
          );
        }
        this.#keyValues = false;
      }
    }
    const q = await build(false);
    return (await this.#execute(q.sql, q.binds, 'tail.select')).map(toRow);
  }

  /** The highest id in the log, whatever the filters: following starts after it. */
  async maxId(): Promise<number> {
    const native = (await builder())('NFRESULTS').max('ID', { as: 'MAX_ID' }).toSQL().toNative();
    const rows = await this.#execute(native.sql, native.bindings as BindValue[], 'tail.max-id');
    return Number(rows[0]?.MAX_ID ?? 0);
  }

  /** The last `n` rows that match, oldest first. */
  async last(n: number): Promise<LogRow[]> {
    const rows = await this.#query((withKeys) =>
      tailQuery(this.options.filters, this.options.schema, { last: n }, withKeys),
    );
    return rows.reverse();
  }

  /**
   * Rows after `afterId` as they arrive, until `signal` aborts; reconnects after a lost
   * connection. A row whose id is below one already read (committed later) is yielded when it
   * comes: each row once, whatever the order of commits.
   */
  async *follow(afterId: number, intervalMs: number, signal: AbortSignal): AsyncGenerator<TailEvent> {
    let last = afterId;
    let lost = false;
    let backoff = 1000;
    const batch = this.options.batch ?? 500;
    const gaps = new Map<number, number>(); // id → when it was first missed
    while (!signal.aborted) {
      let read: LogRow[];
      try {
        read = await this.#query((withKeys) =>
          tailQuery({}, this.options.schema, { afterId: last, limit: batch, again: [...gaps.keys()] }, withKeys),
        );
      } catch (err) {
        const fatal = giveUp(err, true, 'tail -f');
        if (fatal) throw fatal;
        await this.close();
        if (!lost) {
          lost = true;
          yield { type: 'lost', reason: firstLine(rootCause(err)) };
        }
        await sleep(backoff, undefined, { signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      if (lost) {
        lost = false;
        backoff = 1000;
        yield { type: 'reconnected' };
      }
      const now = Date.now();
      const rows: LogRow[] = [];
      let highest = last;
      for (const row of read) {
        if (row.id <= last) {
          if (!gaps.delete(row.id)) continue; // not one we were waiting for: seen already
        } else {
          for (let id = Math.max(highest + 1, row.id - MAX_GAPS); id < row.id; id++) gaps.set(id, now);
          highest = row.id;
        }
        if (matchesFilters(row, this.options.filters, this.options.schema)) rows.push(row);
      }
      last = highest;
      for (const [id, since] of gaps) if (now - since > GAP_MS || gaps.size > MAX_GAPS) gaps.delete(id);
      if (rows.length > 0) yield { type: 'rows', rows };
      if (read.length < batch) await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    await s?.close().catch(() => undefined);
  }
}

/** "10m", "2h", "30s", "1d" (that long ago), or an ISO date-time such as 2026-11-26T10:00; for --since and --until. */
export function parseSince(input: string, now: Date = new Date(), option = 'since'): Date {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(input.trim());
  if (m) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(m[1]) * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(input.trim())) {
    const d = new Date(input.trim());
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new DcnError('usage', 'neither a duration nor a date', {
    hint: 'e.g. 10m, 2h, 2026-11-26T10:00',
    meta: { option, value: input },
  });
}
