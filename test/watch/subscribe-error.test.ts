import { describe, expect, it } from 'vitest';
import { subscribeError } from '../../src/watch/subscribe-error.js';

const oraError = (message: string, code = message.slice(0, 9)) => Object.assign(new Error(message), { code });

describe('what a failed subscribe() means', () => {
  it.each([
    [
      'ORA-29972: user does not have privilege to change/create registration',
      'privilege_missing',
      /CHANGE NOTIFICATION/,
    ],
    ['ORA-01031: insufficient privileges', 'privilege_missing', /CHANGE NOTIFICATION/],
    ['ORA-00942: table or view does not exist', 'usage', /GRANT SELECT ON OE.ORDERS/],
    ['ORA-01017: invalid credential or not authorized; logon denied', 'login_denied', /new one/],
    ['NJS-089: getting notifications is not supported in node-oracledb Thin mode', 'unavailable', /Thin mode/],
    ['ORA-04031: unable to allocate 4064 bytes of shared memory', 'connection_failed', /^$/],
  ])('%s', (message, code, hint) => {
    const e = subscribeError(oraError(message, message.slice(0, message.indexOf(':'))), 'OE.ORDERS');
    expect(e.code).toBe(code);
    expect(e.message).toContain('subscribing to OE.ORDERS');
    expect(e.hint ?? '').toMatch(hint);
  });
});
