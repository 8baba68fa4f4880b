import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DcnError } from '../../src/errors.js';
import { Migrator } from '../../src/migrator/migrator.js';
import type { MigrationEvent } from '../../src/migrator/types.js';
import { RunFailedError } from '../../src/migrator/run-loop.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

const BASE: Record<string, string> = {
  'V1__create_log.sql':
    "CREATE TABLE app_log (id NUMBER, msg VARCHAR2(200));\nCREATE INDEX app_log_ix ON app_log (msg);\nINSERT INTO app_log VALUES (1, 'first');\n",
  'U1__create_log.sql': 'DROP TABLE app_log PURGE;\n',
  'V2__grants.sql':
    '-- dcn: profile=admin\nGRANT CHANGE NOTIFICATION TO &app_user;\nGRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO &app_user;\n',
  'U2__grants.sql':
    '-- dcn: profile=admin\nREVOKE EXECUTE ON DBMS_CHANGE_NOTIFICATION FROM &app_user;\nREVOKE CHANGE NOTIFICATION FROM &app_user;\n',
  'V3__log_proc.sql':
    'CREATE OR REPLACE PROCEDURE log_msg(p VARCHAR2) AS\nBEGIN\n  INSERT INTO app_log VALUES (2, p);\nEND;\n/\n',
  'U3__log_proc.sql': 'DROP PROCEDURE log_msg;\n',
};

function dirWith(files: Record<string, string>, dir = mkdtempSync(join(tmpdir(), 'dcn-mig-'))): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function setup(
  options: { files?: Record<string, string>; db?: FakeDatabase; dir?: string; lockTimeoutSeconds?: number } = {},
) {
  const db = options.db ?? new FakeDatabase();
  const dir = options.dir ?? dirWith(options.files ?? BASE);
  const sessions = fakeSessions(db);
  const events: MigrationEvent[] = [];
  const migrator = new Migrator({
    migrations: loadMigrations(dir),
    variables: { app_user: 'OE' },
    historyTable: 'DCN_SCHEMA_HISTORY',
    lockTimeoutSeconds: options.lockTimeoutSeconds ?? 0,
    sessions,
    holder: 'test runner',
    onEvent: (e) => events.push(e),
  });
  return { db, dir, sessions, migrator, events };
}

async function rejection(p: Promise<unknown>): Promise<DcnError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DcnError);
    return err as DcnError;
  }
  throw new Error('expected a rejection');
}

const userStatements = (db: FakeDatabase) =>
  db.log.filter((l) => l.name === undefined).map((l) => l.sql.split('\n')[0]);

