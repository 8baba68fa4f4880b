import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Migrator } from '../../src/migrator/migrator.js';
import { renderPlanScript } from '../../src/migrator/plan-script.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

const FILES: Record<string, string> = {
  'V1__create_log.sql':
    'CREATE TABLE app_log (id NUMBER, msg VARCHAR2(200));\nCREATE INDEX app_log_ix ON app_log (msg);\n',
  'U1__create_log.sql': 'DROP TABLE app_log PURGE;\n',
  'V2__grants.sql':
    '-- dcn: profile=admin\nGRANT CHANGE NOTIFICATION TO &app_user;\nGRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO &app_user;\n',
  'U2__grants.sql':
    '-- dcn: profile=admin\nREVOKE EXECUTE ON DBMS_CHANGE_NOTIFICATION FROM &app_user;\nREVOKE CHANGE NOTIFICATION FROM &app_user;\n',
  'V3__more.sql': 'CREATE TABLE t3a (id NUMBER);\nCREATE TABLE t3b (id NUMBER);\nCREATE TABLE t3c (id NUMBER);\n',
  'U3__more.sql': 'DROP TABLE t3c PURGE;\nDROP TABLE t3b PURGE;\nDROP TABLE t3a PURGE;\n',
  'R__views.sql': 'CREATE OR REPLACE VIEW log_v AS SELECT id FROM app_log;\n',
};

function setup(
  files: Record<string, string> = FILES,
  db = new FakeDatabase(),
  dir = mkdtempSync(join(tmpdir(), 'dcn-dry-')),
) {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const migrator = new Migrator({
    migrations: loadMigrations(dir),
    variables: { app_user: 'OE' },
    historyTable: 'DCN_SCHEMA_HISTORY',
    lockTimeoutSeconds: 0,
    sessions: fakeSessions(db),
    holder: 'test',
  });
  return { db, dir, migrator };
}

/** Every statement since `from`: a dry run may only read the history. */
const sentSince = (db: FakeDatabase, from: number) => db.log.slice(from).map((l) => l.name ?? l.sql.split('\n')[0]);

describe('Migrator.dryRun', () => {
  it('on a database with no history: every migration, in the order migrate runs them, and nothing created or locked', async () => {
    const { db, migrator } = setup();
    const plan = await migrator.dryRun('up');
    expect(plan).toMatchObject({ dryRun: true, direction: 'up', historyExists: false, warnings: [] });
    expect(plan.migrations.map((m) => [m.version, m.profile, m.statements.length, m.record])).toEqual([
      ['1', 'app', 2, undefined],
      ['2', 'admin', 2, undefined],
      ['3', 'app', 3, undefined],
      ['R__views', 'app', 1, undefined],
    ]);
    expect(sentSince(db, 0)).toEqual(['table.exists']);
    expect(db.hasTable('DCN_SCHEMA_HISTORY')).toBe(false);
  });

  it('after a failure: the failed migration from its failed statement (its row updated), then the pending ones; reads only', async () => {
    const { db, migrator } = setup();
    db.failOn(/CREATE TABLE t3b/, 'ORA-01031: insufficient privileges', 1);
    await expect(migrator.migrate()).rejects.toMatchObject({ code: 'privilege_missing' });
    const history = JSON.stringify(db.history());
    const from = db.log.length;
    await expect(migrator.dryRun('up')).rejects.toMatchObject({ code: 'history_blocked' });
    const plan = await migrator.dryRun('up', { resume: true });
    expect(plan.migrations.map((m) => [m.version, m.resumeFrom, m.record, m.statements.map((s) => s.sql)])).toEqual([
      ['3', 2, 'update', ['CREATE TABLE t3b (id NUMBER)', 'CREATE TABLE t3c (id NUMBER)']],
      ['R__views', undefined, undefined, ['CREATE OR REPLACE VIEW log_v AS SELECT id FROM app_log']],
    ]);
    expect(plan.migrations[0]!.statementsTotal).toBe(3);
    expect(sentSince(db, from)).toEqual(['table.exists', 'history.select', 'table.exists', 'history.select']);
    expect(JSON.stringify(db.history())).toBe(history);
    const script = renderPlanScript(plan, { dcnVersion: '0', source: 'test', schema: 'OE' });
    expect(script).toContain('-- resumed at statement 2 of 3: the statements before it are applied\n');
    expect(script).toMatch(
      /UPDATE DCN_SCHEMA_HISTORY\n\s+SET checksum = '[0-9a-f]{64}', script = 'V3__more.sql', operation = 'migrate',\n\s+statements_done = 3, statements_total = 3,/,
    );
    expect(script).not.toContain('CREATE TABLE t3a');
  });

  it('a changed repeatable is applied again (its row updated); an up-to-date schema plans nothing', async () => {
    const { db, dir, migrator } = setup();
    await migrator.migrate();
    expect((await migrator.dryRun('up')).migrations).toEqual([]);
    const changed = setup(
      { 'R__views.sql': 'CREATE OR REPLACE VIEW log_v AS SELECT id, msg FROM app_log;\n' },
      db,
      dir,
    );
    const plan = await changed.migrator.dryRun('up');
    expect(plan.migrations.map((m) => [m.version, m.record])).toEqual([['R__views', 'update']]);
  });

  it('down: the U scripts newest first (rows deleted), the repeatable rows forgotten, the revokes on the admin profile', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    const from = db.log.length;
    const plan = await migrator.dryRun('down', { to: '1' });
    expect(plan.migrations.map((m) => [m.version, m.script, m.profile, m.record])).toEqual([
      ['3', 'U3__more.sql', 'app', 'delete'],
      ['2', 'U2__grants.sql', 'admin', 'delete'],
    ]);
    expect(plan.forget).toEqual(['R__views']);
    const script = renderPlanScript(plan, { dcnVersion: '0', source: 'test', schema: 'OE', dryRun: 'down' });
    expect(script).toContain('REVOKE CHANGE NOTIFICATION FROM OE;');
    expect(script).toContain("DELETE FROM DCN_SCHEMA_HISTORY WHERE version = 'R__views';");
    expect(script).toMatch(/PROMPT dcn: 2 migration\(s\) undone\n$/);
    expect(sentSince(db, from)).toEqual(['table.exists', 'history.select']);
  });

  it('refuses as down does: a migration without an undo script', async () => {
    const { migrator } = setup(Object.fromEntries(Object.entries(FILES).filter(([f]) => f !== 'U3__more.sql')));
    await migrator.migrate();
    await expect(migrator.dryRun('down', { to: '0' })).rejects.toMatchObject({
      code: 'script_invalid',
      message: expect.stringMatching(/V3 \(more\) has no undo script/),
    });
  });
});
