import { describe, expect, it } from 'vitest';
import { parseKeyColumns } from '../../src/registrations/routes.js';
import { sqlPath } from '../../src/paths.js';
import { loadNamedQueries } from '../../src/script/named-queries.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { syntaxErrors } from '../support/plsql-grammar.js';

/** Migrated (V8's dcn_routes is there), with HR-style tables: a primary key, a composite one, none. */
async function withHrTables(): Promise<FakeDatabase> {
  const r = await runCli(['migrate', '--with-demo-schema', '-q'], { env: DB_ENV });
  expect(r.stderr).toBe('');
  const db = r.db;
  const table = (name: string, columns: string[], primaryKey: string[]) =>
    db.objects.set(`TABLE ${name}`, { type: 'TABLE', name, owner: 'HR', status: 'VALID', columns, primaryKey });
  table('EMPLOYEES', ['EMPLOYEE_ID', 'EMAIL', 'DEPARTMENT_ID'], ['EMPLOYEE_ID']);
  table('JOB_HISTORY', ['EMPLOYEE_ID', 'START_DATE', 'JOB_ID'], ['EMPLOYEE_ID', 'START_DATE']);
  table('AUDIT_LOG', ['AT', 'WHAT'], []);
  table('WIDE_KEY', ['A', 'B', 'C', 'D', 'E', 'F', 'G'], ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
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
    expect(r.stdout).toMatch(
      / {2}HR\.EMPLOYEES: \?table=EMPLOYEES&key=<DEPARTMENT_ID> \(key that may change: an update drops all of the table's results\)\n$/,
    );
    expect(db.routes.get('HR.EMPLOYEES')).toEqual({ keyColumns: 'DEPARTMENT_ID', keyImmutable: 'no' });
    const again = await run(db, [
      'register',
      '--table',
      'HR.EMPLOYEES',
      '--key',
      'EMAIL,EMPLOYEE_ID',
      '--key-immutable',
      '--json',
    ]);
    expect(JSON.parse(again.stdout).routes).toEqual([
      { table: 'HR.EMPLOYEES', key: ['EMAIL', 'EMPLOYEE_ID'], keyImmutable: true, keyFrom: 'named' },
    ]);
    expect(db.routes.get('HR.EMPLOYEES')).toEqual({ keyColumns: 'EMAIL,EMPLOYEE_ID', keyImmutable: 'yes' });
  });

  it('--dry-run shows the write of a --key route to dcn_routes, and its commit, as the run sends them', async () => {
    for (const [table, owner] of [
      ['HR.EMPLOYEES', 'HR'],
      ['EMPLOYEES', undefined],
    ] as const) {
      const db = await withHrTables();
      if (owner === undefined)
        db.objects.set('TABLE EMPLOYEES', {
          type: 'TABLE',
          name: 'EMPLOYEES',
          owner: 'OE',
          status: 'VALID',
          columns: ['EMPLOYEE_ID', 'EMAIL'],
          primaryKey: ['EMPLOYEE_ID'],
        });
      const args = ['register', '--table', table, '--key', 'EMAIL', '--key-immutable'];
      const dry = await run(db, [...args, '--dry-run', '--json']);
      const statements = JSON.parse(dry.stdout).statements as {
        name: string;
        sql: string;
        binds: Record<string, unknown>;
      }[];
      expect(statements.map((st) => st.name)).toEqual([
        'register.new',
        ...(owner ? [] : ['session.schema']),
        'routes.save',
        'commit',
      ]);
      const text = await run(db, [...args, '--dry-run']);
      expect(text.stdout).toMatch(/UPDATE dcn_routes[\s\S]*INSERT INTO dcn_routes[\s\S]*\nCOMMIT;\n$/);
      await run(db, args);
      const sent = db.log.filter((l) => l.name === 'routes.save');
      expect(sent).toHaveLength(1);
      const planned = statements.find((st) => st.name === 'routes.save')!;
      expect(sent[0]!.sql).toBe(planned.sql);
      // the session's schema is read into :owner by the script, as dcn reads it before the write
      expect(sent[0]!.binds).toEqual({ owner: owner ?? 'OE', ...planned.binds });
      expect(planned.binds).toEqual({
        ...(owner ? { owner } : {}),
        table_name: 'EMPLOYEES',
        key_columns: 'EMAIL',
        key_immutable: 'yes',
      });
    }
  });

  it('--dry-run without --key says that the primary key route is read when it runs, and refuses a key for the orders tables as the run does', async () => {
    const dry = await runCli(['register', '--table', 'HR.EMPLOYEES', '--table', 'ORDERS', '--dry-run'], {
      env: DB_ENV,
    });
    expect(dry.stdout).toMatch(
      /\n-- HR\.EMPLOYEES: its route \(its primary key, read from the dictionary when this runs\) is written to dcn_routes too; a dry run does not connect, so give --key to see that write\n/,
    );
    expect(dry.stdout).not.toMatch(/-- ORDERS:/);
    const qualified = await runCli(['register', '--table', 'OE.ORDERS', '--table', 'HR.ORDERS', '--dry-run'], {
      env: DB_ENV,
    }); // DCN_USER=oe
    expect(qualified.stdout).not.toMatch(/-- OE\.ORDERS:/);
    expect(qualified.stdout).toMatch(/-- HR\.ORDERS: its route/);
    const orders = await runCli(['register', '--table', 'ORDERS', '--key', 'ORDER_ID', '--dry-run'], { env: DB_ENV });
    expect(orders.code).toBe(2);
    expect(orders.stderr).toMatch(/the orders and order items tables are keyed by their order/);
  });

  it('says a table with neither a primary key nor --key gets table-level notifications', async () => {
    const db = await withHrTables();
    const r = await run(db, ['register', '--table', 'HR.AUDIT_LOG']);
    expect(r.stdout).toMatch(
      / {2}HR\.AUDIT_LOG: \?table=AUDIT_LOG: no primary key and no --key, so every change drops all of the table's results\n$/,
    );
    expect(db.routes.get('HR.AUDIT_LOG')).toEqual({ keyColumns: null, keyImmutable: 'yes' });
  });

  it('refuses a bad key before registering anything (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--table', 'HR.EMPLOYEES', '--key', 'SALARY'],
        /HR\.EMPLOYEES has no column SALARY\n {2}hint: name key columns of HR\.EMPLOYEES: DEPARTMENT_ID, EMAIL, EMPLOYEE_ID/,
      ],
      [['--table', 'HR.EMPLOYEES', '--key', 'EMAIL;DROP'], /--key EMAIL;DROP: 'EMAIL;DROP' is not a column name/],
      [['--table', 'HR.EMPLOYEES', '--key', 'EMAIL,email'], /EMAIL is named twice/],
      [
        ['--table', 'HR.EMPLOYEES', '--table', 'HR.JOB_HISTORY', '--key', 'EMPLOYEE_ID'],
        /--key names the key of one table: give exactly one --table with it/,
      ],
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

  it('refuses a primary key of more than 6 columns, which no notification could carry, before registering anything', async () => {
    for (const args of [
      ['register', '--table', 'HR.WIDE_KEY'],
      ['enable-reg', '41', '--table', 'HR.WIDE_KEY'],
    ]) {
      const db = await withHrTables();
      if (args[0] === 'enable-reg') await run(db, ['register', '--table', 'ORDERS']);
      const before = [...db.registrations.values()].map((r) => r.tables);
      const r = await run(db, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /^dcn: error: HR\.WIDE_KEY: its primary key has 7 columns, and a notification carries at most 6 key values \(dcn listen answers 400 to more\)\n {2}hint: name at most 6 of its columns as its key: the arguments its cached function takes/,
      );
      expect([...db.registrations.values()].map((x) => x.tables)).toEqual(before);
      expect(db.routes.size).toBe(0);
    }
  });

  it("refuses a table the user reads only through a role, which the callback (definer's rights) cannot use, unless --allow-role-grant", async () => {
    for (const args of [
      ['register', '--table', 'HR.EMPLOYEES'],
      ['enable-reg', '41', '--table', 'HR.EMPLOYEES', '--key', 'EMAIL'],
    ]) {
      const db = await withHrTables();
      if (args[0] === 'enable-reg') await run(db, ['register', '--table', 'ORDERS']);
      db.readThroughRoleOnly.add('HR.EMPLOYEES');
      const before = [...db.registrations.values()].map((r) => [...r.tables]);
      const refused = await run(db, args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toMatch(
        /^dcn: error: OE reads HR\.EMPLOYEES only through a role: the callback runs with its owner's rights, where roles do not count, so every lookup of its changed rows would fail \(ORA-00942\) and its cached results would stay stale\n {2}hint: have HR or a DBA grant it to OE itself: GRANT SELECT ON HR\.EMPLOYEES TO OE; or register it anyway: `--allow-role-grant`\n$/,
      );
      expect([...db.registrations.values()].map((r) => r.tables)).toEqual(before);
      expect(db.routes.size).toBe(0);
      const accepted = await run(db, [...args, '--allow-role-grant']);
      expect(accepted.code).toBe(0);
      expect(accepted.stderr).toMatch(
        /^dcn: warning: OE reads HR\.EMPLOYEES only through a role: the callback runs with its owner's rights, where roles do not count/m,
      );
      expect(db.routes.has('HR.EMPLOYEES')).toBe(true);
    }
  });

  it('checks only the tables whose changes the callback looks up: not one without a key', async () => {
    const db = await withHrTables();
    db.readThroughRoleOnly.add('HR.AUDIT_LOG');
    const r = await run(db, ['register', '--table', 'HR.AUDIT_LOG']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(db.log.filter((l) => l.name === 'table.direct-grant')).toHaveLength(0);
  });

  it('warns when a --key column may be NULL (ALL_TAB_COLUMNS.NULLABLE), and not for a NOT NULL or primary key column', async () => {
    const db = await withHrTables();
    db.objects.get('TABLE EMPLOYEES')!.notNull = ['EMAIL'];
    const nullable = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--key', 'DEPARTMENT_ID,EMAIL']);
    expect(nullable.code).toBe(0);
    expect(nullable.stderr).toBe(
      "dcn: warning: HR.EMPLOYEES: key column DEPARTMENT_ID may be NULL (and Oracle stores '' as NULL): a row whose key is NULL names no cached result by its key; declare it NOT NULL, or name key columns that are\n",
    );
    const notNull = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--key', 'EMAIL,EMPLOYEE_ID']);
    expect(notNull.stderr).toBe('');
    expect(
      JSON.parse((await run(db, ['register', '--table', 'HR.EMPLOYEES', '--key', 'DEPARTMENT_ID', '--json'])).stdout)
        .warnings,
    ).toEqual([
      "HR.EMPLOYEES: key column DEPARTMENT_ID may be NULL (and Oracle stores '' as NULL): a row whose key is NULL names no cached result by its key; declare it NOT NULL, or name key columns that are",
    ]);
  });

  it('without V8, registers and says which tables have no route; a --key is refused', async () => {
    const db = await withHrTables();
    await run(db, ['migrate', 'down', '--yes']);
    expect(db.hasTable('DCN_ROUTES')).toBe(false);
    const r = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--table', 'ORDERS']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /HR\.EMPLOYEES has no route: dcn_routes is missing \(migration V8\), so the callback notifies it at table level\. Run `dcn migrate`, then register again\./,
    );
    const keyed = await run(db, ['register', '--table', 'HR.EMPLOYEES', '--key', 'EMAIL']);
    expect(keyed.code).toBe(2);
    expect(keyed.stderr).toMatch(
      /dcn_routes, where a table's key is kept, does not exist: migration V8 is not applied\n {2}hint: apply it: `dcn migrate`/,
    );
    expect(db.registrations.size).toBe(1);
  });

  it('keeps routes and registrations in step: enable-reg adds, regs shows, deregister removes what no registration covers', async () => {
    const db = await withHrTables();
    await run(db, ['register', '--table', 'ORDERS', '--table', 'HR.EMPLOYEES']);
    const enabled = await run(db, [
      'enable-reg',
      '41',
      '--table',
      'HR.JOB_HISTORY',
      '--key',
      'EMPLOYEE_ID',
      '--key-immutable',
    ]);
    expect(enabled.stdout).toBe(
      'Registration 41 now also covers HR.JOB_HISTORY.\n  HR.JOB_HISTORY: ?table=JOB_HISTORY&key=<EMPLOYEE_ID> (immutable key)\n',
    );
    await run(db, ['register', '--table', 'HR.EMPLOYEES']);
    const regs = await run(db, ['regs']);
    expect(regs.stdout).toMatch(
      /Routes \(what a change of each table calls\):\n {2}HR\.EMPLOYEES: \?table=EMPLOYEES&key=<EMPLOYEE_ID> \(immutable key\)\n {2}HR\.JOB_HISTORY: .*\n {2}OE\.ORDERS: \?order_no=…&table=ORDERS \(the article's route\)\n/,
    );
    expect(JSON.parse((await run(db, ['regs', '--json'])).stdout).routes['HR.JOB_HISTORY']).toEqual({
      table: 'HR.JOB_HISTORY',
      key: ['EMPLOYEE_ID'],
      keyImmutable: true,
      keyFrom: 'named',
    });
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
    for (const name of [
      'table.primary-key',
      'table.columns',
      'routes.available',
      'routes.save',
      'routes.list',
      'routes.delete',
    ]) {
      const r = q.render(name);
      expect(syntaxErrors({ sql: r.sql, plsql: /^BEGIN/.test(r.sql) }), name).toEqual([]);
    }
  });
});
