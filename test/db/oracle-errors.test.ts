import { describe, expect, it } from 'vitest';
import { wordedHint } from '../../src/cli/remedies.js';
import { connectError, isLoginDenied, isTransient, oracleCode, statementError } from '../../src/db/oracle-errors.js';

const ctx = { profile: 'app' as const, user: 'OE', connectString: 'db:1521/FREEPDB1', connectTimeoutSeconds: 10 };
const driverError = (message: string) =>
  Object.assign(new Error(message), { code: message.slice(0, message.indexOf(':')) });
/** A database error as node-oracledb 26 Thin throws it: code, errorNum, and the help link it appends (lib/errors.js transformErr). */
const databaseError = (errorNum: number, text: string) => {
  const code = `ORA-${String(errorNum).padStart(5, '0')}`;
  return Object.assign(
    new Error(
      `${code}: ${text}\nHelp: https://docs.oracle.com/error-help/db/ora-${String(errorNum).padStart(5, '0')}/`,
    ),
    { code, errorNum, offset: 0 },
  );
};

describe('connectError', () => {
  it.each([
    [
      'NJS-503: connection to host db port 1521 could not be established. (CONNECTION_ID=abc)\nconnect ECONNREFUSED',
      /cannot connect as OE@db:1521\/FREEPDB1 \(app profile\): NJS-503: connection to host db port 1521 could not be established\.$/,
      /listener is running/,
    ],
    [
      'NJS-510: connection to host db port 1521 timed out. Request exceeded "connectTimeout" of 10 seconds.',
      /no answer within 10 s/,
      /raise the connect timeout for a slow network: `--connect-timeout … \(or DCN_CONNECT_TIMEOUT\)`$/,
    ],
    ['NJS-530: host db could not be resolved', /NJS-530/, /host and port/],
    [
      'NJS-518: cannot connect to Oracle Database. Service "X" is not registered with the listener',
      /NJS-518/,
      /service name/,
    ],
    [
      'NJS-517: cannot connect to Oracle Database. Unable to find "mydb" in "/etc"',
      /NJS-517/,
      /`--tns-admin … \(or TNS_ADMIN\)`/,
    ],
    [
      'ORA-01017: invalid username/password; logon denied',
      /invalid user name or password \(ORA-01017\)/,
      /DCN_USER and DCN_PASSWORD/,
    ],
    ['ORA-28000: the account is locked', /account is locked/, /ALTER USER OE ACCOUNT UNLOCK/],
    ['ORA-01031: insufficient privileges', /ORA-01031/, /GRANT CREATE SESSION TO OE/],
    ['ORA-12345: something else', /ORA-12345/, /the driver error says more: `--verbose`/],
  ])('explains %s', (message, text, hint) => {
    const err = connectError(driverError(message), ctx);
    expect(err.code).toBe(
      /^(ORA-01017|ORA-28000|ORA-01031)/.test(message)
        ? 'login_denied'
        : /^NJS-517/.test(message)
          ? 'config_invalid'
          : 'connection_failed',
    );
    expect(err.exitCode).toBe(/^NJS-517/.test(message) ? 2 : 6);
    expect(err.message).toMatch(text);
    // the engine names no flag; the CLI words the remedy with its flag and variable
    expect(err.hint).not.toMatch(/--[a-z]/);
    expect(wordedHint(err)).toMatch(hint);
    expect(err.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(err.meta)).not.toMatch(/password/i);
  });

  it('tells the admin profile to check its own variables', () => {
    expect(
      wordedHint(connectError(driverError('ORA-01017: invalid username/password'), { ...ctx, profile: 'admin' })),
    ).toMatch(/DCN_ADMIN_PASSWORD.*`--admin-privilege … \(or DCN_ADMIN_PRIVILEGE\)`/);
  });
});

