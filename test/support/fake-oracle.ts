/**
 * An in-memory FAKE of the Oracle behaviour dcn depends on. It is not a database. It recognises
 * dcn's own named queries (sql/) by name and checks their bind variables the way Oracle does; a
 * named query it does not know fails the test. The migration history's INSERT, UPDATE and DELETE
 * it carries out as their SQL reads (columns, values, WHERE), against the column sizes and NOT
 * NULLs of dcn's own DDL. Every other statement it treats by its first words, like Oracle would
 * where it matters to dcn:
 * - DDL commits implicitly before and after it runs; DML waits for commit/rollback;
 * - CREATE of an existing object without OR REPLACE is ORA-00955, DROP of a missing one
 *   ORA-00942/ORA-04043;
 * - a PL/SQL unit scripted to have compile errors is still created (status INVALID) and returns
 *   the NJS-700 warning, with its errors in ALL_ERRORS;
 * - SELECT … FOR UPDATE [WAIT n | NOWAIT] blocks on a row another live session holds, and fails
 *   with ORA-30006 / ORA-00054; the lock ends with that session's commit, rollback, close or death.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isCollectionBind,
  type BindValue,
  type Binds,
  type ChangeMessage,
  type ConnectOptions,
  type Driver,
  type ExecuteOptions,
  type ExecuteResult,
  type SubscribeRequest,
  type SubscribingSession,
} from '../../src/db/driver.js';
import { PACKAGES } from '../reference/oracle-names.js';
import { runNetworkAclBlock } from './fake-network-acl.js';
import { staticReferences, unresolvedReferences, type SchemaNames, type StaticReferences } from './plsql-references.js';

export interface FakeRegistration {
  regid: number;
  user: string;
  callback: string;
  qosflags: number;
  operations: number;
  timeout: number;
  tables: string[];
}

/** Evaluates a sum of DBMS_CHANGE_NOTIFICATION constants (or a number) with the documented values. */
function constantSum(expression: string): number {
  return expression.split('+').reduce((sum, term) => {
    const t = term.trim();
    const m = /^DBMS_CHANGE_NOTIFICATION\.(\w+)$/i.exec(t);
    const value = m ? PACKAGES.DBMS_CHANGE_NOTIFICATION!.members[m[1]!.toUpperCase()] : Number(t);
    if (typeof value !== 'number' || Number.isNaN(value))
      throw oraError(`PLS-00302: component '${t}' must be declared`);
    return sum + value;
  }, 0);
}

export interface HistoryRecord {
  INSTALLED_RANK: number;
  VERSION: string;
  DESCRIPTION: string;
  SCRIPT: string;
  CHECKSUM: string;
  PROFILE: string;
  OPERATION: string;
  STATEMENTS_DONE: number;
  STATEMENTS_TOTAL: number;
  DONE_HASH: string | null;
  SUCCESS: number;
  ERROR_TEXT: string | null;
  INSTALLED_BY: string;
  INSTALLED_ON: Date;
  EXECUTION_MS: number | null;
}

interface LockRow {
  ID: number;
  HOLDER: string | null;
  HOLDER_SID: number | null;
  ACQUIRED_ON: Date | null;
}

interface DbObject {
  type: string;
  name: string;
  owner?: string;
  status: 'VALID' | 'INVALID';
  /** For an index: its table, dropped with it. */
  table?: string;
  /** For a table: its columns and primary key columns (in key order), as its CREATE TABLE says. */
  columns?: string[];
  primaryKey?: string[];
  /** Columns declared NOT NULL besides the primary key's (ALL_TAB_COLUMNS.NULLABLE = 'N'). */
  notNull?: string[];
  /** For a stored PL/SQL unit: what its text names statically (see plsql-references.ts). */
  references?: StaticReferences;
}

/** The columns and primary key of a CREATE TABLE: a column line, an inline or an out-of-line PRIMARY KEY. */
function tableShape(sql: string): { columns: string[]; primaryKey: string[] } {
  const body = sql.replace(/--[^\n]*/g, '');
  const columns: string[] = [];
  const primaryKey: string[] = [];
  for (const m of body.matchAll(
    /^\s+("?[\w$#]+"?)\s+(NUMBER|VARCHAR2|NVARCHAR2|CHAR|DATE|TIMESTAMP|CLOB|RAW|INTEGER)\b([^\n]*)/gim,
  )) {
    columns.push(normName(m[1]!));
    if (/\bPRIMARY KEY\b/i.test(m[3]!)) primaryKey.push(normName(m[1]!));
  }
  const outOfLine = /\bPRIMARY KEY\s*\(([^)]*)\)/i.exec(body);
  if (outOfLine) primaryKey.push(...outOfLine[1]!.split(',').map((c) => normName(c.trim())));
  return { columns, primaryKey };
}

interface State {
  history: Map<string, HistoryRecord>;
  lockRows: Map<number, LockRow>;
  /** Rows written by migration DML, per table name, to show commit/rollback. */
  data: Map<string, number>;
}

export interface CompileErrorSpec {
  line: number;
  position: number;
  text: string;
  attribute?: 'ERROR' | 'WARNING';
}

/** The history table's columns as dcn's own DDL (sql/migrator/history.sql, history.create) defines them. */
const HISTORY_COLUMNS: ReadonlyMap<
  string,
  { kind: 'varchar' | 'number' | 'timestamp'; bytes?: number; notNull: boolean; defaultNow: boolean }
> = (() => {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'sql', 'migrator', 'history.sql'), 'utf8');
  const block = text.slice(text.indexOf('-- name: history.create'), text.indexOf('-- name: lock.create'));
  const columns = new Map<
    string,
    { kind: 'varchar' | 'number' | 'timestamp'; bytes?: number; notNull: boolean; defaultNow: boolean }
  >();
  for (const line of block.split('\n')) {
    const m = /^\s+(\w+)\s+(VARCHAR2\((\d+)\)|NUMBER(?:\(\d+\))?|TIMESTAMP)(.*)$/.exec(line);
    if (!m || /^CONSTRAINT$/i.test(m[1]!)) continue;
    columns.set(m[1]!.toUpperCase(), {
      kind: m[2]!.startsWith('VARCHAR2') ? 'varchar' : m[2]!.startsWith('NUMBER') ? 'number' : 'timestamp',
      ...(m[3] ? { bytes: Number(m[3]) } : {}),
      notNull: /NOT NULL/i.test(m[4]!),
      defaultNow: /DEFAULT SYSTIMESTAMP/i.test(m[4]!),
    });
  }
  return columns;
})();

/** VARCHAR2(n) counts bytes by default: what does not fit raises ORA-12899, as Oracle does (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Types.html). */
function fitColumn(table: string, column: string, maxBytes: number, value: unknown): unknown {
  const bytes = value == null ? 0 : Buffer.byteLength(String(value));
  if (bytes > maxBytes)
    throw oraError(
      `ORA-12899: value too large for column "${table}"."${column}" (actual: ${bytes}, maximum: ${maxBytes})`,
    );
  return value;
}

function oraError(message: string): Error & { code: string } {
  const err = new Error(message) as Error & { code: string };
  err.code = message.slice(0, message.indexOf(':'));
  return err;
}

function cloneState(s: State): State {
  return {
    history: new Map([...s.history].map(([k, v]) => [k, { ...v }])),
    lockRows: new Map([...s.lockRows].map(([k, v]) => [k, { ...v }])),
    data: new Map(s.data),
  };
}

const DDL = /^\s*(CREATE|ALTER|DROP|GRANT|REVOKE|TRUNCATE|COMMENT|RENAME|AUDIT|NOAUDIT|PURGE|FLASHBACK|ANALYZE)\b/i;
const IDENT = String.raw`(?:"[^"]+"|[A-Za-z][A-Za-z0-9_$#]*)`;
const CREATE_OBJECT = new RegExp(
  String.raw`^\s*CREATE\s+(OR\s+REPLACE\s+)?(?:(?:EDITIONABLE|NONEDITIONABLE)\s+)?(?:(?:NO\s+)?FORCE\s+)?(UNIQUE\s+|BITMAP\s+)?(PACKAGE\s+BODY|PACKAGE|TYPE\s+BODY|TYPE|PROCEDURE|FUNCTION|TRIGGER|VIEW|TABLE|INDEX|SEQUENCE|SYNONYM)\s+(?:${IDENT}\s*\.\s*)?(${IDENT})`,
  'i',
);
const DROP_OBJECT = new RegExp(
  String.raw`^\s*DROP\s+(PACKAGE\s+BODY|PACKAGE|TYPE\s+BODY|TYPE|PROCEDURE|FUNCTION|TRIGGER|VIEW|TABLE|INDEX|SEQUENCE|SYNONYM)\s+(?:${IDENT}\s*\.\s*)?(${IDENT})`,
  'i',
);
const COMPILED = new Set(['PACKAGE', 'PACKAGE BODY', 'TYPE', 'TYPE BODY', 'PROCEDURE', 'FUNCTION', 'TRIGGER', 'VIEW']);
/** Stored PL/SQL whose static references the fake follows. */
const PLSQL_UNITS = new Set(['PACKAGE BODY', 'TYPE BODY', 'PROCEDURE', 'FUNCTION', 'TRIGGER']);

function normName(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1) : ident.toUpperCase();
}

/** Bind placeholders outside literals and comments, as Oracle finds them. */
export function bindNames(sql: string): Set<string> {
  const stripped = sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![:\w]):([A-Za-z][A-Za-z0-9_]*)/g)) names.add(m[1]!.toLowerCase());
  return names;
}

export class FakeDatabase {
  committed: State = { history: new Map(), lockRows: new Map(), data: new Map() };
  readonly objects = new Map<string, DbObject>();
  readonly errors = new Map<string, CompileErrorSpec[]>();
  readonly sessions: FakeSession[] = [];
  /** Every statement any session ran, in order. */
  readonly log: { session: number; sql: string; name?: string; binds: Binds }[] = [];
  #nextSid = 100;
  #faults: { pattern: RegExp; message: string; times: number }[] = [];
  #compileFaults: { pattern: RegExp; errors: CompileErrorSpec[] }[] = [];
  /** Called before each statement; may throw, kill the session (a crash) or delay it. */
  beforeExecute?: (session: FakeSession, sql: string, name?: string) => void | Promise<void>;
  /** The row lock on lock-table row 1: which session holds it. */
  lockHolder: FakeSession | undefined;