describe('Migrator.migrate', () => {
  it('applies every pending migration in order and records each in the history table', async () => {
    const { db, migrator, sessions, events } = setup();
    const result = await migrator.migrate();
    expect(result.results.map((r) => [r.version, r.status, r.statementsDone])).toEqual([
      ['1', 'success', 3],
      ['2', 'success', 2],
      ['3', 'success', 1],
    ]);
    expect(
      db.history().map((h) => [h.VERSION, h.SUCCESS, h.STATEMENTS_DONE, h.STATEMENTS_TOTAL, h.PROFILE, h.INSTALLED_BY]),
    ).toEqual([
      ['1', 1, 3, 3, 'app', 'OE'],
      ['2', 1, 2, 2, 'admin', 'OE'],
      ['3', 1, 1, 1, 'app', 'OE'],
    ]);
    // the admin migration ran on the admin session, with the variable substituted
    const grants = db.log.filter((l) => l.sql.startsWith('GRANT'));
    expect(grants.map((g) => [g.session, g.sql])).toEqual([
      [sessions.adminSession!.sid, 'GRANT CHANGE NOTIFICATION TO OE'],
      [sessions.adminSession!.sid, 'GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO OE'],
    ]);
    // DML of a migration is committed with its statement
    expect(db.connect().dataRows('APP_LOG')).toBe(1);
    expect(db.objectNames()).toEqual([
      'INDEX APP_LOG_IX',
      'PROCEDURE LOG_MSG',
      'TABLE APP_LOG',
      'TABLE DCN_SCHEMA_HISTORY',
      'TABLE DCN_SCHEMA_HISTORY_LOCK',
    ]);
    expect(events.filter((e) => e.type === 'migration-done').map((e) => (e as { version: string }).version)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(db.lockHolder).toBeUndefined();
  });

  it('applies nothing the second time, and stops at --to', async () => {
    const { db, migrator } = setup();
    expect((await migrator.migrate({ to: '2' })).results.map((r) => r.version)).toEqual(['1', '2']);
    expect((await migrator.migrate()).results.map((r) => r.version)).toEqual(['3']);
    const before = db.log.length;
    expect((await migrator.migrate()).results).toEqual([]);
    expect(userStatements({ ...db, log: db.log.slice(before) } as FakeDatabase)).toEqual([]);
  });

  it('rejects an unknown --to before connecting', async () => {
    const { migrator, sessions } = setup();
    const err = await rejection(migrator.migrate({ to: '9' }));
    expect(err.code).toBe('usage');
    expect(err.hint).toMatch(/known versions: 1, 2, 3/);
    expect(sessions.appSession).toBeUndefined();
  });

  it('records a long multibyte error within the 4000 bytes of ERROR_TEXT (VARCHAR2 counts bytes)', async () => {
    const { db, migrator } = setup();
    db.failOn(/^CREATE INDEX/, `ORA-20001: ${'€'.repeat(2000)}`, 1);
    const err = await rejection(migrator.migrate());
    expect(err.code).toBe('migration_failed'); // not the ORA-12899 of a history row too long
    const text = String(db.history()[0]!.ERROR_TEXT);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4000);
    expect(text).toMatch(/: ORA-20001: €+$/); // cut between characters, never inside one
  });

  it('records where a failed migration stopped, refuses to go on, and resumes at that statement', async () => {
    const { db, migrator } = setup();
    db.failOn(/^CREATE INDEX/, 'ORA-01031: insufficient privileges', 1);
    const err = await rejection(migrator.migrate());
    expect(err.code).toBe('privilege_missing');
    expect(err.message).toBe(
      'V1 (create log) failed at statement 2 of 3, V1__create_log.sql:2: ORA-01031: insufficient privileges',
    );
    // what can be done next, as remedies the CLI words: the engine names no command or flag
    expect(err.hint).not.toMatch(/dcn migrate|--[a-z]/);
    expect(err.remedies).toEqual([{ kind: 'resume', direction: 'up' }, { kind: 'repair' }]);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).results).toMatchObject([
      { version: '1', status: 'failed', statementsDone: 1 },
      { version: '2', status: 'not-executed' },
      { version: '3', status: 'not-executed' },
    ]);
    // the CREATE TABLE committed (DDL), and the history says so
    expect(db.objects.has('TABLE APP_LOG')).toBe(true);
    expect(db.history()).toMatchObject([
      { VERSION: '1', SUCCESS: 0, STATEMENTS_DONE: 1, ERROR_TEXT: expect.stringContaining('ORA-01031') },
    ]);
    expect(db.lockHolder).toBeUndefined();

    const status = await migrator.status();
    expect(status.migrations.map((m) => m.state)).toEqual(['failed', 'pending', 'pending']);

    const blocked = await rejection(migrator.migrate());
    expect(blocked.code).toBe('history_blocked');
    expect(blocked.message).toMatch(/V1 \(create log\) failed at statement 2 of 3: .*ORA-01031/);
    expect(blocked.hint).toMatch(/resume from statement 2 of 3, or repair/);
    expect(blocked.remedies).toEqual([{ kind: 'resume', direction: 'up' }, { kind: 'repair' }]);

    const before = db.log.length;
    const resumed = await migrator.migrate({ resume: true });
    expect(resumed.results.map((r) => [r.version, r.status, r.resumedFrom])).toEqual([
      ['1', 'success', 2],
      ['2', 'success', undefined],
      ['3', 'success', undefined],
    ]);
    // the CREATE TABLE did not run again: that would have been ORA-00955
    expect(db.log.slice(before).filter((l) => l.name === undefined)[0]!.sql).toMatch(/^CREATE INDEX/);
    expect(db.history().every((h) => h.SUCCESS === 1)).toBe(true);
  });

  it('keeps the resume point when a resume fails again before any statement: the next one does not run committed DDL again', async () => {
    const { db, migrator } = setup();
    db.failOn(/^CREATE INDEX/, 'ORA-01031: insufficient privileges', 2);
    await rejection(migrator.migrate());
    expect(db.history()).toMatchObject([{ VERSION: '1', SUCCESS: 0, STATEMENTS_DONE: 1 }]);
    const again = await rejection(migrator.migrate({ resume: true }));
    expect(again.message).toMatch(/failed at statement 2 of 3/);
    expect(db.history()).toMatchObject([{ VERSION: '1', SUCCESS: 0, STATEMENTS_DONE: 1 }]);
    const before = db.log.length;
    const resumed = await migrator.migrate({ resume: true });
    expect(resumed.results.map((r) => [r.version, r.resumedFrom])).toEqual([
      ['1', 2],
      ['2', undefined],
      ['3', undefined],
    ]);
    expect(db.log.slice(before).filter((l) => l.name === undefined)[0]!.sql).toMatch(/^CREATE INDEX/); // not the CREATE TABLE
  });

  it('refuses to resume when statements that already ran have changed since', async () => {
    const { db, dir } = setup();
    const first = setup({ db, dir });
    db.failOn(/^CREATE INDEX/, 'ORA-00942: table or view does not exist', 1);
    await rejection(first.migrator.migrate());
    dirWith(
      {
        'V1__create_log.sql':
          'CREATE TABLE app_log (id NUMBER, msg VARCHAR2(400));\nCREATE INDEX app_log_ix ON app_log (msg);\n',
      },
      dir,
    );
    const err = await rejection(setup({ db, dir }).migrator.migrate({ resume: true }));
    expect(err.code).toBe('history_blocked');
    expect(err.message).toMatch(/cannot resume V1: the 1 statement\(s\) that already ran are not the same/);
  });

  it('fails on PL/SQL created with compilation errors, naming file:line:column, and resumes after the fix', async () => {
    const { db, migrator } = setup();
    db.compileErrorsOn(/PROCEDURE log_msg/, [
      { line: 3, position: 15, text: 'PL/SQL: ORA-00942: table or view does not exist' },
    ]);
    const err = await rejection(migrator.migrate());
    expect(err.code).toBe('compile_error');
    expect(err.exitCode).toBe(5);
    expect(err.message).toBe(
      'V3 (log proc): PROCEDURE LOG_MSG was created with compilation errors (statement 1 of 1):\n  V3__log_proc.sql:3:15: PL/SQL: ORA-00942: table or view does not exist',
    );
    expect(db.history().at(-1)).toMatchObject({ VERSION: '3', SUCCESS: 0, STATEMENTS_DONE: 0 });
    db.clearFaults();
    const result = await migrator.migrate({ resume: true });
    expect(result.results).toMatchObject([{ version: '3', status: 'success' }]);
    expect(result.invalidObjects).toEqual([]);
  });

  it('keeps compiler warnings as warnings and reports invalid objects after a run', async () => {
    const { db, migrator } = setup({
      files: { 'V1__p.sql': 'CREATE PROCEDURE p AS BEGIN NULL; END;\n/\nCREATE VIEW v AS SELECT 1 x FROM dual;\n' },
    });
    db.compileErrorsOn(/PROCEDURE p/, [
      { line: 1, position: 1, text: 'PLW-06010: keyword used as identifier', attribute: 'WARNING' },
    ]);
    db.objects.set('PACKAGE BODY OLD_PKG', { type: 'PACKAGE BODY', name: 'OLD_PKG', status: 'INVALID' });
    const result = await migrator.migrate();
    expect(result.results[0]!.status).toBe('success');
    expect(result.compileWarnings).toMatchObject([
      { file: 'V1__p.sql', line: 1, text: 'PLW-06010: keyword used as identifier' },
    ]);
    // INVALID after the run, then compiled once (nothing it names is missing)
    expect(result.recompiled).toEqual([{ type: 'PACKAGE BODY', name: 'OLD_PKG' }]);
    expect(result.invalidObjects).toEqual([]);
  });

  it('refuses applied migrations whose files changed, unless allowed; repair accepts them', async () => {
    const { db, dir, migrator } = setup();
    await migrator.migrate({ to: '1' });
    dirWith({ 'V1__create_log.sql': `${BASE['V1__create_log.sql']}-- edited\n` }, dir);
    const changed = setup({ db, dir });
    expect((await changed.migrator.status()).migrations.map((m) => m.state)).toEqual(['changed', 'pending', 'pending']);
    const err = await rejection(changed.migrator.migrate());
    expect(err.code).toBe('migration_changed');
    expect(err.exitCode).toBe(4);
    expect(err.message).toMatch(/V1 \(V1__create_log\.sql changed since it was applied\)/);
    const allowed = await changed.migrator.migrate({ to: '2', allowChanged: true });
    expect(allowed.warnings).toEqual([
      'applied migration differs: V1 (V1__create_log.sql changed since it was applied)',
    ]);
    const repaired = await changed.migrator.repair();
    expect(repaired.actions).toEqual([
      { version: '1', action: 'realigned-checksum', detail: 'V1__create_log.sql accepted as applied' },
    ]);
    expect((await changed.migrator.status()).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'pending']);
  });

  it('reports an applied migration whose file is gone as missing, and one added below the applied ones as out of order', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    const files = { ...BASE, 'V1_5__late.sql': 'CREATE TABLE late_t (x NUMBER);' } as Record<string, string>;
    delete files['V3__log_proc.sql'];
    delete files['U3__log_proc.sql'];
    const later = setup({ db, files });
    const status = await later.migrator.status();
    expect(status.migrations.map((m) => [m.version, m.state, m.outOfOrder ?? false])).toEqual([
      ['1', 'applied', false],
      ['1.5', 'pending', true],
      ['2', 'applied', false],
      ['3', 'missing', false],
    ]);
    const err = await rejection(later.migrator.migrate({ allowChanged: true }));
    expect(err.message).toBe('V1.5 is new but a higher version is already applied');
    expect([err.code, err.meta.versions]).toEqual(['out_of_order', ['1.5']]); // its own code (exit 8), not "changed"
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', '2', '3']); // nothing ran
    // asked for, it is applied where it stands, with a warning
    const run = await later.migrator.migrate({ allowChanged: true, outOfOrder: true });
    expect(run.results.map((r) => [r.version, r.status])).toEqual([['1.5', 'success']]);
    expect(run.warnings).toContain('V1.5: applied out of order, below a higher version already applied');
    expect((await later.migrator.status()).migrations.find((m) => m.version === '1.5')).toMatchObject({
      state: 'applied',
    });
  });

  it('connects the admin profile before applying anything, so a missing admin leaves nothing half-done', async () => {
    const db = new FakeDatabase();
    const sessions = {
      ...fakeSessions(db),
      admin: async () => {
        throw new Error('no user for the admin profile');
      },
    };
    const migrator = new Migrator({
      migrations: loadMigrations(dirWith(BASE)),
      variables: { app_user: 'OE' },
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions,
    });
    await expect(migrator.migrate()).rejects.toThrow('no user for the admin profile');
    expect(db.history()).toEqual([]);
    expect(db.objects.has('TABLE APP_LOG')).toBe(false);
    expect(db.lockHolder).toBeUndefined();
    // without the admin migration in reach, the rest applies
    expect((await migrator.migrate({ to: '1' })).results.map((r) => r.version)).toEqual(['1']);
  });

  it('rejects an undefined substitution variable before connecting', async () => {
    const dir = dirWith({ 'V1__x.sql': 'GRANT x TO &nobody;' });
    expect(
      () =>
        new Migrator({
          migrations: loadMigrations(dir),
          historyTable: 'H',
          lockTimeoutSeconds: 0,
          sessions: fakeSessions(new FakeDatabase()),
        }),
    ).toThrow(/V1__x\.sql:1: substitution variable &nobody is not defined/);
  });
});

