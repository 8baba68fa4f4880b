/**
 * Registrations: what makes the database call the callback. Creates them (NEW_REG_START … a query
 * per table … REG_END), adds tables (ENABLE_REG), lists USER_CHANGE_NOTIFICATION_REGS grouped by
 * registration, and removes them (DEREGISTER). Every call is planned first (plans.ts: SQL and binds),
 * so --dry-run shows exactly what would run. Runs on the app profile: the schema that owns the
 * callback. Never prints, never exits.
 */
import { DcnError, usageError } from '../errors.js';
import type { Binds, DbSession } from '../db/driver.js';
import { firstLine, oracleCode, statementError } from '../db/oracle-errors.js';
import {
  displayName,
  isReservedWord,
  isUnquotedName,
  maxIdentifierBytes,
  parseQualifiedName,
  type QualifiedName,
} from '../oracle/identifiers.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { sqlPath } from '../paths.js';
import { withoutPassword } from '../redact.js';
import { decodeFlags } from './flags.js';
import {
  boundName,
  ordersTakeNoKey,
  planDeregister,
  planEnable,
  planRegister,
  type PlannedCall,
  type RegisterRequest,
  type RouteRequest,
  type TableRoute,
} from './plans.js';
import {
  deleteRoute,
  listRoutes,
  ownerAndTable,
  planRoute,
  readsWithoutRole,
  routesAvailable,
  saveRoute,
  type Route,
} from './routes.js';

export interface Registration {
  readonly regid: number;
  readonly username?: string;
  readonly callback: string;
  /** REGFLAGS as the view shows it; `qos` names its bits for a PL/SQL registration only. */
  readonly regflags: number | null;
  readonly qos: readonly string[];
  readonly operations: readonly string[];
  readonly timeoutSeconds: number | null;
  readonly changelag: number | null;
  readonly tables: readonly string[];
}

export const DEFAULT_CALLBACK = 'ORDERS_NF_CALLBACK';
export const DEFAULT_QOS = ['reliable', 'rowids'];
export const MAX_TABLES = 100;

const queries = () => loadNamedQueries(sqlPath('registrations', 'registrations.sql'));

/** Validates what users type for a registration; every failure is a usage error (exit 2). */
export function parseTables(inputs: readonly string[], maxBytes = 128, quoted = true): QualifiedName[] {
  if (inputs.length === 0)
    throw new DcnError('usage', 'no table given', {
      hint: 'name at least one, e.g. OE.ORDERS',
      meta: { option: 'table' },
    });
  if (inputs.length > MAX_TABLES)
    throw usageError(
      `${inputs.length} tables: at most ${MAX_TABLES} in one command`,
      'split them over several enable-reg calls',
    );
  const tables = inputs.map((i) => parseQualifiedName(i, 'table', maxBytes, quoted));
  const seen = new Set<string>();
  for (const t of tables) {
    const key = boundName(t);
    if (seen.has(key)) throw usageError(`table ${displayName(t)} is given twice`, 'name each table once');
    seen.add(key);
  }
  return tables;
}

/**
 * The tables of register and enable-reg: as parseTables, and only names the listener can serve.
 * The callback sends ?table=<name as stored>, which dcn listen --map takes only as a plain name
 * (upper-cased), so a quoted mixed-case table, or one in such a schema, would be notified and
 * never dropped: refused here, the one place routes are written.
 */
export function parseRoutableTables(inputs: readonly string[]): QualifiedName[] {
  const tables = parseTables(inputs, 128, false);
  for (const t of tables) {
    const plain = (part: string) => isUnquotedName(part) && part === part.toUpperCase() && !isReservedWord(part);
    if (!plain(t.name) || (t.schema !== undefined && !plain(t.schema))) {
      throw usageError(
        `table ${displayName(t)}: the listener's table map and the callback's ?table= name tables by plain upper-case names only, so no listener could serve its notifications`,
        'register tables whose names Oracle stores in upper case (created without quotes), e.g. OE.ORDERS',
      );
    }
  }
  return tables;
}

export function parseRegid(input: string): number {
  if (!/^[1-9]\d{0,14}$/.test(input.trim()))
    throw usageError(`'${input}' is not a registration id`, 'give the REGID shown by `dcn regs` (a whole number)');
  return Number(input.trim());
}

