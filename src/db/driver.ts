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
/** Named binds (:name), or positional ones (:1, :2 … as knex writes them). */
export type Binds = Readonly<Record<string, BindValue | OutBind>> | readonly BindValue[];

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
}

export interface Driver {
  connect(options: ConnectOptions): Promise<DbSession>;
}
