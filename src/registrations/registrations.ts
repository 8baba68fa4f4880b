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
import { displayName, maxIdentifierBytes, type QualifiedName } from '../oracle/identifiers.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { sqlPath } from '../paths.js';
import {
  ordersTakeNoKey,
  planDeregister,
  planEnable,
  planRegister,
  type PlannedCall,
  type RegisterRequest,
  type RouteRequest,
  type TableRoute,
} from './plans.js';
import { registrationError } from './registration-error.js';
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
import { groupRegistrations, sameCallback, type Registration } from './view.js';

// The command-line handlers take what users type from here, with the engine that uses it.
export { DEFAULT_QOS, parseCallback, parseRegid, parseRoutableTables, parseTables, parseTimeout } from './input.js';
export type { Registration } from './view.js';

const queries = () => loadNamedQueries(sqlPath('registrations', 'registrations.sql'));

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
   * Rights and Definer's Rights (AUTHID Property)",
   * https://docs.oracle.com/en/database/oracle/oracle-database/23/lnpls/invokers-rights-and-definers-rights-authid-property.html): through a role, every lookup fails with
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

  async register(req: RegisterRequest): Promise<{
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
