import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DcnError } from '../../src/errors.js';
import { Migrator } from '../../src/migrator/migrator.js';
import { RunFailedError } from '../../src/migrator/run-loop.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

const FILES: Record<string, string> = {
  'V1__log.sql': 'CREATE TABLE app_log (id NUMBER, msg VARCHAR2(200));\n',
  'V2__log_proc.sql':
    'CREATE OR REPLACE PROCEDURE log_msg(p VARCHAR2) AS\nBEGIN\n  INSERT INTO app_log (id, msg) VALUES (2, p);\nEND;\n/\n',
  'V3__drop_log.sql': 'DROP TABLE app_log PURGE;\n',
};

function setup(files: Record<string, string>, db = new FakeDatabase()) {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-invalid-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const migrator = new Migrator({
    migrations: loadMigrations(dir),
    variables: {},
    historyTable: 'DCN_SCHEMA_HISTORY',
    lockTimeoutSeconds: 0,
    sessions: fakeSessions(db),
    holder: 'test',
  });
  return { db, migrator };
}

const recompiles = (db: FakeDatabase) => db.log.filter((l) => l.name === 'objects.recompile').length;

describe("migrate and the schema's INVALID objects", () => {
  it('compiles an INVALID object once after the run, and reports it as recompiled', async () => {
    const { db, migrator } = setup({ 'V1__log.sql': FILES['V1__log.sql']! });
    // made invalid outside this run, by a change to something it used that has since been put back
    db.objects.set('PACKAGE BODY OLD_PKG', { type: 'PACKAGE BODY', name: 'OLD_PKG', status: 'INVALID' });
    const result = await migrator.migrate();
    expect(result.results.map((r) => r.status)).toEqual(['success']);
    expect(result.recompiled).toEqual([{ type: 'PACKAGE BODY', name: 'OLD_PKG' }]);
    expect(result.invalidObjects).toEqual([]);
    expect(db.objects.get('PACKAGE BODY OLD_PKG')!.status).toBe('VALID');
    expect(recompiles(db)).toBe(1);
  });

  it('lists what stays INVALID; with failOnInvalid that is a compile_error (exit 5) after every migration is recorded', async () => {
    const { db, migrator } = setup(FILES);
    const err = await migrator.migrate({ failOnInvalid: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunFailedError);
    const e = err as DcnError;
    expect(e.code).toBe('compile_error');
    expect(e.exitCode).toBe(5);
    expect(e.message).toBe('1 object(s) in the schema stay INVALID after compiling them again: PROCEDURE LOG_MSG');
    expect(e.jsonMeta()).toMatchObject({
      invalidObjects: [{ type: 'PROCEDURE', name: 'LOG_MSG' }],
      recompiled: [],
      results: [
        { version: '1', status: 'success' },
        { version: '2', status: 'success' },
        { version: '3', status: 'success' },
      ],
    });
    expect(db.history().map((r) => [r.VERSION, r.SUCCESS])).toEqual([
      ['1', 1],
      ['2', 1],
      ['3', 1],
    ]);
    expect(recompiles(db)).toBe(1);
  });

  it('without failOnInvalid the run succeeds and names what stays INVALID', async () => {
    const { migrator } = setup(FILES);
    const result = await migrator.migrate();
    expect(result.invalidObjects).toEqual([{ type: 'PROCEDURE', name: 'LOG_MSG' }]);
    expect(result.recompiled).toEqual([]);
  });

  it('a migrate with nothing to apply still checks, so --fail-on-invalid gates an up-to-date schema', async () => {
    const { db, migrator } = setup(FILES);
    await migrator.migrate();
    const again = await migrator.migrate().catch((e: unknown) => e);
    expect(again).toMatchObject({ results: [], invalidObjects: [{ type: 'PROCEDURE', name: 'LOG_MSG' }] });
    await expect(migrator.migrate({ failOnInvalid: true })).rejects.toMatchObject({ code: 'compile_error' });
    expect(recompiles(db)).toBe(3);
  });

  it('compiles nothing when nothing is INVALID', async () => {
    const { db, migrator } = setup({ 'V1__log.sql': FILES['V1__log.sql']! });
    const result = await migrator.migrate({ failOnInvalid: true });
    expect(result).toMatchObject({ invalidObjects: [], recompiled: [] });
    expect(recompiles(db)).toBe(0);
  });

  it("a compile that fails (ORA-20000: not the schema's to compile) is reported, and the list read again", async () => {
    const { db, migrator } = setup({ 'V1__log.sql': FILES['V1__log.sql']! });
    db.objects.set('VIEW OLD_V', { type: 'VIEW', name: 'OLD_V', status: 'INVALID' });
    db.failOn(/COMPILE_SCHEMA/, 'ORA-20000: Insufficient privileges for some object in this schema');
    const result = await migrator.migrate();
    expect(result.recompileError).toBe('ORA-20000: Insufficient privileges for some object in this schema');
    expect(result.invalidObjects).toEqual([{ type: 'VIEW', name: 'OLD_V' }]);
  });

  it('invalidObjects() reads the list without locking or compiling', async () => {
    const { db, migrator } = setup(FILES);
    db.objects.set('VIEW OLD_V', { type: 'VIEW', name: 'OLD_V', status: 'INVALID' });
    expect(await migrator.invalidObjects()).toEqual([{ type: 'VIEW', name: 'OLD_V' }]);
    expect(db.log.map((l) => l.name)).toEqual(['objects.invalid']);
  });
});
