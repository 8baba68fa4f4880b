import { describe, expect, it } from 'vitest';
import { parseQualifiedName } from '../../src/oracle/identifiers.js';
import { decodeFlags, flagBits, flagExpression, OPERATIONS, parseNames, QOS } from '../../src/registrations/flags.js';
import { planDeregister, planEnable, planRegister } from '../../src/registrations/plans.js';
import { PACKAGES } from '../reference/oracle-names.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { syntaxErrors } from '../support/plsql-grammar.js';

/** A fake where `dcn migrate --with-demo-schema` has run: grants, callback, ORDERS and ORDER_ITEMS. */
async function migrated(): Promise<FakeDatabase> {
  const r = await runCli(['migrate', '--with-demo-schema', '-q'], { env: DB_ENV });
  expect(r.stderr).toBe('');
  return r.db;
}

const run = (db: FakeDatabase, args: string[], options: { tty?: boolean; stdin?: string } = {}) =>
  runCli(args, { env: DB_ENV, db, ...options });

describe('the registration blocks parse under the PL/SQL grammar', () => {
  const names = [['OE.ORDERS', 'ORDER_ITEMS'], ['"oe"."Orders With Space"', '"Ünïcode"'], ['S$1.T#2']];
  for (const tables of names) {
    const parsed = tables.map((t) => parseQualifiedName(t));
    const calls = [
      planRegister({
        tables: parsed,
        callback: parseQualifiedName('orders_nf_callback'),
        qos: ['reliable', 'rowids'],
        operations: ['insert', 'delete'],
        timeoutSeconds: 60,
      }),
      planRegister({
        tables: parsed,
        callback: parseQualifiedName('"cb"'),
        qos: [],
        operations: [],
        timeoutSeconds: 0,
      }),
      planEnable(41, parsed),
      planDeregister(41),
    ];
    for (const call of calls) {
      it(`${call.name} for ${tables.join(', ')}`, () => {
        expect(syntaxErrors(call)).toEqual([]);
        // names are bound, never part of the text
        for (const t of tables) expect(call.sql).not.toContain(t);
      });
    }
  }
});

describe('QoS and operation names', () => {
  it('map to the package constants with the documented values', () => {
    const members = PACKAGES.DBMS_CHANGE_NOTIFICATION!.members;
    for (const table of [QOS, OPERATIONS]) {
      for (const flag of Object.values(table)) expect(members[flag.constant.split('.')[1]!]).toBe(flag.bit);
    }
  });

  it('build expressions and decode bit masks', () => {
    expect(flagExpression('qos', ['reliable', 'rowids'])).toBe(
      'DBMS_CHANGE_NOTIFICATION.QOS_RELIABLE + DBMS_CHANGE_NOTIFICATION.QOS_ROWIDS',
    );
    expect(flagExpression('operations', [])).toBe('DBMS_CHANGE_NOTIFICATION.ALL_OPERATIONS');
    expect(flagBits('operations', ['insert', 'update', 'delete'])).toBe(14);
    expect(decodeFlags('qos', 5)).toEqual(['reliable', 'rowids']);
    expect(decodeFlags('operations', 0)).toEqual(['all']);
    expect(decodeFlags('qos', 1 + 128)).toEqual(['reliable', '0x80']);
    expect(parseNames('qos', ['Reliable, ROWIDS', 'dereg_nfy'])).toEqual(['reliable', 'rowids', 'dereg-nfy']);
  });
});

