/** dcn migrate validate: a CI gate that fails, with an exit code of its own, unless every migration is applied as recorded. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { DB_ENV, runCli } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'basic');

function copyOfFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-validate-'));
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

const args = (dir: string) => ['--migrations', dir, '--define', 'app_user=OE'];

describe('dcn migrate validate', () => {
  const GATE = EXIT_CODES.validation_failed;

  it('has an exit code no other error has', () => {
    expect(GATE).toBeGreaterThan(1);
    expect(
      Object.entries(EXIT_CODES)
        .filter(([, code]) => code === GATE)
        .map(([name]) => name),
    ).toEqual(['validation_failed']);
  });

  it('passes (exit 0) when every migration is applied as recorded, reading only: no lock, no change', async () => {
    const dir = copyOfFixtures();
    const db = new FakeDatabase();
    await runCli(['migrate', ...args(dir)], { env: DB_ENV, db });
    const before = JSON.stringify(db.history());
    const logged = db.log.length;
    const r = await runCli(['migrate', 'validate', ...args(dir)], { env: DB_ENV, db });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'All 3 migrations are applied as recorded.\n', '']);
    const json = await runCli(['migrate', 'validate', ...args(dir), '--json'], { env: DB_ENV, db });
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      historyTable: 'DCN_SCHEMA_HISTORY',
      migrations: 3,
      problems: [],
    });
    expect(JSON.stringify(db.history())).toBe(before);
    const ran = db.log.slice(logged);
    expect(ran.length).toBeGreaterThan(0);
    expect(
      ran.filter(
        (s) =>
          s.name?.startsWith('lock.') ||
          /^\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|LOCK)\b|FOR UPDATE/i.test(s.sql),
      ),
    ).toEqual([]);
  });

  it('fails on pending migrations, naming them; --allow-pending lets them pass', async () => {
    const dir = copyOfFixtures();
    const db = new FakeDatabase();
    await runCli(['migrate', ...args(dir), '--to', '1'], { env: DB_ENV, db });
    const r = await runCli(['migrate', 'validate', ...args(dir)], { env: DB_ENV, db });
    expect(r.code).toBe(GATE);
    expect(r.stdout).toBe(
      'V2 (grant notification): pending: not applied yet\nV3 (log procedure): pending: not applied yet\n',
    );
    expect(r.stderr).toMatch(/^dcn: error: the migrations are not as applied: 2 pending \(V2, V3\)\n {2}hint: /);
    expect((await runCli(['migrate', 'validate', ...args(dir), '--allow-pending'], { env: DB_ENV, db })).code).toBe(0);
  });

  it('fails on a changed, a missing and a failed migration, and gives them all in one JSON document', async () => {
    const dir = copyOfFixtures();
    const db = new FakeDatabase();
    await runCli(['migrate', ...args(dir), '--to', '2'], { env: DB_ENV, db });
    writeFileSync(join(dir, 'V1__create_log.sql'), 'CREATE TABLE app_log (id NUMBER);\n');
    db.failOn(/log_msg/, 'ORA-00942: table or view does not exist');
    await runCli(['migrate', ...args(dir), '--allow-changed'], { env: DB_ENV, db });
    rmSync(join(dir, 'V2__grant_notification.sql'));
    rmSync(join(dir, 'U2__grant_notification.sql'));
    const r = await runCli(['migrate', 'validate', ...args(dir), '--json', '--allow-pending'], { env: DB_ENV, db });
    expect(r.code).toBe(GATE);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        exitCode: GATE,
        message: 'the migrations are not as applied: 1 changed (V1), 1 missing (V2), 1 failed (V3)',
      },
    });
    expect(doc.error.problems.map((p: { version: string; problem: string }) => [p.version, p.problem])).toEqual([
      ['1', 'changed'],
      ['2', 'missing'],
      ['3', 'failed'],
    ]);
    expect(doc.error.problems[2].detail).toMatch(/ORA-00942/);
  });

  it('fails on a migration out of order, even with --allow-pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-validate-'));
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (x NUMBER);\n');
    writeFileSync(join(dir, 'V3__c.sql'), 'CREATE TABLE c (x NUMBER);\n');
    const db = new FakeDatabase();
    await runCli(['migrate', '--migrations', dir], { env: DB_ENV, db });
    writeFileSync(join(dir, 'V2__b.sql'), 'CREATE TABLE b (x NUMBER);\n');
    const r = await runCli(['migrate', 'validate', '--migrations', dir, '--allow-pending'], { env: DB_ENV, db });
    expect(r.code).toBe(GATE);
    expect(r.stdout).toBe(
      'V2 (b): out of order: pending below an applied version; `dcn migrate` refuses it unless given --out-of-order\n',
    );
    expect(r.stderr).toMatch(/1 out of order \(V2\)/);
  });
});
