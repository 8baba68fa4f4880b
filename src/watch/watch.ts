/**
 * dcn watch: change notification without UTL_HTTP, an ACL or an open port. The client opens the
 * connection and subscribes (client-initiated CQN, node-oracledb 26 Thin, Oracle 19.4 and later);
 * the database sends each committed change down it, and each becomes the drops dcn listen would
 * make: an order for the orders tables, the route's keys for any other table, looked up by ROWID
 * in one statement per table per notification; deleted or vanished rows, ALL_ROWS, DROP/ALTER and
 * an UPDATE of a key that may change drop all of the table's results.
 *
 * Never stale across failures: changes made while no subscription delivered them are lost, so
 * every cached result of the watched tables is dropped once a subscription is (back) in place: at
 * start, after a lost connection, and when the notification channel had stopped unnoticed. The
 * channel is checked every checkSeconds: subscribing again under the same name adds nothing to a
 * live subscription and replaces a stopped one, whose regId then changes (oracledb 26,
 * lib/thin/connection.js subscribe() and lib/thin/subscr.js, where a failed channel is dropped
 * without telling the callback). The subscription's server-side timeout is renewed by subscribing
 * under a new name before the old one is removed, so no change falls between the two.
 * Never prints and never exits.
 */
import { keyArguments } from '../cache/key-arguments.js';
import { canSubscribe, type ChangeMessage, type DbSession, type SubscribingSession } from '../db/driver.js';
import { firstLine, isConnectionLost, isUnreachable, oracleCode } from '../db/oracle-errors.js';
import { DcnError } from '../errors.js';
import type { QualifiedName } from '../oracle/identifiers.js';
import { sqlPath } from '../paths.js';
import { listRoutes, ownerAndTable, planRoute, routesAvailable, type Route } from '../registrations/routes.js';
import { loadNamedQueries } from '../script/named-queries.js';

/** CQN_OPCODE_* (oracledb lib/constants.js), the DBMS_CHANGE_NOTIFICATION values. */
const OP = { ALL_ROWS: 1, INSERT: 2, UPDATE: 4, DELETE: 8, ALTER: 16, DROP: 32 } as const;
/** SUBSCR_EVENT_TYPE_* (oracledb lib/constants.js). */
const EVENT = { DEREG: 5, OBJ_CHANGE: 6 } as const;
/** ROWIDs bound in one key lookup. */
const ROWIDS_PER_LOOKUP = 1000;
/** Client-initiated subscriptions need Oracle 19.4 (node-oracledb cqn.rst). */
const MIN_VERSION = { major: 19, minor: 4 };

/** The drops a watch makes: a cache, or anything that drops as one does. */
export interface Dropper {
  dropSync(name: string, ...args: unknown[]): boolean;
  /** Tells the other caches on a bus (nothing without one); rejects when it did not reach it. */
  publishDrop(name: string, ...args: unknown[]): Promise<void>;
  dropAll(name: string): Promise<void>;
}

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

export interface WatchEvent {
  readonly time: string;
  readonly action: 'subscribed' | 'dropped' | 'dropped-all' | 'lost' | 'resubscribed' | 'renewed' | 'ignored' | 'stopped';
  readonly table?: string;
  readonly operation?: string;
  readonly order?: number;
  readonly keys?: readonly string[];
  readonly function?: string;
  readonly reason?: string;
}

export interface WatchOptions {
  readonly connect: () => Promise<DbSession>;
  readonly tables: readonly QualifiedName[];
  /** Table name (upper case, without owner) → cached function. */
  readonly functions: Readonly<Record<string, string>>;
  /** The orders and order items tables (names without owner): keyed by ORDER_ID. */
  readonly orderTables: readonly string[];
  /** ORDER_ITEMS' ORDER_ID never changes (the orderItemsKeyImmutable setting). */
  readonly orderItemsKeyImmutable?: boolean;
  readonly cache: Dropper;
  /** The server drops a subscription after this long: one left by a killed watch goes away. */
  readonly timeoutSeconds: number;
  /** How often the notification channel is checked, and the connection with it. */
  readonly checkSeconds: number;
  /** The subscriptions' names begin with it (one watch per name). */
  readonly name: string;
  readonly signal: AbortSignal;
  readonly onEvent?: (event: WatchEvent) => void;
  readonly now?: () => Date;
  /** Waits before connecting again: 1 s, doubling to 30 s by default. */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
}