describe('Migrator.down', () => {
  it('undoes the last migration by default, then down to zero, leaving only the history tables', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    const one = await migrator.down();
    expect(one.results.map((r) => [r.version, r.direction, r.status])).toEqual([['3', 'down', 'success']]);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', '2']);
    const rest = await migrator.down({ to: '0' });
    expect(rest.results.map((r) => r.version)).toEqual(['2', '1']);
    expect(db.history()).toEqual([]);
    expect(db.objectNames()).toEqual(['TABLE DCN_SCHEMA_HISTORY', 'TABLE DCN_SCHEMA_HISTORY_LOCK']);
    expect(userStatements(db).filter((s) => s!.startsWith('REVOKE'))).toHaveLength(2);
    // and up again
    expect((await migrator.migrate()).results).toHaveLength(3);
  });

  it('does not block on a REVOKE of something already gone (ORA-01927, ORA-01952), and says so', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    db.grants.delete('OE CHANGE NOTIFICATION'); // a DBA took it back by hand
    db.grants.delete('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    const result = await migrator.down({ to: '0' });
    expect(result.results.map((r) => [r.version, r.status])).toEqual([
      ['3', 'success'],
      ['2', 'success'],
      ['1', 'success'],
    ]);
    expect(result.warnings.join('\n')).toMatch(/U2__grants\.sql:2: .*already gone \(ORA-01927/);
    expect(result.warnings.join('\n')).toMatch(/U2__grants\.sql:3: .*already gone \(ORA-01952/);
    expect(db.history()).toEqual([]);
  });

  it('shows an undo cut off by a lost connection as failed, not applied', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    db.beforeExecute = (session, sql) => {
      if (/^DROP PROCEDURE log_msg/.test(sql)) session.kill(); // the connection drops mid-undo
    };
    await expect(migrator.down()).rejects.toThrow();
    db.beforeExecute = undefined;
    const { migrator: later } = setup({ db });
    expect((await later.status()).migrations.find((m) => m.version === '3')).toMatchObject({
      state: 'failed',
      operation: 'undo',
    });
  });

  it('undoes --steps N', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    await migrator.down({ steps: 2 });
    expect(db.history().map((h) => h.VERSION)).toEqual(['1']);
  });

  it('refuses before undoing anything when a chosen migration has no undo script', async () => {
    const files = { ...BASE } as Record<string, string>;
    delete files['U2__grants.sql'];
    const { db, migrator } = setup({ files });
    await migrator.migrate();
    const before = db.log.length;
    const err = await rejection(migrator.down({ to: '0' }));
    expect(err.message).toBe('V2 (grants) has no undo script, so dcn cannot take it back');
    expect(db.log.slice(before).filter((l) => l.name === undefined)).toEqual([]);
  });

  it('records a failed undo, blocks migrate, and resumes with down --resume', async () => {
    const { db, migrator } = setup();
    await migrator.migrate();
    db.failOn(/^REVOKE CHANGE/, 'ORA-01031: insufficient privileges', 1);
    const err = await rejection(migrator.down({ steps: 2 }));
    expect(err.message).toMatch(/^the undo of V2 failed at statement 2 of 2, U2__grants\.sql:3: ORA-01031/);
    expect(err.remedies).toContainEqual({ kind: 'resume', direction: 'down' });
    expect(db.history().map((h) => [h.VERSION, h.SUCCESS, h.OPERATION, h.STATEMENTS_DONE])).toEqual([
      ['1', 1, 'migrate', 3],
      ['2', 0, 'undo', 1],
    ]);
    const blocked = await rejection(migrator.migrate({ resume: true }));
    expect(blocked.remedies).toContainEqual({ kind: 'resume', direction: 'down' });
    const resumed = await migrator.down({ resume: true });
    expect(resumed.results.map((r) => [r.version, r.resumedFrom])).toEqual([['2', 2]]);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1']);
  });

  it('rejects --to and --steps together, and bad steps', async () => {
    const { migrator } = setup();
    expect((await rejection(migrator.down({ to: '1', steps: 1 }))).message).toMatch(
      /a version to undo down to or a number of steps, not both/,
    );
    const steps = await rejection(migrator.down({ steps: 0 }));
    expect(steps.code).toBe('usage');
    expect(steps.meta).toMatchObject({ option: 'steps', value: 0 });
  });
});

