/**
 * Routes: for each registered table, the columns whose values name its cached results.
 * orders_nf_callback reads them from dcn_routes (migration V8) for every table other than the
 * orders and order items tables, which keep the article's ?order_no=… contract. A table's route
 * is its primary key unless the user names other columns; a table with neither gets table-level
 * notifications. A primary key is taken as immutable; other key columns may change unless the
 * user says they never do, and an UPDATE of a table whose key may change is notified at table
 * level (the notification names only the new key). Never prints, never exits.
 */
import { DcnError, usageError } from '../errors.js';
import type { DbSession } from '../db/driver.js';
import { statementError } from '../db/oracle-errors.js';
import { isReservedWord, isUnquotedName } from '../oracle/identifiers.js';
import { MAX_KEYS } from '../cache/key-arguments.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { sqlPath } from '../paths.js';

/** What the user asked of a table's key. */
export interface KeyRequest {
  /** Key columns, in the order the URL gives their values; absent: the primary key. */
  readonly columns?: readonly string[];
  /** The named columns never change (a primary key is taken as such). */
  readonly immutable?: boolean;
}

export interface Route {
  /** OWNER.TABLE */
  readonly table: string;
  /** null: no key, table-level notifications. */
  readonly key: readonly string[] | null;
  readonly keyImmutable: boolean;
  /** Where the key came from. */
  readonly keyFrom: 'primary key' | 'named' | 'none';
}

const queries = () => loadNamedQueries(sqlPath('registrations', 'registrations.sql'));

/** A route with more keys than the listener takes would be answered 400 at every change: refused when it is written. */
const tooManyKeys = `a notification carries at most ${MAX_KEYS} key values (dcn listen answers 400 to more)`;

/** --key COL[,COL…]: unquoted column names, upper-cased, each once, at most MAX_KEYS. */
export function parseKeyColumns(inputs: readonly string[]): string[] {
  const columns = inputs.flatMap((i) => i.split(',')).map((c) => c.trim());
  for (const c of columns) {
    if (!isUnquotedName(c) || isReservedWord(c))
      throw new DcnError('usage', `'${c}' is not a column name`, {
        hint: 'name the key columns as the dictionary does, comma-separated: e.g. EMPLOYEE_ID or EMPLOYEE_ID,START_DATE',
        meta: { option: 'key', value: inputs.join(',') },
      });
  }
  const upper = columns.map((c) => c.toUpperCase());
  const twice = upper.find((c, i) => upper.indexOf(c) !== i);
  if (twice)
    throw new DcnError('usage', `${twice} is named twice`, {
      hint: 'name each key column once',
      meta: { option: 'key', value: inputs.join(',') },
    });
  if (upper.length > MAX_KEYS)
    throw new DcnError('usage', `${upper.length} key columns: ${tooManyKeys}`, {
      hint: `name at most ${MAX_KEYS}: the arguments the table's cached function takes`,
      meta: { option: 'key', value: inputs.join(',') },
    });
  return upper;
}

async function rows(session: DbSession, name: string, binds: Record<string, string | null>, what: string) {
  const q = queries().render(name);
  try {
    return (await session.execute(q.sql, binds, { name: q.name })).rows;
  } catch (err) {
    throw statementError(err, what);
  }
}

/** Is dcn_routes there (migration V8)? */
export async function routesAvailable(session: DbSession): Promise<boolean> {
  return Number((await rows(session, 'routes.available', {}, 'looking for dcn_routes'))[0]?.ROUTES ?? 0) > 0;
}

/**
 * The route a table gets: checked against the dictionary before anything is registered. A named
 * key column that may be NULL is said through `warn`: the callback and dcn watch cannot name a
 * cached result by a NULL key (and Oracle stores '' as NULL).
 */
