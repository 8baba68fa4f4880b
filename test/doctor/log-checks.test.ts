import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/log-checks.js';
import type { LogRow } from '../../src/tail/tail.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { doctor, healthy } from '../support/doctor.js';

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

describe('dcn doctor: the notification log', () => {
  it('reads the last notifications: none, a failure it can name, older failures', async () => {
    const db = await healthy();
    db.nfresults.length = 0;
    expect((await doctor(db)).check('notifications')).toMatchObject({ status: 'warn', summary: 'nothing logged yet' });
    db.logNotification({
      table: 'ORDERS',
      order: '2408',
      message: 'call failed',
      error: 'ORA-29273: HTTP request failed: ORA-24247: network access denied by access control list (ACL)',
    });
    expect((await doctor(db)).check('notifications')).toMatchObject({
      status: 'fail',
      summary: 'the last call failed: calls are refused by the network ACL (ORA-24247)',
    });
    db.logNotification({
      table: 'ORDERS',
      order: '2408',
      message: 'call failed',
      error: 'ORA-29273: HTTP request failed: ORA-12541: Cannot connect. No listener at host app port 8080.',
    });
    expect((await doctor(db)).check('notifications').summary).toMatch(
      /nothing answers at http:\/\/localhost:8080\/phpcache\/dropResults\.php: the listener is down/,
    );
    db.logNotification({ table: 'ORDERS', order: '2408', status: 200, message: '200 OK' });
    expect((await doctor(db)).check('notifications')).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/; 2 of the last 3 failed$/),
    });
  });

  it('warns when the notification log holds more rows than --log-max-rows, and names dcn log prune', async () => {
    const db = await healthy();
    expect((await doctor(db)).check('log_size')).toEqual({
      id: 'log_size',
      status: 'ok',
      summary: 'the notification log holds 1 row (warns above 1,000,000)',
    });
    for (let i = 0; i < 5; i++)
      db.logNotification({ table: 'ORDERS', order: String(i), status: 200, message: '200 OK' });
    expect((await doctor(db, ['--log-max-rows', '6'])).check('log_size').status).toBe('ok');
    const over = await doctor(db, ['--log-max-rows', '5']);
    expect(over.check('log_size')).toEqual({
      id: 'log_size',
      status: 'warn',
      summary: 'the notification log holds more than 5 rows',
      fix: 'dcn log prune --older-than 30d --keep-failed (in batches, one commit each)',
    });
    expect(over.code).toBe(0);
    const bad = await runCli(['doctor', '--log-max-rows', 'lots'], { env: DB_ENV, db });
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--log-max-rows lots is not a number of rows/)]);
  });

  it('warns of failed calls not replayed yet, until dcn replay sends them', async () => {
    const db = await healthy();
    expect((await doctor(db)).check('replay')).toMatchObject({
      status: 'ok',
      summary: 'no failed call waits to be sent again',
    });
    db.logNotification({
      table: 'ORDERS',
      order: '2408',
      message: 'call failed',
      error: 'ORA-29273: HTTP request failed',
      at: new Date('2026-12-02T10:00:00Z'),
    });
    db.logNotification({ table: 'ORDERS', order: '2409', status: 500, message: '500 Internal Server Error' });
    db.logNotification({ table: 'ORDERS', order: '2410', status: 200, message: '200 OK' });
    expect((await doctor(db)).check('replay')).toEqual({
      id: 'replay',
      status: 'warn',
      summary: '2 failed calls not sent again since 2026-12-02T10:00:00.000Z: their cached results may be stale',
      fix: 'once the listener answers: `dcn replay` (`dcn replay --dry-run` lists them)',
    });
    expect((await runCli(['replay'], { env: DB_ENV, db })).code).toBe(0);
    expect((await doctor(db)).check('replay').status).toBe('ok');
    // before V7, the migrations check says what is pending; this one says why it cannot tell
    db.addedColumns.clear();
    expect((await doctor(db)).check('replay')).toMatchObject({
      status: 'skipped',
      summary: 'NFRESULTS has no REPLAYED_BY column: migrations V7 and V8 are not both applied',
    });
  });
});
