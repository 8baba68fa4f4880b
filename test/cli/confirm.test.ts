/** migrate down and repair ask first: on a terminal by a prompt that shows what they will do, elsewhere by --yes. */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDatabase } from '../support/fake-oracle.js';
import { DB_ENV, runCli } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'basic');
const WITH_FIXTURES = ['--migrations', FIXTURES, '--define', 'app_user=OE'];

async function applied(): Promise<FakeDatabase> {
  const db = new FakeDatabase();
  expect((await runCli(['migrate', ...WITH_FIXTURES], { env: DB_ENV, db })).code).toBe(0);
  return db;
}

describe('off a terminal, --yes is needed, and its absence is known before connecting', () => {
  it.each([
    ['migrate down', ['migrate', 'down']],
    ['migrate down --to 0', ['migrate', 'down', '--to', '0']],
    ['migrate repair', ['migrate', 'repair']],
  ])('%s without --yes: exit 2 naming --yes, no connection', async (_name, args) => {
    const db = await applied();
    const r = await runCli([...args, ...WITH_FIXTURES, '--json'], { env: DB_ENV, db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --yes when not on a terminal/);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'usage',
      exitCode: 2,
      hint: expect.stringContaining('--yes'),
    });
    expect(r.driverLoads()).toBe(0);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', '2', '3']);
  });

  it('with --yes it undoes without asking', async () => {
    const db = await applied();
    const r = await runCli(['migrate', 'down', '--yes', ...WITH_FIXTURES, '--steps', '2'], { env: DB_ENV, db });
    expect(r.code).toBe(0);
    // no question, only the progress of the two undos
    expect(r.stderr.replace(/\d+(\.\d)? m?s\n/g, 'T\n')).toBe(
      [
        'dcn: undoing V3 (log procedure): 1 statement',
        'dcn: undid V3 (log procedure) in T',
        'dcn: undoing V2 (grant notification): 2 statements',
        'dcn: undid V2 (grant notification) in T',
        '',
      ].join('\n'),
    );
    expect(db.history().map((h) => h.VERSION)).toEqual(['1']);
  });
});

describe('on a terminal, it shows what it will do and asks', () => {
  it('migrate down lists the migrations it would undo, newest first, and undoes nothing on no', async () => {
    const db = await applied();
    const r = await runCli(['migrate', 'down', ...WITH_FIXTURES, '--steps', '2'], {
      env: DB_ENV,
      db,
      tty: true,
      stdin: 'n\n',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /dcn migrate down will undo, newest first:\n {2}V3 \(log procedure\)\n {2}V2 \(grant notification\)\n/,
    );
    expect(r.stderr).toMatch(/Undo 2 migrations\? \[y\/N\] /);
    expect(r.stdout).toBe('Nothing was undone.\n');
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', '2', '3']);
  });

  it('migrate down --to 0 lists them all, and undoes them on yes', async () => {
    const db = await applied();
    const r = await runCli(['migrate', 'down', ...WITH_FIXTURES, '--to', '0', '--json'], {
      env: DB_ENV,
      db,
      tty: true,
      stdin: 'y\n',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/V3 .*\n {2}V2 .*\n {2}V1 .*\n.*Undo 3 migrations\?/);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      direction: 'down',
      results: [{ version: '3' }, { version: '2' }, { version: '1' }],
    });
    expect(db.history()).toEqual([]);
  });

  it('does not ask when there is nothing to undo', async () => {
    const r = await runCli(['migrate', 'down', ...WITH_FIXTURES], { env: DB_ENV, tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Nothing to undo.\n');
  });

  it('migrate repair lists the failed attempt it forgets and the changed file it accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-repair-'));
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (x NUMBER);\n');
    writeFileSync(join(dir, 'V2__b.sql'), 'CREATE TABLE b (x NUMBER);\nCREATE INDEX b_ix ON b (x);\n');
    const db = new FakeDatabase();
    db.failOn(/^CREATE INDEX/, 'ORA-01652: unable to extend temp segment');
    expect((await runCli(['migrate', '--migrations', dir], { env: DB_ENV, db })).code).toBe(1);
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (x NUMBER, y NUMBER);\n');
    const declined = await runCli(['migrate', 'repair', '--migrations', dir], {
      env: DB_ENV,
      db,
      tty: true,
      stdin: 'no\n',
    });
    expect(declined.code).toBe(0);
    expect(declined.stderr).toMatch(
      /dcn migrate repair will:\n {2}V1: accept the changed V1__a\.sql as applied\n {2}V2: forget the failed attempt \(stopped after 1 of 2 statements; what those made stays in the database\)\n.*Repair 2 migrations\? \[y\/N\] /,
    );
    expect(declined.stdout).toBe('Nothing was repaired.\n');
    expect(db.history().map((h) => [h.VERSION, h.SUCCESS])).toEqual([
      ['1', 1],
      ['2', 0],
    ]);
    const accepted = await runCli(['migrate', 'repair', '--migrations', dir], {
      env: DB_ENV,
      db,
      tty: true,
      stdin: 'y\n',
    });
    expect(accepted.code).toBe(0);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1']);
  });

  it('repair with nothing to repair does not ask', async () => {
    const db = await applied();
    const r = await runCli(['migrate', 'repair', ...WITH_FIXTURES], { env: DB_ENV, db, tty: true });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'Nothing to repair.\n', '']);
  });
});

