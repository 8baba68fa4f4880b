/**
 * The fake carries out the engine's history statements as their SQL reads, so a wrong
 * statement in sql/migrator/history.sql fails the tests instead of passing on the statement's name.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from '../../src/migrator/migrator.js';
import { buildPlan } from '../../src/migrator/plan.js';
import { renderPlanScript } from '../../src/migrator/plan-script.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

async function withHistoryRow() {
  const db = new FakeDatabase();
  const sessions = fakeSessions(db);
  const migrator = new Migrator({
    migrations: [],
    historyTable: 'DCN_SCHEMA_HISTORY',
    lockTimeoutSeconds: 0,
    sessions,
  });
  await migrator.status();
  const app = await sessions.app();
  await app.execute(migrator.query('history.create').sql, {}, { name: 'history.create' });
  const insert = {
    version: '1',
    description: 'x',
    script: 'V1__x.sql',
    checksum: 'c',
    profile: 'app',
    operation: 'migrate',
    statements_total: 2,
  };
  await app.execute(migrator.query('history.insert').sql, insert, { name: 'history.insert' });
  await app.commit();
  return { db, app, migrator };
}

describe('the history SQL, carried out as it reads', () => {
  it('marks a migration done only where the UPDATE sets success = 1', async () => {
    const { db, app, migrator } = await withHistoryRow();
    const succeed = migrator.query('history.succeed').sql;
    await app.execute(
      succeed.replace('success = 1, ', ''),
      { version: '1', execution_ms: 5 },
      { name: 'history.succeed' },
    );
    await app.commit();
    expect(db.history()[0]).toMatchObject({ SUCCESS: 0, EXECUTION_MS: 5 });
    await app.execute(succeed, { version: '1', execution_ms: 6 }, { name: 'history.succeed' });
    await app.commit();
    expect(db.history()[0]).toMatchObject({ SUCCESS: 1, EXECUTION_MS: 6, INSTALLED_BY: 'OE' });
  });

  it("records who completed a migration: a run resumed by another user is that user's", async () => {
    const { db, migrator } = await withHistoryRow();
    const other = await db.connect('OE_DEPLOY');
    await other.execute(
      migrator.query('history.succeed').sql,
      { version: '1', execution_ms: 7 },
      { name: 'history.succeed' },
    );
    await other.commit();
    expect(db.history()[0]).toMatchObject({ SUCCESS: 1, INSTALLED_BY: 'OE_DEPLOY' });
  });

  it('touches only the row its WHERE names, and refuses a condition it cannot read', async () => {
    const { db, app, migrator } = await withHistoryRow();
    const progress = migrator.query('history.progress').sql;
    const r = await app.execute(
      progress,
      { version: '2', statements_done: 1, done_hash: 'h' },
      { name: 'history.progress' },
    );
    expect(r.rowsAffected).toBe(0);
    await expect(
      app.execute(
        progress.replace('WHERE version = :version', 'WHERE 1 = 1'),
        { statements_done: 1, done_hash: 'h' },
        { name: 'history.progress' },
      ),
    ).rejects.toThrow(/cannot read/);
    expect(db.history()[0]!.STATEMENTS_DONE).toBe(0);
  });

  it('checks an INSERT against the DDL: a NOT NULL column left out is ORA-01400, a value too long ORA-12899', async () => {
    const { app, migrator } = await withHistoryRow();
    const insert = migrator.query('history.insert').sql;
    const binds = {
      version: '2',
      description: 'x',
      script: 'V2__x.sql',
      checksum: 'c',
      profile: 'app',
      operation: 'migrate',
      statements_total: 1,
    };
    const withoutChecksum = insert.replace('checksum, profile', 'profile').replace(':checksum, :profile', ':profile');
    const { checksum: _omitted, ...rest } = binds;
    await expect(app.execute(withoutChecksum, rest, { name: 'history.insert' })).rejects.toThrow(
      /ORA-01400: cannot insert NULL into \("DCN_SCHEMA_HISTORY"\."CHECKSUM"\)/,
    );
    await expect(
      app.execute(insert, { ...binds, description: 'é'.repeat(101) }, { name: 'history.insert' }),
    ).rejects.toThrow(/ORA-12899/);
  });

  it('fails on a named query it does not know', async () => {
    const { app } = await withHistoryRow();
    await expect(app.execute('SELECT 1 FROM dual', {}, { name: 'no.such.query' })).rejects.toThrow(
      /does not know the named query 'no.such.query'/,
    );
    // and on an unnamed statement it cannot read, instead of answering "no rows"
    await expect(app.execute('BEGIN dbms_lock.sleep(1); END;')).rejects.toThrow(/does not understand this statement/);
    await expect(app.execute('SELECT * FROM nfresults WHERE id > :1', [1], { name: 'tail.other' })).rejects.toThrow(
      /does not understand the positional-bind query tail.other/,
    );
  });
});

describe('the migration lock', () => {
  it('refuses to run when the lock row is missing: FOR UPDATE of no row locks nothing', async () => {
    const db = new FakeDatabase();
    const sessions = fakeSessions(db);
    const migrator = new Migrator({
      migrations: [],
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions,
    });
    await migrator.migrate(); // creates and seeds the tables
    db.lockRowsDelete(1);
    await expect(migrator.migrate()).rejects.toThrow(
      /the migration lock row \(id 1\) is missing from DCN_SCHEMA_HISTORY_LOCK/,
    );
  });
});

describe('the plan script', () => {
  // versions that are not their ranks (1, 2.1, 5 at ranks 1, 2, 3): a record that mixed the two up still reads as applied where they coincide
  const spaced = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-plan-record-'));
    for (const name of ['V1__a.sql', 'V2_1__b.sql', 'V5__c.sql'])
      writeFileSync(join(dir, name), 'CREATE TABLE t_' + name.slice(1, 4).replace(/_/g, '') + ' (id NUMBER);\n');
    return dir;
  };

  it.each([
    ['the fixture', join(import.meta.dirname, '..', 'fixtures', 'basic')],
    ['versions that are not their ranks', spaced()],
  ])('records rows that dcn migrate status reads as applied, when SQL*Plus runs them: %s', async (_what, source) => {
    const migrations = loadMigrations(source);
    const variables = { app_user: 'OE' };
    const script = renderPlanScript(buildPlan({ migrations, variables, historyTable: 'DCN_SCHEMA_HISTORY' }), {
      dcnVersion: '0',
      source: 'fixtures',
    });
    const records = [...script.matchAll(/^INSERT INTO DCN_SCHEMA_HISTORY [\s\S]*?;$/gm)].map((m) => m[0].slice(0, -1));
    expect(records).toHaveLength(3);
    const db = new FakeDatabase();
    const sessions = fakeSessions(db);
    const migrator = new Migrator({
      migrations,
      variables,
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions,
    });
    const app = await sessions.app();
    await app.execute(migrator.query('history.create').sql, {}, { name: 'history.create' });
    for (const sql of records) await app.execute(sql, {}, { name: 'plan.record' });
    await app.commit();
    expect((await migrator.status()).migrations.map((m) => [m.version, m.state])).toEqual(
      migrations.map((m) => [m.version, 'applied']),
    );
  });
});
