/** dcn migrate --dry-run and dcn migrate down --dry-run: the script of what the run would do on this database, changing nothing. */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDatabase } from '../support/fake-oracle.js';
import { DB_ENV, runCli } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'basic');

function copyOfFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-dry-cli-'));
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

const args = (dir: string) => ['--migrations', dir, '--define', 'app_user=OE'];

/** What a run sent that is not a read of the history: DML, DDL, PL/SQL, a lock. */
const changesOrLocks = (db: FakeDatabase, from: number) =>
  db.log.slice(from).filter((l) => l.name !== 'table.exists' && l.name !== 'history.select');

describe('dcn migrate --dry-run', () => {
  it('prints the script of the pending migrations only, reading the history and nothing else', async () => {
    const dir = copyOfFixtures();
    const db = new FakeDatabase();
    expect((await runCli(['migrate', ...args(dir), '--to', '1'], { env: DB_ENV, db })).code).toBe(0);
    const history = JSON.stringify(db.history());
    const from = db.log.length;
    const r = await runCli(['migrate', ...args(dir), '--dry-run'], { env: DB_ENV, db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^-- dcn migrate --dry-run: 2 migration\(s\) from /);
    expect(r.stdout).not.toContain('-- V1:');
    expect(r.stdout).toContain('-- V2:');
    expect(r.stdout).toContain('-- V3:');
    expect(r.stdout).toContain('DBMS_UTILITY.COMPILE_SCHEMA(schema => USER, compile_all => FALSE);');
    expect(r.stdout).toMatch(/PROMPT dcn: 2 migration\(s\) applied\n$/);
    expect(changesOrLocks(db, from)).toEqual([]);
    expect(JSON.stringify(db.history())).toBe(history);
    // --quiet leaves out a summary, not the script a dry run is asked for
    const quiet = await runCli(['migrate', ...args(dir), '--dry-run', '--quiet'], { env: DB_ENV, db });
    expect(quiet.stdout).toBe(r.stdout);
  });

  it('--json gives the plan as data: direction, each migration with its statements, warnings', async () => {
    const dir = copyOfFixtures();
    const r = await runCli(['migrate', ...args(dir), '--dry-run', '--json'], { env: DB_ENV });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      ok: true,
      dryRun: true,
      direction: 'up',
      historyTable: 'DCN_SCHEMA_HISTORY',
      historyExists: false,
      warnings: [],
    });
    expect((doc.migrations as { version: string; statements: unknown[] }[]).map((m) => m.version)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(doc).not.toHaveProperty('script');
  });

  it('refuses what migrate would refuse, with its exit code (a failed migration: 7), and with --resume shows the resume point', async () => {
    const dir = copyOfFixtures();
    const db = new FakeDatabase();
    db.failOn(/GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION/, 'ORA-01031: insufficient privileges', 1);
    expect((await runCli(['migrate', ...args(dir)], { env: DB_ENV, db })).code).not.toBe(0);
    const from = db.log.length;
    const refused = await runCli(['migrate', ...args(dir), '--dry-run'], { env: DB_ENV, db });
    expect(refused.code).toBe(7);
    const r = await runCli(['migrate', ...args(dir), '--dry-run', '--resume'], { env: DB_ENV, db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /-- V2: .*admin profile\)\n-- resumed at statement \d+ of \d+: the statements before it are applied\n/,
    );
    expect(changesOrLocks(db, from)).toEqual([]);
  });
});

describe('dcn migrate down --dry-run', () => {
  it('needs no --yes off a terminal, prints the undo script and deletes nothing', async () => {
    const dir = copyOfFixtures();
    const db = new FakeDatabase();
    expect((await runCli(['migrate', ...args(dir)], { env: DB_ENV, db })).code).toBe(0);
    const history = JSON.stringify(db.history());
    const from = db.log.length;
    const r = await runCli(['migrate', 'down', ...args(dir), '--steps', '2', '--dry-run'], { env: DB_ENV, db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^-- dcn migrate down --dry-run: 2 migration\(s\)/);
    expect(r.stdout.indexOf('-- undo of V3:')).toBeLessThan(r.stdout.indexOf('-- undo of V2:'));
    expect(r.stdout).toContain("DELETE FROM DCN_SCHEMA_HISTORY WHERE version = '3';");
    expect(r.stdout).toMatch(/PROMPT dcn: 2 migration\(s\) undone\n$/);
    expect(changesOrLocks(db, from)).toEqual([]);
    expect(JSON.stringify(db.history())).toBe(history);
  });

  it('a bad --steps is still a usage error', async () => {
    const r = await runCli(['migrate', 'down', ...args(copyOfFixtures()), '--steps', 'x', '--dry-run'], {
      env: DB_ENV,
    });
    expect(r.code).toBe(2);
  });
});