export function parseTimeout(input: string | undefined): number {
  if (input === undefined) return 0;
  if (!/^\d{1,10}$/.test(input.trim()) || Number(input) > 2147483647) {
    throw new DcnError('usage', 'not a whole number of seconds', {
      hint: 'e.g. 3600, or 0 for a registration that never expires',
      meta: { option: 'timeout', value: input },
    });
  }
  return Number(input);
}

export function parseCallback(input: string | undefined): QualifiedName {
  // a URL here is the callback URL given by mistake: refused without echoing a password it holds
  if (
    input !== undefined &&
    !input.startsWith('"') &&
    (/^[A-Za-z][\w+.-]*:\/\//.test(input) || /:[^@]*@/.test(input))
  ) {
    throw new DcnError(
      'usage',
      `callback '${withoutPassword(input)}' is a URL: the callback is the PL/SQL procedure the database calls, e.g. ORDERS_NF_CALLBACK`,
      {
        hint: 'name the procedure; the URL it calls is the callbackUrl setting, which dcn migrate applies',
        meta: { value: withoutPassword(input) },
      },
    );
  }
  const name = parseQualifiedName(input ?? DEFAULT_CALLBACK, 'callback', 128);
  // SYS.CHNF$_REG_INFO.callback is VARCHAR2(257) since 12.2 (catchnf.sql): schema.name at full length
  if (Buffer.byteLength(displayName(name)) > 257)
    throw usageError(
      `callback '${input}' is longer than the 257 bytes a registration holds`,
      'use a shorter name, or a synonym',
    );
  return name;
}

/** "plsql://OE.ORDERS_NF_CALLBACK?PR=0" and the like, as the procedure's name. */
export function callbackName(stored: string): string {
  return stored.replace(/^plsql:\/\//i, '').replace(/\?.*$/, '');
}

function sameCallback(stored: string, wanted: QualifiedName): boolean {
  const name = callbackName(stored).toUpperCase();
  const bare = name.slice(name.lastIndexOf('.') + 1).replace(/"/g, '');
  return (
    bare === wanted.name.toUpperCase() &&
    (wanted.schema === undefined || name.replace(/"/g, '').startsWith(`${wanted.schema.toUpperCase()}.`))
  );
}

const NO_TIMEOUT = 4294967295;

export function groupRegistrations(rows: readonly Record<string, unknown>[]): Registration[] {
  const byId = new Map<number, Registration & { tables: string[] }>();
  for (const row of rows) {
    const regid = Number(row.REGID);
    let reg = byId.get(regid);
    if (!reg) {
      reg = {
        regid,
        ...(row.USERNAME != null ? { username: String(row.USERNAME) } : {}),
        callback: callbackName(String(row.CALLBACK ?? '')),
        regflags: row.REGFLAGS == null ? null : Number(row.REGFLAGS),
        // The QOS_* constants are what a PL/SQL registration (CALLBACK plsql://…) was made with
        // (DBMS_CQ_NOTIFICATION, "Constants"); a client-initiated subscription (OCI, JDBC,
        // node-oracledb: net8://…, OCI:EP:…) carries the protocol's own bits: node-oracledb Thin
        // always sends QOS_SECURE 0x08, QOS_QUERY's bit, and PURGE_ON_NTFN 0x10, QOS_BEST_EFFORT's
        // (lib/thin/protocol/constants.js, messages/subscribe.js). Its bits get no name.
        qos: decodeFlags(
          'qos',
          row.REGFLAGS == null ? null : Number(row.REGFLAGS),
          /^plsql:\/\//i.test(String(row.CALLBACK ?? '')),
        ),
        operations: decodeFlags('operations', row.OPERATIONS_FILTER == null ? null : Number(row.OPERATIONS_FILTER)),
        // 4294967295 (2^32-1) is how the view shows "no timeout"
        timeoutSeconds: row.TIMEOUT == null || Number(row.TIMEOUT) === NO_TIMEOUT ? null : Number(row.TIMEOUT),
        changelag: row.CHANGELAG == null ? null : Number(row.CHANGELAG),
        tables: [],
      };
      byId.set(regid, reg);
    }
    if (row.TABLE_NAME != null) reg.tables.push(String(row.TABLE_NAME));
  }
  return [...byId.values()];
}

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

export interface SessionSource {
  app(): Promise<DbSession>;
  admin(): Promise<DbSession>;
}

export class Registrations {
  constructor(private readonly sessions: SessionSource) {}

  async #run(
    session: DbSession,
    call: PlannedCall | { name: string; sql: string },
    binds: Binds,
    what: string,
    user: string,
  ) {
    try {
      return await session.execute(call.sql, binds, { name: call.name });
    } catch (err) {
      throw registrationError(err, what, user);
    }
  }

  /** The connected user, refusing SYS, which Oracle does not let register. */
  async #user(session: DbSession): Promise<{ user: string; schema: string }> {
    const q = queries().render('session.user');
    const row = (await this.#run(session, q, {}, 'reading the session user', '?')).rows[0] ?? {};
    const user = String(row.SESSION_USER ?? '');
    if (user === 'SYS') {
      throw usageError(
        'registrations cannot be created as SYS (Oracle refuses them)',
        'connect as the schema that owns the callback: set DCN_USER (the app profile), e.g. OE',
      );
    }
    return { user, schema: String(row.CURRENT_SCHEMA ?? user) };
  }

  /** Checks that each table exists, is a table, and is visible, before anything registers. */
  async #checkTables(
    session: DbSession,
    tables: readonly QualifiedName[],
    schema: string,
    user: string,
  ): Promise<void> {
    const limit = maxIdentifierBytes(session.serverVersion()?.major, session.serverVersion()?.minor);
    for (const t of tables) {
      for (const part of [t.schema, t.name]) {
        if (part !== undefined && Buffer.byteLength(part, 'utf8') > limit) {
          throw usageError(
            `table ${displayName(t)}: names are at most ${limit} bytes on this database`,
            'check the name',
          );
        }
      }
      const owner = t.schema ?? schema;
      const visible = await this.#run(
        session,
        queries().render('table.visible'),
        { owner, table_name: t.name },
        `checking ${displayName(t, schema)}`,
        user,
      );
      if (visible.rows.length > 0) continue;
      const kind = await this.#run(
        session,
        queries().render('object.kind'),
        { owner, object_name: t.name },
        `checking ${displayName(t, schema)}`,
        user,
      );
      const type = kind.rows[0]?.OBJECT_TYPE;
      throw new DcnError(
        'usage',
        type
          ? `${displayName(t, schema)} is a ${String(type).toLowerCase()}, not a table: change notification registers tables only`
          : `table ${displayName(t, schema)} does not exist or is not visible to ${user}`,
        {
          hint: type
            ? 'register the tables under it'
            : `check the name; a table in another schema must be granted to ${user} (GRANT SELECT ON … TO ${user})`,
          meta: { table: displayName(t, schema) },
        },
      );
    }
  }

  /**
   * The routes of these tables, checked against the dictionary before anything is registered:
   * the built-in ones for the orders tables, and `routes: false` when dcn_routes is missing
   * (other tables then get table-level notifications, and a key asked for is refused).
   */
  async #planRoutes(
    session: DbSession,
    tables: readonly QualifiedName[],
    schema: string,
    req: RouteRequest,
    warnings: string[],
  ): Promise<{ routes: TableRoute[]; missing: string[] }> {
    const builtIn = new Set((req.builtIn ?? []).map((t) => `${schema}.${t.toUpperCase()}`));
    const names = tables.map((t) => ({ owner: t.schema ?? schema, table: t.name }));
    const routed = names.filter((n) => !builtIn.has(`${n.owner}.${n.table}`));
    if (req.key && routed.length !== names.length) throw ordersTakeNoKey();
    const available = routed.length === 0 || (await routesAvailable(session));
    if (!available && req.key)
      throw new DcnError(
        'not_found',
        "dcn_routes, where a table's key is kept, does not exist: migration V8 is not applied",
        { hint: 'apply it', remedies: [{ kind: 'migrate' }] },
      );
    const routes: TableRoute[] = [];
    const missing: string[] = [];
    for (const n of names) {
      const table = `${n.owner}.${n.table}`;
      if (builtIn.has(table)) routes.push({ table, keyFrom: 'order_no' });
      else if (!available) missing.push(table);
      else routes.push(await planRoute(session, n.owner, n.table, req.key, (w) => warnings.push(w)));
    }
    return { routes, missing };
  }

  /**
   * The tables whose changed rows the callback looks up (the orders tables, and every table routed
   * by a key) must be readable by the user without a role. The callback is definer's-rights
   * PL/SQL, where roles are disabled, dynamic SQL included (PL/SQL Language Reference, "Invoker's
   * Rights and Definer's Rights (AUTHID Property)"): through a role, every lookup fails with
   * ORA-00942 while registering, an anonymous block with roles enabled, works. Refused, or with
   * allowRoleGrant registered with a warning. A table notified at table level is read by no one.
   */
  async #checkDirectRead(
    session: DbSession,
    routes: readonly TableRoute[],
    user: string,
    allow: boolean,
    warnings: string[],
  ): Promise<void> {
    for (const r of routes) {
      if (r.keyFrom !== 'order_no' && r.key === null) continue;
      const { owner, table } = ownerAndTable(r.table);
      if (await readsWithoutRole(session, user, owner, table)) continue;
      const message = `${user} reads ${r.table} only through a role: the callback runs with its owner's rights, where roles do not count, so every lookup of its changed rows would fail (ORA-00942) and its cached results would stay stale`;
      if (!allow) {
        throw new DcnError('privilege_missing', message, {
          hint: `have ${owner} or a DBA grant it to ${user} itself: GRANT SELECT ON ${r.table} TO ${user}; or register it anyway`,
          remedies: [{ kind: 'allow-role-grant' }],
          meta: { table: r.table },
        });
      }
      warnings.push(message);
    }
  }

  async #saveRoutes(session: DbSession, routes: readonly TableRoute[]): Promise<void> {
    for (const r of routes) if (r.keyFrom !== 'order_no') await saveRoute(session, r);
  }

  async register(
    req: RegisterRequest,
  ): Promise<{
    regid: number;
    tables: string[];
    callback: string;
    qos: readonly string[];
    operations: readonly string[];
    timeoutSeconds: number;
    routes: TableRoute[];
    unrouted: string[];
    warnings: string[];
  }> {
    const session = await this.sessions.app();
    const { user, schema } = await this.#user(session);
    await this.#checkTables(session, req.tables, schema, user);
    const warnings: string[] = [];
    const { routes, missing } = await this.#planRoutes(session, req.tables, schema, req, warnings);
    await this.#checkDirectRead(session, routes, user, req.allowRoleGrant ?? false, warnings);
    const call = planRegister(req);
    const result = await this.#run(session, call, call.binds, 'registering', user);
    const regid = Number(result.outBinds?.regid);
    try {
      await this.#saveRoutes(session, routes);
    } catch (err) {
      // a registration without its routes would notify at table level: take it back
      await session.rollback();
      await this.#run(
        session,
        planDeregister(regid),
        planDeregister(regid).binds,
        `taking back registration ${regid}`,
        user,
      );
      throw err;
    }
    await session.commit();
    return {
      regid,
      tables: req.tables.map((t) => displayName(t, schema)),
      callback: displayName(req.callback),
      qos: req.qos,
      operations: req.operations.length ? req.operations : ['all'],
      timeoutSeconds: req.timeoutSeconds,
      routes,
      unrouted: missing,
      warnings,
    };
  }

  async list(options: { all?: boolean } = {}): Promise<Registration[]> {
    const session = options.all ? await this.sessions.admin() : await this.sessions.app();
    const q = queries().render(options.all ? 'regs.all' : 'regs.user');
    try {
      return groupRegistrations((await session.execute(q.sql, {}, { name: q.name })).rows);
    } catch (err) {
      if (options.all && (oracleCode(err) === 'ORA-00942' || oracleCode(err) === 'ORA-01031')) {
        throw new DcnError(
          'privilege_missing',
          `the admin user cannot read DBA_CHANGE_NOTIFICATION_REGS, which lists every user's registrations (${firstLine(err)})`,
          {
            hint: 'use a DBA for the admin profile (DCN_ADMIN_USER), or list only your own registrations',
            cause: err,
          },
        );
      }
      throw statementError(err, 'listing registrations');
    }
  }

  /** Finds registrations by regid (checked to exist) or by callback. */
  async resolve(
    target: { regids: readonly number[] } | { callback: QualifiedName; exactlyOne: boolean } | { all: true },
  ): Promise<Registration[]> {
    const regs = await this.list();
    if ('all' in target) return regs;
    if ('callback' in target) {
      const found = regs.filter((r) => sameCallback(r.callback, target.callback));
      if (found.length === 0) {
        throw new DcnError('not_found', `no registration uses the callback ${displayName(target.callback)}`, {
          hint: regs.length
            ? `registrations: ${regs.map((r) => `${r.regid} (${r.callback})`).join(', ')}`
            : 'there are no registrations yet: create one with `dcn register`',
        });
      }
      if (target.exactlyOne && found.length > 1) {
        throw new DcnError(
          'usage',
          `${found.length} registrations use the callback ${displayName(target.callback)}: ${found.map((r) => r.regid).join(', ')}`,
          {
            hint: 'name the registration by its id instead of its callback',
          },
        );
      }
      return found;
    }
    const missing = target.regids.filter((id) => !regs.some((r) => r.regid === id));
    if (missing.length > 0) {
      throw new DcnError('not_found', `no registration ${missing.join(', ')} for this user`, {
        hint: regs.length
          ? `registrations: ${regs.map((r) => r.regid).join(', ')} (dcn regs)`
          : 'there are no registrations yet: create one with `dcn register`',
        meta: { regids: missing },
      });
    }
    return regs.filter((r) => target.regids.includes(r.regid));
  }

  /** Each registered table's route, by OWNER.TABLE (none when dcn_routes is missing). */
  async routes(): Promise<Map<string, Route>> {
    const session = await this.sessions.app();
    return (await routesAvailable(session)) ? listRoutes(session) : new Map();
  }

  async enable(
    regid: number,
    tables: readonly QualifiedName[],
    routing: RouteRequest = {},
  ): Promise<{ regid: number; added: string[]; routes: TableRoute[]; unrouted: string[]; warnings: string[] }> {
    const session = await this.sessions.app();
    const { user, schema } = await this.#user(session);
    await this.resolve({ regids: [regid] });
    await this.#checkTables(session, tables, schema, user);
    const warnings: string[] = [];
    const { routes, missing } = await this.#planRoutes(session, tables, schema, routing, warnings);
    await this.#checkDirectRead(session, routes, user, routing.allowRoleGrant ?? false, warnings);
    const call = planEnable(regid, tables);
    await this.#run(session, call, call.binds, `adding tables to registration ${regid}`, user);
    // the tables are in the registration now: their routes follow, in the same transaction
    await this.#saveRoutes(session, routes);
    await session.commit();
    return { regid, added: tables.map((t) => displayName(t, schema)), routes, unrouted: missing, warnings };
  }

  /** Removes the registrations, and the routes of tables no registration of this user covers any more. */
  async deregister(regids: readonly number[]): Promise<{ deregistered: number[]; routesRemoved: string[] }> {
    const session = await this.sessions.app();
    const { user } = await this.#user(session); // names the user in a missing-grant hint
    const before = await this.list();
    const done: number[] = [];
    for (const regid of regids) {
      const call = planDeregister(regid);
      await this.#run(session, call, call.binds, `deregistering ${regid}`, user);
      done.push(regid);
    }
    const stillCovered = new Set(before.filter((r) => !done.includes(r.regid)).flatMap((r) => r.tables));
    const uncovered = [...new Set(before.filter((r) => done.includes(r.regid)).flatMap((r) => r.tables))].filter(
      (t) => !stillCovered.has(t),
    );
    const routesRemoved: string[] = [];
    if (uncovered.length > 0 && (await routesAvailable(session))) {
      const routes = await listRoutes(session);
      for (const table of uncovered.filter((t) => routes.has(t))) {
        await deleteRoute(session, table);
        routesRemoved.push(table);
      }
    }
    await session.commit();
    return { deregistered: done, routesRemoved };
  }
}