  /** Deletes a committed row of the lock table, as a careless hand would. */
  lockRowsDelete(id: number): void {
    this.committed.lockRows.delete(id);
  }
  /** The release the fake claims to be. */
  version = { major: 23, minor: 9 };
  /** "GRANTEE PRIVILEGE" entries, kept by GRANT and REVOKE. */
  readonly grants = new Set<string>();
  readonly registrations = new Map<number, FakeRegistration>();
  nextRegid = 41;
  /** Host ACEs (as DBMS_NETWORK_ACL_ADMIN keeps them). */
  readonly hostAces: { host: string; lower: number; upper: number; principal: string; privilege: string }[] = [];
  /** Tables ("OWNER.TABLE") the app user reads only through a role: no direct grant, not its own. */
  readonly readThroughRoleOnly = new Set<string>();
  /** Users with EXECUTE on DBMS_CHANGE_NOTIFICATION through a role only. */
  readonly executeThroughRole = new Set<string>();
  /** The rows of V1's list dcn_held_before: what the schema held before dcn gave it anything. */
  readonly heldBefore = new Set<string>();
  /** The rows of R__00's list dcn_given_aces, as "host:port": the ACEs dcn appended. */
  readonly givenAces = new Set<string>();
  /** Other privileges on DBMS_CHANGE_NOTIFICATION a user holds through a role (ROLE_TAB_PRIVS). */
  readonly roleTabPrivs = new Map<string, string[]>();
  jobQueueProcesses = 1000;
  /** What ALTER SYSTEM SET job_queue_processes raises here (a PDB whose root allows no such value: ORA-27400). */
  alterSystemRefusal: string | undefined;
  /** SYS_CONTEXT('USERENV', 'CON_ID'): 0 not a CDB, 1 the root, 3 and up a PDB. */
  containerId = 0;
  /** False: V$PARAMETER is not visible to the app user (ORA-00942). */
  parametersVisible = true;
  /** Rows of NFRESULTS (upper-case column names), as the callback would insert them. */
  readonly nfresults: Record<string, unknown>[] = [];
  /** Columns added by ALTER TABLE … ADD, per table: a query naming one that is not there fails (ORA-00904). */
  readonly addedColumns = new Map<string, Set<string>>();
  /** What the listener answers a call sendNotification makes (null: the call fails, as when nothing listens). */
  callbackAnswer: number | null = 200;
  /**
   * Client-initiated change notification, at the level of node-oracledb's subscribe() (oracledb
   * 26 Thin, lib/thin/connection.js and lib/thin/subscr.js): subscriptions by name, each with the
   * tables its queries read and whether its notification channel is up. A same-name subscribe adds
   * a table to a live one, and replaces a stopped one with a new regId, as Thin does.
   */
  readonly subscriptions = new Map<string, FakeSubscription>();
  nextSubscriptionId = 9001;
  /** False: the driver is in Thick mode (no client-initiated subscriptions here). */
  thin = true;
  /** The rows of the tables dcn watch looks keys up in, by OWNER.TABLE, each with its ROWID. */
  readonly tableRows = new Map<string, Record<string, unknown>[]>();

  /** A committed change, sent to every live subscription that covers the table (as the database does, after the commit). */
  change(table: string, operation: number, rows?: { operation: number; rowid: string }[]): void {
    const message: ChangeMessage = {
      type: 6,
      registered: true,
      tables: [{ name: table, operation, ...(rows ? { rows } : {}) }],
    };
    for (const sub of this.subscriptions.values()) {
      if (sub.channel === 'up' && sub.tables.has(table)) setImmediate(() => sub.callback(message));
    }
  }

  /** The notification channels stop, as a failed EMON connection does in Thin: nothing tells the callback. */
  stopChannels(): void {
    for (const sub of this.subscriptions.values()) sub.channel = 'stopped';
  }

  /** The server ends a subscription (its timeout ran out): a deregistration message, then it is gone. */
  endSubscription(name: string): void {
    const sub = this.subscriptions.get(name);
    if (!sub) return;
    this.subscriptions.delete(name);
    if (sub.channel === 'up') setImmediate(() => sub.callback({ type: 5, registered: false }));
  }

  /** The rows of dcn_routes, by OWNER.TABLE. */
  readonly routes = new Map<string, { keyColumns: string | null; keyImmutable: string }>();
  /** The URLs sendNotification was called with, in order. */
  readonly calls: string[] = [];
  /** Rows read from NFRESULTS by all queries: a cost measure for the tail benchmark. */
  nfresultsRowsRead = 0;

  /** Inserts a log row as sendNotification or the callback would (committed). */
  logNotification(row: {
    id?: number;
    table?: string | null;
    order?: string | null;
    keys?: string | null;
    operation?: string;
    event?: string;
    status?: number | null;
    message?: string | null;
    error?: string | null;
    at?: Date;
  }): number {
    // An identity value is taken at INSERT and seen at COMMIT: concurrent job sessions (and
    // RAC instances with their own cached ranges) commit ids out of order (SQL Language Reference, CREATE SEQUENCE: ORDER/NOORDER, CACHE). Given an id, the row is committed now, in its place by id.
    const id = row.id ?? ((this.nfresults.at(-1)?.ID as number | undefined) ?? 0) + 1;
    let at = this.nfresults.length;
    while (at > 0 && (this.nfresults[at - 1]!.ID as number) > id) at--;
    this.nfresults.splice(at, 0, {
      ID: id,
      OPERDATE: row.at ?? new Date(),
      TBLNAME: row.table ?? null,
      ORDER_ID: row.order ?? null,
      EVENT: row.event ?? 'notify',
      OPERATION: row.operation ?? (row.order ? 'order' : row.keys ? 'key' : 'table'),
      STATUS_CODE: row.status ?? null,
      RSLT_MSG: row.message ?? null,
      ERROR_TEXT: row.error ?? null,
      REGID: 41,
      ...(row.keys ? { KEY_VALUES: row.keys } : {}),
    });
    return id;
  }

  /** Statements matching `pattern` fail with `message` (an ORA- text), `times` times (default always). */
  failOn(pattern: RegExp, message: string, times = Infinity): void {
    this.#faults.push({ pattern, message, times });
  }

  clearFaults(): void {
    this.#faults = [];
    this.#compileFaults = [];
  }

  /** CREATE statements matching `pattern` succeed with compilation errors. */
  compileErrorsOn(pattern: RegExp, errors: CompileErrorSpec[]): void {
    this.#compileFaults.push({ pattern, errors });
  }

  fault(sql: string): string | undefined {
    const f = this.#faults.find((x) => x.pattern.test(sql) && x.times > 0);
    if (!f) return undefined;
    f.times--;
    return f.message;
  }

  compileFault(sql: string): CompileErrorSpec[] | undefined {
    return this.#compileFaults.find((x) => x.pattern.test(sql))?.errors;
  }

  hasTable(name: string): boolean {
    return this.objects.has(`TABLE ${name}`);
  }

  /** The schema's names as a PL/SQL unit's static references resolve against them now. */
  schemaNames(): SchemaNames {
    return {
      has: (name) => [...this.objects.values()].some((o) => o.name === name && o.type !== 'INDEX'),
      columnsOf: (table) => {
        const o = this.objects.get(`TABLE ${table}`);
        return o?.columns && [...o.columns, ...(this.addedColumns.get(table) ?? [])];
      },
    };
  }

  /** What a stored unit names statically that the schema no longer holds ("TABLE", "TABLE.COLUMN"). */
  unresolved(key: string): string[] {
    const o = this.objects.get(key);
    return o?.references ? unresolvedReferences(o.references, this.schemaNames()) : [];
  }

  /**
   * Oracle invalidates a stored unit when an object it names statically is dropped, or a column is
   * dropped or set unused in a table it names (its SQL may name that column; Oracle Database
   * Development Guide, "Schema Object Dependency"): it stays INVALID until it compiles again.
   */
  invalidateDependents(name: string): void {
    for (const o of this.objects.values()) if (o.references?.objects.has(name)) o.status = 'INVALID';
  }

  /** CREATE OR REPLACE or ALTER … COMPILE: VALID when every static reference resolves. */
  recompile(key: string): boolean {
    const o = this.objects.get(key);
    if (!o) throw oraError('ORA-04043: object does not exist');
    o.status = this.unresolved(key).length === 0 ? 'VALID' : 'INVALID';
    return o.status === 'VALID';
  }

  history(): HistoryRecord[] {
    return [...this.committed.history.values()].sort((a, b) => a.INSTALLED_RANK - b.INSTALLED_RANK);
  }

  objectNames(): string[] {
    return [...this.objects.keys()].sort();
  }

  newSid(): number {
    return this.#nextSid++;
  }

  driver(options: { refuse?: (o: ConnectOptions) => Error | undefined } = {}): Driver & { connects: ConnectOptions[] } {
    const connects: ConnectOptions[] = [];
    return {
      connects,
      connect: async (o: ConnectOptions) => {
        connects.push(o);
        const refusal = options.refuse?.(o);
        if (refusal) throw refusal;
        return this.connect(o.user);
      },
    };
  }

  connect(user = 'OE'): FakeSession {
    const s = new FakeSession(this, user.toUpperCase(), this.newSid());
    this.sessions.push(s);
    return s;
  }
}

interface FakeSubscription {
  readonly name: string;
  readonly regId: number;
  readonly tables: Set<string>;
  readonly callback: (message: ChangeMessage) => void;
  readonly timeoutSeconds: number;
  readonly session: FakeSession;
  channel: 'up' | 'stopped';
}

class FakeSession implements SubscribingSession {
  alive = true;
  closed = false;
  pending: ((s: State) => void)[] = [];

  constructor(
    readonly db: FakeDatabase,
    readonly user: string,
    readonly sid: number,
  ) {}

  serverVersion(): { major: number; minor: number } {
    return this.db.version;
  }

  /** The session dies as a killed process's would: its transaction rolls back, its locks go, its subscriptions' channels stop. */
  kill(): void {
    this.alive = false;
    this.pending = [];
    this.#releaseLocks();
    for (const sub of this.db.subscriptions.values()) if (sub.session === this) sub.channel = 'stopped';
  }

  get thin(): boolean {
    return this.db.thin;
  }

