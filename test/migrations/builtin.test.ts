/**
 * The built-in migrations: every V has a U that takes back all it creates, the set round-trips
 * on the fake, and the default plan is the checked-in golden file a DBA can read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Migrator } from '../../src/migrator/migrator.js';
import { renderPlanScript } from '../../src/migrator/plan-script.js';
import { renderMigrations } from '../../src/migrator/render.js';
import { checksumOf } from '../../src/migrator/migration-script.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { builtInMigrationsDir } from '../../src/paths.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';
import { planFor, SETTINGS } from '../support/builtin-settings.js';
import { resolveMigrationSetConfig } from '../../src/config/resolve-config.js';
import type { DcnError } from '../../src/errors.js';

const migrations = loadMigrations(builtInMigrationsDir());
const variablesFor = (flags: Record<string, string>) =>
  resolveMigrationSetConfig({
    flags,
    env: {},
    cwd: '/',
    readFile: () => {
      throw Object.assign(new Error('none'), { code: 'ENOENT' });
    },
  }).variables;

const IDENT = String.raw`(?:"?[\w$#]+"?\.)?("?[\w$#]+"?)`;
function created(sql: string): string[] {
  const out: string[] = [];
  const create = new RegExp(
    String.raw`^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(TABLE|TYPE|PROCEDURE|FUNCTION|PACKAGE|VIEW|SEQUENCE|TRIGGER)\s+${IDENT}`,
    'i',
  ).exec(sql);
  if (create) out.push(`DROP ${create[1]!.toUpperCase()} ${create[2]!.toUpperCase()}`);
  const grant = /^\s*GRANT\s+(.+?)\s+TO\s+(\S+)\s*$/is.exec(sql);
  if (grant) out.push(`REVOKE ${grant[1]!.toUpperCase()} FROM ${grant[2]!.toUpperCase()}`);
  const ace = /APPEND_HOST_ACE\s*\([\s\S]*?principal_name\s*=>\s*'([^']+)'/i.exec(sql);
  if (ace) out.push(`REMOVE_HOST_ACE for ${ace[1]}`);
  const added = new RegExp(String.raw`^\s*ALTER\s+TABLE\s+${IDENT}\s+ADD\s*\(\s*("?[\w$#]+"?)`, 'i').exec(sql);
  if (added) out.push(`DROP COLUMN ${added[1]!.toUpperCase()}.${added[2]!.toUpperCase()}`);
  const dynamicCreate = new RegExp(String.raw`EXECUTE IMMEDIATE 'CREATE\s+(TABLE)\s+${IDENT}`, 'i').exec(sql);
  if (dynamicCreate) out.push(`DROP ${dynamicCreate[1]!.toUpperCase()} ${dynamicCreate[2]!.toUpperCase()}`);
  return out;
}

function undone(sql: string): string[] {
  const out: string[] = [];
  const drop = new RegExp(
    String.raw`^\s*DROP\s+(TABLE|TYPE|PROCEDURE|FUNCTION|PACKAGE|VIEW|SEQUENCE|TRIGGER)\s+${IDENT}`,
    'i',
  ).exec(sql);
  if (drop) out.push(`DROP ${drop[1]!.toUpperCase()} ${drop[2]!.toUpperCase()}`);
  const revoke = /^\s*REVOKE\s+(.+?)\s+FROM\s+(\S+)\s*$/is.exec(sql);
  if (revoke) out.push(`REVOKE ${revoke[1]!.toUpperCase()} FROM ${revoke[2]!.toUpperCase()}`);
  const ace =
    /REMOVE_HOST_ACE\s*\([\s\S]*?principal_name\s*=>\s*'([^']+)'[\s\S]*?remove_empty_acl\s*=>\s*TRUE\);/i.exec(sql);
  if (ace) out.push(`REMOVE_HOST_ACE for ${ace[1]}`);
  // U1 revokes through revoke_given('…'), skipping what was held before dcn
  const grantee = /'REVOKE ' \|\| p_what \|\| ' FROM (\S+)'/.exec(sql)?.[1];
  if (grantee)
    for (const m of sql.matchAll(/^\s*revoke_given\('([^']+)'\);/gm))
      out.push(`REVOKE ${m[1]!.toUpperCase()} FROM ${grantee.toUpperCase()}`);
  // a column dropped, or set unused (gone for every statement, its bytes left to a DBA's DROP UNUSED COLUMNS)
  const droppedColumn = new RegExp(
    String.raw`^\s*ALTER\s+TABLE\s+${IDENT}\s+(?:DROP\s+COLUMN\s+|SET\s+UNUSED\s*\(\s*)("?[\w$#]+"?)`,
    'i',
  ).exec(sql);
  if (droppedColumn) out.push(`DROP COLUMN ${droppedColumn[1]!.toUpperCase()}.${droppedColumn[2]!.toUpperCase()}`);
  const dynamicDrop = new RegExp(String.raw`EXECUTE IMMEDIATE 'DROP\s+(TABLE)\s+${IDENT}'`, 'i').exec(sql);
  if (dynamicDrop) out.push(`DROP ${dynamicDrop[1]!.toUpperCase()} ${dynamicDrop[2]!.toUpperCase()}`);
  return out;
}

/** The versioned migration whose undo drops what a repeatable one makes (V4 for sendNotification, V5 for the callback). */
const OWNER: Record<string, string> = {
  R__00_network_acl: '1',
  R__01_sendNotification: '4',
  R__02_orders_nf_callback: '5',
};

