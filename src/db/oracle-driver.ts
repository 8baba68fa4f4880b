/**
 * The node-oracledb (Thin mode) implementation of Driver. oracledb is loaded on first connect,
 * so commands that need no database never pay for it.
 */
import type OracleDB from 'oracledb';
import {
  isCollectionBind,
  isOutBind,
  type AdminPrivilege,
  type Binds,
  type ChangeMessage,
  type ConnectOptions,
  type DbSession,
  type Driver,
  type ExecuteOptions,
  type ExecuteResult,
  type SubscribeRequest,
  type SubscribingSession,
} from './driver.js';

let loaded: Promise<typeof OracleDB> | undefined;

async function loadOracledb(): Promise<typeof OracleDB> {
  loaded ??= import('oracledb').then((m) => {
    const oracledb = (m as { default?: typeof OracleDB }).default ?? (m as unknown as typeof OracleDB);
    oracledb.fetchAsString = [oracledb.CLOB];
    return oracledb;
  });
  return loaded;
}

/** The oracledb constant of each privilege an admin connection may ask for. */
export const PRIVILEGES: Record<AdminPrivilege, keyof typeof OracleDB> = {
  sysdba: 'SYSDBA',
  sysoper: 'SYSOPER',
  sysasm: 'SYSASM',
  sysbackup: 'SYSBACKUP',
  sysdg: 'SYSDG',
  syskm: 'SYSKM',
};

/** What a DBA sees in V$SESSION.MODULE for a dcn session. */
export const SESSION_MODULE = 'dcn';
/** V$SESSION.ACTION holds at most 64 bytes (DBMS_APPLICATION_INFO.SET_ACTION); dcn's names are ASCII. */
const ACTION_BYTES = 64;

/** The part of an oracledb connection a session uses (so tests can hand it a recording stand-in). */
export type OracleConnection = Pick<
  OracleDB.Connection,
  'execute' | 'commit' | 'rollback' | 'close' | 'oracleServerVersion' | 'subscribe' | 'unsubscribe'
> & { action: string; module: string; thin?: boolean };

export class OracleSession implements SubscribingSession {
  /** The action last set: set again only when it changes. */
  #action = '';

  constructor(
    private readonly connection: OracleConnection,
    private readonly oracledb: typeof OracleDB,
  ) {
    // end-to-end tracing: sent with the next round trip, never one of its own
    connection.module = SESSION_MODULE;
  }

  async execute(sql: string, binds: Binds = {}, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    // the dcn query that runs (history.insert, lock.acquire …) shows in V$SESSION.ACTION
    const action = (options.name ?? '').slice(0, ACTION_BYTES);
    if (action !== this.#action) {
      this.connection.action = action;
      this.#action = action;
    }
    let oracleBinds: Record<string, unknown> | unknown[];
    if (Array.isArray(binds)) oracleBinds = [...binds];
    else {
      oracleBinds = {};
      for (const [name, value] of Object.entries(binds)) {
        oracleBinds[name] = isOutBind(value)
          ? { dir: this.oracledb.BIND_OUT, type: value.out === 'number' ? this.oracledb.NUMBER : this.oracledb.STRING }
          : isCollectionBind(value)
            ? { type: value.collection, val: [...value.values] }
            : value;
      }
    }
    const result = await this.connection.execute<Record<string, unknown>>(sql, oracleBinds as OracleDB.BindParameters, {
      outFormat: this.oracledb.OUT_FORMAT_OBJECT,
      autoCommit: false,
    });
    const warning = (result as { warning?: { code?: string; message: string } }).warning;
    return {
      rows: result.rows ?? [],
      rowsAffected: result.rowsAffected ?? 0,
      warning: warning ? { code: warning.code ?? 'NJS-700', message: warning.message } : undefined,
      outBinds: (result.outBinds as Record<string, unknown> | undefined) ?? undefined,
    };
  }

  serverVersion(): { major: number; minor: number } | undefined {
    // e.g. 1903000000 for 19.3.0.0.0
    const v = this.connection.oracleServerVersion;
    return typeof v === 'number' && v > 0
      ? { major: Math.floor(v / 100000000), minor: Math.floor(v / 1000000) % 100 }
      : undefined;
  }

  get thin(): boolean {
    return this.connection.thin === true;
  }

  async subscribe(name: string, request: SubscribeRequest): Promise<{ regId: number }> {
    const result = await this.connection.subscribe(name, {
      sql: request.sql,
      namespace: this.oracledb.SUBSCR_NAMESPACE_DBCHANGE,
      qos: this.oracledb.SUBSCR_QOS_ROWIDS,
      timeout: request.timeoutSeconds,
      // the database sends changes down a connection this side opened: no port, no ACL
      clientInitiated: true,
      callback: (message) => request.callback(message as unknown as ChangeMessage),
    });
    return { regId: Number((result as { regId?: number } | undefined)?.regId ?? 0) };
  }

  async unsubscribe(name: string): Promise<void> {
    await this.connection.unsubscribe(name);
  }

  async commit(): Promise<void> {
    await this.connection.commit();
  }

  async rollback(): Promise<void> {
    await this.connection.rollback();
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** What oracledb.getConnection() is given for these options. */
export function connectionAttributes(
  options: ConnectOptions,
  oracledb: typeof OracleDB,
): OracleDB.ConnectionAttributes & Record<string, unknown> {
  const seconds = Math.max(1, Math.round(options.connectTimeoutSeconds));
  const attributes: OracleDB.ConnectionAttributes & Record<string, unknown> = {
    user: options.user,
    password: options.password,
    connectString: options.connectString,
    // Thin mode: both bound the TCP connect and the whole handshake, so a silent listener
    // cannot hang the command.
    connectTimeout: seconds,
    transportConnectTimeout: seconds,
  };
  if (options.tnsAdmin !== undefined) attributes.configDir = options.tnsAdmin;
  // keepalive probes on the connection and on the notification connections Thin opens from its
  // parameters (lib/thin/connection.js _getNotificationConnectParams; lib/thin/sqlnet/ntTcp.js)
  if (options.expireTimeMinutes !== undefined) attributes.expireTime = options.expireTimeMinutes;
  if (options.privilege !== undefined) attributes.privilege = oracledb[PRIVILEGES[options.privilege]] as number;
  return attributes;
}

export class OracleDriver implements Driver {
  async connect(options: ConnectOptions): Promise<DbSession> {
    const oracledb = await loadOracledb();
    const seconds = Math.max(1, Math.round(options.connectTimeoutSeconds));
    const attributes = connectionAttributes(options, oracledb);
    // A last guard in case a driver path ignores the timeouts above.
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          const err = new Error(`NJS-510: connection timed out after ${seconds} seconds (dcn guard)`);
          reject(err);
        },
        (seconds + 2) * 1000,
      );
      timer.unref();
    });
    const connecting = oracledb.getConnection(attributes);
    try {
      const connection = await Promise.race([connecting, guard]);
      return new OracleSession(connection as unknown as OracleConnection, oracledb);
    } catch (err) {
      // If the guard fired first, close the connection should it still arrive.
      connecting.then((c) => c.close()).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