  async subscribe(name: string, request: SubscribeRequest): Promise<{ regId: number }> {
    this.#check();
    this.db.log.push({ session: this.sid, sql: request.sql, name: `subscribe ${name}`, binds: {} });
    if (!this.db.thin)
      throw oraError('NJS-089: server initiated subscription is not supported by node-oracledb in Thin mode');
    if (!this.db.grants.has(`${this.user} CHANGE NOTIFICATION`))
      throw oraError('ORA-29972: user does not have privilege to change/ create registration');
    const m = /^SELECT ROWID FROM "([^"]+)"\."([^"]+)" WHERE ROWNUM = 1$/.exec(
      request.sql
        .replace(/--[^\n]*/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    if (!m)
      throw new Error(`the fake subscribes only to SELECT ROWID FROM "OWNER"."TABLE" WHERE ROWNUM = 1: ${request.sql}`);
    const o = this.db.objects.get(`TABLE ${m[2]}`);
    if (!o || (o.owner ?? 'OE') !== m[1]) throw oraError('ORA-00942: table or view does not exist');
    const table = `${m[1]}.${m[2]}`;
    const existing = this.db.subscriptions.get(name);
    if (existing && existing.channel === 'up') {
      existing.tables.add(table);
      return { regId: existing.regId };
    }
    // a stopped one is deregistered and replaced (Thin's same-name recovery): a new regId
    const sub: FakeSubscription = {
      name,
      regId: this.db.nextSubscriptionId++,
      tables: new Set([table]),
      callback: request.callback,
      timeoutSeconds: request.timeoutSeconds,
      session: this,
      channel: 'up',
    };
    this.db.subscriptions.set(name, sub);
    return { regId: sub.regId };
  }

  async unsubscribe(name: string): Promise<void> {
    this.#check();
    this.db.log.push({ session: this.sid, sql: '', name: `unsubscribe ${name}`, binds: {} });
    if (!this.db.subscriptions.delete(name)) throw oraError('NJS-061: invalid subscription');
  }

  #releaseLocks(): void {
    if (this.db.lockHolder === this) this.db.lockHolder = undefined;
  }

  #view(): State {
    const s = cloneState(this.db.committed);
    for (const op of this.pending) op(s);
    return s;
  }

  async commit(): Promise<void> {
    this.#check();
    for (const op of this.pending) op(this.db.committed);
    this.pending = [];
    this.#releaseLocks();
  }

  async rollback(): Promise<void> {
    this.#check();
    this.pending = [];
    this.#releaseLocks();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Oracle rolls back an open transaction when a session closes normally.
    this.pending = [];
    this.#releaseLocks();
    this.closed = true;
    this.alive = false;
  }

  #check(): void {
    if (!this.alive) throw oraError('NJS-500: connection to Oracle Database was closed or broken');
  }

  async execute(sql: string, binds: Binds = {}, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    this.#check();
    this.db.log.push({ session: this.sid, sql, name: options.name, binds });
    await this.db.beforeExecute?.(this, sql, options.name);
    this.#check();
    if (Array.isArray(binds)) return this.#positional(sql, binds as readonly BindValue[], options.name);
    // Thin mode does not look for binds in DDL (so :new in a trigger is not one).
    const expected = DDL.test(sql) ? new Set<string>() : bindNames(sql);
    const named = binds as Record<string, unknown>;
    for (const name of expected) if (!(name in named)) throw oraError('ORA-01008: not all variables bound');
    for (const name of Object.keys(named))
      if (!expected.has(name.toLowerCase())) throw oraError(`ORA-01036: illegal variable name/number (:${name})`);
    const fault = this.db.fault(sql);
    if (fault) {
      if (DDL.test(sql)) await this.commit();
      throw oraError(fault);
    }
    if (options.name !== undefined && !DDL.test(sql))
      return this.#named(options.name, sql, binds as Record<string, BindValue>);
    if (DDL.test(sql)) return this.#ddl(sql);
    return this.#other(sql);
  }

  async #ddl(sql: string): Promise<ExecuteResult> {
    await this.commit(); // implicit commit before DDL
    const create = CREATE_OBJECT.exec(sql);
    let warning: ExecuteResult['warning'];
    if (create) {
      const type = create[3]!.toUpperCase().replace(/\s+/, ' ');
      const name = normName(create[4]!);
      const key = `${type} ${name}`;
      if (this.db.objects.has(key) && !create[1])
        throw oraError('ORA-00955: name is already used by an existing object');
      const errors = COMPILED.has(type) ? this.db.compileFault(sql) : undefined;
      const table = type === 'INDEX' ? /\bON\s+(?:\S+\.)?("?[\w$#]+"?)/i.exec(sql)?.[1] : undefined;
      this.db.objects.set(key, {
        type,
        name,
        owner: this.user,
        status: errors?.some((e) => (e.attribute ?? 'ERROR') === 'ERROR') ? 'INVALID' : 'VALID',
        ...(table ? { table: normName(table) } : {}),
        ...(type === 'TABLE' ? tableShape(sql) : {}),
      });
      if (PLSQL_UNITS.has(type))
        this.db.objects.get(key)!.references = staticReferences(sql, name, this.db.schemaNames());
      if (errors) {
        this.db.errors.set(key, errors);
        warning = { code: 'NJS-700', message: 'NJS-700: creation succeeded with compilation errors' };
      } else this.db.errors.delete(key);
    }
    const drop = DROP_OBJECT.exec(sql);
    if (drop) {
      const type = drop[1]!.toUpperCase().replace(/\s+/, ' ');
      const key = `${type} ${normName(drop[2]!)}`;
      if (!this.db.objects.delete(key))
        throw oraError(
          type === 'TABLE' || type === 'VIEW'
            ? 'ORA-00942: table or view does not exist'
            : 'ORA-04043: object does not exist',
        );
      if (key === 'TABLE DCN_ROUTES') this.db.routes.clear();
      this.db.invalidateDependents(normName(drop[2]!));
      this.db.errors.delete(key);
      if (type === 'PACKAGE') this.db.objects.delete(`PACKAGE BODY ${normName(drop[2]!)}`);
      if (type === 'TABLE') {
        for (const [k, o] of this.db.objects) if (o.table === normName(drop[2]!)) this.db.objects.delete(k);
        this.db.addedColumns.delete(normName(drop[2]!));
      }
    }
    if (/^\s*ALTER\s+TABLE\b/i.test(sql)) this.#alterTable(sql);
    const compile = /^\s*ALTER\s+(PROCEDURE|FUNCTION|TRIGGER)\s+(\S+)\s+COMPILE\s*$/i.exec(sql);
    if (compile && !this.db.recompile(`${compile[1]!.toUpperCase()} ${normName(compile[2]!)}`))
      warning = { code: 'NJS-700', message: 'NJS-700: creation succeeded with compilation errors' };
    const grant = /^\s*GRANT\s+(.+?)\s+TO\s+(\S+)\s*$/is.exec(sql);
    if (grant)
      for (const p of grant[1]!.split(','))
        this.db.grants.add(`${grant[2]!.toUpperCase()} ${p.trim().replace(/\s+/g, ' ').toUpperCase()}`);
    const revoke = /^\s*REVOKE\s+(.+?)\s+FROM\s+(\S+)\s*$/is.exec(sql);
    if (revoke) {
      for (const p of revoke[1]!.split(',')) {
        const key = `${revoke[2]!.toUpperCase()} ${p.trim().replace(/\s+/g, ' ').toUpperCase()}`;
        // what Oracle answers (SQL Language Reference, REVOKE): an object privilege, ORA-01927; a system one, ORA-01952
        if (!this.db.grants.delete(key)) {
          throw oraError(
            /\sON\s/i.test(p)
              ? 'ORA-01927: cannot REVOKE privileges you did not grant'
              : `ORA-01952: system privileges not granted to '${revoke[2]!.toUpperCase()}'`,
          );
        }
      }
    }
    await this.commit(); // and after
    return { rows: [], rowsAffected: 0, warning };
  }

  /** dcn watch's key lookup, as its SQL reads: the ROWIDs from their binds, the table and key columns from the text. */
  #watchKeys(sql: string, b: Record<string, BindValue>): ExecuteResult {
    const flat = sql
      .replace(/--[^\n]*/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    const m =
      /^SELECT \/\*\+ LEADING\(r\) USE_NL\(t\) \*\/ r\.rid, ROWIDTOCHAR\(t\.ROWID\) AS found, (.+) FROM \(SELECT COLUMN_VALUE AS rid FROM TABLE\(:(\w+)\)\) r LEFT JOIN "([^"]+)"\."([^"]+)" t ON t\.ROWID = CHARTOROWID\(r\.rid\);?$/i.exec(
        flat,
      );
    if (!m) throw new Error(`the fake does not understand this key lookup: ${flat}`);
    const keys = m[1]!.split(', ').map((k) => {
      const c = /^TO_CHAR\(t\."([^"]+)"\) AS (k\d+)$/i.exec(k);
      if (!c) throw new Error(`the fake does not understand the key ${k}`);
      return { column: c[1]!, alias: c[2]!.toUpperCase() };
    });
    const o = this.db.objects.get(`TABLE ${m[4]}`);
    if (!o || (o.owner ?? 'OE') !== m[3]) throw oraError('ORA-00942: table or view does not exist');
    for (const k of keys)
      if (!(o.columns ?? []).includes(k.column)) throw oraError(`ORA-00904: "T"."${k.column}": invalid identifier`);
    const rows = this.db.tableRows.get(`${m[3]}.${m[4]}`) ?? [];
    // the ROWIDs come as one bound collection, as node-oracledb binds a named collection type
    const bound = (b as Record<string, unknown>)[m[2]!];
    if (!isCollectionBind(bound) || bound.collection !== 'SYS.ODCIVARCHAR2LIST')
      throw oraError('ORA-22905: cannot access rows from a non-nested table item');
    const rowids = bound.values.map(String);
    return {
      rows: rowids.map((rid) => {
        const row = rows.find((r) => r.ROWID === rid);
        return {
          RID: rid,
          FOUND: row ? rid : null,
          ...Object.fromEntries(
            keys.map((k) => [k.alias, row && row[k.column] != null ? String(row[k.column]) : null]),
          ),
        };
      }),
      rowsAffected: 0,
    };
  }

  /**
   * The dictionary reads and dcn_routes statements of register, enable-reg, regs and deregister,
   * carried out as their SQL says: a condition or column that is not there is not applied.
   */
  #routes(name: string, sql: string, b: Record<string, BindValue>): ExecuteResult {
    const flat = sql
      .replace(/--[^\n]*/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    const expect = (pattern: RegExp) => {
      if (!pattern.test(flat))
        throw new Error(`the fake does not understand ${name} as written: ${flat.slice(0, 300)}`);
    };
    const table = () => {
      const o = this.db.objects.get(`TABLE ${String(b.table_name)}`);
      return o && (o.owner ?? 'OE') === b.owner ? o : undefined;
    };
    if (name === 'table.primary-key') {
      expect(
        /^SELECT cc\.column_name FROM all_constraints c JOIN all_cons_columns cc ON cc\.owner = c\.owner AND cc\.constraint_name = c\.constraint_name AND cc\.table_name = c\.table_name WHERE c\.owner = :owner AND c\.table_name = :table_name AND c\.constraint_type = 'P' ORDER BY cc\.position;?$/i,
      );
      return { rows: (table()?.primaryKey ?? []).map((c) => ({ COLUMN_NAME: c })), rowsAffected: 0 };
    }
    if (name === 'table.columns') {
      expect(
        /^SELECT column_name, nullable FROM all_tab_columns WHERE owner = :owner AND table_name = :table_name;?$/i,
      );
      const t = table();
      return {
        rows: (t?.columns ?? []).map((c) => ({
          COLUMN_NAME: c,
          NULLABLE: t?.primaryKey?.includes(c) || t?.notNull?.includes(c) ? 'N' : 'Y',
        })),
        rowsAffected: 0,
      };
    }
    if (name === 'table.direct-grant') {
      expect(
        /^SELECT privilege, grantee FROM all_tab_privs WHERE table_schema = :owner AND table_name = :table_name AND privilege IN \('SELECT', 'READ'\) AND grantee IN \(SYS_CONTEXT\('USERENV', 'SESSION_USER'\), 'PUBLIC'\);?$/i,
      );
      const readable =
        table() !== undefined && !this.db.readThroughRoleOnly.has(`${String(b.owner)}.${String(b.table_name)}`);
      return { rows: readable ? [{ PRIVILEGE: 'SELECT', GRANTEE: this.user }] : [], rowsAffected: 0 };
    }
    if (name === 'user.any-table') {
      expect(/^SELECT privilege FROM user_sys_privs WHERE privilege IN \('SELECT ANY TABLE', 'READ ANY TABLE'\);?$/i);
      return { rows: [], rowsAffected: 0 };
    }
    if (name === 'routes.available') {
      expect(/^SELECT COUNT\(\*\) AS routes FROM user_tables WHERE table_name = 'DCN_ROUTES';?$/i);
      return { rows: [{ ROUTES: this.db.hasTable('DCN_ROUTES') ? 1 : 0 }], rowsAffected: 0 };
    }
    if (!this.db.hasTable('DCN_ROUTES')) throw oraError('ORA-00942: table or view does not exist');
    const key = `${String(b.owner)}.${String(b.table_name)}`;
    if (name === 'routes.save') {
      expect(
        /^BEGIN UPDATE dcn_routes SET key_columns = :key_columns, key_immutable = :key_immutable WHERE table_owner = :owner AND table_name = :table_name; IF SQL%ROWCOUNT = 0 THEN INSERT INTO dcn_routes \(table_owner, table_name, key_columns, key_immutable\) VALUES \(:owner, :table_name, :key_columns, :key_immutable\); END IF; END;?$/i,
      );
      if (b.key_immutable !== 'yes' && b.key_immutable !== 'no')
        throw oraError('ORA-02290: check constraint (OE.DCN_ROUTES_IMMUTABLE_CK) violated');
      this.db.routes.set(key, {
        keyColumns: b.key_columns == null ? null : String(b.key_columns),
        keyImmutable: b.key_immutable,
      });
      return { rows: [], rowsAffected: 1 };
    }
    if (name === 'routes.delete') {
      expect(/^DELETE FROM dcn_routes WHERE table_owner = :owner AND table_name = :table_name;?$/i);
      return { rows: [], rowsAffected: this.db.routes.delete(key) ? 1 : 0 };
    }
    expect(
      /^SELECT table_owner, table_name, key_columns, key_immutable FROM dcn_routes ORDER BY table_owner, table_name;?$/i,
    );
    return {
      rows: [...this.db.routes.entries()]
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, r]) => ({
          TABLE_OWNER: k.split('.')[0],
          TABLE_NAME: k.slice(k.indexOf('.') + 1),
          KEY_COLUMNS: r.keyColumns,
          KEY_IMMUTABLE: r.keyImmutable,
        })),
      rowsAffected: 0,
    };
  }

  /**
   * dcn replay's statements, carried out as their SQL says: each condition of the failed-call
   * query is read from the text (a dropped one is not applied, and a test sees it), and the send
   * block must call sendNotification with the row's values and mark the row only while unmarked.
   */
  #replay(name: string, sql: string, b: Record<string, BindValue>): ExecuteResult {
    if (!this.db.hasTable('NFRESULTS')) throw oraError('ORA-00942: table or view does not exist');
    const flat = sql.replace(/\s+/g, ' ');
    // the columns later migrations add (V7, V8): a statement naming one that is not there fails
    for (const column of ['REPLAYED_BY', 'KEY_VALUES']) {
      if (new RegExp(`\\b${column}\\b`, 'i').test(flat) && !this.db.addedColumns.get('NFRESULTS')?.has(column))
        throw oraError(`ORA-00904: "${column}": invalid identifier`);
    }
    const failedCall = (r: Record<string, unknown>) =>
      (!/\bevent = 'notify'/i.test(flat) || r.EVENT === 'notify') &&
      (!/\breplayed_by IS NULL\b/i.test(flat) || r.REPLAYED_BY == null) &&
      (!/\(status_code IS NULL OR status_code NOT BETWEEN 200 AND 299\)/i.test(flat) ||
        r.STATUS_CODE == null ||
        Number(r.STATUS_CODE) < 200 ||
        Number(r.STATUS_CODE) > 299);
    if (name === 'replay.last-id') {
      if (!/^SELECT NVL\(MAX\(id\), 0\) AS last_id FROM nfresults;?$/i.test(flat.trim()))
        throw new Error(`the fake does not understand this query: ${flat}`);
      return { rows: [{ LAST_ID: this.db.nfresults.reduce((m, r) => Math.max(m, Number(r.ID)), 0) }], rowsAffected: 0 };
    }
    if (name === 'replay.pending') {
      const rows = this.db.nfresults.filter(failedCall);
      return { rows: [{ FAILED: rows.length, SINCE: rows[0]?.OPERDATE ?? null }], rowsAffected: 0 };
    }
    if (name === 'replay.failed') {
      const limit = Number(/\bFETCH FIRST (\d+) ROWS ONLY\b/i.exec(flat)?.[1] ?? Infinity);
      if (!/\bORDER BY id\b/i.test(flat)) throw new Error('the fake reads failed calls in id order only');
      const since = b.since instanceof Date ? b.since : null;
      const rows = this.db.nfresults
        .filter(
          (r) =>
            failedCall(r) &&
            (!/\bid > :after_id\b/i.test(flat) || Number(r.ID) > Number(b.after_id)) &&
            (!/\bid <= :up_to\b/i.test(flat) || Number(r.ID) <= Number(b.up_to)) &&
            (!/\(:since IS NULL OR operdate >= :since\)/i.test(flat) ||
              since === null ||
              (r.OPERDATE as Date) >= since) &&
            (!/\(:tbl IS NULL OR tblname = :tbl\)/i.test(flat) || b.tbl == null || r.TBLNAME === b.tbl),
        )
        .slice(0, limit)
        .map((r) => ({
          ID: r.ID,
          OPERDATE: r.OPERDATE,
          TBLNAME: r.TBLNAME,
          ORDER_ID: r.ORDER_ID,
          REGID: r.REGID,
          ...(/^SELECT [^;]*\bkey_values\b[^;]* FROM nfresults/i.test(flat)
            ? { KEY_VALUES: r.KEY_VALUES ?? null }
            : {}),
          ...(/^SELECT [^;]*\boperation\b[^;]* FROM nfresults/i.test(flat) ? { OPERATION: r.OPERATION } : {}),
        }));
      this.db.nfresultsRowsRead += rows.length;
      return { rows, rowsAffected: 0 };
    }
    // replay.send: sendNotification(url, tblname, order_id, regid, note, key_values, logged_id), as
    // R__01 takes them: the id of the call's log row comes back in the last one (INSERT … RETURNING)
    // and a batch in the eighth (R__01's batch): sent as the POST of its body, logged whole
    const withBatch =
      /\bsendNotification\(:url, :tblname, :order_id, :regid, :note, :key_values, l_new, :batch\);/i.test(flat);
    if (
      !withBatch &&
      !/\bsendNotification\(:url, :tblname, :order_id, :regid, :note, :key_values, l_new\);/i.test(flat)
    )
      throw new Error(`the fake does not understand this call of sendNotification: ${flat.slice(0, 200)}`);
    if (!/\bUPDATE nfresults SET replayed_by = l_new WHERE id = :id AND replayed_by IS NULL;/i.test(flat))
      throw new Error(`the fake does not understand how this block marks the row: ${flat.slice(0, 200)}`);
    // the mark is committed in the block: dcn never commits this session itself, so without it the
    // mark would be rolled back when the session closes and the call sent again by the next replay
    if (!/\bCOMMIT;\s*END;?$/i.test(flat.trim()))
      throw new Error(`the fake expects this block to commit its mark: ${flat.slice(-200)}`);
    if (/\bFROM nfresults WHERE id > /i.test(flat))
      throw new Error(
        `the fake does not search the log for the new call: sendNotification returns its id: ${flat.slice(0, 200)}`,
      );
    const url = `${String(b.url)}${String(b.url).includes('?') ? '&' : '?'}${b.order_id == null ? '' : `order_no=${String(b.order_id)}&`}table=${String(b.tblname)}${b.key_values == null ? '' : `&${String(b.key_values)}`}`;
    const batch = withBatch && b.batch != null ? String(b.batch) : undefined;
    this.db.calls.push(batch === undefined ? url : `POST ${url}\n${batch}`);
    const status = this.db.callbackAnswer;
    const newId = this.db.logNotification({
      table: b.tblname == null ? null : String(b.tblname),
      order: b.order_id == null ? null : String(b.order_id),
      keys: batch ?? (b.key_values == null ? null : String(b.key_values)),
      ...(batch === undefined ? {} : { operation: 'batch' }),
      status,
      // cut to the column's 4000 bytes, as sendNotification does (SUBSTRB)
      message: Buffer.from(
        status === null
          ? `call failed: ${url} (${String(b.note)})`
          : `${status} ${status < 300 ? 'OK' : 'Error'} (${String(b.note)})`,
      )
        .subarray(0, 4000)
        .toString(),
      error: status === null ? 'ORA-29273: HTTP request failed' : null,
    });
    const old = this.db.nfresults.find((r) => r.ID === Number(b.id));
    const marked = old !== undefined && old.REPLAYED_BY == null;
    if (marked) old.REPLAYED_BY = newId;
    return { rows: [], rowsAffected: 0, outBinds: { marked: marked ? 1 : 0, status, new_id: newId } };
  }

  /**
   * dcn log prune's statements, as their SQL says: each condition read from the text (a dropped
   * one is not applied, and a test sees it); a batch deletes at once (committed: the fake keeps
   * log rows as committed) and counts the rows it deleted.
   */
  #prune(name: string, sql: string, b: Record<string, BindValue>): ExecuteResult {
    if (!this.db.hasTable('NFRESULTS')) throw oraError('ORA-00942: table or view does not exist');
    const flat = sql
      .replace(/--[^\n]*/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (/\breplayed_by\b/i.test(flat) && !this.db.addedColumns.get('NFRESULTS')?.has('REPLAYED_BY'))
      throw oraError('ORA-00904: "REPLAYED_BY": invalid identifier');
    const keepFailed =
      /\(:keep_failed = 0 OR NOT \(event = 'notify' AND replayed_by IS NULL AND \(status_code IS NULL OR status_code NOT BETWEEN 200 AND 299\)\)\)/i.test(
        flat,
      );
    const failedCall = (r: Record<string, unknown>) =>
      r.EVENT === 'notify' &&
      r.REPLAYED_BY == null &&
      (r.STATUS_CODE == null || Number(r.STATUS_CODE) < 200 || Number(r.STATUS_CODE) > 299);
    const olderThan = b.older_than instanceof Date ? b.older_than.getTime() : NaN;
    const matches = (r: Record<string, unknown>) =>
      (!/\boperdate < :older_than\b/i.test(flat) || (r.OPERDATE as Date).getTime() < olderThan) &&
      (!keepFailed || Number(b.keep_failed) === 0 || !failedCall(r)) &&
      (!/\bid > :after_id\b/i.test(flat) || Number(r.ID) > Number(b.after_id)) &&
      (!/\bid <= :up_to\b/i.test(flat) || Number(r.ID) <= Number(b.up_to));
    if (name === 'prune.range') {
      if (
        !/^SELECT COUNT\(\*\) AS rows_to_prune, NVL\(MIN\(id\), 0\) AS first_id, NVL\(MAX\(id\), 0\) AS last_id FROM nfresults WHERE /i.test(
          flat,
        )
      )
        throw new Error(`the fake does not understand this query: ${flat}`);
      const rows = this.db.nfresults.filter(matches);
      this.db.nfresultsRowsRead += this.db.nfresults.length;
      return {
        rows: [
          {
            ROWS_TO_PRUNE: rows.length,
            FIRST_ID: rows.length ? Math.min(...rows.map((r) => Number(r.ID))) : 0,
            LAST_ID: rows.length ? Math.max(...rows.map((r) => Number(r.ID))) : 0,
          },
        ],
        rowsAffected: 0,
      };
    }
    if (!/^DELETE FROM nfresults WHERE id > :after_id AND id <= :up_to AND /i.test(flat))
      throw new Error(`the fake deletes log rows only by a range of ids: ${flat}`);
    const before = this.db.nfresults.length;
    const kept = this.db.nfresults.filter((r) => !matches(r));
    this.db.nfresultsRowsRead += this.db.nfresults.filter(
      (r) => Number(r.ID) > Number(b.after_id) && Number(r.ID) <= Number(b.up_to),
    ).length;
    this.db.nfresults.splice(0, before, ...kept);
    return { rows: [], rowsAffected: before - kept.length };
  }

  /**
   * ALTER TABLE t ADD (column type, …) and ALTER TABLE t DROP COLUMN column, as Oracle answers
   * them: ORA-00942 for no such table, ORA-01430 for a column already there, ORA-00904 for one
   * that is not. Any other ALTER TABLE is not understood.
   */
  #alterTable(sql: string): void {
    // DROP COLUMN c, SET UNUSED COLUMN c and SET UNUSED (c): the column is gone for every statement
    const m =
      /^\s*ALTER\s+TABLE\s+(\S+)\s+(?:ADD\s*\(([\s\S]*)\)|(?:DROP\s+COLUMN|SET\s+UNUSED\s+COLUMN)\s+("?[\w$#]+"?)|SET\s+UNUSED\s*\(\s*("?[\w$#]+"?)\s*\))\s*$/i.exec(
        sql,
      );
    if (!m)
      throw new Error(
        `the fake does not understand this ALTER TABLE (teach it in test/support, citing Oracle's behaviour): ${sql.slice(0, 200)}`,
      );
    const table = normName(m[1]!);
    if (!this.db.hasTable(table)) throw oraError('ORA-00942: table or view does not exist');
    const columns = this.db.addedColumns.get(table) ?? new Set<string>();
    this.db.addedColumns.set(table, columns);
    if (m[2] !== undefined) {
      for (const item of m[2].split(',')) {
        const name = normName(/^\s*("?[\w$#]+"?)/.exec(item)![1]!);
        if (columns.has(name)) throw oraError('ORA-01430: column being added already exists in table');
        columns.add(name);
      }
    } else {
      const column = normName((m[3] ?? m[4])!);
      if (!columns.delete(column)) throw oraError(`ORA-00904: "${column}": invalid identifier`);
      this.db.invalidateDependents(table);
    }
  }

  /**
   * V1's list of what the schema held before dcn, and U1's block that takes back only what is not
   * on it: carried out as their SQL says, for the dictionary rows the fake keeps (grants, ACEs).
   */
  #heldBefore(sql: string): ExecuteResult | undefined {
    const insert =
      /^\s*INSERT INTO (?:\w+\.)?dcn_held_before \(what\)\s+SELECT (?:DISTINCT )?'([^']+)' FROM (dba_sys_privs|dba_tab_privs)\s+WHERE ([\s\S]+)$/i.exec(
        sql,
      );
    if (insert) {
      if (!this.db.hasTable('DCN_HELD_BEFORE')) throw oraError('ORA-00942: table or view does not exist');
      const [, what, view, where] = insert as unknown as [string, string, string, string];
      const literal = (column: string) => new RegExp(`\\b${column} = '([^']*)'`, 'i').exec(where)?.[1];
      let held: boolean;
      if (/dba_sys_privs/i.test(view)) held = this.db.grants.has(`${literal('grantee')} ${literal('privilege')}`);
      else if (/dba_tab_privs/i.test(view)) {
        const names =
          /table_name IN \(([^)]*)\)/i
            .exec(where)?.[1]
            ?.match(/'(\w+)'/g)
            ?.map((n) => n.slice(1, -1)) ?? [];
        held =
          literal('owner') === 'SYS' &&
          names.some((n) => this.db.grants.has(`${literal('grantee')} ${literal('privilege')} ON ${n}`));
      } else {
        const host = /LOWER\(host\) = LOWER\('([^']+)'\)/i.exec(where)?.[1]?.toLowerCase();
        const lower = Number(/\blower_port = (\d+)/i.exec(where)?.[1]);
        const upper = Number(/\bupper_port = (\d+)/i.exec(where)?.[1]);
        const privilege = /UPPER\(privilege\) = '(\w+)'/i.exec(where)?.[1];
        held = this.db.hostAces.some(
          (a) =>
            a.host.toLowerCase() === host &&
            a.lower === lower &&
            a.upper === upper &&
            a.principal === literal('principal') &&
            a.privilege === privilege,
        );
      }
      if (held) this.pending.push(() => this.db.heldBefore.add(what));
      return { rows: [], rowsAffected: held ? 1 : 0 };
    }
    if (/FUNCTION held_before/i.test(sql)) {
      // held_before: COUNT(*) of the list compared as its RETURN says; without the list (dcn 0.1)
      // the SELECT raises ORA-00942, which its handler must turn into FALSE
      const compare = /RETURN l_count (>=|>|=|<>) (\d+);/i.exec(sql);
      if (!compare) throw new Error('the fake cannot read what held_before returns');
      const held = (what: string) => {
        if (!this.db.hasTable('DCN_HELD_BEFORE')) {
          if (!/IF SQLCODE = -942 THEN RETURN FALSE; END IF;/i.test(sql))
            throw oraError('ORA-00942: table or view does not exist');
          return false;
        }
        const count = this.db.heldBefore.has(what) ? 1 : 0;
        const n = Number(compare[2]);
        return { '>=': count >= n, '>': count > n, '=': count === n, '<>': count !== n }[compare[1]!]!;
      };
      // revoke_given: a REVOKE of what is not there raises, unless its handler lists the code
      const tolerated = (/IF SQLCODE NOT IN \(([^)]*)\) THEN RAISE;/i.exec(sql)?.[1] ?? '')
        .split(',')
        .map((c) => c.trim());
      const grantee = /'REVOKE ' \|\| p_what \|\| ' FROM (\w+)'/i.exec(sql)?.[1];
      if (!grantee) throw new Error('the fake cannot read the REVOKE of U1');
      for (const m of sql.matchAll(/^\s*revoke_given\('([^']+)'\);/gim)) {
        if (held(m[1]!)) continue;
        if (this.db.grants.delete(`${grantee.toUpperCase()} ${m[1]}`)) continue;
        const code = /\sON\s/i.test(m[1]!) ? '-1927' : '-1952';
        if (!tolerated.includes(code))
          throw oraError(
            code === '-1927'
              ? 'ORA-01927: cannot REVOKE privileges you did not grant'
              : `ORA-01952: system privileges not granted to '${grantee.toUpperCase()}'`,
          );
      }
      return { rows: [], rowsAffected: 0 };
    }
    const drop =
      /^\s*BEGIN\s+EXECUTE IMMEDIATE 'DROP TABLE (?:\w+\.)?(\w+)';\s+EXCEPTION\s+WHEN OTHERS THEN\s+IF SQLCODE != -942 THEN RAISE; END IF;\s+END;\s*$/i.exec(
        sql,
      );
    if (drop) {
      const name = drop[1]!.toUpperCase();
      this.db.objects.delete(`TABLE ${name}`);
      if (name === 'DCN_HELD_BEFORE') this.db.heldBefore.clear();
      if (name === 'DCN_GIVEN_ACES') this.db.givenAces.clear();
      return { rows: [], rowsAffected: 0 };
    }
    return undefined;
  }

  async #other(sql: string): Promise<ExecuteResult> {
    const held = this.#heldBefore(sql);
    if (held) return held;
    const acl = runNetworkAclBlock(sql, {
      hostAces: this.db.hostAces,
      givenAces: this.db.givenAces,
      hasTable: (name) => this.db.hasTable(name),
      createTable: (name) =>
        this.db.objects.set(`TABLE ${name}`, { type: 'TABLE', name, owner: this.user, status: 'VALID' }),
    });
    if (acl) return { rows: [], rowsAffected: 0 };
    const ace =
      /DBMS_NETWORK_ACL_ADMIN\.(APPEND|REMOVE)_HOST_ACE\(\s*host\s*=>\s*'([^']+)',\s*lower_port\s*=>\s*(\d+),\s*upper_port\s*=>\s*(\d+),[\s\S]*?privilege_list\s*=>\s*xs\$name_list\('(\w+)'\),\s*principal_name\s*=>\s*'([^']+)'/i.exec(
        sql,
      );
    if (ace) {
      const entry = {
        host: ace[2]!,
        lower: Number(ace[3]),
        upper: Number(ace[4]),
        privilege: ace[5]!.toUpperCase(),
        principal: ace[6]!,
      };
      const i = this.db.hostAces.findIndex(
        (a) =>
          a.host === entry.host &&
          a.lower === entry.lower &&
          a.upper === entry.upper &&
          a.privilege === entry.privilege &&
          a.principal === entry.principal,
      );
      if (ace[1]!.toUpperCase() === 'APPEND') {
        if (i === -1) this.db.hostAces.push(entry);
      } else if (i !== -1) this.db.hostAces.splice(i, 1);
      return { rows: [], rowsAffected: 0 };
    }
    const insert = /^\s*INSERT\s+INTO\s+(\S+)/i.exec(sql);
    if (insert) {
      const table = normName(insert[1]!);
      if (!this.db.hasTable(table)) throw oraError('ORA-00942: table or view does not exist');
      this.pending.push((s) => s.data.set(table, (s.data.get(table) ?? 0) + 1));
      return { rows: [], rowsAffected: 1 };
    }
    const parameter = this.#raiseParameter(sql);
    if (parameter) return parameter;
    const recompiled = this.#recompileInvalid(sql);
    if (recompiled) return recompiled;
    // A strict fake: what it cannot read fails the test, instead of passing as "no rows".
    throw new Error(
      `the fake does not understand this statement (teach it in test/support, citing Oracle's behaviour): ${sql.slice(0, 200)}`,
    );
  }

  /**
   * V1's block that raises an initialisation parameter only when it is at a value: the parameter
   * read from V$PARAMETER, compared as the IF says, set as the ALTER SYSTEM says. SELECT … INTO
   * of a parameter that does not exist raises NO_DATA_FOUND (ORA-01403).
   */
  #raiseParameter(sql: string): ExecuteResult | undefined {
    // …the ALTER SYSTEM in a block of its own whose handler raises its own error, with SQLERRM in it
    const block =
      /^\s*DECLARE\s+(\w+) NUMBER;\s+BEGIN\s+SELECT TO_NUMBER\(value\) INTO \1 FROM v\$parameter WHERE name = '(\w+)';\s+IF \1 (=|<>|>|>=|<|<=) (\d+) THEN\s+(?:BEGIN\s+)?EXECUTE IMMEDIATE 'ALTER SYSTEM SET (\w+) = (\d+)';\s+(?:EXCEPTION\s+WHEN OTHERS THEN\s+RAISE_APPLICATION_ERROR\(-(\d+), ((?:(?:'[^']*'|SQLERRM)\s*(?:\|\|\s*)?)+), TRUE\);\s+END;\s+)?END IF;\s+END;\s*$/i.exec(
        sql,
      );
    if (!block) return undefined;
    const [, , read, op, against, set, value, code, message] = block as unknown as string[];
    const parameters: Record<string, number> = { job_queue_processes: this.db.jobQueueProcesses };
    if (!(read!.toLowerCase() in parameters)) throw oraError('ORA-01403: no data found');
    const current = parameters[read!.toLowerCase()]!;
    const n = Number(against);
    const holds = {
      '=': current === n,
      '<>': current !== n,
      '>': current > n,
      '>=': current >= n,
      '<': current < n,
      '<=': current <= n,
    }[op!]!;
    if (holds) {
      if (set!.toLowerCase() !== 'job_queue_processes') throw oraError('ORA-02065: illegal option for ALTER SYSTEM');
      const refusal = this.db.alterSystemRefusal;
      if (refusal !== undefined) {
        if (code === undefined) throw oraError(refusal);
        const text = [...message!.matchAll(/'([^']*)'|SQLERRM/g)].map((m) => m[1] ?? refusal).join('');
        throw oraError(`ORA-${code.padStart(5, '0')}: ${text}\n${refusal}`);
      }
      this.db.jobQueueProcesses = Number(value);
    }
    return { rows: [], rowsAffected: 0 };
  }

  /**
   * U7's and U8's block that compiles the named procedures again when they are INVALID, as its
   * SQL reads: the names of its IN list, the status it asks for. A unit that still does not
   * compile raises ORA-24344 out of EXECUTE IMMEDIATE.
   */
  #recompileInvalid(sql: string): ExecuteResult | undefined {
    const flat = sql
      .replace(/--[^\n]*/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    const m =
      /^BEGIN FOR o IN \(SELECT object_name FROM user_objects WHERE object_type = 'PROCEDURE' AND status = '(\w+)' AND object_name IN \(([^)]*)\) ORDER BY object_name DESC\) LOOP EXECUTE IMMEDIATE 'ALTER PROCEDURE ' \|\| o\.object_name \|\| ' COMPILE'; END LOOP; END;$/i.exec(
        flat,
      );
    if (!m) return undefined;
    const names = m[2]!
      .split(',')
      .map((n) => n.trim().slice(1, -1))
      .sort()
      .reverse();
    for (const name of names) {
      const o = this.db.objects.get(`PROCEDURE ${name}`);
      if (!o || o.owner !== this.user || o.status !== m[1]) continue;
      if (!this.db.recompile(`PROCEDURE ${name}`)) throw oraError('ORA-24344: success with compilation error');
    }
    return { rows: [], rowsAffected: 0 };
  }

  /** The rows of a table that migration DML inserted, as this session sees them. */
  dataRows(table: string): number {
    return this.#view().data.get(table.toUpperCase()) ?? 0;
  }

  async #named(name: string, sql: string, b: Record<string, BindValue>): Promise<ExecuteResult> {
    const none: ExecuteResult = { rows: [], rowsAffected: 0 };
    switch (name) {
      case 'table.exists':
        return { rows: this.db.hasTable(String(b.table_name)) ? [{ TABLE_NAME: b.table_name }] : [], rowsAffected: 0 };
      case 'lock.seed': {
        // the ids the SQL inserts ("SELECT n FROM dual UNION ALL …"), not the ones it is meant to
        const ids = [...sql.matchAll(/SELECT (\d+) FROM dual/gi)].map((m) => Number(m[1]));
        if (ids.length === 0 || new Set(ids).size !== ids.length)
          throw oraError('ORA-00001: unique constraint violated');
        this.pending.push((s) => {
          for (const id of ids) s.lockRows.set(id, { ID: id, HOLDER: null, HOLDER_SID: null, ACQUIRED_ON: null });
        });
        return { rows: [], rowsAffected: ids.length };
      }
      case 'lock.session-id':
        return { rows: [{ SID: String(this.sid) }], rowsAffected: 0 };
      case 'lock.acquire':
        return this.#acquire(sql);
      case 'lock.record-holder':
        this.pending.push((s) =>
          s.lockRows.set(2, {
            ID: 2,
            HOLDER: String(b.holder),
            HOLDER_SID: b.holder_sid as number,
            ACQUIRED_ON: new Date(),
          }),
        );
        return { rows: [], rowsAffected: 1 };
      case 'lock.read-holder': {
        const row = this.#view().lockRows.get(2);
        return { rows: row ? [{ ...row }] : [], rowsAffected: 0 };
      }
      case 'history.select':
        return {
          rows: [...this.#view().history.values()]
            .sort((a, b2) => a.INSTALLED_RANK - b2.INSTALLED_RANK)
            .map((r) => ({ ...r })),
          rowsAffected: 0,
        };
      case 'history.run-statements': {
        // as its SQL reads: each :sN as dynamic SQL in order, the progress UPDATE, COMMIT; on an
        // error, ROLLBACK and the error raised again
        const flat = sql
          .replace(/--[^\n]*/g, '')
          .replace(/\s+/g, ' ')
          .trim();
        const block =
          /^BEGIN ((?:EXECUTE IMMEDIATE :s\d+; )+)(UPDATE .+?); COMMIT; EXCEPTION WHEN OTHERS THEN ROLLBACK; RAISE; END;$/i.exec(
            flat,
          );
        if (!block) throw new Error(`the fake does not understand this block: ${flat}`);
        const progress = Object.fromEntries(Object.entries(b).filter(([name]) => !/^s\d+$/.test(name)));
        try {
          for (const [, n] of block[1]!.matchAll(/:s(\d+);/g)) await this.execute(String(b[`s${n}`]));
          const recorded = this.#historyDml(block[2]!, progress);
          await this.commit();
          return recorded;
        } catch (err) {
          await this.rollback();
          throw err;
        }
      }
      case 'history.insert':
      case 'history.restart':
      case 'history.progress':
      case 'history.succeed':
      case 'history.fail':
      case 'history.delete':
      case 'history.realign':
      case 'history.baseline':
      case 'plan.record':
        // what the SQL says, not what it is called: a dropped SET column or condition shows
        return this.#historyDml(sql, b);
      case 'compile.errors': {
        const key = `${String(b.type)} ${String(b.name)}`;
        const rows = (this.db.errors.get(key) ?? []).map((e) => ({
          LINE: e.line,
          POSITION: e.position,
          TEXT: e.text,
          ATTRIBUTE: e.attribute ?? 'ERROR',
        }));
        return { rows, rowsAffected: 0 };
      }
      case 'privs.change-notification':
        return {
          rows: this.db.grants.has(`${this.user} CHANGE NOTIFICATION`) ? [{ PRIVILEGE: 'CHANGE NOTIFICATION' }] : [],
          rowsAffected: 0,
        };
      case 'privs.execute-package': {
        // USER_TAB_PRIVS (direct) and ROLE_TAB_PRIVS rows, filtered by the query's own
        // "table_name IN (…) AND privilege = '…'" in each branch of its UNION ALL
        const direct = [...this.db.grants]
          .map((g) => /^(\S+) (\w+) ON (\w+)$/.exec(g))
          .filter((m): m is RegExpExecArray => m !== null && m[1] === this.user)
          .map((m) => ({ TABLE_NAME: m[3]!, PRIVILEGE: m[2]! }));
        const viaRole = [
          ...(this.db.executeThroughRole.has(this.user)
            ? [{ TABLE_NAME: 'DBMS_CHANGE_NOTIFICATION', PRIVILEGE: 'EXECUTE' }]
            : []),
          ...(this.db.roleTabPrivs.get(this.user) ?? []).map((p) => ({
            TABLE_NAME: 'DBMS_CHANGE_NOTIFICATION',
            PRIVILEGE: p,
          })),
        ];
        const rows: Record<string, unknown>[] = [];
        for (const branch of sql.split(/\bUNION ALL\b/i)) {
          const via = /'(\w+)' AS via/i.exec(branch)?.[1];
          const names =
            /table_name IN \(([^)]*)\)/i
              .exec(branch)?.[1]
              ?.match(/'(\w+)'/g)
              ?.map((n) => n.slice(1, -1)) ?? [];
          const privilege = /\bprivilege = '(\w+)'/i.exec(branch)?.[1];
          const source = /\bFROM role_tab_privs\b/i.test(branch) ? viaRole : direct;
          for (const r of source)
            if (names.includes(r.TABLE_NAME) && (privilege === undefined || r.PRIVILEGE === privilege))
              rows.push({ VIA: via });
        }
        return { rows, rowsAffected: 0 };
      }
      case 'param.job-queue-processes': {
        if (!this.db.parametersVisible) throw oraError('ORA-00942: table or view does not exist');
        // V$PARAMETER has one row per parameter: the one the query names
        const named = /\bname = '(\w+)'/i.exec(sql)?.[1];
        // and the container id only where the query selects it
        const row = {
          VALUE: String(this.db.jobQueueProcesses),
          ...(/\bAS con_id\b/i.test(sql) ? { CON_ID: String(this.db.containerId) } : {}),
        };
        return { rows: named === 'job_queue_processes' ? [row] : [], rowsAffected: 0 };
      }
      case 'aces.user':
        return {
          rows: this.db.hostAces
            .filter((a) => a.principal === this.user)
            .map((a) => ({
              HOST: a.host,
              LOWER_PORT: a.lower,
              UPPER_PORT: a.upper,
              PRIVILEGE: a.privilege,
              STATUS: 'GRANTED',
            })),
          rowsAffected: 0,
        };
      case 'objects.dcn':
        return {
          rows: [...this.db.objects.values()]
            .filter(
              (o) =>
                (o.owner ?? 'OE') === this.user &&
                ['NFRESULTS', 'RDESC_TAB', 'SENDNOTIFICATION', 'ORDERS_NF_CALLBACK'].includes(o.name),
            )
            .map((o) => ({ OBJECT_NAME: o.name, OBJECT_TYPE: o.type, STATUS: o.status })),
          rowsAffected: 0,
        };
      case 'errors.object': {
        // as the SQL says: the rows of the attribute it asks for (ERROR, not WARNING)
        const attribute = /\battribute = '(\w+)'/i.exec(sql)?.[1];
        if (attribute === undefined) throw new Error(`the fake reads USER_ERRORS by attribute only: ${sql}`);
        return {
          rows: (this.db.errors.get(`${String(b.type)} ${String(b.name)}`) ?? [])
            .filter((e) => (e.attribute ?? 'ERROR') === attribute)
            .map((e) => ({ LINE: e.line, POSITION: e.position, TEXT: e.text })),
          rowsAffected: 0,
        };
      }
      case 'log.rows': {
        const flat = sql.replace(/\s+/g, ' ').trim();
        if (!/^SELECT COUNT\(\*\) AS n FROM \(SELECT 1 FROM nfresults WHERE ROWNUM <= :cap\);?$/i.test(flat))
          throw new Error(`the fake does not understand this query: ${flat}`);
        if (!this.db.objects.has('TABLE NFRESULTS')) throw oraError('ORA-00942: table or view does not exist');
        return { rows: [{ N: Math.min(this.db.nfresults.length, Number(b.cap)) }], rowsAffected: 0 };
      }
      case 'prune.range':
      case 'prune.batch':
        return this.#prune(name, sql, b);
      case 'replay.failed':
      case 'replay.last-id':
      case 'replay.send':
      case 'replay.pending':
        return this.#replay(name, sql, b);
      case 'session.user':
        return { rows: [{ SESSION_USER: this.user, CURRENT_SCHEMA: this.user }], rowsAffected: 0 };
      case 'table.visible': {
        const o = this.db.objects.get(`TABLE ${String(b.table_name)}`);
        return {
          rows: o && (o.owner ?? 'OE') === b.owner ? [{ OWNER: b.owner, TABLE_NAME: b.table_name }] : [],
          rowsAffected: 0,
        };
      }
      case 'object.kind': {
        const o = [...this.db.objects.values()].find((x) => x.name === b.object_name && (x.owner ?? 'OE') === b.owner);
        return { rows: o ? [{ OBJECT_TYPE: o.type }] : [], rowsAffected: 0 };
      }
      case 'register.new':
      case 'register.enable':
        return this.#register(name, sql, b);
      case 'watch.keys':
        return this.#watchKeys(sql, b);
      case 'table.primary-key':
      case 'table.columns':
      case 'table.direct-grant':
      case 'user.any-table':
      case 'routes.available':
      case 'routes.save':
      case 'routes.list':
      case 'routes.delete':
        return this.#routes(name, sql, b);
      case 'regs.user':
      case 'regs.all': {
        if (name === 'regs.all' && !['SYS', 'SYSTEM'].includes(this.user))
          throw oraError('ORA-00942: table or view does not exist');
        const rows = [...this.db.registrations.values()]
          .filter((r) => name === 'regs.all' || r.user === this.user)
          .flatMap((r) =>
            r.tables.map((t) => ({
              ...(name === 'regs.all' ? { USERNAME: r.user } : {}),
              REGID: r.regid,
              REGFLAGS: r.qosflags,
              CALLBACK: `plsql://${r.callback}?PR=0`,
              OPERATIONS_FILTER: r.operations,
              CHANGELAG: 0,
              TIMEOUT: r.timeout,
              TABLE_NAME: t,
            })),
          );
        return { rows, rowsAffected: 0 };
      }
      case 'deregister': {
        if (!this.db.grants.has(`${this.user} EXECUTE ON DBMS_CHANGE_NOTIFICATION`)) {
          throw oraError(
            "ORA-06550: line 2, column 3:\nPLS-00201: identifier 'DBMS_CHANGE_NOTIFICATION' must be declared",
          );
        }
        const r = this.db.registrations.get(Number(b.regid));
        if (!r || r.user !== this.user) throw oraError('ORA-29970: Specified registration id does not exist');
        this.db.registrations.delete(r.regid);
        return none;
      }
      case 'baseline.objects':
        if (!/^SELECT object_type, object_name FROM user_objects$/i.test(sql.trim()))
          throw new Error(`the fake reads baseline.objects only as dcn wrote it: ${sql}`);
        return {
          rows: [...this.db.objects.values()]
            .filter((o) => (o.owner ?? this.user) === this.user)
            .map((o) => ({ OBJECT_TYPE: o.type, OBJECT_NAME: o.name })),
          rowsAffected: 0,
        };
      case 'baseline.columns':
        if (!/^SELECT table_name, column_name FROM user_tab_columns;?$/i.test(sql.trim()))
          throw new Error(`the fake reads baseline.columns only as dcn wrote it: ${sql}`);
        return {
          rows: [...this.db.objects.values()]
            .filter((o) => o.type === 'TABLE' && (o.owner ?? this.user) === this.user)
            .flatMap((o) =>
              [...(o.columns ?? []), ...(this.db.addedColumns.get(o.name) ?? [])].map((c) => ({
                TABLE_NAME: o.name,
                COLUMN_NAME: c,
              })),
            ),
          rowsAffected: 0,
        };
      case 'objects.invalid':
        return {
          rows: [...this.db.objects.values()]
            .filter((o) => o.status === 'INVALID')
            .map((o) => ({ OBJECT_TYPE: o.type, OBJECT_NAME: o.name })),
          rowsAffected: 0,
        };
      case 'objects.recompile': {
        // compile_all => FALSE: only this user's INVALID objects; one that still does not compile stays INVALID
        if (
          !/^BEGIN\s+DBMS_UTILITY\.COMPILE_SCHEMA\(schema => USER, compile_all => FALSE\);\s+END;?$/i.test(sql.trim())
        )
          throw new Error(`the fake reads objects.recompile only as dcn wrote it: ${sql}`);
        await this.commit(); // each ALTER … COMPILE it runs is DDL
        for (const [key, o] of this.db.objects)
          if (o.status === 'INVALID' && (o.owner ?? this.user) === this.user) this.db.recompile(key);
        return none;
      }
      default:
        // a strict fake: a query it does not know fails the test instead of answering nothing
        throw new Error(
          `the fake does not know the named query '${name}': teach it what Oracle would answer (test/support/fake-oracle.ts)`,
        );
    }
  }

  /**
   * The engine's history INSERT, UPDATE and DELETE statements, carried out as their SQL reads:
   * columns, values (binds, numbers, NULL, USER, SYSTIMESTAMP) and the WHERE condition, with the
   * columns' sizes and NOT NULL taken from dcn's own DDL (history.create). Anything else in them
   * fails the test.
   */
  #historyDml(sql: string, b: Record<string, BindValue>): ExecuteResult {
    const text = sql
      .replace(/--[^\n]*/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    const cannot = (what: string) => new Error(`the fake cannot read ${what} in: ${text}`);
    const value = (expr: string): unknown => {
      const e = expr.trim();
      let m = /^:(\w+)$/.exec(e);
      if (m) {
        if (!(m[1]! in b)) throw cannot(`:${m[1]} (not bound)`);
        return b[m[1]!];
      }
      if (/^-?\d+$/.test(e)) return Number(e);
      m = /^'((?:[^']|'')*)'$/.exec(e);
      if (m) return m[1]!.replace(/''/g, "'");
      if (/^NULL$/i.test(e)) return null;
      if (/^USER$/i.test(e)) return this.user;
      if (/^SYSTIMESTAMP$/i.test(e)) return new Date();
      m = /^NVL\(MAX\((\w+)\), 0\) \+ 1$/i.exec(e);
      if (m)
        return (
          Math.max(
            0,
            ...[...this.#view().history.values()].map((r) => Number(r[m![1]!.toUpperCase() as keyof HistoryRecord])),
          ) + 1
        );
      throw cannot(`the value ${e}`);
    };
    const fitted = (column: string, raw: unknown): unknown => {
      const def = HISTORY_COLUMNS.get(column);
      if (!def) throw oraError(`ORA-00904: "${column}": invalid identifier`);
      if (raw === null || raw === undefined || raw === '') {
        if (def.notNull) throw oraError(`ORA-01400: cannot insert NULL into ("DCN_SCHEMA_HISTORY"."${column}")`);
        return null;
      }
      if (def.kind === 'number') return Number(raw);
      if (def.kind === 'timestamp') return raw;
      return fitColumn('DCN_SCHEMA_HISTORY', column, def.bytes!, String(raw));
    };
    const keyOf = (condition: string): string => {
      if (!/^version = :version$/i.test(condition.trim())) throw cannot(`the condition ${condition}`);
      return String(b.version);
    };
    const view = this.#view();
    let m = /^UPDATE \w+ SET (.+) WHERE (.+)$/i.exec(text);
    if (m) {
      const values = splitTopLevel(m[1]!, ',').map((a) => {
        const set = /^\s*(\w+) = (.+)$/.exec(a);
        if (!set) throw cannot(`the assignment ${a}`);
        const column = set[1]!.toUpperCase();
        return [column, fitted(column, value(set[2]!))] as const;
      });
      const key = keyOf(m[2]!);
      const found = view.history.has(key);
      this.pending.push((st) => {
        const r = st.history.get(key);
        if (r) Object.assign(r, Object.fromEntries(values));
      });
      return { rows: [], rowsAffected: found ? 1 : 0 };
    }
    m = /^DELETE FROM \w+ WHERE (.+)$/i.exec(text);
    if (m) {
      const key = keyOf(m[1]!);
      const found = view.history.has(key);
      this.pending.push((st) => st.history.delete(key));
      return { rows: [], rowsAffected: found ? 1 : 0 };
    }
    m = /^INSERT INTO \w+ \((.+?)\) SELECT (.+) FROM \w+$/i.exec(text);
    if (m) {
      const columns = m[1]!.split(',').map((c) => c.trim().toUpperCase());
      const exprs = splitTopLevel(m[2]!, ',');
      if (columns.length !== exprs.length)
        throw oraError(columns.length > exprs.length ? 'ORA-00947: not enough values' : 'ORA-00913: too many values');
      const given = new Map(columns.map((c, i) => [c, value(exprs[i]!)] as const));
      const row: Record<string, unknown> = {};
      for (const [column, def] of HISTORY_COLUMNS)
        row[column] = fitted(column, given.has(column) ? given.get(column) : def.defaultNow ? new Date() : null);
      for (const c of columns) if (!HISTORY_COLUMNS.has(c)) throw oraError(`ORA-00904: "${c}": invalid identifier`);
      const key = String(row.VERSION);
      if (view.history.has(key) || [...view.history.values()].some((r) => r.INSTALLED_RANK === row.INSTALLED_RANK))
        throw oraError('ORA-00001: unique constraint violated');
      this.pending.push((st) => st.history.set(key, row as unknown as HistoryRecord));
      return { rows: [], rowsAffected: 1 };
    }
    throw cannot('the statement');
  }

  /** Positional binds (:1, :2 …), as knex writes them. */
  #positional(sql: string, binds: readonly BindValue[], name?: string): ExecuteResult {
    const used = new Set([...sql.matchAll(/:(\d+)/g)].map((m) => Number(m[1])));
    if (used.size !== binds.length || [...used].some((n) => n < 1 || n > binds.length))
      throw oraError('ORA-01008: not all variables bound');
    if (name === 'tail.max-id') {
      if (!this.db.hasTable('NFRESULTS')) throw oraError('ORA-00942: table or view does not exist');
      return { rows: [{ MAX_ID: this.db.nfresults.at(-1)?.ID ?? null }], rowsAffected: 0 };
    }
    if (name !== 'tail.select')
      throw new Error(
        `the fake does not understand the positional-bind query ${name ?? '(unnamed)'}: ${sql.slice(0, 200)}`,
      );
    if (!this.db.hasTable('NFRESULTS')) throw oraError('ORA-00942: table or view does not exist');
    const m =
      /^select \* from \(select (.+?) from "NFRESULTS"(?: where (.+?))? order by "ID" (asc|desc)\) where rownum <= :(\d+)$/.exec(
        sql,
      );
    if (!m) throw oraError('ORA-00933: SQL command not properly ended (the fake reads only the tail query)');
    const columns = m[1]!.split(', ').map((c) => c.replace(/"/g, ''));
    const conditions = m[2] ? splitTopLevel(m[2], ' and ') : [];
    // KEY_VALUES comes with V8 (ALTER TABLE … ADD): a log from before it has no such column
    if (/"KEY_VALUES"/.test(sql) && !this.db.addedColumns.get('NFRESULTS')?.has('KEY_VALUES'))
      throw oraError('ORA-00904: "KEY_VALUES": invalid identifier');
    const limit = Number(binds[Number(m[4]) - 1]);
    const ordered = m[3] === 'asc' ? this.db.nfresults : [...this.db.nfresults].reverse();
    const rows: Record<string, unknown>[] = [];
    // like an index range scan on the key: rows after "ID" > :n are reached without reading the others
    // (…or the smallest of "ID" > :n or "ID" in (…), the late rows tail -f asks for again)
    const after = conditions.map((c) => /^\(?"ID" > :(\d+)(?: or "ID" in \(([^)]*)\)\))?$/.exec(c)).find(Boolean);
    let start = 0;
    if (after && m[3] === 'asc') {
      const again = after[2] ? after[2].split(', ').map((ref) => Number(binds[Number(ref.slice(1)) - 1])) : [];
      const id = Math.min(Number(binds[Number(after[1]) - 1]), ...again.map((n) => n - 1));
      let lo = 0;
      let hi = ordered.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((ordered[mid]!.ID as number) <= id) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    for (let i = start; i < ordered.length && rows.length < limit; i++) {
      const row = ordered[i]!;
      this.db.nfresultsRowsRead++;
      if (conditions.every((c) => evaluate(c, row, binds)))
        rows.push(Object.fromEntries(columns.map((c) => [c, row[c]])));
    }
    return { rows, rowsAffected: 0 };
  }

  /** NEW_REG_START/ENABLE_REG … REG_END, as the block in sql/registrations does it. */
  #register(name: string, sql: string, b: Record<string, BindValue>): ExecuteResult {
    if (this.user === 'SYS') throw oraError('ORA-29972: user does not have privilege to change/ create registration');
    if (!this.db.grants.has(`${this.user} EXECUTE ON DBMS_CHANGE_NOTIFICATION`)) {
      throw oraError(
        "ORA-06550: line 11, column 14:\nPLS-00201: identifier 'DBMS_CHANGE_NOTIFICATION' must be declared",
      );
    }
    // Oracle's own answer without the grant (https://docs.oracle.com/en/error-help/db/ora-29972/)
    if (!this.db.grants.has(`${this.user} CHANGE NOTIFICATION`))
      throw oraError('ORA-29972: user does not have privilege to change/ create registration');
    const tables = Object.keys(b)
      .filter((k) => /^table_\d+$/.test(k))
      .sort((x, y) => Number(x.slice(6)) - Number(y.slice(6)))
      .map((k) => {
        const m = /^(?:"([^"]+)"\.)?"([^"]+)"$/.exec(String(b[k]));
        const owner = m?.[1] ?? this.user;
        const o = m ? this.db.objects.get(`TABLE ${m[2]}`) : undefined;
        if (!o || (o.owner ?? 'OE') !== owner) throw oraError('ORA-44002: invalid object name');
        return `${owner}.${m![2]}`;
      })
      // Registered: the tables whose query runs between NEW_REG_START/ENABLE_REG and REG_END, as
      // the block's loop over them says ("FOR i IN n .. l_tables.COUNT" after the registration starts).
      .slice(registrationLoopStart(sql) - 1);
    if (name === 'register.enable') {
      const r = this.db.registrations.get(Number(b.regid));
      if (!r || r.user !== this.user) throw oraError('ORA-29970: Specified registration id does not exist');
      for (const t of tables) if (!r.tables.includes(t)) r.tables.push(t);
      return { rows: [], rowsAffected: 0 };
    }
    const info = /SYS\.CHNF\$_REG_INFO\(:callback,\s*([^,]+),\s*:timeout,\s*([^,]+),\s*0\)/.exec(sql);
    if (!info) throw oraError('PLS-00306: wrong number or types of arguments in call to CHNF$_REG_INFO');
    const regid = this.db.nextRegid++;
    this.db.registrations.set(regid, {
      regid,
      user: this.user,
      callback: String(b.callback),
      qosflags: constantSum(info[1]!),
      operations: constantSum(info[2]!),
      timeout: Number(b.timeout),
      tables,
    });
    return { rows: [], rowsAffected: 0, outBinds: { regid } };
  }

  async #acquire(sql: string): Promise<ExecuteResult> {
    // SELECT … WHERE id = n FOR UPDATE locks that row, if there is one: no row, no lock
    const id = Number(/\bWHERE id = (\d+)/i.exec(sql)?.[1]);
    if (!this.#view().lockRows.has(id)) return { rows: [], rowsAffected: 0 };
    const nowait = /\bNOWAIT\b/i.test(sql);
    const wait = Number(/\bWAIT\s+(\d+)/i.exec(sql)?.[1] ?? 0);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const holder = this.db.lockHolder;
      if (!holder || holder === this || !holder.alive) {
        this.db.lockHolder = this;
        return { rows: [{ ID: id }], rowsAffected: 0 };
      }
      if (nowait) throw oraError('ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired');
      if (Date.now() >= deadline) throw oraError('ORA-30006: resource busy; acquire with WAIT timeout expired');
      await new Promise((r) => setTimeout(r, 20));
      this.#check();
    }
  }
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Where the loop that opens the tables' queries inside the registration starts (1 in dcn's block). */
function registrationLoopStart(sql: string): number {
  const after = sql.slice(Math.max(sql.search(/NEW_REG_START|ENABLE_REG/i), 0));
  const m = /FOR i IN (\d+) \.\. l_tables\.COUNT LOOP\s+OPEN l_rows/i.exec(after);
  if (!m) throw oraError("PLS-00103: the fake cannot find the loop that opens the tables' queries");
  return Number(m[1]);
}

