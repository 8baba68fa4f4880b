import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startListener } from '../../src/listener/listener.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';

type Check = { id: string; status: string; summary: string; fix?: string; details?: string[] };

/** A fake where everything is set up: migrated, registered, one notification delivered. */
async function healthy(callbackUrl = 'http://localhost:8080/phpcache/dropResults.php'): Promise<FakeDatabase> {
  const env = { ...DB_ENV, DCN_CALLBACK_URL: callbackUrl };
  const m = await runCli(['migrate', '--with-demo-schema'], { env });
  expect(m.stderr).toBe('');
  const db = m.db;
  expect((await runCli(['register', '--table', 'ORDERS', '--table', 'ORDER_ITEMS'], { env, db })).code).toBe(0);
  db.logNotification({ table: 'ORDERS', order: '2408', status: 200, message: '200 OK' });
  return db;
}

async function doctor(db: FakeDatabase, args: string[] = [], env: Record<string, string> = {}) {
  const r = await runCli(['doctor', '--json', '--with-demo-schema', ...args], { env: { ...DB_ENV, ...env }, db });
  const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
  return { code: r.code, report, check: (id: string) => byId[id]!, stderr: r.stderr };
}

describe('dcn doctor', () => {
  it('passes every check on a working setup, exit 0', async () => {
    const r = await doctor(await healthy());
    expect(r.report.checks.map((c) => [c.id, c.status])).toEqual([
      ['connection', 'ok'],
      ['privileges', 'ok'],
      ['job_queue_processes', 'ok'],
      ['network_acl', 'ok'],
      ['objects', 'ok'],
      ['registration', 'ok'],
      ['table_access', 'ok'],
      ['migrations', 'ok'],
      ['invalid_objects', 'ok'],
      ['notifications', 'ok'],
      ['replay', 'ok'],
      ['log_size', 'ok'],
    ]);
    expect(r.code).toBe(0);
    expect(r.check('connection').summary).toBe('connected as oe@db:1521/FREEPDB1, Oracle 23.9');
    expect(r.check('network_acl').summary).toBe('connect to localhost:8080 (ACE on localhost)');
    expect(r.check('registration').summary).toBe('41: OE.ORDERS, OE.ORDER_ITEMS');
  });

  it('prints one line per check with the fix for each failure, and exits 1', async () => {
    const db = await healthy();
    db.jobQueueProcesses = 0;
    const r = await runCli(['doctor', '--with-demo-schema'], { env: DB_ENV, db });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ok {6}connection {11}connected as oe@db/m);
    expect(r.stdout).toMatch(
      /^fail {4}job_queue_processes {2}job_queue_processes is 0: no PL\/SQL callback can run\n {29}fix: `dcn migrate` with the admin profile raises it/m,
    );
    expect(r.stdout).toMatch(/1 check\(s\) failed, 0 warning\(s\)\.\n$/);
    expect(r.stderr).toBe('');
  });

  it('fails the connection and skips the rest when the database is unreachable', async () => {
    const refuse = () =>
      Object.assign(new Error('NJS-503: connection to host db port 1521 could not be established.'), {
        code: 'NJS-503',
      });
    const r = await runCli(['doctor', '--json'], { env: DB_ENV, refuse });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(report.checks[0]).toMatchObject({
      id: 'connection',
      status: 'fail',
      summary: expect.stringMatching(/NJS-503/),
      fix: expect.stringMatching(/listener is running/),
    });
    expect(report.checks.slice(1).every((c: Check) => c.status === 'skipped')).toBe(true);
  });

  it('checks the privileges: missing, through a role only, direct', async () => {
    const db = await healthy();
    db.grants.delete('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    db.executeThroughRole.add('OE');
    expect((await doctor(db)).check('privileges')).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/through a role/),
    });
    db.executeThroughRole.clear();
    expect((await doctor(db)).check('privileges')).toMatchObject({
      status: 'fail',
      summary: 'OE lacks EXECUTE on DBMS_CHANGE_NOTIFICATION',
    });
    db.grants.delete('OE CHANGE NOTIFICATION');
    expect((await doctor(db)).check('privileges')).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/GRANT CHANGE NOTIFICATION TO OE/),
    });
  });

  it("in a PDB, does not call job_queue_processes ok on the PDB's value alone: the root's 0 stops every callback", async () => {
    const db = await healthy();
    db.containerId = 3; // FREEPDB1
    db.nfresults.length = 0;
    const unknown = (await doctor(db)).check('job_queue_processes');
    expect(unknown).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/= 1000 in this PDB, but the CDB root's value cannot be seen from a PDB/),
      fix: expect.stringMatching(/CDB\$ROOT: SHOW PARAMETER job_queue_processes/),
    });
    db.logNotification({
      table: 'ORDERS',
      order: '2408',
      status: 200,
      message: '200 OK',
      at: new Date('2026-12-01T10:00:00Z'),
    });
    expect((await doctor(db)).check('job_queue_processes')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/callbacks run: the last call was logged at 2026-12-01T10:00:00.000Z/),
    });
    db.containerId = 0; // not a CDB: its own value is the whole story
    db.nfresults.length = 0;
    expect((await doctor(db)).check('job_queue_processes')).toMatchObject({
      status: 'ok',
      summary: 'job_queue_processes = 1000',
    });
  });

  it('counts only EXECUTE on the package as the grant the callback needs', async () => {
    const db = await healthy();
    db.grants.delete('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    db.grants.add('OE DEBUG ON DBMS_CHANGE_NOTIFICATION');
    expect((await doctor(db)).check('privileges')).toMatchObject({
      status: 'fail',
      summary: 'OE lacks EXECUTE on DBMS_CHANGE_NOTIFICATION',
    });
    db.roleTabPrivs.set('OE', ['DEBUG']); // and a role that holds another privilege on it
    expect((await doctor(db)).check('privileges')).toMatchObject({
      status: 'fail',
      summary: 'OE lacks EXECUTE on DBMS_CHANGE_NOTIFICATION',
    });
  });

  it('warns when job_queue_processes cannot be read', async () => {
    const db = await healthy();
    db.parametersVisible = false;
    const r = await doctor(db);
    expect(r.check('job_queue_processes')).toMatchObject({
      status: 'warn',
      fix: expect.stringMatching(/SHOW PARAMETER job_queue_processes/),
    });
    expect(r.code).toBe(0);
  });

  it('fails the network check without an ACE for the callback host and port', async () => {
    const db = await healthy();
    const other = await doctor(db, [], { DCN_CALLBACK_URL: 'http://app.example:9000/cb' });
    expect(other.check('network_acl')).toMatchObject({
      status: 'fail',
      summary: 'no network ACE lets OE connect to app.example:9000: every call fails with ORA-24247',
    });
    db.hostAces.push({ host: '*.example', lower: 9000, upper: 9100, principal: 'OE', privilege: 'CONNECT' });
    expect((await doctor(db, [], { DCN_CALLBACK_URL: 'http://app.example:9000/cb' })).check('network_acl').status).toBe(
      'ok',
    );
  });

  it('fails on missing or invalid objects, with the compile errors', async () => {
    const db = await healthy();
    db.objects.set('PROCEDURE SENDNOTIFICATION', {
      type: 'PROCEDURE',
      name: 'SENDNOTIFICATION',
      owner: 'OE',
      status: 'INVALID',
    });
    db.errors.set('PROCEDURE SENDNOTIFICATION', [
      { line: 32, position: 5, text: "PLS-00201: identifier 'UTL_HTTP' must be declared" },
    ]);
    const invalid = (await doctor(db)).check('objects');
    expect(invalid).toMatchObject({
      status: 'fail',
      summary: 'invalid: procedure SENDNOTIFICATION',
      details: ["SENDNOTIFICATION 32:5: PLS-00201: identifier 'UTL_HTTP' must be declared"],
    });
    db.objects.delete('PROCEDURE SENDNOTIFICATION');
    expect((await doctor(db)).check('objects')).toMatchObject({
      status: 'fail',
      summary: 'missing: procedure SENDNOTIFICATION',
      fix: 'run `dcn migrate`',
    });
  });

  it('fails without a registration, and warns when a table is not registered', async () => {
    const db = await healthy();
    const only = db.registrations.get(41)!;
    only.tables = ['OE.ORDERS'];
    expect((await doctor(db)).check('registration')).toMatchObject({
      status: 'warn',
      fix: 'dcn enable-reg 41 --table ORDER_ITEMS',
    });
    db.registrations.clear();
    expect((await doctor(db)).check('registration')).toMatchObject({
      status: 'fail',
      fix: 'dcn register --table ORDERS --table ORDER_ITEMS',
    });
  });

  it('fails when the callback would look rows up in a registered table the schema reads only through a role', async () => {
    const db = await healthy();
    db.objects.set('TABLE EMPLOYEES', {
      type: 'TABLE',
      name: 'EMPLOYEES',
      owner: 'HR',
      status: 'VALID',
      columns: ['EMPLOYEE_ID', 'EMAIL'],
      primaryKey: ['EMPLOYEE_ID'],
    });
    db.objects.set('TABLE AUDIT_LOG', {
      type: 'TABLE',
      name: 'AUDIT_LOG',
      owner: 'HR',
      status: 'VALID',
      columns: ['AT'],
      primaryKey: [],
    });
    expect(
      (await runCli(['enable-reg', '41', '--table', 'HR.EMPLOYEES', '--table', 'HR.AUDIT_LOG'], { env: DB_ENV, db }))
        .code,
    ).toBe(0);
    expect((await doctor(db)).check('table_access')).toMatchObject({
      status: 'ok',
      summary:
        'the callback can read every registered table it looks changed rows up in: OE.ORDERS, OE.ORDER_ITEMS, HR.EMPLOYEES',
    });
    // a grant taken away, or given to a role only, after the registration: and a table looked up by no one is not checked
    db.readThroughRoleOnly.add('HR.EMPLOYEES');
    db.readThroughRoleOnly.add('HR.AUDIT_LOG');
    const r = await doctor(db);
    expect(r.code).toBe(1);
    expect(r.check('table_access')).toMatchObject({
      status: 'fail',
      summary:
        "OE reads HR.EMPLOYEES only through a role (or not at all): the callback runs with its owner's rights, where roles do not count, so each lookup fails (ORA-00942) and its cached results stay stale",
      fix: 'have a DBA run: GRANT SELECT ON HR.EMPLOYEES TO OE;',
    });
  });

  it('fails on a failed migration and warns on a changed one', async () => {
    const db = await healthy();
    db.committed.history.get('4')!.CHECKSUM = 'not the file';
    expect((await doctor(db)).check('migrations')).toMatchObject({
      status: 'warn',
      summary: 'changed since applied: V4',
    });
    db.committed.history.get('5')!.SUCCESS = 0;
    expect((await doctor(db)).check('migrations')).toMatchObject({ status: 'fail', summary: 'failed: V5' });
  });

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

  it('probes the callback URL with --probe: dcn listen, something else, nothing', async () => {
    const cache = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-doctor-')) });
    const listener = await startListener({ cache, port: 0 });
    const port = new URL(listener.url).port;
    const db = await healthy(listener.url);
    const env = { DCN_CALLBACK_URL: listener.url };
    try {
      expect((await doctor(db, ['--probe'], env)).check('probe')).toMatchObject({
        status: 'ok',
        summary: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${port}/healthz answers 200`)),
      });
    } finally {
      await listener.close();
    }
    expect((await doctor(db, ['--probe'], env)).check('probe')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/nothing answers .*ECONNREFUSED/),
    });
    const other: Server = createServer((_q, s) => s.writeHead(404).end()).listen(Number(port), '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    try {
      expect((await doctor(db, ['--probe'], env)).check('probe')).toMatchObject({
        status: 'warn',
        summary: expect.stringMatching(/answers 404/),
      });
    } finally {
      other.close();
    }
    void (other.address() as AddressInfo);
  });
});
