/**
 * The calls of register, enable-reg and deregister, planned before anything runs (SQL text and
 * binds): what the engine sends, and what --dry-run shows. The requests they are planned from.
 */
import { usageError } from '../errors.js';
import type { OutBind } from '../db/driver.js';
import { displayName, type QualifiedName } from '../oracle/identifiers.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { sqlPath } from '../paths.js';
import { flagExpression } from './flags.js';
import { planSaveRoute, type KeyRequest, type Route } from './routes.js';

export interface PlannedCall {
  readonly name: string;
  readonly sql: string;
  readonly plsql: boolean;
  readonly binds: Readonly<Record<string, string | number | OutBind>>;
}

/** How the tables are routed. */
export interface RouteRequest {
  /** The key of the table (one table only): its columns, or the primary key. */
  readonly key?: KeyRequest;
  /** The orders and order items tables (unqualified, in the connected schema): the callback keeps the article's ?order_no=… for them, and reads no route. */
  readonly builtIn?: readonly string[];
  /** Register a table the user reads only through a role, with a warning, instead of refusing it. */
  readonly allowRoleGrant?: boolean;
}

/** A table's route as a command reports it: a route, or the article's built-in one. */
export type TableRoute = Route | { readonly table: string; readonly keyFrom: 'order_no' };

export interface RegisterRequest extends RouteRequest {
  readonly tables: readonly QualifiedName[];
  readonly callback: QualifiedName;
  readonly qos: readonly string[];
  readonly operations: readonly string[];
  readonly timeoutSeconds: number;
}

const queries = () => loadNamedQueries(sqlPath('registrations', 'registrations.sql'));

/** The name Oracle resolves: "OE"."ORDERS", or "ORDERS" in the connected user's schema. */
export function boundName(t: QualifiedName): string {
  return t.schema === undefined ? `"${t.name}"` : `"${t.schema}"."${t.name}"`;
}

function tableBinds(tables: readonly QualifiedName[]): { text: string; binds: Record<string, string> } {
  const binds: Record<string, string> = {};
  tables.forEach((t, i) => (binds[`table_${i + 1}`] = boundName(t)));
  return { text: tables.map((_, i) => `:table_${i + 1}`).join(', '), binds };
}

export function planRegister(req: RegisterRequest): PlannedCall {
  const t = tableBinds(req.tables);
  const q = queries().render('register.new', {
    table_binds: t.text,
    qosflags: flagExpression('qos', req.qos),
    operations: flagExpression('operations', req.operations),
  });
  return {
    name: q.name,
    sql: q.sql,
    plsql: true,
    binds: { ...t.binds, callback: displayName(req.callback), timeout: req.timeoutSeconds, regid: { out: 'number' } },
  };
}

export function planEnable(regid: number, tables: readonly QualifiedName[]): PlannedCall {
  const t = tableBinds(tables);
  const q = queries().render('register.enable', { table_binds: t.text });
  return { name: q.name, sql: q.sql, plsql: true, binds: { ...t.binds, regid } };
}

export function planDeregister(regid: number): PlannedCall {
  const q = queries().render('deregister');
  return { name: q.name, sql: q.sql, plsql: true, binds: { regid } };
}

export const ordersTakeNoKey = () =>
  usageError(
    'the orders and order items tables are keyed by their order (?order_no=…): they take no key',
    'register other tables with a key',
  );

/**
 * For a dry run: the writes to dcn_routes that go with a registration, where they can be known
 * without connecting (a named key), then their commit. An unqualified table's owner is the
 * session's schema, read into :owner first, as the run reads it. `readAtRun` names the tables
 * whose route (their primary key) only the dictionary can tell, when the run connects.
 */
export function planRouteWrites(
  tables: readonly QualifiedName[],
  req: RouteRequest,
  user?: string,
): { statements: PlannedCall[]; readAtRun: string[] } {
  const builtIn = new Set((req.builtIn ?? []).map((t) => t.toUpperCase()));
  // the orders tables are the app schema's: the user's, when the settings name one
  const routed = tables.filter(
    (t) => !((t.schema === undefined || t.schema === user?.toUpperCase()) && builtIn.has(t.name)),
  );
  if (req.key && routed.length !== tables.length) throw ordersTakeNoKey();
  const columns = req.key?.columns;
  if (!columns || columns.length === 0) return { statements: [], readAtRun: routed.map((t) => displayName(t)) };
  const statements: PlannedCall[] = [];
  for (const t of routed) {
    if (t.schema === undefined) {
      const q = queries().render('session.schema');
      statements.push({ name: q.name, sql: q.sql, plsql: true, binds: { owner: { out: 'string' } } });
    }
    const call = planSaveRoute(
      {
        table: `${t.schema ?? ''}.${t.name}`,
        key: [...columns],
        keyImmutable: req.key?.immutable ?? false,
        keyFrom: 'named',
      },
      t.schema === undefined ? 'session' : 'bound',
    );
    statements.push({ name: call.name, sql: call.sql, plsql: true, binds: call.binds as Record<string, string> });
  }
  statements.push({ name: 'commit', sql: 'COMMIT', plsql: false, binds: {} });
  return { statements, readAtRun: [] };
}
