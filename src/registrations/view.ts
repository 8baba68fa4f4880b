/**
 * USER_CHANGE_NOTIFICATION_REGS (and DBA_CHANGE_NOTIFICATION_REGS) read as registrations: one row
 * per registered table, grouped by REGID, with REGFLAGS and OPERATIONS_FILTER decoded.
 */
import type { QualifiedName } from '../oracle/identifiers.js';
import { decodeFlags } from './flags.js';

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

/** "plsql://OE.ORDERS_NF_CALLBACK?PR=0" and the like, as the procedure's name. */
export function callbackName(stored: string): string {
  return stored.replace(/^plsql:\/\//i, '').replace(/\?.*$/, '');
}

export function sameCallback(stored: string, wanted: QualifiedName): boolean {
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