describe('bad input is rejected with exit 2 before any connection', () => {
  const cases: [string, string[]][] = [
    ['empty table', ['register', '--table', '']],
    ['space in a name', ['register', '--table', 'OE.ORD ERS']],
    ['leading space', ['register', '--table', ' ORDERS']],
    ['three parts', ['register', '--table', 'a.b.c']],
    ['database link', ['register', '--table', 'OE.ORDERS@remote']],
    ['SQL injection', ['register', '--table', 'ORDERS; DROP TABLE x']],
    ['injection in quotes', ['register', '--table', '"ORDERS"" OR 1=1 --"']],
    ['comment', ['register', '--table', 'ORDERS--']],
    ['unbalanced quote', ['register', '--table', '"ORDERS']],
    ['empty quoted name', ['register', '--table', '""']],
    ['digit first', ['register', '--table', '1ORDERS']],
    ['reserved word', ['register', '--table', 'TABLE']],
    ['reserved word as schema', ['register', '--table', 'SELECT.ORDERS']],
    ['dash', ['register', '--table', 'ORDER-ITEMS']],
    ['too long', ['register', '--table', 'A'.repeat(129)]],
    ['too long quoted (bytes)', ['register', '--table', `"${'é'.repeat(65)}"`]],
    ['control character', ['register', '--table', '"ORD\u0001ERS"']],
    ['trailing dot', ['register', '--table', 'OE.']],
    ['leading dot', ['register', '--table', '.ORDERS']],
    ['same table twice', ['register', '--table', 'ORDERS', '--table', 'orders']],
    ['no table', ['register']],
    ['unknown QoS', ['register', '--table', 'ORDERS', '--qos', 'reliable,fast']],
    [
      'query-result QoS, whose notifications the callback would drop',
      ['register', '--table', 'ORDERS', '--qos', 'reliable,query'],
    ],
    ['best-effort, which goes with query only', ['register', '--table', 'ORDERS', '--qos', 'best-effort']],
    ['empty QoS entry', ['register', '--table', 'ORDERS', '--qos', 'reliable,']],
    ['unknown operation', ['register', '--table', 'ORDERS', '--operations', 'merge']],
    ['negative timeout', ['register', '--table', 'ORDERS', '--timeout', '-1']],
    ['fractional timeout', ['register', '--table', 'ORDERS', '--timeout', '1.5']],
    ['huge timeout', ['register', '--table', 'ORDERS', '--timeout', '99999999999']],
    ['word timeout', ['register', '--table', 'ORDERS', '--timeout', 'forever']],
    ['bad callback', ['register', '--table', 'ORDERS', '--callback', 'cb()']],
    ['long callback', ['register', '--table', 'ORDERS', '--callback', `${'S'.repeat(128)}.${'C'.repeat(129)}`]],
    ['regid zero', ['enable-reg', '0', '--table', 'ORDERS']],
    ['regid negative', ['enable-reg', '-5', '--table', 'ORDERS']],
    ['regid text', ['enable-reg', 'abc', '--table', 'ORDERS']],
    ['regid with SQL', ['deregister', '41 OR 1=1']],
    ['regid and callback', ['enable-reg', '41', '--callback', 'cb', '--table', 'ORDERS']],
    ['no registration', ['enable-reg', '--table', 'ORDERS']],
    ['enable without table', ['enable-reg', '41']],
    ['deregister nothing', ['deregister']],
    ['deregister two ways', ['deregister', '41', '--all']],
    ['deregister --all without --yes off a terminal', ['deregister', '--all']],
    ['deregister two without --yes off a terminal', ['deregister', '41', '42']],
    // routes the listener could never serve: --map and ?table= take plain names, at most 6 keys
    ['quoted mixed-case table', ['register', '--table', '"Orders"']],
    ['quoted lower-case schema', ['register', '--table', '"oe".ORDERS']],
    ['quoted name with a space', ['register', '--table', 'OE."Order Items"']],
    ['quoted reserved word', ['register', '--table', '"TABLE"']],
    ['quoted mixed-case table added', ['enable-reg', '41', '--table', 'HR."Emp"']],
    ['seven key columns', ['register', '--table', 'HR.T', '--key', 'A,B,C,D,E,F,G']],
    ['seven key columns added', ['enable-reg', '41', '--table', 'HR.T', '--key', 'A,B,C,D,E,F,G']],
  ];
  it.each(cases)('%s', async (_name, args) => {
    const r = await runCli(args, { env: DB_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcn: error: .+\n {2}hint: .+/);
    expect(r.driverLoads()).toBe(0);
    expect(r.db.log).toEqual([]);
  });

  it('never hints at quoting a table name where register refuses quoted names; watch, which takes them, still does', async () => {
    for (const args of [
      ['register', '--table', 'ORDER-ITEMS'],
      ['register', '--table', 'TABLE'],
      ['enable-reg', '41', '--table', '1X'],
      ['register', '--table', '"ORDERS'],
    ]) {
      const r = await runCli(args, { env: DB_ENV });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(
        /\n {2}hint: write it as NAME or SCHEMA\.NAME \(letters, digits, _ \$ #, starting with a letter\)\n/,
      );
      expect(r.stderr, args.join(' ')).not.toMatch(/quote it/);
    }
    const watch = await runCli(['watch', '--table', 'ORDER-ITEMS'], { env: DB_ENV });
    expect(watch.stderr).toMatch(/hint: .*or quote it: "Mixed Case"/);
  });

  it('says why query-result notification is refused', async () => {
    const r = await runCli(['register', '--table', 'ORDERS', '--qos', 'query'], { env: DB_ENV });
    expect(r.stderr).toMatch(/EVENT_QUERYCHANGE/);
  });

  it('refuses a callback URL given as --callback without echoing its password, in text and in JSON', async () => {
    for (const args of [
      ['register', '--table', 'ORDERS'],
      ['enable-reg', '--table', 'ORDERS'],
      ['deregister', '--dry-run'],
    ]) {
      for (const url of [
        'http://app:s3cret@10.0.0.5:8080/phpcache/dropResults.php',
        'app:s3cret@10.0.0.5',
        'https://app:s3cret@h/x',
      ]) {
        const r = await runCli([...args, '--callback', url], { env: DB_ENV });
        const json = await runCli([...args, '--callback', url, '--json'], { env: DB_ENV });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(
          /^dcn: error: callback '\S*app:\*\*\*@\S*' is a URL: the callback is the PL\/SQL procedure the database calls/,
        );
        expect(r.stdout + r.stderr + json.stdout + json.stderr).not.toContain('s3cret');
        expect(r.driverLoads()).toBe(0);
      }
    }
  });

  it('says why a quoted mixed-case table or a seventh key column is refused, and takes a quoted upper-case name as the plain one', async () => {
    const mixed = await runCli(['register', '--table', 'OE."Order Items"', '--dry-run'], { env: DB_ENV });
    expect(mixed.stderr).toMatch(
      /^dcn: error: table OE\."Order Items": the listener's table map and the callback's \?table= name tables by plain upper-case names only, so no listener could serve its notifications\n {2}hint: register tables whose names Oracle stores in upper case \(created without quotes\)/,
    );
    const keys = await runCli(['register', '--table', 'HR.T', '--key', 'A,B,C,D,E,F,G', '--dry-run'], { env: DB_ENV });
    expect(keys.stderr).toMatch(
      /^dcn: error: --key A,B,C,D,E,F,G: 7 key columns: a notification carries at most 6 key values \(dcn listen answers 400 to more\)\n {2}hint: name at most 6: the arguments the table's cached function takes/,
    );
    const plain = await runCli(['register', '--table', '"OE"."ORDERS"', '--dry-run', '--json'], { env: DB_ENV });
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).statements[0].binds.table_1).toBe('"OE"."ORDERS"');
  });
});