describe('connectError: what no retry can cure', () => {
  it.each([
    [1017, 'invalid credential or not authorized; logon denied', /invalid user name or password \(ORA-01017\)/],
    [28000, 'The account is locked.', /the account is locked \(ORA-28000\)/],
    [28001, 'The password has expired.', /the password has expired \(ORA-28001\)/],
    [28009, 'connection as SYS should be as SYSDBA or SYSOPER', /ORA-28009/],
    [1005, 'null password given; logon denied', /no password was given \(ORA-01005\)/],
    [1031, 'insufficient privileges', /ORA-01031/],
    [1045, 'Login denied. User OE does not have CREATE SESSION privilege.', /ORA-01045/],
    [28040, 'No matching authentication protocol', /ORA-28040/],
  ])('ORA-%i is a refused login (exit 6), not a connection that failed', (errorNum, text, message) => {
    const err = connectError(databaseError(errorNum, text), ctx);
    expect(err.code).toBe('login_denied');
    expect(err.exitCode).toBe(6);
    expect(err.message).toMatch(message);
    expect(isTransient(err)).toBe(false);
  });

  it("knows a refused login by its errorNum alone, and the driver's own authentication errors", () => {
    expect(isLoginDenied(Object.assign(new Error('logon denied'), { errorNum: 1017 }))).toBe(true);
    for (const message of [
      'NJS-116: password verifier type 0x939 is not supported by node-oracledb in Thin mode',
      'NJS-101: no credentials specified',
      'NJS-087: access token has expired',
    ]) {
      expect(connectError(driverError(message), ctx).code, message).toBe('login_denied');
    }
  });

  it.each([
    'NJS-515: error in Easy Connect connection string: input string not in easy connect format: db:1521/X(',
    'NJS-514: syntax error in connection string',
    'NJS-512: invalid connection string parameters.\nx',
    'NJS-516: no configuration directory set or available to search for tnsnames.ora',
    'NJS-517: cannot connect to Oracle Database. Unable to find "mydb" in "/etc"',
  ])('a malformed connect string or an unknown alias is bad input (exit 2): %s', (message) => {
    const err = connectError(driverError(message), ctx);
    expect(err.code).toBe('config_invalid');
    expect(err.exitCode).toBe(2);
    expect(isTransient(err)).toBe(false);
  });

  it("a port out of range is bad input (exit 2), not Node's message with exit 6", () => {
    // what node-oracledb 26 Thin passes on from net.connect() for (PORT=99999) or host:99999/service
    const err = connectError(
      Object.assign(new RangeError('Port should be >= 0 and < 65536. Received type number (99999).'), {
        code: 'ERR_SOCKET_BAD_PORT',
      }),
      ctx,
    );
    expect(err.code).toBe('config_invalid');
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/the port in the connect string is not a TCP port/);
    expect(wordedHint(err)).toMatch(/from 1 to 65535.*`--connect … \(or DCN_CONNECT\)`/);
  });
});

describe('isTransient: what is worth trying again', () => {
  it.each([
    ['NJS-503: connection to host db port 1521 could not be established.', true],
    ['NJS-510: connection to host db port 1521 timed out.', true],
    [
      'NJS-500: connection to Oracle Database was closed or broken\nORA-03113: end-of-file on communication channel',
      true,
    ],
    ['NJS-518: cannot connect to Oracle Database. Service "FREEPDB1" is not registered with the listener', true],
    ['ORA-01033: ORACLE initialization or shutdown in progress', true],
    ['ORA-01034: ORACLE not available', true],
    ['ORA-01089: immediate shutdown or close in progress - no operations are permitted', true],
    ['ORA-12514: TNS:listener does not currently know of service requested in connect descriptor', true],
    ['ORA-12528: TNS:listener: all appropriate instances are blocking new connections', true],
    ['ORA-12516: TNS:listener could not find available handler with matching protocol stack', true],
    ['ORA-12519: TNS:no appropriate service handler found', true],
    ['ORA-12520: TNS:listener could not find available handler for requested type of server', true],
    ['ORA-01017: invalid credential or not authorized; logon denied', false],
    ['ORA-00942: table or view does not exist', false],
    ['ORA-12345: something else', false],
  ])('%s: %s', (message, transient) => {
    expect(isTransient(driverError(message))).toBe(transient);
    // and the same behind the DcnError that explains it
    expect(isTransient(connectError(driverError(message), ctx))).toBe(transient);
  });
});

describe('a listener with no handler free (ORA-12516, ORA-12519, ORA-12520)', () => {
  it('is a connection failure that passes: retried, and says why', () => {
    const err = connectError(driverError('ORA-12519: TNS:no appropriate service handler found'), ctx);
    expect(err.code).toBe('connection_failed');
    expect(err.hint).toMatch(/no process or session free for now \(its PROCESSES and SESSIONS parameters\)/);
    expect(isTransient(err)).toBe(true);
  });
});

describe('statementError / oracleCode', () => {
  it('maps ORA-01031 to a missing privilege with the fix', () => {
    const err = statementError(driverError('ORA-01031: insufficient privileges'), 'dcn query table.exists');
    expect(err.code).toBe('privilege_missing');
    expect(err.hint).toMatch(/admin profile/);
  });

  it('finds the code at the start of a message only', () => {
    expect(oracleCode(new Error('ORA-00942: table or view does not exist'))).toBe('ORA-00942');
    expect(oracleCode(new Error('something ORA-00942'))).toBeUndefined();
    expect(oracleCode(Object.assign(new Error('something'), { errorNum: 942 }))).toBe('ORA-00942');
  });
});