export interface WatchResult {
  readonly notifications: number;
  readonly drops: number;
  readonly reconnects: number;
}

const queries = () => loadNamedQueries(sqlPath('watch', 'watch.sql'));
const registrationQueries = () => loadNamedQueries(sqlPath('registrations', 'registrations.sql'));

/** "OWNER"."TABLE" for names dcn read from the dictionary or checked: a double quote is refused, not escaped. */
function quoted(...parts: string[]): string {
  for (const p of parts) if (p.includes('"') || p.includes('\u0000')) throw new DcnError('usage', `${p}: a name with a double quote cannot be watched`);
  return parts.map((p) => `"${p}"`).join('.');
}

/** The query a subscription registers for one table (OWNER.TABLE): reading it is what the subscription covers. */
export function subscriptionQuery(name: string): string {
  const { owner, table } = ownerAndTable(name);
  return queries().render('watch.subscribe', { table: quoted(owner, table) }).sql;
}

function operationNames(op: number): string {
  const names = Object.entries(OP).filter(([, bit]) => (op & bit) !== 0).map(([n]) => n.toLowerCase().replace('_', ' '));
  return names.join(',') || 'none';
}

/** Errors that no reconnect will cure: bad input, a missing grant, a database or driver that cannot do this. A lost connection, or a cache that failed, is tried again. */
function isFatal(err: unknown): boolean {
  return err instanceof DcnError && err.code !== 'connection_failed';
}

function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** What each watched table is keyed by, from the dictionary and dcn_routes, checked before anything subscribes. */
export async function planTables(session: DbSession, options: Pick<WatchOptions, 'tables' | 'functions' | 'orderTables' | 'orderItemsKeyImmutable'>, schema: string): Promise<WatchedTable[]> {
  const routes = (await routesAvailable(session)) ? await listRoutes(session) : new Map<string, Route>();
  const planned: WatchedTable[] = [];
  for (const t of options.tables) {
    const owner = t.schema ?? schema;
    const table = `${owner}.${t.name}`;
    const fn = options.functions[t.name];
    if (fn === undefined) throw new DcnError('usage', `no cached function for ${table}: its changes would drop nothing`, { hint: `map it: ${t.name}=function`, meta: { option: 'map', value: t.name } });
    const visible = registrationQueries().render('table.visible');
    if ((await session.execute(visible.sql, { owner, table_name: t.name }, { name: visible.name })).rows.length === 0) {
      throw new DcnError('usage', `table ${table} does not exist or is not visible to this user`, { hint: `check the name; a table in another schema must be granted (GRANT SELECT ON ${table} TO the user)` });
    }
    if (owner === schema && options.orderTables.includes(t.name)) {
      const items = t.name === options.orderTables[1];
      planned.push({ table, function: fn, byOrder: true, key: ['ORDER_ID'], keyImmutable: !items || options.orderItemsKeyImmutable === true });
      continue;
    }
    const route = routes.get(table) ?? (await planRoute(session, owner, t.name));
    planned.push({ table, function: fn, byOrder: false, key: route.key, keyImmutable: route.keyImmutable });
  }
  return planned;
}

export class Watch {
  readonly #o: WatchOptions;
  #session: SubscribingSession | undefined;
  #tables = new Map<string, WatchedTable>();
  /** The subscription in use: its name and the regId the server gave it. */
  #current: { name: string; regId: number } | undefined;
  #generation = 0;
  /** Notifications are handled one after the other: a lookup is a round trip. */
  #queue: Promise<void> = Promise.resolve();
  /** Set when a check or a notification finds the subscription broken. */
  #broken: ((reason: string) => void) | undefined;
  #notifications = 0;
  #drops = 0;
  #reconnects = 0;

  constructor(options: WatchOptions) {
    this.#o = options;
  }

