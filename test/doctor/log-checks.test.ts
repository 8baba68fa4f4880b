import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/log-checks.js';
import type { LogRow } from '../../src/tail/tail.js';

describe('what the errors in the notification log mean', () => {
  it('names timeouts, tokens and paths', () => {
    const row = (error: string | null, status: number | null): LogRow => ({
      id: 1,
      time: '',
      table: 'ORDERS',
      order: '1',
      event: 'notify',
      operation: 'order',
      status,
      message: null,
      error,
      regid: 41,
    });
    expect(diagnose(row('ORA-29273: HTTP request failed: ORA-29276: transfer timeout', null), 'u').summary).toMatch(
      /did not answer in time/,
    );
    expect(diagnose(row('ORA-29273: HTTP request failed: ORA-29276: transfer timeout', null), 'u').fix).toMatch(
      /httpTimeout bounds the answer, not the TCP connect/,
    );
    expect(diagnose(row(null, 401), 'u').fix).toMatch(/same DCN_CALLBACK_TOKEN/);
    expect(diagnose(row(null, 404), 'u').summary).toMatch(/does not know the path/);
    // what sendNotification logs for a table the listener has no map for: status and reason phrase
    const unmapped = { ...row(null, 404), table: 'CUSTOMERS', message: '404 No Map For Table' };
    expect(diagnose(unmapped, 'u')).toEqual({
      summary: 'the listener has no cached function for table CUSTOMERS (404)',
      fix: 'map one: dcn listen --map CUSTOMERS=function',
    });
  });
});
