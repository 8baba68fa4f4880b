/**
 * Turns node-oracledb errors into DcnErrors that say what went wrong and how to fix it.
 * The original error stays as `cause` (shown with --verbose).
 */
import { DcnError, type Remedy } from '../errors.js';

/** The ORA-/NJS-/DPI- code at the start of a driver error message, if any. */
export function oracleCode(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const m = /^((?:ORA|NJS|DPI|PLS)-\d{3,5})/.exec(message);
  if (m) return m[1];
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ORA|NJS|DPI)-\d+/.test(code) ? code : undefined;
}

/**
 * The first line of a driver error message, without the connection id noise. ORA-06550 only says
 * where a PL/SQL block failed; the PLS- error on its next line says why, so it is kept.
 */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split('\n');
  const first = (lines[0] ?? '').replace(/\s*\(CONNECTION_ID=[^)]*\)/, '');
  const pls = lines.slice(1).find((l) => /^\s*PLS-\d+/.test(l));
  return /^ORA-06550/.test(first) && pls ? `${first} ${pls.trim()}` : first;
}

/**
 * A connection that was made and is gone: NJS-500 (broken; Thin maps ORA-03113/03114/12537 to it,
 * ../shared/reference/oracle-change-notification.md), NJS-501, NJS-521, NJS-003 (closed), and the
 * ORA- codes themselves for a driver that passes them on (ORA-03135: connection lost contact).
 */
const CONNECTION_LOST = new Set(['NJS-500', 'NJS-501', 'NJS-521', 'NJS-003', 'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-12537']);

export function isConnectionLost(err: unknown): boolean {
  const code = oracleCode(err);
  return code !== undefined && CONNECTION_LOST.has(code);
}

/** A connect that found no server: refused, timed out, no such host. */
export function isUnreachable(err: unknown): boolean {
  const code = oracleCode(err);
  return code !== undefined && UNREACHABLE.has(code);
}

const UNREACHABLE = new Set(['NJS-503', 'NJS-510', 'NJS-511', 'NJS-530', 'NJS-500', 'NJS-501', 'NJS-521', 'ORA-12541', 'ORA-12170', 'ORA-12543', 'ORA-12545']);
const NO_SERVICE = new Set(['NJS-518', 'NJS-519', 'ORA-12514', 'ORA-12505']);
const TNS = new Set(['NJS-516', 'NJS-517', 'NJS-520']);
const BAD_CONNECT_STRING = new Set(['NJS-512', 'NJS-514', 'NJS-515']);

export interface ConnectContext {
  readonly profile: 'app' | 'admin';
  readonly user: string;
  readonly connectString: string;
  readonly connectTimeoutSeconds: number;
}

/** Explains a failed connect. */
export function connectError(err: unknown, ctx: ConnectContext): DcnError {
  const code = oracleCode(err);
  const where = `${ctx.user}@${ctx.connectString} (${ctx.profile} profile)`;
  const meta = { profile: ctx.profile, user: ctx.user, connect: ctx.connectString, oracleCode: code };
  const make = (message: string, hint: string, remedies?: readonly Remedy[]) =>
    new DcnError('connection_failed', `cannot connect as ${where}: ${message}`, { hint, remedies, meta, cause: err });
  if (code === 'NJS-510') {
    return make(`no answer within ${ctx.connectTimeoutSeconds} s`, 'check host and port, firewalls, and that the listener runs; raise the connect timeout for a slow network', [{ kind: 'setting', name: 'connectTimeout' }]);
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return make(firstLine(err), 'check the host and port in the connect string (host:port/service) and that the database listener is running');
  }
  if (code !== undefined && NO_SERVICE.has(code)) {
    return make(firstLine(err), 'the listener answered but does not know that service: check the service name (e.g. FREEPDB1) with lsnrctl status');
  }
  if (code !== undefined && TNS.has(code)) {
    return make(firstLine(err), 'name the directory holding tnsnames.ora, or use host:port/service', [{ kind: 'setting', name: 'tnsAdmin' }]);
  }
  if (code !== undefined && BAD_CONNECT_STRING.has(code)) {
    return make(firstLine(err), 'write the connect string as host:port/service, a tnsnames.ora alias, or a full (DESCRIPTION=…)');
  }
  if (code === 'ORA-01017') {
    if (ctx.profile === 'admin') return make('invalid user name or password (ORA-01017)', 'check DCN_ADMIN_USER and DCN_ADMIN_PASSWORD (and the admin privilege for SYS)', [{ kind: 'setting', name: 'adminPrivilege' }]);
    return make('invalid user name or password (ORA-01017)', 'check DCN_USER and DCN_PASSWORD');
  }
  if (code === 'ORA-28000') return make('the account is locked (ORA-28000)', `unlock it: ALTER USER ${ctx.user} ACCOUNT UNLOCK`);
  if (code === 'ORA-28001') return make('the password has expired (ORA-28001)', `set a new one: ALTER USER ${ctx.user} IDENTIFIED BY …`);
  if (code === 'ORA-01031' || code === 'ORA-01045') {
    if (ctx.profile === 'admin') return make(firstLine(err), 'the admin user lacks the privilege to connect that way: check the admin privilege', [{ kind: 'setting', name: 'adminPrivilege' }]);
    return make(firstLine(err), `grant it: GRANT CREATE SESSION TO ${ctx.user}`);
  }
  return make(firstLine(err), 'the driver error says more', [{ kind: 'verbose' }]);
}

/** Explains a failed statement outside a migration (dcn's own queries). */
export function statementError(err: unknown, what: string): DcnError {
  const code = oracleCode(err);
  if (code === 'ORA-01031') {
    return new DcnError('privilege_missing', `${what}: insufficient privileges (ORA-01031)`, {
      hint: 'run `dcn migrate` with the admin profile configured, or have a DBA grant the missing privilege',
      meta: { oracleCode: code },
      cause: err,
    });
  }
  if (isConnectionLost(err)) {
    return new DcnError('connection_failed', `${what}: the connection was lost (${firstLine(err)})`, {
      hint: 'check the database and the network, then run the command again',
      meta: { oracleCode: code },
      cause: err,
    });
  }
  return new DcnError('database_error', `${what}: ${firstLine(err)}`, { meta: { oracleCode: code }, cause: err });
}
