import { describe, expect, it } from 'vitest';
import { registrationError } from '../../src/registrations/registration-error.js';

const oraError = (message: string) => Object.assign(new Error(message), { code: message.slice(0, 9) });

describe('what Oracle answers, explained', () => {
  it.each([
    ['ORA-01031: insufficient privileges', 'privilege_missing', /GRANT CHANGE NOTIFICATION TO OE/],
    ['ORA-29972: user does not have privilege to change/create registration', 'privilege_missing', /V1 grants it/],
    [
      "ORA-06550: line 2, column 3:\nPLS-00201: identifier 'DBMS_CHANGE_NOTIFICATION' must be declared",
      'privilege_missing',
      /GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO OE/,
    ],
    ['ORA-29975: Cannot register a query in the middle of an active transaction', 'database_error', /logon trigger/],
    [
      'ORA-29973: Unsupported query or operation during change notification registration',
      'usage',
      /not views, synonyms/,
    ],
    ['ORA-29983: Unsupported query for Continuous Query Notification', 'usage', /not views, synonyms/],
    ['ORA-44002: invalid object name', 'usage', /granted to the app user/],
    ['ORA-00942: table or view does not exist', 'usage', /granted to the app user/],
  ])('%s', (message, code, hint) => {
    const e = registrationError(oraError(message), 'registering', 'OE');
    expect(e.code).toBe(code);
    expect(`${e.message} ${e.hint ?? ''}`).toMatch(hint);
    expect(e.meta.oracleCode).toBe(message.slice(0, 9));
  });

  it('leaves any other error to the general explanation, with the statement it came from', () => {
    const e = registrationError(
      oraError('ORA-04031: unable to allocate 4064 bytes of shared memory'),
      'registering',
      'OE',
    );
    expect(e.code).toBe('database_error');
    expect(e.message).toMatch(/registering.*ORA-04031/);
  });
});