/** One condition of a knex WHERE clause, against a row. */
function evaluate(condition: string, row: Record<string, unknown>, binds: readonly BindValue[]): boolean {
  const c = condition.trim();
  if (c.startsWith('(') && c.endsWith(')'))
    return splitTopLevel(c.slice(1, -1), ' or ').some((a) => evaluate(a, row, binds));
  const value = (ref: string) => binds[Number(ref.slice(1)) - 1];
  let m = /^"(\w+)" in \(([^)]*)\)$/.exec(c);
  if (m) return m[2]!.split(', ').some((ref) => row[m![1]!] === value(ref));
  m = /^"(\w+)" is not null$/.exec(c);
  if (m) return row[m[1]!] !== null && row[m[1]!] !== undefined;
  m = /^"(\w+)" is null$/.exec(c);
  if (m) return row[m[1]!] === null || row[m[1]!] === undefined;
  m = /^"(\w+)" (=|<>|>|>=|<|<=) (:\d+)$/.exec(c);
  if (!m) throw oraError(`ORA-00920: invalid relational operator (the fake cannot read: ${c})`);
  const left = row[m[1]!];
  const right = value(m[3]!);
  if (left === null || left === undefined || right === null) return false;
  const l = left instanceof Date ? left.getTime() : left;
  const r = right instanceof Date ? right.getTime() : right;
  switch (m[2]) {
    case '=':
      return l === r;
    case '<>':
      return l !== r;
    case '>':
      return (l as number) > (r as number);
    case '>=':
      return (l as number) >= (r as number);
    case '<':
      return (l as number) < (r as number);
    default:
      return (l as number) <= (r as number);
  }
}

/** A SessionProvider over the fake: one app, one admin and one lock session, opened on first use. */
export function fakeSessions(db: FakeDatabase, users: { app?: string; admin?: string } = {}) {
  let app: FakeSession | undefined;
  let admin: FakeSession | undefined;
  let lock: FakeSession | undefined;
  return {
    app: async () => (app ??= db.connect(users.app ?? 'OE')),
    admin: async () => (admin ??= db.connect(users.admin ?? 'SYSTEM')),
    lock: async () => (lock ??= db.connect(users.app ?? 'OE')),
    get appSession() {
      return app;
    },
    get lockSession() {
      return lock;
    },
    get adminSession() {
      return admin;
    },
    async closeAll() {
      for (const s of [app, admin, lock]) await s?.close();
    },
  };
}
