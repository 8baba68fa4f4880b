/**
 * The small interface through which every dcn engine talks to Oracle. The oracledb
 * implementation is in oracle-driver.ts; tests use an in-memory fake that behaves like Oracle
 * where dcn depends on it (implicit DDL commit, compile warnings, ORA- errors, row locks).
 */

export type BindValue = string | number | Date | null;
export type Binds = Readonly<Record<string, BindValue>>;

export interface ExecuteResult {
  /** Rows as objects keyed by upper-case column name; empty for non-queries. */
  readonly rows: readonly Record<string, unknown>[];
  readonly rowsAffected: number;
  /** Set when Oracle reports success with information, e.g. NJS-700 (created with compilation errors). */
  readonly warning?: { readonly code: string; readonly message: string };
}

export interface ExecuteOptions {
  /** Name of the dcn query (from sql/), for logs and for the fake; real drivers ignore it. */
  readonly name?: string;
}

export interface DbSession {
  execute(sql: string, binds?: Binds, options?: ExecuteOptions): Promise<ExecuteResult>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export type AdminPrivilege = 'sysdba' | 'sysoper' | 'sysasm' | 'sysbackup' | 'sysdg' | 'syskm';

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
