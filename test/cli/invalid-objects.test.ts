/** The schema's INVALID objects in the CLI: migrate compiles them once, --fail-on-invalid gates, status and doctor show them. */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { DB_ENV, runCli } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'basic');

function copyOfFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-invalid-cli-'));
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

const args = (dir: string) => ['--migrations', dir, '--define', 'app_user=OE'];

/** A procedure that names a table that is gone: it stays INVALID however often it is compiled. */
function withBrokenProcedure(db: FakeDatabase): void {
  db.objects.set('PROCEDURE OLD_PROC', {
    type: 'PROCEDURE',
    name: 'OLD_PROC',
    status: 'INVALID',
    references: { objects: new Set(['GONE_TABLE']), columns: new Map() },
  });
}

describe('INVALID objects', () => {
  it('migrate compiles an INVALID object once and says so', async () => {
    const db = new FakeDatabase();
    db.objects.set('VIEW OLD_V', { type: 'VIEW', name: 'OLD_V', status: 'INVALID' });
    const r = await runCli(['migrate', ...args(copyOfFixtures())], { env: DB_ENV, db });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Compiled 1 INVALID object(s) again: VIEW OLD_V.\n');
    expect(db.objects.get('VIEW OLD_V')!.status).toBe('VALID');
  });

  it(`--fail-on-invalid exits ${EXIT_CODES.compile_error} naming what stays INVALID; --json gives the list and the applied migrations`, async () => {
    const db = new FakeDatabase();
    withBrokenProcedure(db);
    const dir = copyOfFixtures();
    const plain = await runCli(['migrate', ...args(dir), '--json'], { env: DB_ENV, db });
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({
      invalidObjects: [{ type: 'PROCEDURE', name: 'OLD_PROC' }],
      recompiled: [],
    });
    const r = await runCli(['migrate', ...args(dir), '--fail-on-invalid'], { env: DB_ENV, db });
    expect(r.code).toBe(EXIT_CODES.compile_error);
    expect(r.stderr).toContain('1 object(s) in the schema stay INVALID after compiling them again: PROCEDURE OLD_PROC');
    const json = await runCli(['migrate', ...args(dir), '--fail-on-invalid', '--json'], { env: DB_ENV, db });
    expect(json.code).toBe(EXIT_CODES.compile_error);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: { code: 'compile_error', invalidObjects: [{ type: 'PROCEDURE', name: 'OLD_PROC' }] },
    });
  });

  it('migrate status lists them (text and --json), reading only', async () => {
    const db = new FakeDatabase();
    withBrokenProcedure(db);
    const r = await runCli(['migrate', 'status', ...args(copyOfFixtures())], { env: DB_ENV, db });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 INVALID object(s) in the schema: PROCEDURE OLD_PROC\n');
    const json = await runCli(['migrate', 'status', ...args(copyOfFixtures()), '--json'], { env: DB_ENV, db });
    expect(JSON.parse(json.stdout)).toMatchObject({ invalidObjects: [{ type: 'PROCEDURE', name: 'OLD_PROC' }] });
    expect(db.log.filter((l) => l.name === 'objects.recompile')).toEqual([]);
  });

  it('doctor warns of them, naming each (a warning: exit 0 stays for the rest)', async () => {
    const db = new FakeDatabase();
    expect((await runCli(['migrate', ...args(copyOfFixtures())], { env: DB_ENV, db })).code).toBe(0);
    withBrokenProcedure(db);
    const r = await runCli(['doctor', '--json', ...args(copyOfFixtures())], { env: DB_ENV, db });
    const checks = (JSON.parse(r.stdout) as { checks: { id: string; status: string; summary: string }[] }).checks;
    expect(checks.find((c) => c.id === 'invalid_objects')).toMatchObject({
      status: 'warn',
      summary: '1 INVALID: procedure OLD_PROC',
    });
  });
});
