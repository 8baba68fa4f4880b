/**
 * Turns node-oracledb errors into DcnErrors that say what went wrong and how to fix it.
 * The original error stays as `cause` (shown with --verbose).
 */
import { DcnError, type Remedy } from '../errors.js';

/** The ORA-/NJS-/DPI- code at the start of a driver error message, else its code, else ORA- and its errorNum (Thin sets it on every database error). */
export function oracleCode(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const m = /^((?:ORA|NJS|DPI|PLS)-\d{3,5})/.exec(message);
  if (m) return m[1];
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ORA|NJS|DPI)-\d+/.test(code)) return code;
  const errorNum = (err as { errorNum?: unknown } | null)?.errorNum;
  return typeof errorNum === 'number' && Number.isInteger(errorNum) && errorNum > 0
    ? `ORA-${String(errorNum).padStart(5, '0')}`
    : undefined;
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
 * oracledb lib/errors.js adjustErrorXref), NJS-501, NJS-521, NJS-003 (closed), and the
 * ORA- codes themselves for a driver that passes them on (ORA-03135: connection lost contact).
 */
const CONNECTION_LOST = new Set([
  'NJS-500',
  'NJS-501',
  'NJS-521',
  'NJS-003',
  'ORA-03113',
  'ORA-03114',
  'ORA-03135',
  'ORA-12537',
]);

export function isConnectionLost(err: unknown): boolean {
  const code = oracleCode(err);
  return code !== undefined && CONNECTION_LOST.has(code);
}

/** A connect that found no server: refused, timed out, no such host. */
export function isUnreachable(err: unknown): boolean {
  const code = oracleCode(err);
  return code !== undefined && UNREACHABLE.has(code);
}

const UNREACHABLE = new Set([
  'NJS-503',
  'NJS-504',
  'NJS-510',
  'NJS-511',
  'NJS-530',
  'NJS-500',
  'NJS-501',
  'NJS-521',
  'ORA-12541',
  'ORA-12170',
  'ORA-12543',
  'ORA-12545',
]);
const NO_SERVICE = new Set(['NJS-518', 'NJS-519', 'ORA-12514', 'ORA-12505']);
const TNS = new Set(['NJS-516', 'NJS-517', 'NJS-520']);
const BAD_CONNECT_STRING = new Set(['NJS-512', 'NJS-514', 'NJS-515', 'NJS-522']);

/**
 * The database refused these credentials or this account (Oracle Database Error Messages): a
 * wrong user name or password (ORA-01017, ORA-01005 a null one), an account locked (ORA-28000) or
 * expired (ORA-28001), SYS without AS SYSDBA (ORA-28009), no CREATE SESSION or no privilege to
 * connect that way (ORA-01045, ORA-01031), no common authentication protocol (ORA-28040); and the
 * driver's own (oracledb lib/errors.js): no credentials (NJS-101), a password verifier Thin cannot
 * use (NJS-116), an invalid or expired token (NJS-084, NJS-087 for ORA-25708, NJS-168). Trying
 * again cannot cure one, and each failed try counts towards the profile's FAILED_LOGIN_ATTEMPTS,
 * after which Oracle locks the account.
 */
const LOGIN_DENIED = new Set([
  'ORA-01017',
  'ORA-01005',
  'ORA-28000',
  'ORA-28001',
  'ORA-28009',
  'ORA-01031',
  'ORA-01045',
  'ORA-28040',
  'ORA-25708',
  'NJS-101',
  'NJS-116',
  'NJS-084',
  'NJS-087',
  'NJS-168',
]);

/** Is this a refusal of the credentials or of the account (see LOGIN_DENIED)? Only for errors of a connect. */
export function isLoginDenied(err: unknown): boolean {
  const code = oracleCode(err);
  return code !== undefined && LOGIN_DENIED.has(code);
}

/**
 * A database that is starting or stopping (ORA-01033, ORA-01034, ORA-01089), or whose listener
 * does not offer its service yet (ORA-12514 and Thin's NJS-518, ORA-12505 and NJS-519 for a SID,
 * ORA-12528 while instances block new connections): it will answer once it is up.
 */
const DATABASE_STARTING = new Set([
  'ORA-01033',
  'ORA-01034',
  'ORA-01089',
  'ORA-12514',
  'ORA-12528',
  'NJS-518',
  'ORA-12505',
  'NJS-519',
]);

/**
 * The listener answered but found no handler free for the connection (ORA-12516, ORA-12519,
 * ORA-12520: "TNS:listener could not find available handler …"): the instance's PROCESSES or
 * SESSIONS are used up for the moment, or its handlers are not registered yet. It passes.
 */
const LISTENER_BUSY = new Set(['ORA-12516', 'ORA-12519', 'ORA-12520']);