  #emit(event: Omit<WatchEvent, 'time'>): void {
    this.#o.onEvent?.({ time: (this.#o.now ?? (() => new Date()))().toISOString(), ...event });
  }

  /** Runs until the signal aborts; gives up only on what no reconnect cures. */
  async run(): Promise<WatchResult> {
    const { signal } = this.#o;
    const backoff = this.#o.backoffMs ?? { initial: 1000, max: 30_000 };
    let wait = backoff.initial;
    let first = true;
    while (!signal.aborted) {
      try {
        await this.#connect();
        await this.#subscribeAll(first ? 'at start: changes made before this watch subscribed were not seen' : 'after a lost connection: changes made meanwhile were not delivered');
        first = false;
        wait = backoff.initial;
        const reason = await this.#serve();
        if (reason === undefined) break; // stopped
        throw new DcnError('connection_failed', reason);
      } catch (err) {
        if (isFatal(err)) {
          await this.#close();
          throw err;
        }
        if (signal.aborted) break;
        this.#emit({ action: 'lost', reason: err instanceof Error ? firstLine(err) : String(err) });
        await this.#close();
        this.#reconnects++;
        await abortable(wait, signal);
        wait = Math.min(wait * 2, backoff.max);
      }
    }
    await this.#stop();
    return { notifications: this.#notifications, drops: this.#drops, reconnects: this.#reconnects };
  }

  async #connect(): Promise<void> {
    let session: DbSession;
    try {
      session = await this.#o.connect();
    } catch (err) {
      if (err instanceof DcnError && err.code !== 'connection_failed' && err.code !== 'unavailable') throw err;
      throw new DcnError('connection_failed', `connecting: ${firstLine(err)}`, { cause: err });
    }
    if (!canSubscribe(session) || !session.thin) {
      await session.close().catch(() => undefined);
      throw new DcnError('unavailable', 'this driver cannot subscribe client-initiated: dcn watch needs node-oracledb in Thin mode', { hint: 'do not enable Thick mode for dcn' });
    }
    const v = session.serverVersion();
    if (v && (v.major < MIN_VERSION.major || (v.major === MIN_VERSION.major && v.minor < MIN_VERSION.minor))) {
      await session.close().catch(() => undefined);
      throw new DcnError('unavailable', `Oracle ${v.major}.${v.minor} cannot send notifications down a client's connection: client-initiated subscriptions need 19.4 or later`, {
        hint: 'use the HTTP callback (dcn migrate, dcn register, dcn listen) on this database',
      });
    }
    this.#session = session;
    if (this.#tables.size === 0) {
      const who = registrationQueries().render('session.user');
      const schema = String((await session.execute(who.sql, {}, { name: who.name })).rows[0]?.CURRENT_SCHEMA ?? '');
      for (const t of await planTables(session, this.#o, schema)) this.#tables.set(t.table, t);
    }
  }

  #name(): string {
    return `${this.#o.name}-${++this.#generation}`;
  }

  /** Subscribes every table under a new name; on success, drops everything the watch covers once. */
  async #subscribeAll(why: string): Promise<void> {
    const name = this.#name();
    const regId = await this.#subscribeTables(name);
    this.#current = { name, regId };
    this.#emit({ action: 'subscribed', reason: `subscription ${regId}` });
    await this.#dropEverything(why);
  }

  async #subscribeTables(name: string): Promise<number> {
    const session = this.#session!;
    let regId = 0;
    for (const t of this.#tables.values()) {
      const sql = subscriptionQuery(t.table); // a name it cannot quote is refused, not retried
      try {
        regId = (await session.subscribe(name, { sql, timeoutSeconds: this.#o.timeoutSeconds, callback: (m) => this.#receive(name, m) })).regId;
      } catch (err) {
        throw this.#subscribeError(err, t.table);
      }
    }
    return regId;
  }

  #subscribeError(err: unknown, table: string): DcnError {
    const code = oracleCode(err);
    if (code === 'ORA-29972' || code === 'ORA-01031') {
      return new DcnError('privilege_missing', `subscribing to ${table}: the user lacks CHANGE NOTIFICATION (${firstLine(err)})`, { hint: 'GRANT CHANGE NOTIFICATION TO the user (dcn migrate with the admin profile does it)', cause: err });
    }
    if (code === 'ORA-00942') return new DcnError('usage', `subscribing to ${table}: not visible to this user (${firstLine(err)})`, { hint: `GRANT SELECT ON ${table} to the user`, cause: err });
    if (isConnectionLost(err) || isUnreachable(err)) return new DcnError('connection_failed', `subscribing to ${table}: ${firstLine(err)}`, { cause: err });
    if (/NJS-089|not supported.*Thin/i.test(firstLine(err))) return new DcnError('unavailable', `subscribing to ${table}: ${firstLine(err)}`, { hint: 'dcn watch needs node-oracledb 26 in Thin mode', cause: err });
    return new DcnError('connection_failed', `subscribing to ${table}: ${firstLine(err)}`, { cause: err });
  }

  async #dropEverything(why: string): Promise<void> {
    for (const fn of new Set([...this.#tables.values()].map((t) => t.function))) {
      await this.#o.cache.dropAll(fn);
      this.#drops++;
      this.#emit({ action: 'dropped-all', function: fn, reason: why });
    }
  }

  /** Checks the channel and renews the subscription until stopped (undefined) or broken (the reason). */
  async #serve(): Promise<string | undefined> {
    const { signal } = this.#o;
    const broken = new Promise<string>((resolve) => (this.#broken = resolve));
    let sinceRenewal = 0;
    for (;;) {
      const tick = abortable(this.#o.checkSeconds * 1000, signal);
      const reason = await Promise.race([broken, tick.then(() => undefined)]);
      if (reason !== undefined) return reason;
      if (signal.aborted) return undefined;
      sinceRenewal += this.#o.checkSeconds;
      if (sinceRenewal * 2 >= this.#o.timeoutSeconds) {
        sinceRenewal = 0;
        await this.#renew();
      } else await this.#check();
    }
  }

  /** Subscribing again under the same name adds nothing to a live subscription; a stopped one comes back with a new regId. */
  async #check(): Promise<void> {
    const current = this.#current!;
    const first = [...this.#tables.values()][0]!;
    let regId: number;
    try {
      regId = (await this.#session!.subscribe(current.name, { sql: subscriptionQuery(first.table), timeoutSeconds: this.#o.timeoutSeconds, callback: (m) => this.#receive(current.name, m) })).regId;
    } catch (err) {
      throw this.#subscribeError(err, first.table);
    }
    if (regId === current.regId) return;
    // the channel had stopped: only the first table is in the new registration yet
    await this.#session!.unsubscribe(current.name).catch(() => undefined);
    await this.#subscribeAll('the notification channel had stopped: changes made meanwhile were not delivered');
    this.#emit({ action: 'resubscribed', reason: `subscription ${regId} replaced one whose channel had stopped` });
  }

  /** A new subscription before the old one goes: a change in between is notified twice, never not at all. */
  async #renew(): Promise<void> {
    const old = this.#current!;
    const name = this.#name();
    const regId = await this.#subscribeTables(name);
    this.#current = { name, regId };
    await this.#session!.unsubscribe(old.name).catch(() => undefined);
    this.#emit({ action: 'renewed', reason: `subscription ${regId} replaced ${old.regId} before its timeout` });
  }

  #receive(name: string, message: ChangeMessage): void {
    // a change, from the current subscription or one being replaced (a renewal overlaps them)
    if (message.type === EVENT.OBJ_CHANGE) {
      this.#notifications++;
      this.#queue = this.#queue.then(() => this.#handle(message)).catch((err: unknown) => this.#broken?.(`handling a notification: ${firstLine(err)}`));
    }
    // the end of the current one (its timeout ran out, or the server stopped it): subscribe again
    if ((message.type === EVENT.DEREG || message.registered === false) && name === this.#current?.name) this.#broken?.('the database ended the subscription');
  }

  async #handle(message: ChangeMessage): Promise<void> {
    for (const change of message.tables ?? []) {
      const t = this.#tables.get(change.name.toUpperCase());
      const operation = operationNames(change.operation);
      if (!t) {
        this.#emit({ action: 'ignored', table: change.name, operation, reason: 'not a watched table' });
        continue;
      }
      const why = this.#tableLevel(t, change);
      if (why !== undefined) {
        await this.#dropAll(t, operation, why);
        continue;
      }
      const rowids = (change.rows ?? []).map((r) => r.rowid);
      if (!this.#session) {
        // it arrived as the connection went: nothing to look the keys up with
        await this.#dropAll(t, operation, 'the connection was lost: its keys cannot be looked up');
        continue;
      }
      const found = await this.#lookup(t, rowids);
      if (found.some((f) => f === null)) {
        await this.#dropAll(t, operation, 'a changed row is no longer there: its key cannot be looked up');
        continue;
      }
      const seen = new Set<string>();
      for (const keys of found as string[][]) {
        const id = JSON.stringify(keys);
        if (seen.has(id)) continue;
        seen.add(id);
        if (t.byOrder) {
          this.#o.cache.dropSync(t.function, Number(keys[0]));
          await this.#o.cache.publishDrop(t.function, Number(keys[0]));
          this.#emit({ action: 'dropped', table: t.table, operation, function: t.function, order: Number(keys[0]) });
        } else {
          for (const args of keyArguments(keys)) {
            this.#o.cache.dropSync(t.function, ...args);
            await this.#o.cache.publishDrop(t.function, ...args);
          }
          this.#emit({ action: 'dropped', table: t.table, operation, function: t.function, keys });
        }
        this.#drops++;
      }
    }
  }

  /** Why a change drops all of a table's results, as the callback decides; undefined: per key. */
  #tableLevel(t: WatchedTable, change: NonNullable<ChangeMessage['tables']>[number]): string | undefined {
    if ((change.operation & (OP.DROP | OP.ALTER)) !== 0) return `table ${operationNames(change.operation & (OP.DROP | OP.ALTER))}`;
    if (t.key === null) return 'the table has no key';
    if ((change.operation & OP.ALL_ROWS) !== 0 || !change.rows || change.rows.length === 0) return 'all rows: no ROWIDs';
    if (change.rows.some((r) => (r.operation & OP.DELETE) !== 0)) return 'rows deleted: their keys cannot be looked up';
    if (!t.keyImmutable && change.rows.some((r) => (r.operation & OP.UPDATE) !== 0)) return 'rows updated: an update may have changed a key, whose old value it does not name';
    return undefined;
  }

  async #dropAll(t: WatchedTable, operation: string, reason: string): Promise<void> {
    await this.#o.cache.dropAll(t.function);
    this.#drops++;
    this.#emit({ action: 'dropped-all', table: t.table, operation, function: t.function, reason });
  }

  /** The keys of each ROWID, in one statement (a thousand ROWIDs a statement): null for a row no longer there. */
  async #lookup(t: WatchedTable, rowids: readonly string[]): Promise<(string[] | null)[]> {
    const { owner, table } = ownerAndTable(t.table);
    const keyList = t.key!.map((c, i) => `TO_CHAR(t.${quoted(c)}) AS k${i + 1}`).join(', ');
    const found: (string[] | null)[] = [];
    for (let from = 0; from < rowids.length; from += ROWIDS_PER_LOOKUP) {
      const chunk = rowids.slice(from, from + ROWIDS_PER_LOOKUP);
      const binds = Object.fromEntries(chunk.map((r, i) => [`r${i + 1}`, r]));
      const q = queries().render('watch.keys', { table: quoted(owner, table), key_list: keyList, rowid_binds: chunk.map((_, i) => `:r${i + 1}`).join(', ') });
      const rows = (await this.#session!.execute(q.sql, binds, { name: q.name })).rows;
      found.push(...rows.map((r) => (r.FOUND == null ? null : t.key!.map((_, i) => String(r[`K${i + 1}`] ?? '')))));
    }
    return found;
  }

  /** Closes the session; its subscription is removed first where the session still can (else the server's timeout removes it). */
  async #close(): Promise<void> {
    this.#broken = undefined;
    const session = this.#session;
    const current = this.#current;
    this.#session = undefined;
    this.#current = undefined;
    if (session && current) await session.unsubscribe(current.name).catch(() => undefined);
    await session?.close().catch(() => undefined);
  }

  /** Unsubscribes (the server forgets it now, not at its timeout) and closes. */
  async #stop(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await this.#close();
    this.#emit({ action: 'stopped' });
  }
}