describe('undo scripts', () => {
  for (const [name, flags] of Object.entries(SETTINGS)) {
    it(`take back everything their V script (or the R script it hands on to) creates, grants or appends (${name} settings)`, () => {
      const rendered = renderMigrations(migrations, variablesFor(flags as Record<string, string>));
      for (const m of migrations.filter((x) => !x.repeatable)) {
        expect(m.down, `V${m.version} has an undo script`).toBeDefined();
        const r = rendered.get(m.version)!;
        const handedOn = migrations.filter((x) => OWNER[x.version] === m.version);
        const needed = [...r.up, ...handedOn.flatMap((x) => rendered.get(x.version)!.up)].flatMap((s) =>
          created(s.sql),
        );
        const done = r.down()!.flatMap((s) => undone(s.sql));
        expect(needed.length, `V${m.version} creates something`).toBeGreaterThan(0);
        expect(done.sort(), `U${m.version}`).toEqual(needed.sort());
      }
      for (const m of migrations.filter((x) => x.repeatable))
        expect(OWNER[m.version], `${m.version} has a V whose undo drops what it makes`).toBeDefined();
    });
  }

  it('run in the reverse order of creation where objects depend on each other', () => {
    // the callback uses sendNotification and rdesc_tab, which use nfresults: U5 runs before U4,
    // U3, U2; and sendNotification is made before the callback that calls it (R__01, R__02)
    expect(migrations.map((m) => m.version)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      'R__00_network_acl',
      'R__01_sendNotification',
      'R__02_orders_nf_callback',
    ]);
    expect(migrations.find((m) => m.version === '6')!.up.when).toBe('demo_schema');
  });

  it('V4 and V5 run nothing now, and accept the texts that created the procedures in dcn 0.1', () => {
    for (const v of ['4', '5']) {
      const m = migrations.find((x) => x.version === v)!;
      expect(m.up.items.filter((i) => i.kind === 'statement')).toEqual([]);
      expect(m.up.accepts).toHaveLength(1);
    }
  });

  it('V8 counts as applied on a database that applied it under the earlier wording of its comments', () => {
    const text = readFileSync(join(builtInMigrationsDir(), 'V8__routes.sql'), 'utf8');
    const earlier = text
      .replace(/^-- Routes: /, '-- Routes (issue 16): ')
      .replace(/^-- The same statements under an earlier wording.*\n-- dcn: accepts=.*\n/m, '');
    expect(earlier).not.toBe(text);
    expect(migrations.find((m) => m.version === '8')!.up.accepts).toEqual([checksumOf(earlier)]);
  });
});

