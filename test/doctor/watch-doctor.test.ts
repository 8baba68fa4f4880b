import { describe, expect, it } from 'vitest';
import { DB_ENV, runCli } from '../support/cli.js';
import type { FakeDatabase } from '../support/fake-oracle.js';
import { watchableDatabase } from '../support/watch-database.js';

type Check = { id: string; status: string; summary: string; fix?: string; details?: string[] };

/** What dcn watch needs and nothing more: the grant, the tables. No callback, ACL or nfresults. */
function database(): FakeDatabase {
  const db = watchableDatabase();
  db.objects.set('TABLE ORDER_ITEMS', {
    type: 'TABLE',
    name: 'ORDER_ITEMS',
    owner: 'OE',
    status: 'VALID',
    columns: ['ORDER_ID', 'LINE_ITEM_ID'],
    primaryKey: ['ORDER_ID', 'LINE_ITEM_ID'],
  });
  db.objects.set('TABLE AUDIT_LOG', {
    type: 'TABLE',
    name: 'AUDIT_LOG',
    owner: 'HR',
    status: 'VALID',
    columns: ['AT'],
    primaryKey: [],
  });
  return db;
}

async function doctor(db: FakeDatabase, args: string[] = []) {
  const r = await runCli(['doctor', '--watch', '--json', ...args], { env: DB_ENV, db });
  const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  return { code: r.code, report, check: (id: string) => report.checks.find((c) => c.id === id)!, stderr: r.stderr };
}

describe('dcn doctor --watch', () => {
  it('checks exactly what dcn watch needs, and makes and removes a real subscription', async () => {
    const db = database();
    const r = await doctor(db);
    expect(r.report.checks.map((c) => [c.id, c.status])).toEqual([
      ['connection', 'ok'],
      ['driver', 'ok'],
      ['privileges', 'ok'],
      ['tables', 'ok'],
      ['subscription', 'ok'],
    ]);
    expect(r.code).toBe(0);
    expect(r.check('tables').details).toEqual([
      'OE.ORDERS → getOrderFields(order)',
      'OE.ORDER_ITEMS → getOrderItems(order): an update drops all (the key may change)',
    ]);
    expect(r.check('subscription').summary).toBe('subscribed to OE.ORDERS (registration 9001) and removed it again');
    expect(db.subscriptions.size).toBe(0);
  });

  it('fails on an Oracle before 19.4, Thick mode, a missing grant, a table it cannot see; warns on a table without a key', async () => {
    const old = database();
    old.version = { major: 19, minor: 3 };
    expect((await doctor(old)).check('connection')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/Oracle 19\.3: client-initiated subscriptions need 19\.4 or later/),
    });
    const thick = database();
    thick.thin = false;
    const t = await doctor(thick);
    expect([t.check('driver').status, t.check('subscription').status, t.code]).toEqual(['fail', 'skipped', 1]);
    const ungranted = database();
    ungranted.grants.clear();
    const u = await doctor(ungranted);
    expect(u.check('privileges')).toMatchObject({
      status: 'fail',
      fix: 'have a DBA run: GRANT CHANGE NOTIFICATION TO OE;',
    });
    expect(u.check('subscription').status).toBe('fail');
    const unseen = await doctor(database(), ['--table', 'HR.EMPLOYEES', '--map', 'EMPLOYEES=getEmployee']);
    expect(unseen.check('tables')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/HR\.EMPLOYEES/) });
    const keyless = await doctor(database(), ['--table', 'HR.AUDIT_LOG', '--map', 'AUDIT_LOG=getAudit']);
    expect(keyless.check('tables')).toMatchObject({
      status: 'warn',
      summary: 'HR.AUDIT_LOG: no key, so every change drops all of its results',
    });
  });

  it('takes --table and --map only with --watch', async () => {
    const r = await runCli(['doctor', '--table', 'ORDERS'], { env: DB_ENV, db: database() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--table and --map go with --watch/);
  });
});