describe('the migration lock', () => {
  it('is held by its own session for the whole run, through the DDL commits of the app session', async () => {
    const { db, migrator, sessions } = setup();
    const holders: (number | undefined)[] = [];
    db.beforeExecute = (_s, _sql, name) => {
      if (name === undefined) holders.push(db.lockHolder?.sid);
    };
    await migrator.migrate();
    expect(new Set(holders)).toEqual(new Set([sessions.lockSession!.sid]));
    expect(sessions.lockSession!.sid).not.toBe(sessions.appSession!.sid);
    expect(db.lockHolder).toBeUndefined();
  });

  it('makes a second run fail with lock_held, naming the holder, after its timeout', async () => {
    const db = new FakeDatabase();
    const first = setup({ db });
    let waited = 0;
    let secondError: DcnError | undefined;
    db.beforeExecute = async (_s, sql) => {
      if (sql.startsWith('CREATE INDEX') && secondError === undefined) {
        // the first run holds the lock here while a second run tries for one second
        const started = Date.now();
        secondError = await rejection(setup({ db, lockTimeoutSeconds: 1 }).migrator.migrate());
        waited = Date.now() - started;
      }
    };
    await first.migrator.migrate();
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(secondError!.code).toBe('lock_held');
    expect(secondError!.exitCode).toBe(3);
    expect(secondError!.message).toMatch(
      /^the migration lock is held by test runner \(Oracle session SID \d+, since .*\); waited 1 s$/,
    );
    expect(db.history()).toHaveLength(3);
  });

  it('fails at once with --lock-timeout 0, and is free again once the holder session dies', async () => {
    const db = new FakeDatabase();
    const holder = db.connect();
    const first = setup({ db });
    await first.migrator.status(); // nothing created yet
    await first.migrator.migrate({ to: '1' });
    await holder.execute(first.migrator.query('lock.acquire').sql, {}, { name: 'lock.acquire' });
    const err = await rejection(setup({ db }).migrator.migrate());
    expect(err.message).toMatch(/did not wait/);
    holder.kill();
    expect((await setup({ db }).migrator.migrate()).results.map((r) => r.version)).toEqual(['2', '3']);
  });

  it('lets a second run wait for the first and then find nothing to do', async () => {
    const db = new FakeDatabase();
    const a = setup({ db, lockTimeoutSeconds: 5 });
    const b = setup({ db, lockTimeoutSeconds: 5 });
    const [ra, rb] = await Promise.all([
      a.migrator.migrate(),
      new Promise((r) => setTimeout(r, 5)).then(() => b.migrator.migrate()),
    ]);
    expect([ra.results.length, rb.results.length].sort()).toEqual([0, 3]);
    expect(db.history()).toHaveLength(3);
  });
});