describe('the built-in set on the fake', () => {
  it('installs everything, undoes it to nothing of dcn, and installs again', async () => {
    const db = new FakeDatabase();
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({ demoSchema: 'yes' }),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    const up = await migrator.migrate();
    expect(up.results.map((r) => [r.version, r.status])).toEqual([
      ['1', 'success'],
      ['2', 'success'],
      ['3', 'success'],
      ['4', 'success'],
      ['5', 'success'],
      ['6', 'success'],
      ['7', 'success'],
      ['8', 'success'],
      ['R__00_network_acl', 'success'],
      ['R__01_sendNotification', 'success'],
      ['R__02_orders_nf_callback', 'success'],
    ]);
    // each procedure created once
    expect(db.log.filter((l) => /^CREATE OR REPLACE PROCEDURE/i.test(l.sql))).toHaveLength(2);
    expect(db.objectNames()).toEqual([
      'INDEX NFRESULTS_TABLE_TIME_IX',
      'PROCEDURE ORDERS_NF_CALLBACK',
      'PROCEDURE SENDNOTIFICATION',
      'TABLE DCN_GIVEN_ACES',
      'TABLE DCN_HELD_BEFORE',
      'TABLE DCN_ROUTES',
      'TABLE DCN_SCHEMA_HISTORY',
      'TABLE DCN_SCHEMA_HISTORY_LOCK',
      'TABLE NFRESULTS',
      'TABLE ORDERS',
      'TABLE ORDER_ITEMS',
      'TYPE RDESC_TAB',
    ]);
    expect(db.connect().dataRows('ORDERS')).toBe(3);
    const down = await migrator.down({ to: '0' });
    expect(down.results.map((r) => r.version)).toEqual(['8', '7', '6', '5', '4', '3', '2', '1']);
    expect(db.objectNames()).toEqual(['TABLE DCN_SCHEMA_HISTORY', 'TABLE DCN_SCHEMA_HISTORY_LOCK']);
    expect((await migrator.migrate()).results).toHaveLength(11);
  });

  it('leaves every object it installed VALID after each undo step: what the procedures name statically is still there', async () => {
    const db = new FakeDatabase();
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({ demoSchema: 'yes' }),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    await migrator.migrate();
    const units = () => [...db.objects.values()].filter((o) => o.references).map((o) => `${o.type} ${o.name}`);
    expect(units()).toEqual(['PROCEDURE SENDNOTIFICATION', 'PROCEDURE ORDERS_NF_CALLBACK']);
    // what the fake follows: the log table statically, the type and sendNotification from the callback
    expect([...db.objects.get('PROCEDURE ORDERS_NF_CALLBACK')!.references!.objects].sort()).toEqual([
      'NFRESULTS',
      'RDESC_TAB',
      'SENDNOTIFICATION',
    ]);
    for (const step of ['8', '7', '6', '5', '4', '3', '2', '1']) {
      const down = await migrator.down();
      expect(down.results.map((r) => [r.version, r.status])).toEqual([[step, 'success']]);
      expect(down.invalidObjects, `after U${step}`).toEqual([]);
      for (const unit of units()) expect(db.unresolved(unit), `${unit} after U${step}`).toEqual([]);
    }
    // and up again: the same procedures, valid
    await migrator.migrate();
    expect(units().map((u) => [u, db.objects.get(u)!.status])).toEqual([
      ['PROCEDURE SENDNOTIFICATION', 'VALID'],
      ['PROCEDURE ORDERS_NF_CALLBACK', 'VALID'],
    ]);
  });

  it('takes back only what V1 gave: a grant and an ACE a DBA made before dcn stay', async () => {
    const db = new FakeDatabase();
    db.grants.add('OE CHANGE NOTIFICATION'); // granted by a DBA before dcn
    db.grants.add('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    db.hostAces.push({ host: 'localhost', lower: 8080, upper: 8080, principal: 'OE', privilege: 'CONNECT' });
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    await migrator.migrate();
    expect([...db.heldBefore].sort()).toEqual(['CHANGE NOTIFICATION', 'EXECUTE ON DBMS_CHANGE_NOTIFICATION']);
    expect(db.givenAces).toEqual(new Set()); // the ACE was there: not dcn's to remove
    await migrator.down({ to: '0' });
    expect([...db.grants].filter((g) => g.startsWith('OE ')).sort()).toEqual([
      'OE CHANGE NOTIFICATION',
      'OE EXECUTE ON DBMS_CHANGE_NOTIFICATION',
    ]);
    expect(db.hostAces).toHaveLength(1);
    expect(db.objectNames()).toEqual(['TABLE DCN_SCHEMA_HISTORY', 'TABLE DCN_SCHEMA_HISTORY_LOCK']);
    // and what V1 gave itself goes
    const fresh = new FakeDatabase();
    const again = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(fresh),
    });
    await again.migrate();
    await again.down({ to: '0' });
    expect([...fresh.grants].filter((g) => g.startsWith('OE '))).toEqual([]);
    expect(fresh.hostAces).toEqual([]);
    // and a grant a DBA already took back by hand is no failure
    await again.migrate();
    fresh.grants.delete('OE CHANGE NOTIFICATION');
    fresh.grants.delete('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    await again.down({ to: '0' });
    expect(fresh.history()).toEqual([]);
  });

  it('takes a database installed by dcn 0.1 forward: V4 and V5 count as applied, each procedure is created once more', async () => {
    const db = new FakeDatabase();
    const variables = variablesFor({ demoSchema: 'yes' });
    const old = loadMigrations(join(import.meta.dirname, '..', 'fixtures', 'dcn-0.1-migrations'));
    await new Migrator({
      migrations: old,
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    }).migrate();
    const before = db.log.length;
    const now = new Migrator({
      migrations,
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    expect((await now.status()).migrations.map((m) => [m.version, m.state])).toEqual([
      ['1', 'applied'],
      ['2', 'applied'],
      ['3', 'applied'],
      ['4', 'applied'],
      ['5', 'applied'],
      ['6', 'applied'],
      ['7', 'pending'],
      ['8', 'pending'],
      ['R__00_network_acl', 'pending'],
      ['R__01_sendNotification', 'pending'],
      ['R__02_orders_nf_callback', 'pending'],
    ]);
    const run = await now.migrate();
    expect(run.results.map((r) => r.version)).toEqual([
      '7',
      '8',
      'R__00_network_acl',
      'R__01_sendNotification',
      'R__02_orders_nf_callback',
    ]);
    // dcn 0.1's V1 appended the ACE and kept no list: it goes on the new one, so it can be taken back
    expect(db.givenAces).toEqual(new Set(['localhost:8080']));
    expect(
      db.log
        .slice(before)
        .filter((l) => /^CREATE\b/i.test(l.sql))
        .map((l) => l.sql.split('\n')[0]),
    ).toEqual([
      'CREATE TABLE dcn_routes (',
      'CREATE OR REPLACE PROCEDURE sendNotification (',
      'CREATE OR REPLACE PROCEDURE orders_nf_callback (ntfnds IN SYS.CHNF$_DESC) IS',
    ]);
    // and down to 0 from there still takes everything away: without V1's list, as dcn 0.1 did
    await now.down({ to: '0' });
    expect(db.objectNames()).toEqual(['TABLE DCN_SCHEMA_HISTORY', 'TABLE DCN_SCHEMA_HISTORY_LOCK']);
    expect([...db.grants].filter((g) => g.startsWith('OE '))).toEqual([]);
    expect(db.hostAces).toEqual([]);
  });

  it("moves the network ACE with the callback URL: the new host and port get one, the one dcn appended for the old goes, a DBA's stays", async () => {
    const db = new FakeDatabase();
    const dbas = { host: 'dba-host', lower: 7000, upper: 7000, principal: 'OE', privilege: 'CONNECT' };
    db.hostAces.push({ ...dbas });
    const at = (url: string) =>
      new Migrator({
        migrations,
        variables: variablesFor({ callbackUrl: url }),
        historyTable: 'DCN_SCHEMA_HISTORY',
        lockTimeoutSeconds: 0,
        sessions: fakeSessions(db),
      });
    const aces = () => db.hostAces.map((a) => `${a.host}:${a.lower}-${a.upper} ${a.privilege} ${a.principal}`).sort();
    await at('http://App:8080/phpcache/dropResults.php').migrate();
    expect(aces()).toEqual(['app:8080-8080 CONNECT OE', 'dba-host:7000-7000 CONNECT OE']);
    const moved = at('http://app2:9090/phpcache/dropResults.php');
    const acl = (await moved.status()).migrations.find((m) => m.version === 'R__00_network_acl')!;
    expect([acl.state, acl.outdatedBy, acl.changedSettings]).toEqual([
      'outdated',
      'settings',
      ['callback_host', 'callback_port'],
    ]);
    expect(acl.uses).toEqual(['app_schema', 'callback_host', 'callback_port']);
    expect((await moved.migrate()).results.map((r) => r.version)).toEqual([
      'R__00_network_acl',
      'R__02_orders_nf_callback',
    ]);
    expect(aces()).toEqual(['app2:9090-9090 CONNECT OE', 'dba-host:7000-7000 CONNECT OE']);
    // to the host a DBA had given: nothing appended, the one dcn appended goes
    await at('http://dba-host:7000/phpcache/dropResults.php').migrate();
    expect(aces()).toEqual(['dba-host:7000-7000 CONNECT OE']);
    expect(db.givenAces).toEqual(new Set());
    await at('http://app3/phpcache/dropResults.php').migrate();
    expect(aces()).toEqual(['app3:80-80 CONNECT OE', 'dba-host:7000-7000 CONNECT OE']);
    // an ACE dcn appended that a DBA removed by hand is no failure, and down leaves the DBA's
    db.hostAces.splice(
      db.hostAces.findIndex((a) => a.host === 'app3'),
      1,
    );
    await at('http://app3/phpcache/dropResults.php').down({ to: '0' });
    expect(aces()).toEqual(['dba-host:7000-7000 CONNECT OE']);
    expect(db.objectNames()).toEqual(['TABLE DCN_SCHEMA_HISTORY', 'TABLE DCN_SCHEMA_HISTORY_LOCK']);
  });

  it("appends the ACE for the schema, host and port exactly: another user's, or another port's, is not it, and stays", async () => {
    const db = new FakeDatabase();
    const others = [
      { host: 'localhost', lower: 8080, upper: 8080, principal: 'HR', privilege: 'CONNECT' },
      { host: 'localhost', lower: 7000, upper: 7000, principal: 'OE', privilege: 'CONNECT' },
      { host: 'localhost', lower: 7000, upper: 8080, principal: 'OE', privilege: 'CONNECT' },
    ];
    db.hostAces.push(...others.map((a) => ({ ...a })));
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    await migrator.migrate();
    expect(db.hostAces).toContainEqual({
      host: 'localhost',
      lower: 8080,
      upper: 8080,
      principal: 'OE',
      privilege: 'CONNECT',
    });
    expect(db.givenAces).toEqual(new Set(['localhost:8080']));
    await migrator.down({ to: '0' });
    expect(db.hostAces).toEqual(others);
  });

  it("on a dcn 0.1 database lists only the ACE dcn 0.1 appended for the schema, not another user's", async () => {
    const variables = variablesFor({});
    const db = new FakeDatabase();
    await new Migrator({
      migrations: loadMigrations(join(import.meta.dirname, '..', 'fixtures', 'dcn-0.1-migrations')),
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    }).migrate();
    // a DBA removed OE's by hand, and HR has one for the same host and port
    db.hostAces.splice(0, db.hostAces.length, {
      host: 'localhost',
      lower: 8080,
      upper: 8080,
      principal: 'HR',
      privilege: 'CONNECT',
    });
    await new Migrator({
      migrations,
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    }).migrate();
    expect(db.hostAces.map((a) => a.principal).sort()).toEqual(['HR', 'OE']);
    expect(db.givenAces).toEqual(new Set(['localhost:8080']));
  });

  it("U1 without R__00's list: a dcn 0.1 database loses the ACE dcn 0.1 appended, a newer one keeps a DBA's", async () => {
    const variables = variablesFor({});
    const old = loadMigrations(join(import.meta.dirname, '..', 'fixtures', 'dcn-0.1-migrations'));
    const db01 = new FakeDatabase();
    await new Migrator({
      migrations: old,
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db01),
    }).migrate();
    expect(db01.hostAces).toHaveLength(1);
    // straight down with this dcn, before any migrate made the list
    await new Migrator({
      migrations,
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db01),
    }).down({ to: '0' });
    expect(db01.hostAces).toEqual([]);
    // V1 of this dcn ran, R__00 never did (migrate --to 1): the callback host's ACE is a DBA's
    const db = new FakeDatabase();
    const dbas = { host: 'localhost', lower: 8080, upper: 8080, principal: 'OE', privilege: 'CONNECT' };
    db.hostAces.push({ ...dbas });
    const now = new Migrator({
      migrations,
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    await now.migrate({ to: '1' });
    await now.down({ to: '0' });
    expect(db.hostAces).toEqual([dbas]);
  });

  it('applies the procedures again when the callback URL changes, and says which settings they use', async () => {
    const db = new FakeDatabase();
    const at = (url: string) =>
      new Migrator({
        migrations,
        variables: variablesFor({ callbackUrl: url }),
        historyTable: 'DCN_SCHEMA_HISTORY',
        lockTimeoutSeconds: 0,
        sessions: fakeSessions(db),
      });
    await at('http://app:8080/phpcache/dropResults.php').migrate();
    const moved = at('http://app2:9090/phpcache/dropResults.php');
    const outdated = (await moved.status()).migrations.filter((m) => m.state === 'outdated');
    // sendNotification is given the URL by the callback: only the callback holds it
    expect(outdated.map((m) => [m.version, m.outdatedBy])).toEqual([
      ['R__00_network_acl', 'settings'],
      ['R__02_orders_nf_callback', 'settings'],
    ]);
    expect(outdated[1]!.uses).toEqual([
      'app_schema',
      'callback_calls',
      'callback_url',
      'order_items_key_immutable',
      'order_items_table',
      'orders_table',
    ]);
    expect((await moved.status()).migrations.find((m) => m.version === 'R__01_sendNotification')!.uses).toEqual([
      'callback_token',
      'http_timeout',
    ]);
    const run = await moved.migrate();
    expect(run.results.map((r) => r.version)).toEqual(['R__00_network_acl', 'R__02_orders_nf_callback']);
    expect(db.log.filter((l) => /app2:9090/.test(l.sql))).toHaveLength(1);
  });

  it('V1 raises JOB_QUEUE_PROCESSES from 0 to 10, and never lowers or touches another value', async () => {
    for (const [before, after] of [
      [0, 10],
      [1, 1],
      [1000, 1000],
    ] as const) {
      const db = new FakeDatabase();
      db.jobQueueProcesses = before;
      await new Migrator({
        migrations,
        variables: variablesFor({}),
        historyTable: 'DCN_SCHEMA_HISTORY',
        lockTimeoutSeconds: 0,
        sessions: fakeSessions(db),
      }).migrate({ to: '1' });
      expect(db.jobQueueProcesses, `from ${before}`).toBe(after);
    }
  });

  it("V1 in a PDB that may not raise JOB_QUEUE_PROCESSES fails saying a DBA must set it in CDB$ROOT, with Oracle's error", async () => {
    const db = new FakeDatabase();
    db.jobQueueProcesses = 0;
    db.containerId = 3;
    db.alterSystemRefusal = 'ORA-27400: value 10 for job_queue_processes is outside the range the CDB allows';
    const failed = await new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    })
      .migrate({ to: '1' })
      .then(
        () => undefined,
        (e: DcnError) => e,
      );
    expect(failed?.message).toMatch(
      /ORA-20000: JOB_QUEUE_PROCESSES is 0 and could not be raised here \(ORA-27400: [^)]*\): no PL\/SQL notification runs until it is above 0\. In a multitenant database a DBA must set it in CDB\$ROOT \(connected to CDB\$ROOT: ALTER SYSTEM SET job_queue_processes = 10\), then run dcn migrate again/,
    );
    expect(db.jobQueueProcesses).toBe(0);
    // a database that applied an earlier text of V1 keeps it as applied
    expect(migrations.find((m) => m.version === '1')!.up.accepts).toContain(
      'f36f2847566dbbd24a4a1d7f71b02fe52a23abd96ae148238e270feef12cd0e0',
    );
  });

  it('baselines a database set up by hand from the article: records V2–V5, leaves V1 (admin) to the next migrate', async () => {
    const db = new FakeDatabase();
    // what the 2006 article's hand-run scripts left: the log table, the type, the procedures, the grants
    db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
    db.objects.set('TYPE RDESC_TAB', { type: 'TYPE', name: 'RDESC_TAB', owner: 'OE', status: 'VALID' });
    // …and the index dcn's V2 adds, made by hand after baseline's first refusal named it
    db.objects.set('INDEX NFRESULTS_TABLE_TIME_IX', {
      type: 'INDEX',
      name: 'NFRESULTS_TABLE_TIME_IX',
      owner: 'OE',
      status: 'VALID',
      table: 'NFRESULTS',
    });
    db.grants.add('OE CHANGE NOTIFICATION');
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    const result = await migrator.baseline('5');
    expect(result.baselined.map((b) => [b.version, b.objects])).toEqual([
      ['2', ['TABLE NFRESULTS', 'INDEX NFRESULTS_TABLE_TIME_IX']],
      ['3', ['TYPE RDESC_TAB']],
      ['4', []],
      ['5', []],
    ]);
    expect(result.deferred.map((d) => d.version)).toEqual(['1']);
    expect(db.history().map((h) => [h.VERSION, h.OPERATION, h.SUCCESS, h.STATEMENTS_DONE])).toEqual([
      ['2', 'baseline', 1, 0],
      ['3', 'baseline', 1, 0],
      ['4', 'baseline', 1, 0],
      ['5', 'baseline', 1, 0],
    ]);
    const status = await migrator.status();
    expect(
      status.migrations.filter((m) => m.state === 'pending').map((m) => [m.version, m.outOfOrder ?? false]),
    ).toEqual([
      ['1', false],
      ['7', false],
      ['8', false],
      ['R__00_network_acl', false],
      ['R__01_sendNotification', false],
      ['R__02_orders_nf_callback', false],
    ]);
    const run = await migrator.migrate();
    expect(run.results.map((r) => r.version)).toEqual([
      '1',
      '7',
      '8',
      'R__00_network_acl',
      'R__01_sendNotification',
      'R__02_orders_nf_callback',
    ]);
    expect(db.heldBefore.has('CHANGE NOTIFICATION')).toBe(true); // the hand-made grant is a DBA's: U1 keeps it
  });

  it('refuses to baseline when an object is missing, or the history already holds rows, and records nothing', async () => {
    const db = new FakeDatabase();
    db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    const missing = await migrator.baseline('3').then(
      () => undefined,
      (e: DcnError) => e,
    );
    expect(missing?.code).toBe('not_found');
    expect(missing?.message).toMatch(
      /V2 \(nfresults\) creates INDEX NFRESULTS_TABLE_TIME_IX: not in the schema; V3 \(rdesc tab\) creates TYPE RDESC_TAB: not in the schema$/,
    );
    expect(db.history()).toEqual([]);
    const used = new FakeDatabase();
    const usedMigrator = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(used),
    });
    await usedMigrator.migrate({ to: '2' });
    const again = await usedMigrator.baseline('2').then(
      () => undefined,
      (e: DcnError) => e,
    );
    expect([again?.code, again?.message]).toEqual([
      'usage',
      'DCN_SCHEMA_HISTORY already holds 2 row(s): baseline is for a database dcn has not migrated yet',
    ]);
  });

  it('baselines columns a migration adds only when they are there (V7, V8: ALTER TABLE … ADD)', async () => {
    const db = new FakeDatabase();
    for (const [type, name] of [
      ['TABLE', 'NFRESULTS'],
      ['TYPE', 'RDESC_TAB'],
      ['TABLE', 'DCN_ROUTES'],
    ] as const)
      db.objects.set(`${type} ${name}`, { type, name, owner: 'OE', status: 'VALID' });
    db.objects.set('INDEX NFRESULTS_TABLE_TIME_IX', {
      type: 'INDEX',
      name: 'NFRESULTS_TABLE_TIME_IX',
      owner: 'OE',
      status: 'VALID',
      table: 'NFRESULTS',
    });
    db.addedColumns.set('NFRESULTS', new Set(['REPLAYED_BY']));
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    const refused = await migrator.baseline('8').then(
      () => undefined,
      (e: DcnError) => e,
    );
    expect(refused?.message).toBe(
      'cannot baseline to V8: V8 (routes) adds COLUMN NFRESULTS.KEY_VALUES: not in the schema',
    );
    expect(db.history()).toEqual([]);
    db.addedColumns.get('NFRESULTS')!.add('KEY_VALUES');
    const result = await migrator.baseline('8');
    expect(result.baselined.filter((b) => Number(b.version) >= 7).map((b) => [b.version, b.objects])).toEqual([
      ['7', ['COLUMN NFRESULTS.REPLAYED_BY']],
      ['8', ['TABLE DCN_ROUTES', 'COLUMN NFRESULTS.KEY_VALUES']],
    ]);
  });

  it('leaves the demo schema out unless asked for', async () => {
    const db = new FakeDatabase();
    const migrator = new Migrator({
      migrations,
      variables: variablesFor({}),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: fakeSessions(db),
    });
    const all = [
      '1',
      '2',
      '3',
      '4',
      '5',
      '7',
      '8',
      'R__00_network_acl',
      'R__01_sendNotification',
      'R__02_orders_nf_callback',
    ];
    expect((await migrator.migrate()).results.map((r) => r.version)).toEqual(all);
    expect((await migrator.status()).migrations.map((m) => m.version)).toEqual(all);
    expect(db.objects.has('TABLE ORDERS')).toBe(false);
  });
});

