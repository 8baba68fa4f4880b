/**
 * The migration engine on a real Oracle (19c or later): a round trip of the fixture migrations,
 * a compile error reported at file:line:column, and down to zero. Runs only with DCN_TEST_* set.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OracleDriver } from '../../src/db/oracle-driver.js';
import { oracleTestEnv, type OracleTestEnv } from './env.js';
import { createScratchSchema, dcn, dropScratchSchema } from './helpers.js';

const found = oracleTestEnv();
const env = found as OracleTestEnv;
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'basic');

describe.skipIf('skip' in found)('dcn migrate on a real Oracle', () => {
  beforeAll(() => createScratchSchema(env));
  afterAll(() => dropScratchSchema(env));

  const fixtures = () => ['--migrations', FIXTURES, '--define', `app_user=${env.appUser}`];

  async function userObjects(): Promise<string[]> {
    const s = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
    try {
      // an identity column brings a system-made sequence, ISEQ$$_<object id>
      const r = await s.execute(
        `SELECT object_type || ' ' || object_name AS o FROM user_objects WHERE object_type NOT IN ('LOB', 'INDEX') AND object_name NOT LIKE 'ISEQ$$%' ORDER BY 1`,
      );
      return r.rows.map((row) => String(row.O));
    } finally {
      await s.close();
    }
  }

  it('applies the fixtures, with the grant on the admin profile', async () => {
    const r = await dcn(env, ['migrate', ...fixtures()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 migrations applied/);
    expect(await userObjects()).toEqual([
      'PROCEDURE LOG_MSG',
      'TABLE APP_LOG',
      'TABLE DCN_SCHEMA_HISTORY',
      'TABLE DCN_SCHEMA_HISTORY_LOCK',
    ]);
  });

  it('refuses a schema other than the connecting user before connecting', async () => {
    const r = await dcn(env, ['migrate', '--schema', 'SYSTEM', '--with-demo-schema']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`schema SYSTEM is not the connecting user ${env.appUser}`));
  });

  it('shows them applied', async () => {
    const r = await dcn(env, ['migrate', 'status', ...fixtures(), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).migrations.map((m: { state: string }) => m.state)).toEqual([
      'applied',
      'applied',
      'applied',
    ]);
  });

  it('baselines objects made by hand: refuses while one is missing, then records without running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-baseline-'));
    writeFileSync(
      join(dir, 'V1__hand_made.sql'),
      'CREATE TABLE dcn_hand_made (x NUMBER);\nCREATE INDEX dcn_hand_made_ix ON dcn_hand_made (x);\n',
    );
    const args = ['--migrations', dir, '--history-table', 'DCN_BASELINE_HISTORY'];
    const s = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
    try {
      await s.execute('CREATE TABLE dcn_hand_made (x NUMBER)');
      const refused = await dcn(env, ['migrate', 'baseline', '--version', '1', ...args]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/V1 \(hand made\) creates INDEX DCN_HAND_MADE_IX: not in the schema/);
      await s.execute('CREATE INDEX dcn_hand_made_ix ON dcn_hand_made (x)');
      expect((await dcn(env, ['migrate', 'baseline', '--version', '1', ...args])).code).toBe(0);
      const status = await dcn(env, ['migrate', 'status', '--json', ...args]);
      expect(JSON.parse(status.stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['applied']);
      expect((await dcn(env, ['migrate', ...args])).code).toBe(0); // nothing runs: the table would be ORA-00955
    } finally {
      await s.execute('DROP TABLE dcn_hand_made').catch(() => undefined);
      await s.close();
    }
  });

  it('fails on a procedure with compile errors, at its file, line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-broken-'));
    writeFileSync(
      join(dir, 'V1__broken.sql'),
      'CREATE OR REPLACE PROCEDURE dcn_broken AS\nBEGIN\n  no_such_proc;\nEND;\n/\n',
    );
    const r = await dcn(env, ['migrate', '--migrations', dir, '--history-table', 'DCN_BROKEN_HISTORY']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/V1__broken\.sql:3:3: PLS-00201/);
    expect(
      (await dcn(env, ['migrate', 'repair', '--yes', '--migrations', dir, '--history-table', 'DCN_BROKEN_HISTORY']))
        .code,
    ).toBe(0);
  });

  it('runs consecutive INSERTs with their progress in one block: one that fails is its own error at its line, the ones before it stay applied and recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-block-'));
    const args = ['--migrations', dir, '--history-table', 'DCN_BLOCK_HISTORY'];
    writeFileSync(
      join(dir, 'V1__block.sql'),
      'CREATE TABLE dcn_block (x NUMBER PRIMARY KEY);\nINSERT INTO dcn_block VALUES (1);\nINSERT INTO dcn_block VALUES (1);\n',
    );
    const failed = await dcn(env, ['migrate', ...args, '--json']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/failed at statement 3 of 3, V1__block\.sql:3: ORA-00001/);
    expect(JSON.parse(failed.stdout).error.results[0]).toMatchObject({ status: 'failed', statementsDone: 2 });
    const s = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
    try {
      // the first INSERT committed with its progress; the failed one left nothing
      expect((await s.execute('SELECT COUNT(*) AS n FROM dcn_block')).rows[0]!.N).toBe(1);
      writeFileSync(
        join(dir, 'V1__block.sql'),
        'CREATE TABLE dcn_block (x NUMBER PRIMARY KEY);\nINSERT INTO dcn_block VALUES (1);\nINSERT INTO dcn_block VALUES (2);\n',
      );
      expect((await dcn(env, ['migrate', ...args, '--resume'])).code).toBe(0);
      expect((await s.execute('SELECT COUNT(*) AS n FROM dcn_block')).rows[0]!.N).toBe(2);
    } finally {
      await s.execute('DROP TABLE dcn_block PURGE').catch(() => undefined);
      await s.execute('DROP TABLE dcn_block_history PURGE').catch(() => undefined);
      await s.execute('DROP TABLE dcn_block_history_lock PURGE').catch(() => undefined);
      await s.close();
    }
  });

  it('applies the built-in migrations: every object VALID, the demo schema included', async () => {
    const builtIn = ['--history-table', 'DCN_BUILTIN_HISTORY', '--schema', env.appUser, '--with-demo-schema'];
    const up = await dcn(env, ['migrate', ...builtIn]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/8 migrations applied/);
    const s = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
    try {
      const r = await s.execute(
        `SELECT object_name || ':' || status AS o FROM user_objects WHERE object_name IN ('NFRESULTS', 'RDESC_TAB', 'SENDNOTIFICATION', 'ORDERS_NF_CALLBACK', 'ORDERS', 'ORDER_ITEMS') AND object_type IN ('TABLE', 'TYPE', 'PROCEDURE') ORDER BY 1`,
      );
      expect(r.rows.map((row) => String(row.O))).toEqual([
        'NFRESULTS:VALID',
        'ORDERS:VALID',
        'ORDERS_NF_CALLBACK:VALID',
        'ORDER_ITEMS:VALID',
        'RDESC_TAB:VALID',
        'SENDNOTIFICATION:VALID',
      ]);
    } finally {
      await s.close();
    }
    const down = await dcn(env, ['migrate', 'down', '--yes', '--to', '0', ...builtIn]);
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    // the fixtures' V2 had granted CHANGE NOTIFICATION before the built-in V1 ran: it stays
    const after = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
    try {
      expect(
        (await after.execute("SELECT privilege FROM session_privs WHERE privilege = 'CHANGE NOTIFICATION'")).rows,
      ).toHaveLength(1);
    } finally {
      await after.close();
    }
  });

  it('compiles an INVALID view once after migrate (DBMS_UTILITY.COMPILE_SCHEMA as the schema owner); --fail-on-invalid exits 5 on one that stays INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-invalid-'));
    const history = ['--migrations', dir, '--history-table', 'DCN_INVALID_HISTORY'];
    writeFileSync(
      join(dir, 'V1__t.sql'),
      'CREATE TABLE dcn_inv_t (id NUMBER);\nCREATE VIEW dcn_inv_v AS SELECT id FROM dcn_inv_t;\n',
    );
    // the view goes INVALID with the drop, and stays so after the table is back until it is compiled
    writeFileSync(join(dir, 'V2__again.sql'), 'DROP TABLE dcn_inv_t PURGE;\nCREATE TABLE dcn_inv_t (id NUMBER);\n');
    const up = await dcn(env, ['migrate', ...history, '--json']);
    expect(up.code, up.stdout).toBe(0);
    const result = JSON.parse(up.stdout) as {
      recompiled: unknown[];
      invalidObjects: unknown[];
      recompileError?: string;
    };
    expect(result.recompileError).toBeUndefined();
    expect(result.recompiled).toContainEqual({ type: 'VIEW', name: 'DCN_INV_V' });
    expect(result.invalidObjects).not.toContainEqual({ type: 'VIEW', name: 'DCN_INV_V' });
    writeFileSync(join(dir, 'V3__drop.sql'), 'DROP TABLE dcn_inv_t PURGE;\n');
    const failed = await dcn(env, ['migrate', ...history, '--fail-on-invalid', '--json']);
    expect(failed.code).toBe(5);
    expect((JSON.parse(failed.stdout) as { error: { invalidObjects: unknown[] } }).error.invalidObjects).toContainEqual(
      { type: 'VIEW', name: 'DCN_INV_V' },
    );
    writeFileSync(join(dir, 'V4__cleanup.sql'), 'DROP VIEW dcn_inv_v;\n');
    expect((await dcn(env, ['migrate', ...history])).code).toBe(0);
  });

  it('undoes everything, and applies it all again', async () => {
    const down = await dcn(env, ['migrate', 'down', ...fixtures(), '--to', '0']);
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    expect((await userObjects()).filter((o) => !/DCN_/.test(o) && o !== 'PROCEDURE DCN_BROKEN')).toEqual([]);
    const up = await dcn(env, ['migrate', ...fixtures()]);
    expect(up.code).toBe(0);
  });
});
