/**
 * The engine's decisions on an in-memory history: what it runs, from which statement, what it
 * records and what it refuses. No SQL is read here: the statements of the migrations go to a
 * session that only records them (and fails the ones a test names), and the history is kept by
 * InMemoryHistoryStore. What the history SQL means is tested on the driver fake (migrator.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Binds, DbSession, ExecuteOptions, ExecuteResult } from '../../src/db/driver.js';
import { DcnError } from '../../src/errors.js';
import type { HistoryRow } from '../../src/migrator/history.js';
import { InMemoryHistoryStore } from '../../src/migrator/memory-history.js';
import { Migrator } from '../../src/migrator/migrator.js';
import { RunFailedError } from '../../src/migrator/run-loop.js';
import { loadMigrations } from '../../src/migrator/source.js';
import type { MigrationEvent, SessionProvider } from '../../src/migrator/types.js';

/** A session that runs nothing: it records each migration statement, and fails those containing a string in `failing`. */
class RecordingSession implements DbSession {
  readonly ran: string[] = [];
  readonly failing = new Set<string>();

  async execute(sql: string, _binds?: Binds, options?: ExecuteOptions): Promise<ExecuteResult> {
    // the engine's catalog queries (INVALID objects, compile errors): an empty, valid schema
    if (options?.name !== undefined) return { rows: [], rowsAffected: 0 };
    for (const f of this.failing)
      if (sql.includes(f)) throw new Error(`ORA-00942: table or view does not exist (${f})`);
    this.ran.push(sql);
    return { rows: [], rowsAffected: 1 };
  }
  async commit(): Promise<void> {}
  async rollback(): Promise<void> {}
  async close(): Promise<void> {}
  serverVersion(): undefined {
    return undefined;
  }
}

const V1 = 'CREATE TABLE t1 (id NUMBER);\nCREATE INDEX t1_ix ON t1 (id);\nCREATE TABLE t1b (id NUMBER);\n';
const FILES: Record<string, string> = {
  'V1__one.sql': V1,
  'U1__one.sql': 'DROP TABLE t1b PURGE;\nDROP TABLE t1 PURGE;\n',
  'V2__two.sql': 'CREATE TABLE t2 (id NUMBER);\n',
  'U2__two.sql': 'DROP TABLE t2 PURGE;\n',
  'R__view.sql': 'CREATE OR REPLACE VIEW v AS SELECT id FROM t1;\n',
};

function project(files: Record<string, string> = FILES) {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-engine-'));
  const app = new RecordingSession();
  const sessions: SessionProvider = {
    app: async () => app,
    admin: async () => app,
    lock: async () => app,
  };
  const store = new InMemoryHistoryStore(sessions);
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const remove = (name: string) => rmSync(join(dir, name));
  for (const [name, text] of Object.entries(files)) write(name, text);
  /** A Migrator over the directory as it is now, as each dcn run makes one. */
  const migrator = (events: MigrationEvent[] = []) =>
    new Migrator({
      migrations: loadMigrations(dir),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions,
      history: store,
      onEvent: (e) => events.push(e),
    });
  const history = () =>
    (store.rows() ?? []).map((r) => ({
      version: r.version,
      operation: r.operation,
      success: r.success,
      done: `${r.statementsDone}/${r.statementsTotal}`,
    }));
  return { dir, app, store, write, remove, migrator, history };
}

async function rejection(p: Promise<unknown>): Promise<DcnError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DcnError);
  return err as DcnError;
}

const applied = (version: string, statements: number) => ({
  version,
  operation: 'migrate',
  success: true,
  done: `${statements}/${statements}`,
});

