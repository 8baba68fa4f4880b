import { describe, expect, it } from 'vitest';
import { parseKeyColumns } from '../../src/registrations/routes.js';
import { sqlPath } from '../../src/paths.js';
import { loadNamedQueries } from '../../src/script/named-queries.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { syntaxErrors } from '../support/plsql-grammar.js';

/** Migrated (V8's dcn_routes is there), with HR-style tables: a primary key, a composite one, none. */
async function withHrTables(): Promise<FakeDatabase> {
  const r = await runCli(['migrate', '--with-demo-schema'], { env: DB_ENV });
  expect(r.stderr).toBe('');
  const db = r.db;
  const table = (name: string, columns: string[], primaryKey: string[]) => db.objects.set(`TABLE ${name}`, { type: 'TABLE', name, owner: 'HR', status: 'VALID', columns, primaryKey });
  table('EMPLOYEES', ['EMPLOYEE_ID', 'EMAIL', 'DEPARTMENT_ID'], ['EMPLOYEE_ID']);
  table('JOB_HISTORY', ['EMPLOYEE_ID', 'START_DATE', 'JOB_ID'], ['EMPLOYEE_ID', 'START_DATE']);
  table('AUDIT_LOG', ['AT', 'WHAT'], []);
  return db;
}

const run = (db: FakeDatabase, args: string[]) => runCli(args, { env: DB_ENV, db });