export async function planRoute(
  session: DbSession,
  owner: string,
  table: string,
  request: KeyRequest = {},
  warn?: (message: string) => void,
): Promise<Route> {
  const name = `${owner}.${table}`;
  if (request.columns && request.columns.length > 0) {
    const found = await rows(session, 'table.columns', { owner, table_name: table }, `reading the columns of ${name}`);
    const existing = new Set(found.map((r) => String(r.COLUMN_NAME)));
    const missing = request.columns.filter((c) => !existing.has(c));
    if (missing.length > 0)
      throw usageError(
        `${name} has no column ${missing.join(', ')}`,
        `name key columns of ${name}: ${[...existing].sort().join(', ')}`,
      );
    // ALL_TAB_COLUMNS.NULLABLE: 'N' only where a NOT NULL constraint holds (Database Reference, ALL_TAB_COLUMNS)
    const nullable = found
      .filter((r) => r.NULLABLE !== 'N' && request.columns!.includes(String(r.COLUMN_NAME)))
      .map((r) => String(r.COLUMN_NAME));
    const ordered = request.columns.filter((c) => nullable.includes(c));
    if (ordered.length > 0)
      warn?.(
        `${name}: key column${ordered.length === 1 ? '' : 's'} ${ordered.join(', ')} may be NULL (and Oracle stores '' as NULL): a row whose key is NULL names no cached result by its key; declare ${ordered.length === 1 ? 'it' : 'them'} NOT NULL, or name key columns that are`,
      );
    return { table: name, key: [...request.columns], keyImmutable: request.immutable ?? false, keyFrom: 'named' };
  }
  const primaryKey = (
    await rows(session, 'table.primary-key', { owner, table_name: table }, `reading the primary key of ${name}`)
  ).map((r) => String(r.COLUMN_NAME));
  if (primaryKey.length === 0) return { table: name, key: null, keyImmutable: true, keyFrom: 'none' };
  if (primaryKey.length > MAX_KEYS)
    throw usageError(
      `${name}: its primary key has ${primaryKey.length} columns, and ${tooManyKeys}`,
      `name at most ${MAX_KEYS} of its columns as its key: the arguments its cached function takes`,
    );
  return { table: name, key: primaryKey, keyImmutable: true, keyFrom: 'primary key' };
}

/** OWNER.TABLE, as routes and the dictionary name a table (no quotes), in its two parts. */
export function ownerAndTable(name: string): { owner: string; table: string } {
  const dot = name.indexOf('.');
  return { owner: name.slice(0, dot), table: name.slice(dot + 1) };
}

function binds(name: string): { owner: string; table_name: string } {
  const { owner, table } = ownerAndTable(name);
  return { owner, table_name: table };
}

/** The write of a route, as run and as a dry run shows it (there without :owner when the session's schema fills it). */
export function planSaveRoute(
  route: Route,
  owner: 'bound' | 'session' = 'bound',
): { name: string; sql: string; binds: Record<string, string | null> } {
  const q = queries().render('routes.save');
  const { owner: bound, table_name } = binds(route.table);
  return {
    name: q.name,
    sql: q.sql,
    binds: {
      ...(owner === 'bound' ? { owner: bound } : {}),
      table_name,
      key_columns: route.key ? route.key.join(',') : null,
      key_immutable: route.keyImmutable ? 'yes' : 'no',
    },
  };
}

/** Writes a route (in the caller's transaction: the caller commits). */
export async function saveRoute(session: DbSession, route: Route): Promise<void> {
  const call = planSaveRoute(route);
  try {
    await session.execute(call.sql, call.binds, { name: call.name });
  } catch (err) {
    throw statementError(err, `writing the route of ${route.table}`);
  }
}

/**
 * Can the session user read the table without a role: its own, SELECT or READ granted to it or
 * to PUBLIC, or an ANY TABLE privilege granted so? What the definer's-rights callback can read.
 */
export async function readsWithoutRole(
  session: DbSession,
  user: string,
  owner: string,
  table: string,
): Promise<boolean> {
  if (owner === user) return true;
  if (
    (await rows(session, 'table.direct-grant', { owner, table_name: table }, `reading the grants on ${owner}.${table}`))
      .length > 0
  )
    return true;
  return (await rows(session, 'user.any-table', {}, `reading the system privileges of ${user}`)).length > 0;
}

export async function deleteRoute(session: DbSession, table: string): Promise<void> {
  await rows(session, 'routes.delete', binds(table), `removing the route of ${table}`);
}

/** Every route, by OWNER.TABLE. */
export async function listRoutes(session: DbSession): Promise<Map<string, Route>> {
  const found = await rows(session, 'routes.list', {}, 'reading the routes');
  return new Map(
    found.map((r) => {
      const table = `${String(r.TABLE_OWNER)}.${String(r.TABLE_NAME)}`;
      const key = r.KEY_COLUMNS == null ? null : String(r.KEY_COLUMNS).split(',');
      return [
        table,
        { table, key, keyImmutable: r.KEY_IMMUTABLE === 'yes', keyFrom: key ? 'named' : 'none' } satisfies Route,
      ];
    }),
  );
}