describe('the engine on an in-memory history', () => {
  it('applies the pending migrations in version order, the repeatable ones last, and records each as done', async () => {
    const p = project();
    const events: MigrationEvent[] = [];
    const result = await p.migrator(events).migrate();
    expect(result.results.map((r) => [r.version, r.status])).toEqual([
      ['1', 'success'],
      ['2', 'success'],
      ['R__view', 'success'],
    ]);
    expect(p.app.ran).toEqual([
      'CREATE TABLE t1 (id NUMBER)',
      'CREATE INDEX t1_ix ON t1 (id)',
      'CREATE TABLE t1b (id NUMBER)',
      'CREATE TABLE t2 (id NUMBER)',
      'CREATE OR REPLACE VIEW v AS SELECT id FROM t1',
    ]);
    expect(p.history()).toEqual([applied('1', 3), applied('2', 1), applied('R__view', 1)]);
    expect(events.filter((e) => e.type === 'statement-done')).toHaveLength(5);

    // nothing pending: nothing runs, nothing is recorded again
    p.app.ran.length = 0;
    expect((await p.migrator().migrate()).results).toEqual([]);
    expect(p.app.ran).toEqual([]);
  });

  it('stops at a failed statement, records where, and refuses to go on until resumed', async () => {
    const p = project();
    p.app.failing.add('t1_ix');
    const failure = await rejection(p.migrator().migrate());
    expect(failure).toBeInstanceOf(RunFailedError);
    expect(failure.code).toBe('migration_failed');
    expect(failure.message).toMatch(/V1 \(one\) failed at statement 2 of 3, V1__one\.sql:2: ORA-00942/);
    expect((failure as RunFailedError).results.map((r) => [r.version, r.status, r.statementsDone])).toEqual([
      ['1', 'failed', 1],
      ['2', 'not-executed', 0],
      ['R__view', 'not-executed', 0],
    ]);
    expect(p.history()).toEqual([{ version: '1', operation: 'migrate', success: false, done: '1/3' }]);
    expect(p.store.rows()![0]!.errorText).toMatch(/ORA-00942/);

    // a run that does not resume is refused, whatever it is asked
    const blocked = await rejection(p.migrator().migrate());
    expect(blocked.code).toBe('history_blocked');
    expect(blocked.message).toMatch(/failed at statement 2 of 3/);
    expect((await rejection(p.migrator().down())).code).toBe('history_blocked');
    expect(p.app.ran).toEqual(['CREATE TABLE t1 (id NUMBER)']);
  });

  it('resumes from the failed statement, and a resume that fails again keeps its resume point', async () => {
    const p = project();
    p.app.failing.add('t1b');
    await rejection(p.migrator().migrate());
    expect(p.history()).toEqual([{ version: '1', operation: 'migrate', success: false, done: '2/3' }]);

    // still failing: statements 1 and 2 stay done, so the next resume does not run their DDL again
    p.app.ran.length = 0;
    const again = await rejection(p.migrator().migrate({ resume: true }));
    expect(again.message).toMatch(/failed at statement 3 of 3/);
    expect(p.history()).toEqual([{ version: '1', operation: 'migrate', success: false, done: '2/3' }]);
    expect(p.app.ran).toEqual([]);

    p.app.failing.clear();
    const result = await p.migrator().migrate({ resume: true });
    expect(result.results[0]).toMatchObject({ version: '1', status: 'success', resumedFrom: 3 });
    expect(p.app.ran[0]).toBe('CREATE TABLE t1b (id NUMBER)');
    expect(p.history()).toEqual([applied('1', 3), applied('2', 1), applied('R__view', 1)]);
  });

  it('refuses to resume when a statement that already ran changed in the file', async () => {
    const p = project();
    p.app.failing.add('t1b');
    await rejection(p.migrator().migrate());
    p.write('V1__one.sql', V1.replace('CREATE INDEX t1_ix', 'CREATE UNIQUE INDEX t1_ix'));
    const refused = await rejection(p.migrator().migrate({ resume: true }));
    expect(refused.code).toBe('history_blocked');
    expect(refused.message).toMatch(/the 2 statement\(s\) that already ran are not the same/);
    expect(p.history()).toEqual([{ version: '1', operation: 'migrate', success: false, done: '2/3' }]);
  });

  it('refuses an applied migration whose file changed, unless allowed; repair accepts the file', async () => {
    const p = project();
    await p.migrator().migrate();
    const checksum = p.store.rows()![0]!.checksum;
    p.write('V1__one.sql', `${V1}-- a comment\nCREATE TABLE t1c (id NUMBER);\n`);
    p.write('V3__three.sql', 'CREATE TABLE t3 (id NUMBER);\n');
    const refused = await rejection(p.migrator().migrate());
    expect(refused.code).toBe('migration_changed');
    expect(refused.message).toMatch(/V1 \(V1__one\.sql changed since it was applied\)/);
    expect(p.history().map((r) => r.version)).toEqual(['1', '2', 'R__view']);

    const allowed = await p.migrator().migrate({ allowChanged: true });
    expect(allowed.warnings).toEqual(['applied migration differs: V1 (V1__one.sql changed since it was applied)']);
    expect(allowed.results.map((r) => r.version)).toEqual(['3']);
    expect(p.store.rows()![0]!.checksum).toBe(checksum);

    const repaired = await p.migrator().repair();
    expect(repaired.actions).toEqual([
      { version: '1', action: 'realigned-checksum', detail: 'V1__one.sql accepted as applied' },
    ]);
    expect(p.store.rows()![0]!.checksum).not.toBe(checksum);
    expect((await p.migrator().migrate()).results).toEqual([]);
  });

  it('refuses a new migration below an applied one unless out of order is allowed', async () => {
    const p = project({ 'V1__one.sql': V1, 'V3__three.sql': 'CREATE TABLE t3 (id NUMBER);\n' });
    await p.migrator().migrate();
    p.write('V2__two.sql', 'CREATE TABLE t2 (id NUMBER);\n');
    const refused = await rejection(p.migrator().migrate());
    expect(refused.code).toBe('out_of_order');
    expect(refused.meta.versions).toEqual(['2']);
    // --to below the new one: not its business
    expect((await p.migrator().migrate({ to: '1' })).results).toEqual([]);

    const result = await p.migrator().migrate({ outOfOrder: true });
    expect(result.results.map((r) => r.version)).toEqual(['2']);
    expect(result.warnings).toEqual(['V2: applied out of order, below a higher version already applied']);
    expect(p.history().map((r) => r.version)).toEqual(['1', '3', '2']);
  });

  it('applies a repeatable migration again when its file changes, from its first statement; a missing one blocks nothing', async () => {
    const p = project();
    await p.migrator().migrate();
    p.write('R__view.sql', "CREATE OR REPLACE VIEW v AS SELECT id FROM t2;\nCOMMENT ON TABLE t2 IS 'x';\n");
    p.app.ran.length = 0;
    const result = await p.migrator().migrate();
    expect(result.results.map((r) => [r.version, r.statementsDone])).toEqual([['R__view', 2]]);
    expect(p.app.ran).toEqual(['CREATE OR REPLACE VIEW v AS SELECT id FROM t2', "COMMENT ON TABLE t2 IS 'x'"]);
    expect(p.history()).toEqual([applied('1', 3), applied('2', 1), applied('R__view', 2)]);
    // not with --to: a repeatable script may need the latest version of everything
    p.write('R__view.sql', 'CREATE OR REPLACE VIEW v AS SELECT 1 AS id FROM dual;\n');
    expect((await p.migrator().migrate({ to: '2' })).results).toEqual([]);

    p.remove('R__view.sql');
    p.write('V3__three.sql', 'CREATE TABLE t3 (id NUMBER);\n');
    expect((await p.migrator().migrate()).results.map((r) => r.version)).toEqual(['3']);
  });

  it('undoes the last migration with its U script, or all above --to newest first, and forgets the repeatable ones', async () => {
    const p = project();
    await p.migrator().migrate();
    p.app.ran.length = 0;
    const one = await p.migrator().down();
    expect(one.results.map((r) => [r.version, r.direction, r.status])).toEqual([['2', 'down', 'success']]);
    expect(p.app.ran).toEqual(['DROP TABLE t2 PURGE']);
    // the view may depend on what was undone: the next migrate applies it again
    expect(p.history()).toEqual([applied('1', 3)]);

    await p.migrator().migrate();
    p.app.ran.length = 0;
    const all = await p.migrator().down({ to: '0' });
    expect(all.results.map((r) => r.version)).toEqual(['2', '1']);
    expect(p.app.ran).toEqual(['DROP TABLE t2 PURGE', 'DROP TABLE t1b PURGE', 'DROP TABLE t1 PURGE']);
    expect(p.history()).toEqual([]);
  });

  it('records a failed undo as an undo, resumes it from its failed statement, and refuses a migration without a U script', async () => {
    const p = project();
    await p.migrator().migrate();
    await p.migrator().down();
    p.app.failing.add('DROP TABLE t1 ');
    const failed = await rejection(p.migrator().down());
    expect(failed.message).toMatch(/the undo of V1 failed at statement 2 of 2/);
    expect(p.history()).toEqual([{ version: '1', operation: 'undo', success: false, done: '1/2' }]);
    // a failed undo is not resumed by migrate
    expect((await rejection(p.migrator().migrate({ resume: true }))).code).toBe('history_blocked');

    p.app.failing.clear();
    p.app.ran.length = 0;
    const resumed = await p.migrator().down({ resume: true });
    expect(resumed.results[0]).toMatchObject({ version: '1', status: 'success', resumedFrom: 2 });
    expect(p.app.ran).toEqual(['DROP TABLE t1 PURGE']);
    expect(p.history()).toEqual([]);

    p.remove('U2__two.sql');
    await p.migrator().migrate();
    const refused = await rejection(p.migrator().down());
    expect(refused.code).toBe('script_invalid');
    expect(refused.message).toMatch(/V2 \(two\) has no undo script/);
    expect(p.history().map((r) => r.version)).toEqual(['1', '2', 'R__view']);
  });

  it('reads a history it did not write: status from rows recorded elsewhere, no history before the first run', async () => {
    const p = project();
    expect((await p.migrator().status()).historyExists).toBe(false);
    const recorded: HistoryRow = {
      rank: 0,
      version: '1',
      description: 'one',
      script: 'V1__one.sql',
      checksum: 'not the file',
      profile: 'app',
      operation: 'migrate',
      statementsDone: 3,
      statementsTotal: 3,
      doneHash: null,
      success: true,
      errorText: null,
      installedBy: 'OE',
      installedOn: new Date(0),
      executionMs: 5,
    };
    const store = new InMemoryHistoryStore({ app: async () => p.app }, [recorded]);
    const status = await new Migrator({
      migrations: loadMigrations(p.dir),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions: { app: async () => p.app, admin: async () => p.app, lock: async () => p.app },
      history: store,
    }).status();
    expect(status.migrations.map((e) => [e.version, e.state])).toEqual([
      ['1', 'changed'],
      ['2', 'pending'],
      ['R__view', 'pending'],
    ]);
  });
});
