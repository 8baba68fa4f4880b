/**
 * The small interface through which every dcn engine talks to Oracle. The oracledb
 * implementation is in oracle-driver.ts; tests use an in-memory fake that behaves like Oracle
 * where dcn depends on it (implicit DDL commit, compile warnings, ORA- errors, row locks).
 */

import type { ADMIN_PRIVILEGES } from '../config/settings.js';
export type BindValue = string | number | Date | null;
/** An OUT bind: the value comes back in ExecuteResult.outBinds. */
export interface OutBind {
  readonly out: 'number' | 'string';
}
/**
 * A collection bound as one value, of a named collection type such as SYS.ODCIVARCHAR2LIST:
 * node-oracledb binds { type: 'SYS.ODCIVARCHAR2LIST', val: [...] } in Thin mode too (lib/connection.js
 * _processBindUnit, a type given by name), so SQL reads it with TABLE(:name).
 */
export interface CollectionBind {
  readonly collection: string;
  readonly values: readonly string[];
}
/** Named binds (:name), or positional ones (:1, :2 … as knex writes them). */
export type Binds = Readonly<Record<string, BindValue | OutBind | CollectionBind>> | readonly BindValue[];

export function isCollectionBind(value: unknown): value is CollectionBind {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Date) &&
    'collection' in value &&
    'values' in value
  );
}

export function isOutBind(value: unknown): value is OutBind {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && 'out' in value;
}

export interface ExecuteResult {
  /** Rows as objects keyed by upper-case column name; empty for non-queries. */
  readonly rows: readonly Record<string, unknown>[];
  readonly rowsAffected: number;
  /** Set when Oracle reports success with information, e.g. NJS-700 (created with compilation errors). */
  readonly warning?: { readonly code: string; readonly message: string };
  /** Values of OUT binds, by bind name. */
  readonly outBinds?: Readonly<Record<string, unknown>>;
}

export interface ExecuteOptions {
  /**
   * Name of the dcn query (from sql/): the Oracle driver sets it as the session's action, so a DBA
   * sees in V$SESSION which dcn step runs; the test fake checks it against the SQL it is given.
   */
  readonly name?: string;
}

export interface DbSession {
  execute(sql: string, binds?: Binds, options?: ExecuteOptions): Promise<ExecuteResult>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
  /** The database release, e.g. { major: 19, minor: 3 }, when the driver knows it. */
  serverVersion(): { major: number; minor: number } | undefined;
}

/**
 * A change notification as node-oracledb's subscribe() delivers it: SubscriptionMessage and
 * SubscriptionTable in @types/oracledb 7.0 (index.d.ts), decoded by oracledb 26 Thin in
 * lib/thin/protocol/messages/notification.js. type: the SUBSCR_EVENT_TYPE_* constants (6 an
 * object change, 5 a deregistration: the timeout ran out, or the server stopped it); operation:
 * the CQN_OPCODE_* bits (the DBMS_CHANGE_NOTIFICATION values); rows only with ROWIDs asked for
 * and not ALL_ROWS.
 */
export interface ChangeMessage {
  readonly type: number;
  readonly registered?: boolean;
  readonly tables?: readonly {
    readonly name: string;
    readonly operation: number;
    readonly rows?: readonly { readonly operation: number; readonly rowid: string }[];
  }[];
}

export interface SubscribeRequest {
  /** A query reading the table: the objects it reads are what the subscription covers. */
  readonly sql: string;
  /** The server drops the subscription after this long (renewed by subscribing again). */
  readonly timeoutSeconds: number;
  readonly callback: (message: ChangeMessage) => void;
}

/**
 * A session that can subscribe to change notifications, client-initiated (node-oracledb 26 Thin:
 * the database sends the changes down a connection the client opened; Oracle 19.4 and later).
 * A second subscribe() with the same name adds its query to the subscription, or, when the
 * subscription's notification channel had stopped, replaces it with a new registration
 * (lib/thin/connection.js, subscribe()): its regId then changes.
 */
export interface SubscribingSession extends DbSession {
  /** Thin mode; Thick mode would need the database to connect back to this host. */
  readonly thin: boolean;
  subscribe(name: string, request: SubscribeRequest): Promise<{ regId: number }>;
  unsubscribe(name: string): Promise<void>;
}

export function canSubscribe(session: DbSession): session is SubscribingSession {
  return typeof (session as Partial<SubscribingSession>).subscribe === 'function';
}

export type AdminPrivilege = (typeof ADMIN_PRIVILEGES)[number];

export interface ConnectOptions {
  readonly user: string;
  readonly password: string;
  readonly connectString: string;
  readonly privilege?: AdminPrivilege;
  /** Whole seconds; applies to the TCP connect and to the whole handshake. */
  readonly connectTimeoutSeconds: number;
  /** Directory holding tnsnames.ora, for alias connect strings. */
  readonly tnsAdmin?: string;
  /** TCP keepalive probes after this many idle minutes (node-oracledb expireTime), on notification connections too. */
  readonly expireTimeMinutes?: number;
}

export interface Driver {
  connect(options: ConnectOptions): Promise<DbSession>;
}
