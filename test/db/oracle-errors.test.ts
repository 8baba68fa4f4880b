import { describe, expect, it } from 'vitest';
import { wordedHint } from '../../src/cli/remedies.js';
import { connectError, oracleCode, statementError } from '../../src/db/oracle-errors.js';

const ctx = { profile: 'app' as const, user: 'OE', connectString: 'db:1521/FREEPDB1', connectTimeoutSeconds: 10 };
const driverError = (message: string) => Object.assign(new Error(message), { code: message.slice(0, message.indexOf(':')) });

describe('connectError', () => {
  it.each([
    ['NJS-503: connection to host db port 1521 could not be established. (CONNECTION_ID=abc)\nconnect ECONNREFUSED', /cannot connect as OE@db:1521\/FREEPDB1 \(app profile\): NJS-503: connection to host db port 1521 could not be established\.$/, /listener is running/],
    ['NJS-510: connection to host db port 1521 timed out. Request exceeded "connectTimeout" of 10 seconds.', /no answer within 10 s/, /raise the connect timeout for a slow network: `--connect-timeout … \(or DCN_CONNECT_TIMEOUT\)`$/],
    ['NJS-530: host db could not be resolved', /NJS-530/, /host and port/],
    ['NJS-518: cannot connect to Oracle Database. Service "X" is not registered with the listener', /NJS-518/, /service name/],
    ['NJS-517: cannot connect to Oracle Database. Unable to find "mydb" in "/etc"', /NJS-517/, /`--tns-admin … \(or TNS_ADMIN\)`/],
    ['ORA-01017: invalid username/password; logon denied', /invalid user name or password \(ORA-01017\)/, /DCN_USER and DCN_PASSWORD/],
    ['ORA-28000: the account is locked', /account is locked/, /ALTER USER OE ACCOUNT UNLOCK/],
    ['ORA-01031: insufficient privileges', /ORA-01031/, /GRANT CREATE SESSION TO OE/],
    ['ORA-12345: something else', /ORA-12345/, /the driver error says more: `--verbose`/],
  ])('explains %s', (message, text, hint) => {
    const err = connectError(driverError(message), ctx);
    expect(err.code).toBe('connection_failed');
    expect(err.exitCode).toBe(6);
    expect(err.message).toMatch(text);
    // the engine names no flag; the CLI words the remedy with its flag and variable
    expect(err.hint).not.toMatch(/--[a-z]/);
    expect(wordedHint(err)).toMatch(hint);
    expect(err.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(err.meta)).not.toMatch(/password/i);
  });

  it('tells the admin profile to check its own variables', () => {
    expect(wordedHint(connectError(driverError('ORA-01017: invalid username/password'), { ...ctx, profile: 'admin' }))).toMatch(/DCN_ADMIN_PASSWORD.*`--admin-privilege … \(or DCN_ADMIN_PRIVILEGE\)`/);
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
  });
});
