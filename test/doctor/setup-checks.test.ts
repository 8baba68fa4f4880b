import { describe, expect, it } from 'vitest';
import { aceCovers } from '../../src/doctor/setup-checks.js';
import { doctor, healthy } from '../support/doctor.js';

describe('the network ACE check', () => {
  it('matches ACE host patterns and port ranges', () => {
    expect(aceCovers({ host: 'app.example', lower: 8080, upper: 8080 }, 'APP.example', 8080)).toBe(true);
    expect(aceCovers({ host: '*', lower: null, upper: null }, 'x', 1)).toBe(true);
    expect(aceCovers({ host: '*.example', lower: 8000, upper: 8100 }, 'a.b.example', 8099)).toBe(true);
    expect(aceCovers({ host: '10.0.0.*', lower: null, upper: null }, '10.0.0.5', 80)).toBe(true);
    expect(aceCovers({ host: 'app.example', lower: 8080, upper: 8080 }, 'app.example', 8081)).toBe(false);
    expect(aceCovers({ host: 'example', lower: null, upper: null }, 'app.example', 80)).toBe(false);
  });
});

describe('dcn doctor: the database setup', () => {
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
});
