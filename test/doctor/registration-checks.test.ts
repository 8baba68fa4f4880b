import { describe, expect, it } from 'vitest';
import { DB_ENV, runCli } from '../support/cli.js';
import { doctor, healthy } from '../support/doctor.js';

describe('dcn doctor: the registration and the tables the callback reads', () => {
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
});