describe('an answer that comes after the history changed', () => {
  it('undoes nothing when another run applied or undid migrations while the question waited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-race-'));
    cpSync(FIXTURES, dir, { recursive: true });
    const db = new FakeDatabase();
    await runCli(['migrate', '--migrations', dir, '--define', 'app_user=OE', '--to', '2'], { env: DB_ENV, db });
    const input = new PassThrough();
    const reads = () => db.log.filter((e) => e.name === 'history.select').length;
    const before = reads();
    const asking = runCli(['migrate', 'down', '--migrations', dir, '--define', 'app_user=OE'], {
      env: DB_ENV,
      db,
      tty: true,
      input,
    });
    // the status was read: the question is up
    while (reads() === before) await new Promise((r) => setImmediate(r));
    expect((await runCli(['migrate', '--migrations', dir, '--define', 'app_user=OE'], { env: DB_ENV, db })).code).toBe(
      0,
    );
    input.end('y\n');
    const r = await asking;
    expect(r.stderr).toMatch(/V2 \(grant notification\)\n.*Undo 1 migration\?/);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /dcn: error:\S* the history changed while dcn migrate down waited for an answer: it would now undo V3, not V2; nothing was undone\n {2}hint: run it again/,
    );
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', '2', '3']);
  });

  it('repairs nothing when what repair would do changed while the question waited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-race-'));
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (x NUMBER);\n');
    writeFileSync(join(dir, 'V2__b.sql'), 'CREATE TABLE b (x NUMBER);\nCREATE INDEX b_ix ON b (x);\n');
    const db = new FakeDatabase();
    await runCli(['migrate', '--migrations', dir, '--to', '1'], { env: DB_ENV, db });
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (x NUMBER, y NUMBER);\n');
    const input = new PassThrough();
    const reads = () => db.log.filter((e) => e.name === 'history.select').length;
    const before = reads();
    const asking = runCli(['migrate', 'repair', '--migrations', dir], { env: DB_ENV, db, tty: true, input });
    while (reads() === before) await new Promise((r) => setImmediate(r));
    // meanwhile another run fails in V2: repair would now also forget that attempt, which was never shown
    db.failOn(/^CREATE INDEX/, 'ORA-01652: unable to extend temp segment');
    expect((await runCli(['migrate', '--migrations', dir, '--allow-changed'], { env: DB_ENV, db })).code).toBe(1);
    input.end('y\n');
    const r = await asking;
    expect(r.stderr).toMatch(/V1: accept the changed V1__a\.sql as applied\n.*Repair 1 migration\?/);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the history changed while dcn migrate repair waited for an answer; nothing was repaired/);
    expect(db.history().map((h) => [h.VERSION, h.SUCCESS])).toEqual([
      ['1', 1],
      ['2', 0],
    ]);
  });
});