describe('routes: dcn register --table, --key, --key-immutable', () => {
  it("takes a table's primary key by default, in key order, as immutable; a composite key too", async () => {
    const db = await withHrTables();
    const r = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--table', 'HR.JOB_HISTORY', '--table', 'ORDERS']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(1)).toEqual([
      '  HR.EMPLOYEES: ?table=EMPLOYEES&key=<EMPLOYEE_ID> (primary key)',
      '  HR.JOB_HISTORY: ?table=JOB_HISTORY&key=<EMPLOYEE_ID>&key=<START_DATE> (primary key)',
      "  OE.ORDERS: ?order_no=…&table=ORDERS (the article's route)",
      '',
    ]);
    expect(Object.fromEntries(db.routes)).toEqual({
      'HR.EMPLOYEES': { keyColumns: 'EMPLOYEE_ID', keyImmutable: 'yes' },
      'HR.JOB_HISTORY': { keyColumns: 'EMPLOYEE_ID,START_DATE', keyImmutable: 'yes' },
    });
    // the orders tables keep the article's contract: no route is read for them
    expect(db.routes.has('OE.ORDERS')).toBe(false);
  });

  it('takes --key columns as they may change, unless --key-immutable', async () => {
    const db = await withHrTables();
    const r = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--key', 'department_id']);
    expect(r.stdout).toMatch(/ {2}HR\.EMPLOYEES: \?table=EMPLOYEES&key=<DEPARTMENT_ID> \(key that may change: an update drops all of the table's results\)\n$/);
    expect(db.routes.get('HR.EMPLOYEES')).toEqual({ keyColumns: 'DEPARTMENT_ID', keyImmutable: 'no' });
    const again = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--key', 'EMAIL,EMPLOYEE_ID', '--key-immutable', '--json']);
    expect(JSON.parse(again.stdout).routes).toEqual([{ table: 'HR.EMPLOYEES', key: ['EMAIL', 'EMPLOYEE_ID'], keyImmutable: true, keyFrom: 'named' }]);
    expect(db.routes.get('HR.EMPLOYEES')).toEqual({ keyColumns: 'EMAIL,EMPLOYEE_ID', keyImmutable: 'yes' });
  });

  it('says a table with neither a primary key nor --key gets table-level notifications', async () => {
    const db = await withHrTables();
    const r = await run(db, ['register', '--table', 'HR.AUDIT_LOG']);
    expect(r.stdout).toMatch(/ {2}HR\.AUDIT_LOG: \?table=AUDIT_LOG: no primary key and no --key, so every change drops all of the table's results\n$/);
    expect(db.routes.get('HR.AUDIT_LOG')).toEqual({ keyColumns: null, keyImmutable: 'yes' });
  });

  it('refuses a bad key before registering anything (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--table', 'HR.EMPLOYEES', '--key', 'SALARY'], /HR\.EMPLOYEES has no column SALARY\n {2}hint: name key columns of HR\.EMPLOYEES: DEPARTMENT_ID, EMAIL, EMPLOYEE_ID/],
      [['--table', 'HR.EMPLOYEES', '--key', 'EMAIL;DROP'], /--key EMAIL;DROP: 'EMAIL;DROP' is not a column name/],
      [['--table', 'HR.EMPLOYEES', '--key', 'EMAIL,email'], /EMAIL is named twice/],
      [['--table', 'HR.EMPLOYEES', '--table', 'HR.JOB_HISTORY', '--key', 'EMPLOYEE_ID'], /--key names the key of one table: give exactly one --table with it/],
      [['--table', 'HR.EMPLOYEES', '--key-immutable'], /--key-immutable needs --key/],
      [['--table', 'ORDERS', '--key', 'ORDER_ID'], /the orders and order items tables are keyed by their order/],
    ];
    for (const [args, message] of cases) {
      const db = await withHrTables();
      const r = await run(db, ['register', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(db.registrations.size).toBe(0);
      expect(db.routes.size).toBe(0);
    }
  });

  it('without V8, registers and says which tables have no route; a --key is refused', async () => {
    const db = await withHrTables();
    await run(db, ['migrate', 'down', '--yes']);
    expect(db.hasTable('DCN_ROUTES')).toBe(false);
    const r = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--table', 'ORDERS']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/HR\.EMPLOYEES has no route: dcn_routes is missing \(migration V8\), so the callback notifies it at table level\. Run `dcn migrate`, then register again\./);
    const keyed = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--key', 'EMAIL']);
    expect(keyed.code).toBe(2);
    expect(keyed.stderr).toMatch(/dcn_routes, where a table's key is kept, does not exist: migration V8 is not applied\n {2}hint: apply it: `dcn migrate`/);
    expect(db.registrations.size).toBe(1);
  });

  it('keeps routes and registrations in step: enable-reg adds, regs shows, deregister removes what no registration covers', async () => {
    const db = await withHrTables();
    await run(db, ['register', '--table', 'ORDERS', '--table', 'HR.EMPLOYEES']);
    const enabled = await run(db, ['enable-reg', '41', '--table', 'HR.JOB_HISTORY', '--key', 'EMPLOYEE_ID', '--key-immutable']);
    expect(enabled.stdout).toBe('Registration 41 now also covers HR.JOB_HISTORY.\n  HR.JOB_HISTORY: ?table=JOB_HISTORY&key=<EMPLOYEE_ID> (immutable key)\n');
    await run(db, ['register', '--table', 'HR.EMPLOYEES']);
    const regs = await run(db, ['regs']);
    expect(regs.stdout).toMatch(/Routes \(what a change of each table calls\):\n {2}HR\.EMPLOYEES: \?table=EMPLOYEES&key=<EMPLOYEE_ID> \(immutable key\)\n {2}HR\.JOB_HISTORY: .*\n {2}OE\.ORDERS: \?order_no=…&table=ORDERS \(the article's route\)\n/);
    expect(JSON.parse((await run(db, ['regs', '--json'])).stdout).routes['HR.JOB_HISTORY']).toEqual({ table: 'HR.JOB_HISTORY', key: ['EMPLOYEE_ID'], keyImmutable: true, keyFrom: 'named' });
    // 41 goes: EMPLOYEES is still in 42, JOB_HISTORY is in none
    const gone = await run(db, ['deregister', '41']);
    expect(gone.stdout).toBe('Deregistered 41.\nRemoved the routes of HR.JOB_HISTORY.\n');
    expect([...db.routes.keys()]).toEqual(['HR.EMPLOYEES']);
    await run(db, ['deregister', '42']);
    expect(db.routes.size).toBe(0);
  });

  it('reads --key as comma-separated unquoted column names', () => {
    expect(parseKeyColumns(['employee_id, start_date'])).toEqual(['EMPLOYEE_ID', 'START_DATE']);
    expect(() => parseKeyColumns(['"Mixed"'])).toThrow(/is not a column name/);
    expect(() => parseKeyColumns(['SELECT'])).toThrow(/is not a column name/);
    expect(() => parseKeyColumns([''])).toThrow(/is not a column name/);
  });

  it('the route statements parse under the PL/SQL grammar', () => {
    const q = loadNamedQueries(sqlPath('registrations', 'registrations.sql'));
    for (const name of ['table.primary-key', 'table.columns', 'routes.available', 'routes.save', 'routes.list', 'routes.delete']) {
      const r = q.render(name);
      expect(syntaxErrors({ sql: r.sql, plsql: /^BEGIN/.test(r.sql) }), name).toEqual([]);
    }
  });
});