describe('the default plan', () => {
  const golden = join(import.meta.dirname, '..', 'golden', 'plan-default.sql');
  // Any change of a migration changes the plan: under npm run test:mutants it would kill every
  // mutation without saying anything about behaviour, so the mutation run leaves it out.
  it.skipIf(process.env.DCN_MUTANTS === '1')('is the checked-in golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const script = renderPlanScript(planFor({}), {
      dcnVersion: '0.0.0-golden',
      source: 'the built-in migrations',
      schema: 'OE',
    });
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, script);
    expect(script).toBe(readFileSync(golden, 'utf8'));
  });
});

describe('what the scripts fix from the 2006 article (static checks; behaviour is in test/oracle)', () => {
  const text = (file: string) => readFileSync(join(builtInMigrationsDir(), file), 'utf8');
  const callback = text('R__02_orders_nf_callback.sql');
  const send = text('R__01_sendNotification.sql');

  it('cut text for VARCHAR2 columns by bytes (SUBSTRB), never by characters: multibyte text raised ORA-12899 and lost the log row', () => {
    for (const script of [send, callback]) {
      expect(script).not.toMatch(/\bSUBSTR\([^;]*,\s*1,\s*(40|60|261|4000)\)/);
      expect(script).toMatch(/SUBSTRB\([^;]*,\s*1,\s*4000\)/);
    }
    // PL/SQL variables that hold a message before it is cut are large enough for any message
    expect(send).toMatch(/l_message\s+VARCHAR2\(32767\)/);
  });

  it('tests opflags only with BITAND, never with =', () => {
    expect(callback).not.toMatch(/opflags\s*=/i);
    expect(callback.match(/BITAND\(\s*[\w.()]*opflags/gi)?.length).toBeGreaterThanOrEqual(3);
  });

  it('never looks a row up with SELECT … INTO (NO_DATA_FOUND after a DELETE)', () => {
    expect(callback).not.toMatch(/SELECT[^;]*\bINTO\b[^;]*ROWID/is);
  });

  it('raises job_queue_processes only when it is 0', () => {
    expect(text('V1__grants_and_network_acl.sql')).toMatch(
      /IF l_value = 0 THEN\s+BEGIN\s+EXECUTE IMMEDIATE 'ALTER SYSTEM SET job_queue_processes = 10';\s+EXCEPTION/,
    );
  });

  it('escapes both values, bounds the call, and ends the response also on errors', () => {
    expect(send).toMatch(/UTL_URL\.ESCAPE\(order_id, TRUE\)/);
    expect(send).toMatch(/UTL_URL\.ESCAPE\(tblname, TRUE\)/);
    expect(send).toMatch(/UTL_HTTP\.SET_TRANSFER_TIMEOUT\(c_timeout\)/);
    const handler = send.slice(send.indexOf('EXCEPTION\n  WHEN OTHERS'));
    expect(handler).toMatch(/UTL_HTTP\.END_RESPONSE\(l_resp\)/);
    expect(handler).toMatch(/UTL_HTTP\.END_REQUEST\(l_req\)/);
  });
});

describe('the plan script fails when it fails', () => {
  const script = renderPlanScript(planFor({}), { dcnVersion: '0.0.0', source: 'the built-in migrations' });

  it('exits with FAILURE, never with SQL.SQLCODE (which wraps modulo 256: ORA-01792 would exit 0)', () => {
    expect(script).not.toMatch(/SQL\.SQLCODE/);
    expect(script).toMatch(/^WHENEVER SQLERROR EXIT FAILURE$/m);
    expect(script).toMatch(/^WHENEVER OSERROR EXIT FAILURE$/m);
  });

  it('stops after every CONNECT that did not connect (WHENEVER SQLERROR does not trap it)', () => {
    const lines = script.split('\n');
    const connects = lines.flatMap((l, i) => (/^CONNECT /.test(l) ? [i] : []));
    expect(connects.length).toBeGreaterThanOrEqual(2);
    for (const i of connects) {
      const after = lines.slice(i + 1, i + 8).join('\n');
      expect(after).toMatch(/DEFINE dcn_unless_connected = "EXIT FAILURE"/);
      expect(after).toMatch(/COLUMN dcn_connected NEW_VALUE dcn_unless_connected NOPRINT/);
      expect(after).toMatch(/SELECT 'PROMPT dcn: connected as ' \|\| USER AS dcn_connected FROM dual;/);
      expect(after).toMatch(/^&dcn_unless_connected$/m);
    }
  });
});