describe('a run killed between statements', () => {
  it('leaves a failed row at the last completed statement, and the next run resumes from there', async () => {
    const db = new FakeDatabase();
    const first = setup({ db });
    db.beforeExecute = (session, sql) => {
      if (sql.startsWith('GRANT EXECUTE')) {
        // the process dies: every session of it ends
        for (const s of [first.sessions.appSession, first.sessions.adminSession, first.sessions.lockSession]) s?.kill();
        session.kill();
      }
    };
    await expect(first.migrator.migrate()).rejects.toThrow(/closed or broken/);
    db.beforeExecute = undefined;
    expect(db.lockHolder).toBeUndefined();
    expect(db.history().map((h) => [h.VERSION, h.SUCCESS, h.STATEMENTS_DONE])).toEqual([
      ['1', 1, 3],
      ['2', 0, 1],
    ]);
    const next = setup({ db });
    expect((await next.migrator.status()).migrations.map((m) => m.state)).toEqual(['applied', 'failed', 'pending']);
    const before = db.log.length;
    const resumed = await next.migrator.migrate({ resume: true });
    expect(resumed.results.map((r) => [r.version, r.resumedFrom ?? null])).toEqual([
      ['2', 2],
      ['3', null],
    ]);
    expect(
      db.log
        .slice(before)
        .filter((l) => l.name === undefined)
        .map((l) => l.sql.split('\n')[0]),
    ).toEqual([
      'GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO OE',
      'CREATE OR REPLACE PROCEDURE log_msg(p VARCHAR2) AS',
    ]);
  });
});