/** The driver's error behind a DcnError (its cause chain), or the error itself. */
export function rootCause(err: unknown): unknown {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e instanceof DcnError && e.cause !== undefined; depth++) e = e.cause;
  return e;
}

/**
 * Worth trying again later: a network-class failure (no answer, refused, lost) or a database that
 * is starting. Nothing else is: not credentials, not a bad connect string, not an unknown error.
 */
export function isTransient(err: unknown): boolean {
  const cause = rootCause(err);
  if (cause instanceof DcnError) return false;
  const code = oracleCode(cause);
  return (
    code !== undefined &&
    (UNREACHABLE.has(code) || CONNECTION_LOST.has(code) || DATABASE_STARTING.has(code) || LISTENER_BUSY.has(code))
  );
}

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
  const refused = (message: string, hint: string, remedies?: readonly Remedy[]) =>
    new DcnError('login_denied', `cannot connect as ${where}: ${message}`, { hint, remedies, meta, cause: err });
  const badInput = (
    message: string,
    hint: string,
    remedies: readonly Remedy[] = [{ kind: 'setting', name: 'connect' }],
  ) => new DcnError('config_invalid', `cannot connect as ${where}: ${message}`, { hint, remedies, meta, cause: err });
  if (code === 'NJS-510') {
    return make(
      `no answer within ${ctx.connectTimeoutSeconds} s`,
      'check host and port, firewalls, and that the listener runs; raise the connect timeout for a slow network',
      [{ kind: 'setting', name: 'connectTimeout' }],
    );
  }
  // Node's net.connect() refuses a port outside 0-65535 before the driver sees it
  if ((err as { code?: unknown } | null)?.code === 'ERR_SOCKET_BAD_PORT') {
    return badInput(
      'the port in the connect string is not a TCP port',
      'write a port from 1 to 65535, e.g. db:1521/FREEPDB1',
    );
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return make(
      firstLine(err),
      'check the host and port in the connect string (host:port/service) and that the database listener is running',
    );
  }
  if (code !== undefined && NO_SERVICE.has(code)) {
    return make(
      firstLine(err),
      'the listener answered but does not know that service: check the service name (e.g. FREEPDB1) with lsnrctl status',
    );
  }
  if (code !== undefined && LISTENER_BUSY.has(code)) {
    return make(
      firstLine(err),
      'the database has no process or session free for now (its PROCESSES and SESSIONS parameters), or is still starting: it passes; if it lasts, ask the DBA',
      [{ kind: 'verbose' }],
    );
  }
  if (code !== undefined && TNS.has(code)) {
    return badInput(firstLine(err), 'name the directory holding tnsnames.ora, or use host:port/service', [
      { kind: 'setting', name: 'tnsAdmin' },
    ]);
  }
  if (code !== undefined && BAD_CONNECT_STRING.has(code)) {
    return badInput(
      firstLine(err),
      'write the connect string as host:port/service, a tnsnames.ora alias, or a full (DESCRIPTION=…)',
    );
  }
  if (code === 'ORA-01017' || code === 'ORA-01005') {
    const what =
      code === 'ORA-01017' ? 'invalid user name or password (ORA-01017)' : 'no password was given (ORA-01005)';
    if (ctx.profile === 'admin')
      return refused(what, 'check DCN_ADMIN_USER and DCN_ADMIN_PASSWORD (and the admin privilege for SYS)', [
        { kind: 'setting', name: 'adminPrivilege' },
      ]);
    return refused(what, 'check DCN_USER and DCN_PASSWORD');
  }
  if (code === 'ORA-28000')
    return refused('the account is locked (ORA-28000)', `unlock it: ALTER USER ${ctx.user} ACCOUNT UNLOCK`);
  if (code === 'ORA-28001')
    return refused('the password has expired (ORA-28001)', `set a new one: ALTER USER ${ctx.user} IDENTIFIED BY …`);
  if (code === 'ORA-28009')
    return refused(firstLine(err), 'SYS connects with an admin privilege', [
      { kind: 'setting', name: 'adminPrivilege' },
    ]);
  if (code === 'ORA-01031' || code === 'ORA-01045') {
    if (ctx.profile === 'admin')
      return refused(
        firstLine(err),
        'the admin user lacks the privilege to connect that way: check the admin privilege',
        [{ kind: 'setting', name: 'adminPrivilege' }],
      );
    return refused(firstLine(err), `grant it: GRANT CREATE SESSION TO ${ctx.user}`);
  }
  if (code === 'ORA-28040' || code === 'NJS-116') {
    return refused(
      firstLine(err),
      `the account's password verifier is older than the database or node-oracledb Thin accepts: set the password again (ALTER USER ${ctx.user} IDENTIFIED BY …)`,
    );
  }
  if (isLoginDenied(err))
    return refused(firstLine(err), 'check the credentials dcn connects with', [{ kind: 'verbose' }]);
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