describe('dcn register / enable-reg / regs / deregister on the fake', () => {
  it('registers two tables as one registration, with the statements and binds it showed in --dry-run', async () => {
    const db = await migrated();
    const before = db.log.length;
    const dry = await run(db, ['register', '--table', 'OE.ORDERS', '--table', 'ORDER_ITEMS', '--dry-run', '--json']);
    expect(db.log.length).toBe(before); // a dry run does not connect
    const planned = JSON.parse(dry.stdout).statements[0];
    const r = await run(db, ['register', '--table', 'OE.ORDERS', '--table', 'ORDER_ITEMS', '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      regid: 41,
      tables: ['OE.ORDERS', 'OE.ORDER_ITEMS'],
      callback: 'ORDERS_NF_CALLBACK',
      qos: ['reliable', 'rowids'],
    });
    const sent = db.log.filter((l) => l.name === 'register.new');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.sql).toBe(planned.sql);
    expect(sent[0]!.binds).toEqual({
      table_1: '"OE"."ORDERS"',
      table_2: '"ORDER_ITEMS"',
      callback: 'ORDERS_NF_CALLBACK',
      timeout: 0,
      regid: { out: 'number' },
    });
    expect([...db.registrations.values()]).toEqual([
      {
        regid: 41,
        user: 'OE',
        callback: 'ORDERS_NF_CALLBACK',
        qosflags: 5,
        operations: 0,
        timeout: 0,
        tables: ['OE.ORDERS', 'OE.ORDER_ITEMS'],
      },
    ]);
  });

  it('prints only the regid with --quiet, and honours --qos, --operations and --timeout', async () => {
    const db = await migrated();
    const r = await run(db, [
      'register',
      '--table',
      'ORDERS',
      '--qos',
      'reliable',
      '--operations',
      'insert,update',
      '--timeout',
      '3600',
      '--quiet',
    ]);
    expect(r.stdout).toBe('41\n');
    expect(db.registrations.get(41)).toMatchObject({ qosflags: 1, operations: 6, timeout: 3600 });
  });

  it('lists registrations grouped, with flags decoded, as a table and as JSON', async () => {
    const db = await migrated();
    await run(db, ['register', '--table', 'ORDERS']);
    await run(db, ['enable-reg', '41', '--table', 'ORDER_ITEMS']);
    const human = await run(db, ['regs']);
    expect(human.stdout.split('\n')[0]).toMatch(/^Regid\s+Callback\s+QoS\s+Operations\s+Timeout\s+Tables$/);
    expect(human.stdout).toMatch(
      /41\s+ORDERS_NF_CALLBACK\s+reliable,rowids\s+all\s+none\s+OE\.ORDERS, OE\.ORDER_ITEMS/,
    );
    const json = JSON.parse((await run(db, ['regs', '--json'])).stdout);
    expect(json.registrations).toEqual([
      {
        regid: 41,
        callback: 'ORDERS_NF_CALLBACK',
        regflags: 5,
        qos: ['reliable', 'rowids'],
        operations: ['all'],
        timeoutSeconds: 0,
        changelag: 0,
        tables: ['OE.ORDERS', 'OE.ORDER_ITEMS'],
      },
    ]);
    const all = JSON.parse((await run(db, ['regs', '--all', '--json'])).stdout);
    expect(all.registrations[0]).toMatchObject({ username: 'OE', regid: 41 });
  });

  it('finds the registration by --callback, and refuses an unknown regid before running anything', async () => {
    const db = await migrated();
    await run(db, ['register', '--table', 'ORDERS']);
    const byCallback = await run(db, ['enable-reg', '--callback', 'orders_nf_callback', '--table', 'ORDER_ITEMS']);
    expect(byCallback.stdout).toBe(
      "Registration 41 now also covers OE.ORDER_ITEMS.\n  OE.ORDER_ITEMS: ?order_no=…&table=ORDER_ITEMS (the article's route)\n",
    );
    const unknown = await run(db, ['enable-reg', '99', '--table', 'ORDER_ITEMS']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no registration 99 for this user\n {2}hint: registrations: 41 \(dcn regs\)/);
    expect(db.log.filter((l) => l.name === 'register.enable')).toHaveLength(1);
    const noCallback = await run(db, ['enable-reg', '--callback', 'other_cb', '--table', 'ORDER_ITEMS']);
    expect(noCallback.stderr).toMatch(/no registration uses the callback OTHER_CB/);
  });

  it('checks every table before registering anything', async () => {
    const db = await migrated();
    db.objects.set('VIEW ORDERS_V', { type: 'VIEW', name: 'ORDERS_V', owner: 'OE', status: 'VALID' });
    const missing = await run(db, ['register', '--table', 'ORDERS', '--table', 'ORDRES']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/table OE\.ORDRES does not exist or is not visible to OE/);
    const view = await run(db, ['register', '--table', 'ORDERS_V']);
    expect(view.stderr).toMatch(/OE\.ORDERS_V is a view, not a table/);
    expect(db.log.filter((l) => l.name === 'register.new')).toEqual([]);
    expect(db.registrations.size).toBe(0);
  });

  it('explains a missing grant: run dcn migrate with the admin profile, or grant it', async () => {
    const db = await migrated();
    db.grants.delete('OE CHANGE NOTIFICATION');
    const r = await run(db, ['register', '--table', 'ORDERS']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /OE may not register for change notification \(ORA-29972: user does not have privilege to change\/ create registration\)\n {2}hint: run `dcn migrate` with the admin profile \(V1 grants it\), or have a DBA run: GRANT CHANGE NOTIFICATION TO OE;/,
    );
    db.grants.delete('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    expect((await run(db, ['register', '--table', 'ORDERS'])).stderr).toMatch(
      /\(ORA-06550: line 11, column 14: PLS-00201: identifier 'DBMS_CHANGE_NOTIFICATION' must be declared\)\n {2}hint: run `dcn migrate`/,
    );
  });

  it('refuses to register as SYS, with the reason', async () => {
    const db = await migrated();
    const r = await runCli(['register', '--table', 'OE.ORDERS'], { env: { ...DB_ENV, DCN_USER: 'sys' }, db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/registrations cannot be created as SYS/);
  });

  it('deregisters by regid, by callback and --all, asking on a terminal and requiring --yes elsewhere', async () => {
    const db = await migrated();
    for (let i = 0; i < 3; i++) await run(db, ['register', '--table', 'ORDERS']);
    expect((await run(db, ['deregister', '41'])).stdout).toBe('Deregistered 41.\n');
    const declined = await run(db, ['deregister', '--all'], { tty: true, stdin: 'n\n' });
    expect(declined.stderr).toContain('Deregister 2 registrations: 42 (OE.ORDERS), 43 (OE.ORDERS)? [y/N] ');
    expect(declined.stderr).toMatch(/Nothing was deregistered\.\n$/);
    expect(db.registrations.size).toBe(2);
    const accepted = await run(db, ['deregister', '--callback', 'orders_nf_callback'], { tty: true, stdin: 'y\n' });
    expect(accepted.stdout).toBe('Deregistered 42, 43.\n');
    expect(db.registrations.size).toBe(0);
    await run(db, ['register', '--table', 'ORDERS']);
    expect((await run(db, ['deregister', '--all', '--yes'])).stdout).toBe('Deregistered 44.\n');
    expect((await run(db, ['deregister', '44'])).code).toBe(2);
  });

  it('names the user in the hint when deregistering lacks the grant', async () => {
    const db = await migrated();
    await run(db, ['register', '--table', 'ORDERS']);
    db.grants.delete('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    const r = await run(db, ['deregister', '41']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /deregistering 41: OE may not register .*\n {2}hint: .*GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO OE;/,
    );
    expect(db.registrations.size).toBe(1);
  });
});