describe('repair', () => {
  it('forgets a failed attempt and says what it left in the database', async () => {
    const { db, migrator } = setup();
    db.failOn(/^CREATE INDEX/, 'ORA-01652: unable to extend temp segment', 1);
    await rejection(migrator.migrate());
    const repaired = await migrator.repair();
    expect(repaired.actions).toEqual([
      {
        version: '1',
        action: 'removed-failed',
        detail: 'migration stopped after 1 of 3 statements; anything those created is still in the database',
      },
    ]);
    expect(db.history()).toEqual([]);
    // the leftover table makes a plain rerun fail, exactly as it would on Oracle
    const err = await rejection(migrator.migrate());
    expect(err.message).toMatch(/ORA-00955/);
  });
});

describe('the engine in parts', () => {
  it('renders an undo script only when it is needed: a broken U script stops only migrate down', async () => {
    const { migrator, db } = setup({ files: { ...BASE, 'U3__log_proc.sql': 'DROP PROCEDURE &no_such_variable;\n' } });
    expect((await migrator.migrate()).results.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    expect((await migrator.status()).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'applied']);
    const err = await rejection(migrator.down());
    expect(err.code).toBe('script_invalid');
    expect(err.message).toMatch(/no_such_variable/);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', '2', '3']);
  });

  it('a lock that cannot be released at once is a warning, and the run stands', async () => {
    const db = new FakeDatabase();
    const sessions = fakeSessions(db);
    const events: MigrationEvent[] = [];
    const migrator = new Migrator({
      migrations: loadMigrations(dirWith(BASE)),
      variables: { app_user: 'OE' },
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions,
      onEvent: (e) => {
        events.push(e);
        // the lock session dies while the run goes on: its rollback, the release, then fails
        if (e.type === 'lock-acquired') sessions.lockSession!.kill();
      },
    });
    expect((await migrator.migrate()).results.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    expect(events.filter((e) => e.type === 'warning')).toEqual([
      {
        type: 'warning',
        message: expect.stringMatching(
          /^could not release the migration lock at once \(NJS-500: .*\); it is released when its session closes$/,
        ),
      },
    ]);
  });
});

describe('round trips', () => {
  /** The sessions of fakeSessions, with every execute, commit and rollback dcn sends counted per session. */
  function counted(db: FakeDatabase) {
    const inner = fakeSessions(db);
    const calls = new Map<string, string[]>();
    const wrap = (profile: string, session: object) =>
      new Proxy(session, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (key === 'execute' || key === 'commit' || key === 'rollback')
              calls.set(profile, [
                ...(calls.get(profile) ?? []),
                key === 'execute' ? String(args[0]).split('\n')[0]! : key.toUpperCase(),
              ]);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const cache = new Map<string, object>();
    const sessions = {
      app: async () => cache.get('app') ?? cache.set('app', wrap('app', await inner.app())).get('app'),
      admin: async () => cache.get('admin') ?? cache.set('admin', wrap('admin', await inner.admin())).get('admin'),
      lock: async () => cache.get('lock') ?? cache.set('lock', wrap('lock', await inner.lock())).get('lock'),
    };
    return {
      sessions: sessions as unknown as ReturnType<typeof fakeSessions>,
      calls: (profile: string) => calls.get(profile) ?? [],
    };
  }

  async function run(files: Record<string, string>) {
    const db = new FakeDatabase();
    const { sessions, calls } = counted(db);
    const migrator = new Migrator({
      migrations: loadMigrations(dirWith(files)),
      variables: { app_user: 'OE' },
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions,
      holder: 'test',
    });
    await migrator.migrate();
    return { db, calls };
  }

  const inserts = (n: number) =>
    ['CREATE TABLE t (id NUMBER);', ...Array.from({ length: n }, (_, i) => `INSERT INTO t VALUES (${i});`), ''].join(
      '\n',
    );
  const tables = (n: number) =>
    [...Array.from({ length: n }, (_, i) => `CREATE TABLE t${i} (id NUMBER);`), ''].join('\n');
  const all = (c: Awaited<ReturnType<typeof run>>) =>
    c.calls('app').length + c.calls('lock').length + c.calls('admin').length;

  it('costs one round trip per plain DDL statement: the statement and its progress in one block', async () => {
    const ten = await run({ 'V1__t.sql': tables(10) });
    const thirty = await run({ 'V1__t.sql': tables(30) });
    expect(all(thirty) - all(ten)).toBe(20);
    expect(thirty.db.history()[0]).toMatchObject({ SUCCESS: 1, STATEMENTS_DONE: 30, STATEMENTS_TOTAL: 30 });
  });

  it('runs consecutive DML statements 50 to a round trip, committed with their progress', async () => {
    const one = await run({ 'V1__t.sql': inserts(1) });
    const thousand = await run({ 'V1__t.sql': inserts(1000) });
    expect(all(thousand) - all(one)).toBe(19); // 1,000 INSERTs: 20 batches instead of 1
    expect(thousand.db.connect().dataRows('T')).toBe(1000);
    expect(thousand.db.history()[0]).toMatchObject({ SUCCESS: 1, STATEMENTS_DONE: 1001, STATEMENTS_TOTAL: 1001 });
  });

  it('stops at a failed statement inside a batch with its own error and line, the ones before it applied and recorded, and resumes there', async () => {
    const db = new FakeDatabase();
    const dir = dirWith({ 'V1__t.sql': inserts(30) });
    db.failOn(/VALUES \(7\)/, 'ORA-00001: unique constraint (OE.T_PK) violated', 2);
    const err = await rejection(setup({ db, dir }).migrator.migrate());
    expect(err.message).toBe(
      'V1 (t) failed at statement 9 of 31, V1__t.sql:9: ORA-00001: unique constraint (OE.T_PK) violated',
    );
    expect(db.connect().dataRows('T')).toBe(7);
    expect(db.history()[0]).toMatchObject({ SUCCESS: 0, STATEMENTS_DONE: 8 });
    const resumed = await setup({ db, dir }).migrator.migrate({ resume: true });
    expect(resumed.results[0]).toMatchObject({ status: 'success', resumedFrom: 9 });
    expect(db.connect().dataRows('T')).toBe(30);
  });

  it('sends no COMMIT after DDL, which Oracle has committed itself', async () => {
    const { calls } = await run({
      'V1__grants.sql':
        '-- dcn: profile=admin\nGRANT CHANGE NOTIFICATION TO &app_user;\nGRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO &app_user;\n',
      'V2__proc.sql': 'CREATE OR REPLACE PROCEDURE p AS\nBEGIN\n  NULL;\nEND;\n/\n',
    });
    expect(calls('admin')).toEqual([
      'GRANT CHANGE NOTIFICATION TO OE',
      'GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO OE',
    ]);
    const app = calls('app');
    const created = app.indexOf('CREATE OR REPLACE PROCEDURE p AS');
    expect(app[created + 1]).not.toBe('COMMIT');
  });
});
