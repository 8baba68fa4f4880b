/**
 * Repeatable migrations (R__<description>.sql): applied after the versioned ones, and again
 * whenever their rendered text changes, so a changed setting reaches the database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DcnError } from '../../src/errors.js';
import { Migrator } from '../../src/migrator/migrator.js';
import { buildPlan } from '../../src/migrator/plan.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

const FILES = {
  'V1__create_log.sql': 'CREATE TABLE app_log (id NUMBER, msg VARCHAR2(100));\n',
  'U1__create_log.sql': 'DROP PROCEDURE notify_app;\nDROP TABLE app_log;\n',
  'R__notify_app.sql':
    "CREATE OR REPLACE PROCEDURE notify_app AS\n  c_url CONSTANT VARCHAR2(200) := '&callback_url';\nBEGIN\n  INSERT INTO app_log VALUES (1, c_url);\nEND;\n/\n",
};

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-repeatable-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function setup(options: { dir?: string; db?: FakeDatabase; url?: string } = {}) {
  const db = options.db ?? new FakeDatabase();
  const dir = options.dir ?? dirWith(FILES);
  const migrator = new Migrator({
    migrations: loadMigrations(dir),
    variables: { callback_url: options.url ?? 'http://app:8080/cb' },
    historyTable: 'DCN_SCHEMA_HISTORY',
    lockTimeoutSeconds: 0,
    sessions: fakeSessions(db),
  });
  return { db, dir, migrator };
}

const created = (db: FakeDatabase) =>
  db.log.filter((l) => /^CREATE OR REPLACE PROCEDURE notify_app/.test(l.sql)).map((l) => /'([^']*)'/.exec(l.sql)![1]);

describe('repeatable migrations', () => {
  it('are applied after the versioned ones, once, and listed as repeatable', async () => {
    const { db, migrator } = setup();
    const run = await migrator.migrate();
    expect(run.results.map((r) => [r.version, r.status])).toEqual([
      ['1', 'success'],
      ['R__notify_app', 'success'],
    ]);
    expect(created(db)).toEqual(['http://app:8080/cb']);
    expect((await migrator.migrate()).results).toEqual([]); // nothing changed: nothing runs
    const status = await migrator.status();
    expect(status.migrations.map((m) => [m.version, m.state, m.repeatable ?? false])).toEqual([
      ['1', 'applied', false],
      ['R__notify_app', 'applied', true],
    ]);
  });

  it('are outdated when a setting they use changes, say which, and are applied again', async () => {
    const { db, dir, migrator } = setup();
    await migrator.migrate();
    const moved = setup({ db, dir, url: 'http://app2:9090/cb' }).migrator;
    const entry = (await moved.status()).migrations.find((m) => m.repeatable)!;
    expect(entry).toMatchObject({ state: 'outdated', outdatedBy: 'settings', uses: ['callback_url'] });
    const run = await moved.migrate();
    expect(run.results.map((r) => [r.version, r.status])).toEqual([['R__notify_app', 'success']]);
    expect(created(db)).toEqual(['http://app:8080/cb', 'http://app2:9090/cb']);
    expect((await moved.status()).migrations.every((m) => m.state === 'applied')).toBe(true);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', 'R__notify_app']);
  });

  it('name the settings whose values changed, among those they use', async () => {
    const dir = dirWith({
      'R__two.sql':
        "CREATE OR REPLACE PROCEDURE two AS\n  c_url CONSTANT VARCHAR2(200) := '&callback_url';\n  c_wait CONSTANT PLS_INTEGER := &http_timeout;\nBEGIN\n  NULL;\nEND;\n/\n",
    });
    const db = new FakeDatabase();
    const at = (variables: Record<string, string>) =>
      new Migrator({
        migrations: loadMigrations(dir),
        variables,
        historyTable: 'DCN_SCHEMA_HISTORY',
        lockTimeoutSeconds: 0,
        sessions: fakeSessions(db),
      });
    await at({ callback_url: 'http://app/cb', http_timeout: '5', unused: 'a' }).migrate();
    const entry = async (variables: Record<string, string>) => (await at(variables).status()).migrations[0]!;
    expect(await entry({ callback_url: 'http://app/cb', http_timeout: '5', unused: 'b' })).toMatchObject({
      state: 'applied',
    });
    const timeout = await entry({ callback_url: 'http://app/cb', http_timeout: '9', unused: 'a' });
    expect(timeout).toMatchObject({
      state: 'outdated',
      outdatedBy: 'settings',
      uses: ['callback_url', 'http_timeout'],
      changedSettings: ['http_timeout'],
    });
    expect((await entry({ callback_url: 'http://app2/cb', http_timeout: '9' })).changedSettings).toEqual([
      'callback_url',
      'http_timeout',
    ]);
    // the checksum holds no value, only fingerprints of them
    expect(db.history()[0]!.CHECKSUM).not.toContain('app');
    expect(db.history()[0]!.CHECKSUM).toMatch(/^[0-9a-f]{40}$/);
  });

  it('are outdated when their file changes', async () => {
    const { db, dir, migrator } = setup();
    await migrator.migrate();
    writeFileSync(join(dir, 'R__notify_app.sql'), `${FILES['R__notify_app.sql']}-- a comment\n`);
    const changed = setup({ db, dir }).migrator;
    expect((await changed.status()).migrations.find((m) => m.repeatable)).toMatchObject({
      state: 'outdated',
      outdatedBy: 'file',
    });
    expect((await changed.migrate()).results.map((r) => r.version)).toEqual(['R__notify_app']);
  });

  it('wait for --to: they may need every version', async () => {
    const { migrator } = setup();
    expect((await migrator.migrate({ to: '1' })).results.map((r) => r.version)).toEqual(['1']);
    expect((await migrator.status()).migrations.find((m) => m.repeatable)!.state).toBe('pending');
  });

  it('are applied again after an undo: down to 0 forgets them, and the U script drops what they made', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    const down = await migrator.down({ to: '0' });
    expect(down.results.map((r) => r.version)).toEqual(['1']);
    expect(db.history()).toEqual([]);
    expect(db.objectNames()).toEqual(['TABLE DCN_SCHEMA_HISTORY', 'TABLE DCN_SCHEMA_HISTORY_LOCK']);
    expect((await migrator.migrate()).results.map((r) => r.version)).toEqual(['1', 'R__notify_app']);
    expect(created(db)).toHaveLength(2);
  });

  it('block migrate when one failed, and resume at the failed statement', async () => {
    const { db, migrator } = setup();
    db.failOn(/^CREATE OR REPLACE PROCEDURE notify_app/, 'ORA-01031: insufficient privileges', 1);
    await expect(migrator.migrate()).rejects.toThrow(/R__notify_app .*failed at statement 1 of 1/);
    const blocked = await migrator.migrate().catch((e: DcnError) => e);
    expect((blocked as DcnError).code).toBe('history_blocked');
    expect((await migrator.migrate({ resume: true })).results.map((r) => [r.version, r.status])).toEqual([
      ['R__notify_app', 'success'],
    ]);
  });

  it('block nothing once their file is gone: what they made stays, and later versions are applied', async () => {
    const { db, dir, migrator } = setup();
    await migrator.migrate();
    rmSync(join(dir, 'R__notify_app.sql'));
    writeFileSync(join(dir, 'V2__add_level.sql'), 'ALTER TABLE app_log ADD (lvl NUMBER);\n');
    const next = setup({ db, dir });
    expect((await next.migrator.status()).migrations.map((m) => [m.version, m.state])).toEqual([
      ['1', 'applied'],
      ['2', 'pending'],
      ['R__notify_app', 'missing'],
    ]);
    const run = await next.migrator.migrate();
    expect(run.results.map((r) => [r.version, r.status])).toEqual([['2', 'success']]);
    expect(run.warnings).toEqual([]);
  });

  it('are in the plan, after the versioned ones, marked repeatable', () => {
    const plan = buildPlan({
      migrations: loadMigrations(dirWith(FILES)),
      variables: { callback_url: 'http://x/cb' },
      historyTable: 'DCN_SCHEMA_HISTORY',
    });
    expect(plan.migrations.map((m) => [m.version, m.repeatable ?? false])).toEqual([
      ['1', false],
      ['R__notify_app', true],
    ]);
    expect(plan.migrations[1]!.checksum).toHaveLength(36); // 16 file + 16 rendered + 4 for its one setting;
  });

  it('refuse an R__ script with an undo script or a version', () => {
    expect(() => loadMigrations(dirWith({ ...FILES, 'U__notify_app.sql': 'x;\n' }))).toThrow(
      /not a migration file name/,
    );
    expect(() => loadMigrations(dirWith({ ...FILES, 'R1__notify.sql': 'x;\n' }))).toThrow(/not a migration file name/);
  });
});

describe('a changed versioned migration that says which checksums it replaces', () => {
  it('counts as applied on a database that recorded one of them', async () => {
    const old = 'CREATE OR REPLACE PROCEDURE notify_app AS\nBEGIN\n  NULL;\nEND;\n/\n';
    const dir = dirWith({ 'V1__create_log.sql': FILES['V1__create_log.sql'], 'V2__notify_app.sql': old });
    const { db, migrator } = setup({ dir });
    await migrator.migrate();
    const { checksumOf } = await import('../../src/migrator/migration-script.js');
    const now = dirWith({
      ...FILES,
      'V2__notify_app.sql': `-- notify_app is made by R__notify_app.sql now\n-- dcn: accepts=${checksumOf(old)}\n`,
    });
    const later = setup({ db, dir: now }).migrator;
    expect((await later.status()).migrations.map((m) => [m.version, m.state])).toEqual([
      ['1', 'applied'],
      ['2', 'applied'],
      ['R__notify_app', 'pending'],
    ]);
    const run = await later.migrate();
    expect(run.results.map((r) => r.version)).toEqual(['R__notify_app']);
  });
});
