/**
 * The events a migration run emits (what `dcn migrate` prints as it goes), statement by statement
 * and batch by batch, when it resumes, and when it fails: the migrator's other tests check the
 * results and the history, these the progress a user watches.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Migrator } from '../../src/migrator/migrator.js';
import { loadMigrations } from '../../src/migrator/source.js';
import type { MigrationEvent } from '../../src/migrator/types.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

function setup(files: Record<string, string>, db = new FakeDatabase()) {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-mig-m-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const events: MigrationEvent[] = [];
  const migrator = new Migrator({
    migrations: loadMigrations(dir),
    variables: { app_user: 'OE' },
    historyTable: 'DCN_SCHEMA_HISTORY',
    lockTimeoutSeconds: 0,
    sessions: fakeSessions(db),
    holder: 'test runner',
    onEvent: (e) => events.push(e),
  });
  return { db, migrator, events };
}

const V1 = {
  'V1__log.sql':
    "CREATE TABLE app_log (id NUMBER, msg VARCHAR2(200));\nINSERT INTO app_log VALUES (1, 'a');\nINSERT INTO app_log VALUES (2, 'b');\nINSERT INTO app_log VALUES (3, 'c');\nCREATE INDEX app_log_ix ON app_log (msg);\n",
};

/** The events of a run without their timings. */
const progress = (events: MigrationEvent[]) =>
  events.map((e) => {
    const { durationMs, ...rest } = e as MigrationEvent & { durationMs?: number };
    if (durationMs !== undefined) expect(durationMs).toBeGreaterThanOrEqual(0);
    return rest;
  });

describe('the progress of a migration run', () => {
  it('a statement-done event for each statement, batched or not, in order, with its file and line', async () => {
    const { migrator, events } = setup(V1);
    await migrator.migrate();
    const done = progress(events).filter((e) => e.type === 'statement-done');
    expect(done).toEqual(
      [1, 2, 3, 4, 5].map((i) => ({ type: 'statement-done', version: '1', index: i, line: i, file: 'V1__log.sql' })),
    );
    expect(progress(events).find((e) => e.type === 'migration-start')).toEqual({
      type: 'migration-start',
      version: '1',
      description: 'log',
      direction: 'up',
      profile: 'app',
      statements: 5,
    });
  });

  it('a resumed run starts at the statement after the last one done, and says so', async () => {
    const { db, migrator, events } = setup(V1);
    db.failOn(/^CREATE INDEX/, 'ORA-01031: insufficient privileges', 1);
    const err = await migrator.migrate().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'privilege_missing',
      hint: expect.stringMatching(/^the connected user lacks a privilege: run the migration on the admin profile/),
      meta: expect.objectContaining({ version: '1', direction: 'up', file: 'V1__log.sql', line: 5, statement: 5 }),
    });
    expect(progress(events).find((e) => e.type === 'migration-failed')).toMatchObject({
      type: 'migration-failed',
      version: '1',
      direction: 'up',
    });
    events.length = 0;
    await migrator.migrate({ resume: true });
    const run = progress(events);
    expect(run.find((e) => e.type === 'migration-start')).toMatchObject({ statements: 5, resumeFrom: 5 });
    expect(run.filter((e) => e.type === 'statement-done').map((e) => (e as { index: number }).index)).toEqual([5]);
  });
});

describe('round trips of a migration run', () => {
  it('runs consecutive DML in batches of at most 50 statements, and DDL on its own', async () => {
    const inserts = Array.from({ length: 52 }, (_, i) => `INSERT INTO t VALUES (${i});\n`).join('');
    const { db, migrator } = setup({
      'V1__t.sql': `CREATE TABLE t (id NUMBER);\n${inserts}CREATE INDEX t_ix ON t (id);\n`,
    });
    await migrator.migrate();
    // the statements each history.run-statements round trip carried
    const trips: number[] = [];
    for (const l of db.log) {
      if (l.name === 'history.run-statements') trips.push(0);
      else if (l.name === undefined && trips.length > 0) trips[trips.length - 1]!++;
    }
    expect(trips).toEqual([1, 50, 2, 1]);
  });
});
