/**
 * The tables dcn watch covers: what each is keyed by, the query that subscribes to it, and the
 * keys of the rows a change notification names, looked up by ROWID in one statement per table per
 * notification (the ROWIDs bound as one collection, SYS.ODCIVARCHAR2LIST, never written into the
 * SQL text as one argument each).
 */
import type { DbSession } from '../db/driver.js';
import { DcnError } from '../errors.js';
import type { QualifiedName } from '../oracle/identifiers.js';
import { sqlPath } from '../paths.js';
import { listRoutes, ownerAndTable, planRoute, routesAvailable, type Route } from '../registrations/routes.js';
import { loadNamedQueries } from '../script/named-queries.js';

export interface WatchedTable {
  /** OWNER.TABLE */
  readonly table: string;
  /** The cached function its changes drop. */
  readonly function: string;
  /** Keyed by its order (the orders tables): the function takes the order number. */
  readonly byOrder: boolean;
  /** The key columns (ORDER_ID for the orders tables); null: every change drops all. */
  readonly key: readonly string[] | null;
  /** false: an UPDATE may change the key, and drops all of the table's results. */
  readonly keyImmutable: boolean;
}

/** What planTables needs of the watch's options. */
export interface PlanOptions {
  readonly tables: readonly QualifiedName[];
  /** Table name (without owner, as the dictionary stores it) → cached function. */
  readonly functions: Readonly<Record<string, string>>;
  /** The orders and order items tables (names without owner): keyed by ORDER_ID. */
  readonly orderTables: readonly string[];
  readonly orderItemsKeyImmutable?: boolean;
}

/** ROWIDs bound in one key lookup (Oracle sends ALL_ROWS instead of ROWIDs long before this). */
const ROWIDS_PER_LOOKUP = 1000;

const queries = () => loadNamedQueries(sqlPath('watch', 'watch.sql'));
const registrationQueries = () => loadNamedQueries(sqlPath('registrations', 'registrations.sql'));

/** "OWNER"."TABLE" for names dcn read from the dictionary or checked: a double quote is refused, not escaped. */
export function quoted(...parts: string[]): string {
  for (const p of parts)
    if (p.includes('"') || p.includes('\u0000'))
      throw new DcnError('usage', `${p}: a name with a double quote cannot be watched`);
  return parts.map((p) => `"${p}"`).join('.');
}

/**
 * The key values of each ROWID of `table` (OWNER.TABLE): null for a row no longer there, and a
 * null value for a key column that is NULL (Oracle stores '' as NULL too).
 */
export async function lookupKeys(
  session: DbSession,
  table: string,
  key: readonly string[],
  rowids: readonly string[],
): Promise<((string | null)[] | null)[]> {
  const { owner, table: name } = ownerAndTable(table);
  const keyList = key.map((c, i) => `TO_CHAR(t.${quoted(c)}) AS k${i + 1}`).join(', ');
  const q = queries().render('watch.keys', { table: quoted(owner, name), key_list: keyList });
  const found: ((string | null)[] | null)[] = [];
  for (let from = 0; from < rowids.length; from += ROWIDS_PER_LOOKUP) {
    const chunk = rowids.slice(from, from + ROWIDS_PER_LOOKUP);
    const rows = (
      await session.execute(q.sql, { rowids: { collection: 'SYS.ODCIVARCHAR2LIST', values: chunk } }, { name: q.name })
    ).rows;
    found.push(
      ...rows.map((r) =>
        r.FOUND == null ? null : key.map((_, i) => (r[`K${i + 1}`] == null ? null : String(r[`K${i + 1}`]))),
      ),
    );
  }
  return found;
}

/** The query a subscription registers for one table (OWNER.TABLE): reading it is what the subscription covers. */
export function subscriptionQuery(name: string): string {
  const { owner, table } = ownerAndTable(name);
  return queries().render('watch.subscribe', { table: quoted(owner, table) }).sql;
}

/** What each watched table is keyed by, from the dictionary and dcn_routes, checked before anything subscribes. */
export async function planTables(session: DbSession, options: PlanOptions, schema: string): Promise<WatchedTable[]> {
  const routes = (await routesAvailable(session)) ? await listRoutes(session) : new Map<string, Route>();
  const planned: WatchedTable[] = [];
  for (const t of options.tables) {
    const owner = t.schema ?? schema;
    const table = `${owner}.${t.name}`;
    const fn = options.functions[t.name];
    if (fn === undefined)
      throw new DcnError('usage', `no cached function for ${table}: its changes would drop nothing`, {
        hint: `map it: ${t.name}=function`,
        meta: { option: 'map', value: t.name },
      });
    const visible = registrationQueries().render('table.visible');
    if ((await session.execute(visible.sql, { owner, table_name: t.name }, { name: visible.name })).rows.length === 0) {
      throw new DcnError('usage', `table ${table} does not exist or is not visible to this user`, {
        hint: `check the name; a table in another schema must be granted (GRANT SELECT ON ${table} TO the user)`,
      });
    }
    if (owner === schema && options.orderTables.includes(t.name)) {
      const items = t.name === options.orderTables[1];
      planned.push({
        table,
        function: fn,
        byOrder: true,
        key: ['ORDER_ID'],
        keyImmutable: !items || options.orderItemsKeyImmutable === true,
      });
      continue;
    }
    const route = routes.get(table) ?? (await planRoute(session, owner, t.name));
    planned.push({ table, function: fn, byOrder: false, key: route.key, keyImmutable: route.keyImmutable });
  }
  return planned;
}
