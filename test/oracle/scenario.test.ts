/**
 * The whole chain on a real Oracle (19c or later), step by step: migrate, register, change rows,
 * and see the notifications reach a listener; then the migration engine's lock, a run killed
 * between statements, and everything taken down again. Runs only with DCN_TEST_* set; the
 * database must reach this host at DCN_TEST_CALLBACK_HOST (compose.yaml and the CI workflow
 * make host.docker.internal that address).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import type { DbSession } from '../../src/db/driver.js';
import { OracleDriver } from '../../src/db/oracle-driver.js';
import {
  DEFAULT_TABLES,
  startListener,
  type NotificationEvent,
  type RunningListener,
} from '../../src/listener/listener.js';
import type { LogRow } from '../../src/tail/tail.js';
import { oracleTestEnv, type OracleTestEnv } from './env.js';
import {
  adminSession,
  asAdmin,
  createScratchSchema,
  dcn,
  dropRoleOnlyTableBlock,
  dropScratchSchema,
  logRowsAfter,
  roleOnlyTableStatements,
  waitFor,
  waitForLog,
} from './helpers.js';
import { parseQualifiedName } from '../../src/oracle/identifiers.js';
import { Watch, type WatchEvent } from '../../src/watch/watch.js';

const found = oracleTestEnv();
const env = found as OracleTestEnv;
const root = join(import.meta.dirname, '..', '..');

describe.skipIf('skip' in found)('the whole chain on a real Oracle', () => {
  const callbackUrl = () => `http://${env.callbackHost}:${env.listenPort}/phpcache/dropResults.php`;
  // the steps below check the article's contract, a call per order (the batch has its own step)
  const settings = () => ['--callback-url', callbackUrl(), '--with-demo-schema', '--callback-calls', 'per-key'];
  const seen: NotificationEvent[] = [];
  let listener: RunningListener;
  let cache: ResultCache;
  let app: DbSession;

  const lastId = async () => Number((await app.execute('SELECT NVL(MAX(id), 0) AS m FROM nfresults')).rows[0]!.M);
  const run = async (sql: string) => {
    await app.execute(sql);
    await app.commit();
  };
  const rowsFor = (rows: LogRow[], table: string, order: string | null) =>
    rows.filter((r) => r.table === table && r.order === order);

  beforeAll(async () => {
    await createScratchSchema(env);
    cache = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-oracle-cache-')) });
    listener = await startListener({
      cache,
      // the article's tables, and two HR-style tables routed by their own keys
      tables: { ...DEFAULT_TABLES, EMPLOYEES: 'getEmployee', JOB_HISTORY: 'getJobHistory' },
      host: env.listenHost,
      port: env.listenPort,
      onEvent: (e) => seen.push(e),
    });
    app = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
  });

  afterAll(async () => {
    await dcn(env, ['deregister', '--all', '--yes']).catch(() => undefined);
    await app?.close().catch(() => undefined);
    await listener?.close();
    await dropScratchSchema(env);
  });

  it('dcn migrate installs everything, the demo schema included', async () => {
    const r = await dcn(env, ['migrate', ...settings()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/11 migrations applied/); // V1–V8 with the demo schema, and the three R__ scripts
  });

  it('dcn doctor finds the setup sound: only the registration and the log are still to come', async () => {
    const r = await dcn(env, ['doctor', '--json', ...settings()]);
    const checks = Object.fromEntries(
      JSON.parse(r.stdout).checks.map((c: { id: string; status: string }) => [c.id, c.status]),
    );
    expect(checks).toEqual({
      connection: 'ok',
      privileges: 'ok',
      job_queue_processes: expect.stringMatching(/ok|warn/),
      network_acl: 'ok',
      objects: 'ok',
      registration: 'fail',
      table_access: 'ok',
      migrations: 'ok',
      notifications: 'warn',
      replay: 'ok',
    });
  });

  it('dcn register ORDERS', async () => {
    const r = await dcn(env, ['register', '--table', 'ORDERS', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+\n$/);
  });

  it('an update of order 2408 reaches the listener, and nfresults logs 200', async () => {
    const marker = await lastId();
    await run('UPDATE orders SET order_total = order_total + 1 WHERE order_id = 2408');
    const rows = await waitForLog(
      app,
      env.appUser,
      marker,
      (r) => rowsFor(r, 'ORDERS', '2408').length > 0,
      'the notification of order 2408',
    );
    expect(rowsFor(rows, 'ORDERS', '2408')[0]).toMatchObject({ status: 200, error: null });
    expect(seen).toContainEqual(
      expect.objectContaining({ status: 200, action: 'dropped', table: 'ORDERS', order: 2408 }),
    );
  });

  // (no --probe: host.docker.internal names this host from inside the container, not from here)
  it('dcn doctor: everything ok now', async () => {
    const r = await dcn(env, ['doctor', '--json', ...settings()]);
    const report = JSON.parse(r.stdout);
    expect(report.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('dcn enable-reg adds ORDER_ITEMS to the registration found by its callback', async () => {
    const r = await dcn(env, ['enable-reg', '--callback', 'orders_nf_callback', '--table', 'ORDER_ITEMS']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('an item moved to another order: one table-level notification, so the order it left is dropped too', async () => {
    const marker = await lastId();
    await run('UPDATE order_items SET order_id = 2409, line_item_id = 99 WHERE order_id = 2408 AND line_item_id = 3');
    const rows = await waitForLog(
      app,
      env.appUser,
      marker,
      (r) => rowsFor(r, 'ORDER_ITEMS', null).length > 0,
      'the table-level notification of the moved item',
    );
    expect(rowsFor(rows, 'ORDER_ITEMS', null)[0]).toMatchObject({
      status: 200,
      message: expect.stringMatching(/items updated/),
    });
    expect(rowsFor(rows, 'ORDER_ITEMS', '2409')).toEqual([]); // not only the order it went to
    expect(seen).toContainEqual(expect.objectContaining({ action: 'dropped-all', table: 'ORDER_ITEMS' }));
  });

  it('with orderItemsKeyImmutable, two items of one order changed in one transaction: exactly one notification for that order', async () => {
    const r = await dcn(env, ['migrate', ...settings(), '--order-items-key-immutable']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const marker = await lastId();
    await run('UPDATE order_items SET quantity = quantity + 1 WHERE order_id = 2408 AND line_item_id IN (1, 2)');
    await waitForLog(
      app,
      env.appUser,
      marker,
      (r) => rowsFor(r, 'ORDER_ITEMS', '2408').length > 0,
      'the notification of the items of 2408',
    );
    await new Promise((r) => setTimeout(r, 3000)); // a second one would have come by now
    const rows = await logRowsAfter(app, env.appUser, marker);
    expect(rowsFor(rows, 'ORDER_ITEMS', '2408')).toHaveLength(1);
    expect(rowsFor(rows, 'ORDER_ITEMS', null)).toEqual([]);
    expect((await dcn(env, ['migrate', ...settings()])).code).toBe(0); // back to the default
  });

  it('callbackCalls=batch: three orders changed in one transaction are one POST, one log row naming all three, and all three dropped', async () => {
    const r = await dcn(env, ['migrate', ...settings(), '--callback-calls', 'batch']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const n of [2408, 2409, 4001]) await cache.call('getOrderFields', () => `stale ${n}`, n);
    const marker = await lastId();
    await app.execute(`INSERT INTO orders (order_id, order_date, order_mode, customer_id, order_status, order_total)
                       VALUES (4001, SYSTIMESTAMP, 'online', 101, 0, 0)`);
    await app.execute('UPDATE orders SET order_total = order_total + 1 WHERE order_id IN (2408, 2409)');
    await app.commit();
    const batches = await waitFor(async () => {
      const rows = (
        await app.execute(
          `SELECT operation, key_values, status_code, order_id FROM nfresults WHERE id > :m AND event = 'notify' AND tblname = 'ORDERS' ORDER BY id`,
          { m: marker },
        )
      ).rows;
      return rows.length > 0 ? rows : undefined;
    }, 'the batch of ORDERS');
    await new Promise((r) => setTimeout(r, 3000)); // a second call would have come by now
    const all = (
      await app.execute(
        `SELECT operation, key_values, status_code, order_id FROM nfresults WHERE id > :m AND event = 'notify' AND tblname = 'ORDERS' ORDER BY id`,
        { m: marker },
      )
    ).rows;
    expect(all).toEqual(batches);
    expect(all).toEqual([
      {
        OPERATION: 'batch',
        KEY_VALUES: 'order_no=2408\norder_no=2409\norder_no=4001',
        STATUS_CODE: 200,
        ORDER_ID: null,
      },
    ]);
    for (const n of [2408, 2409, 4001]) expect(await cache.has('getOrderFields', n)).toBe(false);
    await run('DELETE FROM orders WHERE order_id = 4001');
    expect((await dcn(env, ['migrate', ...settings()])).code).toBe(0); // back to a call per order
  });

  it('a deleted order is notified at table level, and nothing raises NO_DATA_FOUND', async () => {
    const marker = await lastId();
    await run('DELETE FROM orders WHERE order_id = 2410'); // its items go too (ON DELETE CASCADE)
    const rows = await waitForLog(
      app,
      env.appUser,
      marker,
      (r) => rowsFor(r, 'ORDERS', null).length > 0 && rowsFor(r, 'ORDER_ITEMS', null).length > 0,
      'the table-level notifications of the delete',
    );
    expect(rowsFor(rows, 'ORDERS', null)[0]).toMatchObject({ status: 200 });
    expect(rowsFor(rows, 'ORDERS', null)[0]!.message).toMatch(/rows deleted/);
    expect(rows.filter((r) => r.event === 'error' || /ORA-01403|NO_DATA_FOUND/.test(r.error ?? ''))).toEqual([]);
    expect(seen).toContainEqual(expect.objectContaining({ action: 'dropped-all', table: 'ORDERS' }));
  });

  it('more rows than Oracle sends ROWIDs for: one table-level notification', async () => {
    // the threshold set here, not assumed: 2,000 rows are far beyond 100
    await app.execute('BEGIN DBMS_CHANGE_NOTIFICATION.SET_ROWID_THRESHOLD(:t, 100); END;', {
      t: `${env.appUser}.ORDER_ITEMS`,
    });
    const marker = await lastId();
    await app.execute(`INSERT INTO orders (order_id, order_date, order_mode, customer_id, order_status, order_total)
                       SELECT 5000 + level, SYSTIMESTAMP, 'online', 101, 0, 0 FROM dual CONNECT BY level <= 5`);
    await app.execute(`INSERT INTO order_items (order_id, line_item_id, product_id, unit_price, quantity)
                       SELECT 5001 + MOD(level, 5), CEIL(level / 5), 3000 + level, 1, 1 FROM dual CONNECT BY level <= 2000`);
    await app.commit();
    const rows = await waitForLog(
      app,
      env.appUser,
      marker,
      (r) => rowsFor(r, 'ORDER_ITEMS', null).length > 0,
      'the table-level notification of 2,000 new items',
    );
    expect(rowsFor(rows, 'ORDER_ITEMS', null)[0]).toMatchObject({
      status: 200,
      message: expect.stringMatching(/all rows/),
    });
  });

  // What dcn regs decodes rests on formats no document states: checked here on their own first,
  // so that a different format fails with its name rather than as a wrong decode further on.
  it('USER_CHANGE_NOTIFICATION_REGS shows what dcn regs reads: OWNER.TABLE, 4294967295 for no timeout, the QOS bits', async () => {
    const rows = (await app.execute('SELECT regid, regflags, timeout, table_name FROM user_change_notification_regs'))
      .rows;
    expect(
      rows.map((r) => String(r.TABLE_NAME)).sort(),
      'TABLE_NAME: one row per table, schema-qualified as OWNER.TABLE',
    ).toEqual([`${env.appUser}.ORDERS`, `${env.appUser}.ORDER_ITEMS`]);
    for (const r of rows) {
      expect(Number(r.TIMEOUT), 'TIMEOUT of a registration made without one').toBe(4294967295);
      // dcn register asked for QOS_RELIABLE (1) and QOS_ROWIDS (4); other bits may be set too
      expect(Number(r.REGFLAGS) & 5, `REGFLAGS ${String(r.REGFLAGS)} holds the QOS_RELIABLE and QOS_ROWIDS bits`).toBe(
        5,
      );
    }
  });

  it('dcn regs shows one registration with both tables', async () => {
    // the view's formats, checked first where the names below rest on them: REGFLAGS of a PL/SQL
    // registration made with QOS_RELIABLE + QOS_ROWIDS, and its CALLBACK as plsql://…
    const raw = (await app.execute('SELECT DISTINCT regflags, callback FROM user_change_notification_regs')).rows;
    expect(raw).toEqual([{ REGFLAGS: 5, CALLBACK: expect.stringMatching(/^plsql:\/\/(.*\.)?ORDERS_NF_CALLBACK\b/i) }]);
    const r = await dcn(env, ['regs', '--json']);
    const regs = JSON.parse(r.stdout).registrations;
    expect(regs).toHaveLength(1);
    expect(regs[0].tables).toEqual([`${env.appUser}.ORDERS`, `${env.appUser}.ORDER_ITEMS`]);
    expect(regs[0].regflags).toBe(5);
    expect(regs[0].qos).toEqual(['reliable', 'rowids']);
    expect(regs[0].timeoutSeconds).toBeNull(); // TIMEOUT 4294967295: none
  });

  it('dcn tail --json shows the rows', async () => {
    const r = await dcn(env, ['tail', '--json', '--table', 'ORDERS', '--order', '2408']);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.some((row) => row.status === 200)).toBe(true);
  });

  describe('any table, keyed by its own columns', () => {
    /** The calls logged after `marker` for a table: their key values and status. */
    const keyedCalls = async (marker: number, table: string) =>
      (
        await app.execute(
          `SELECT key_values, status_code, rslt_msg FROM nfresults WHERE id > :m AND event = 'notify' AND tblname = :t ORDER BY id`,
          { m: marker, t: table },
        )
      ).rows.map((r) => ({
        keys: r.KEY_VALUES as string | null,
        status: Number(r.STATUS_CODE),
        message: String(r.RSLT_MSG),
      }));

    it('dcn register takes the primary key of each table, a composite one too', async () => {
      await run(
        'CREATE TABLE employees (employee_id NUMBER(6) PRIMARY KEY, email VARCHAR2(25) NOT NULL, department_id NUMBER(4))',
      );
      await run(
        'CREATE TABLE job_history (employee_id NUMBER(6), start_date DATE, job_id VARCHAR2(10), CONSTRAINT job_history_pk PRIMARY KEY (employee_id, start_date))',
      );
      await run("INSERT INTO employees VALUES (7, 'SEVEN', 10)");
      await run("INSERT INTO employees VALUES (8, 'EIGHT', 10)");
      await run("INSERT INTO job_history VALUES (101, DATE '1993-01-13', 'AC_ACCOUNT')");
      const r = await dcn(env, ['register', '--table', 'EMPLOYEES', '--table', 'JOB_HISTORY', '--json']);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).routes).toEqual([
        { table: `${env.appUser}.EMPLOYEES`, key: ['EMPLOYEE_ID'], keyImmutable: true, keyFrom: 'primary key' },
        {
          table: `${env.appUser}.JOB_HISTORY`,
          key: ['EMPLOYEE_ID', 'START_DATE'],
          keyImmutable: true,
          keyFrom: 'primary key',
        },
      ]);
    });

    it('an update of employee 7 calls ?table=EMPLOYEES&key=7 once and drops getEmployee(7), not 8', async () => {
      await cache.call('getEmployee', () => 'stale seven', 7);
      await cache.call('getEmployee', () => 'eight', 8);
      const marker = await lastId();
      await run("UPDATE employees SET email = 'SEVEN7' WHERE employee_id = 7");
      const calls = await waitFor(async () => {
        const c = await keyedCalls(marker, 'EMPLOYEES');
        return c.length > 0 ? c : undefined;
      }, 'the keyed call for employee 7');
      expect(calls).toEqual([{ keys: 'key=7', status: 200, message: expect.stringMatching(/^200 /) }]);
      expect(await cache.has('getEmployee', 7)).toBe(false);
      expect(await cache.has('getEmployee', 8)).toBe(true);
    });

    it('a composite key sends one key per column, in key order', async () => {
      const marker = await lastId();
      await run("UPDATE job_history SET job_id = 'AC_MGR' WHERE employee_id = 101");
      const calls = await waitFor(async () => {
        const c = await keyedCalls(marker, 'JOB_HISTORY');
        return c.length > 0 ? c : undefined;
      }, 'the keyed call for job history 101');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.keys).toMatch(/^key=101&key=[^&]+$/);
      expect(seen).toContainEqual(
        expect.objectContaining({ action: 'dropped', table: 'JOB_HISTORY', keys: ['101', expect.any(String)] }),
      );
    });

    it('a --key that may change: an update is one table-level call', async () => {
      // registered again with another key: the route is the table's, so both registrations' calls follow it
      const r = await dcn(env, ['register', '--table', 'EMPLOYEES', '--key', 'DEPARTMENT_ID']);
      expect(r.code).toBe(0);
      // DEPARTMENT_ID has no NOT NULL constraint: ALL_TAB_COLUMNS.NULLABLE 'Y' (EMAIL, NOT NULL, would be 'N')
      expect(r.stderr).toMatch(/dcn: warning: .*EMPLOYEES: key column DEPARTMENT_ID may be NULL/);
      const marker = await lastId();
      await run('UPDATE employees SET department_id = 20 WHERE employee_id = 8');
      const calls = await waitFor(async () => {
        const c = await keyedCalls(marker, 'EMPLOYEES');
        return c.length > 0 ? c : undefined;
      }, 'the table-level call for a department change');
      expect(calls[0]).toMatchObject({
        keys: null,
        status: 200,
        message: expect.stringMatching(/may have changed a key/),
      });
      expect(seen).toContainEqual(expect.objectContaining({ action: 'dropped-all', table: 'EMPLOYEES' }));
    });

    it('dcn deregister removes the routes of the tables no registration covers', async () => {
      const regs = JSON.parse((await dcn(env, ['regs', '--json'])).stdout).registrations as {
        regid: number;
        tables: string[];
      }[];
      const hr = regs
        .filter((x) => x.tables.some((t) => /\.(EMPLOYEES|JOB_HISTORY)$/.test(t)))
        .map((x) => String(x.regid));
      expect(hr).toHaveLength(2);
      const r = await dcn(env, ['deregister', ...hr, '--yes', '--json']);
      expect(JSON.parse(r.stdout).routesRemoved.sort()).toEqual([
        `${env.appUser}.EMPLOYEES`,
        `${env.appUser}.JOB_HISTORY`,
      ]);
      await run('DROP TABLE job_history PURGE');
      await run('DROP TABLE employees PURGE');
    });
  });

  describe('a NULL key, a quoted mixed-case table, and one step down from V8', () => {
    const callsFor = async (marker: number, table: string) =>
      (
        await app.execute(
          `SELECT event, key_values, rslt_msg FROM nfresults WHERE id > :m AND tblname = :t ORDER BY id`,
          { m: marker, t: table },
        )
      ).rows.map((r) => ({ event: String(r.EVENT), keys: r.KEY_VALUES as string | null, message: String(r.RSLT_MSG) }));
    const waitForCall = (marker: number, table: string, what: string) =>
      waitFor(async () => {
        const c = await callsFor(marker, table);
        return c.some((x) => x.event === 'notify') ? c : undefined;
      }, what);

    it("a NULL key value ('' is stored as NULL): one table-level call, no loop and no error", async () => {
      await run('CREATE TABLE gadgets (gadget_id NUMBER PRIMARY KEY, code VARCHAR2(10))');
      expect((await dcn(env, ['register', '--table', 'GADGETS', '--key', 'CODE'])).code).toBe(0);
      const marker = await lastId();
      await run("INSERT INTO gadgets VALUES (1, '')");
      const calls = await waitForCall(marker, 'GADGETS', 'the call for a gadget whose code is NULL');
      expect(calls).toEqual([{ event: 'notify', keys: null, message: expect.stringMatching(/NULL key value/) }]);
      expect((await logRowsAfter(app, env.appUser, marker)).filter((x) => x.event === 'error')).toEqual([]);
    });

    it('a quoted mixed-case table is refused by register (no listener map could name it), and nothing is registered', async () => {
      await run('CREATE TABLE "MixedCase" (id NUMBER PRIMARY KEY, note VARCHAR2(10))');
      const r = await dcn(env, ['register', '--table', '"MixedCase"']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/plain upper-case names only/);
      const regs = JSON.parse((await dcn(env, ['regs', '--json'])).stdout).registrations as { tables: string[] }[];
      expect(regs.filter((x) => x.tables.some((t) => t.endsWith('.MixedCase')))).toEqual([]);
    });

    it('one step down from V8: both procedures VALID, orders still notified, a routed table at table level', async () => {
      const down = await dcn(env, ['migrate', 'down', ...settings()]);
      expect(down.stderr).toBe('');
      expect(down.code).toBe(0);
      const objects = await app.execute(
        "SELECT object_name || ':' || status AS o FROM user_objects WHERE object_name IN ('SENDNOTIFICATION', 'ORDERS_NF_CALLBACK') ORDER BY 1",
      );
      expect(objects.rows.map((row) => String(row.O))).toEqual(['ORDERS_NF_CALLBACK:VALID', 'SENDNOTIFICATION:VALID']);
      let marker = await lastId();
      await run('UPDATE orders SET order_total = order_total + 1 WHERE order_id = 2408');
      const rows = await waitForLog(
        app,
        env.appUser,
        marker,
        (r) => rowsFor(r, 'ORDERS', '2408').length > 0,
        'the notification of order 2408 after V8 was undone',
      );
      expect(rowsFor(rows, 'ORDERS', '2408')[0]).toMatchObject({ status: 200, error: null });
      marker = await lastId();
      await run("UPDATE gadgets SET code = 'G1' WHERE gadget_id = 1");
      const gadgets = await waitForLog(
        app,
        env.appUser,
        marker,
        (r) => r.some((x) => x.table === 'GADGETS'),
        'the call for GADGETS without dcn_routes',
      );
      expect(gadgets.filter((x) => x.table === 'GADGETS')).toEqual([
        expect.objectContaining({ event: 'notify', order: null, message: expect.stringMatching(/no routes table/) }),
      ]);
      const up = await dcn(env, ['migrate', ...settings()]);
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      const regs = JSON.parse((await dcn(env, ['regs', '--json'])).stdout).registrations as {
        regid: number;
        tables: string[];
      }[];
      const ours = regs
        .filter((x) => x.tables.some((t) => /\.(GADGETS|MixedCase)$/.test(t)))
        .map((x) => String(x.regid));
      expect((await dcn(env, ['deregister', ...ours, '--yes'])).code).toBe(0);
      await run('DROP TABLE gadgets PURGE');
      await run('DROP TABLE "MixedCase" PURGE');
    });
  });

  describe("a table the app user reads only through a role: the callback (definer's rights) cannot", () => {
    const owner = () => `${env.appUser}_RO`;
    const role = () => `${env.appUser}_READER`;
    const parts = () => `${owner()}.PARTS`;
    const regsOfParts = async () =>
      (
        JSON.parse((await dcn(env, ['regs', '--json'])).stdout).registrations as { regid: number; tables: string[] }[]
      ).filter((r) => r.tables.includes(parts()));

    beforeAll(async () => {
      await asAdmin(env, [
        dropRoleOnlyTableBlock(owner(), role()),
        ...roleOnlyTableStatements(owner(), role(), env.appUser),
      ]);
    });
    afterAll(async () => {
      const ids = (await regsOfParts()).map((r) => String(r.regid));
      if (ids.length > 0) await dcn(env, ['deregister', ...ids, '--yes']);
      await asAdmin(env, [dropRoleOnlyTableBlock(owner(), role())]);
    });

    it("Oracle: SQL reads it through the role; a definer's-rights procedure of the user cannot (ORA-00942), dynamic SQL included", async () => {
      // a new session: the role granted in beforeAll is a default role, enabled at logon
      const s = await new OracleDriver().connect({
        user: env.appUser,
        password: env.appPassword,
        connectString: env.connect,
        connectTimeoutSeconds: 20,
      });
      try {
        expect((await s.execute(`SELECT COUNT(*) AS n FROM ${parts()}`)).rows[0]!.N).toBe(1);
        await s.execute(
          `CREATE OR REPLACE PROCEDURE dcn_role_probe (n OUT NUMBER) IS BEGIN EXECUTE IMMEDIATE 'SELECT COUNT(*) FROM ${parts()}' INTO n; END;`,
        );
        await expect(s.execute('BEGIN dcn_role_probe(:n); END;', { n: { out: 'number' } })).rejects.toThrow(
          /ORA-00942/,
        );
        await s.execute('DROP PROCEDURE dcn_role_probe');
      } finally {
        await s.close();
      }
    });

    it('dcn register refuses it, naming the grant; nothing is registered', async () => {
      const r = await dcn(env, ['register', '--table', parts()]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `reads ${parts().replace('.', '\\.')} only through a role[\\s\\S]*GRANT SELECT ON ${parts().replace('.', '\\.')} TO ${env.appUser};`,
        ),
      );
      expect(await regsOfParts()).toEqual([]);
    });

    it('--allow-role-grant registers it with a warning, and dcn doctor then fails table_access', async () => {
      const r = await dcn(env, ['register', '--table', parts(), '--allow-role-grant']);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/dcn: warning: .* only through a role/);
      const doctor = await dcn(env, ['doctor', '--json', ...settings()]);
      const check = JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'table_access');
      expect(check).toMatchObject({
        status: 'fail',
        fix: `have a DBA run: GRANT SELECT ON ${parts()} TO ${env.appUser};`,
      });
    });

    it('granted directly, dcn register takes it without a word, and doctor passes table_access', async () => {
      await asAdmin(env, [`GRANT SELECT ON ${parts()} TO ${env.appUser}`]);
      const r = await dcn(env, ['register', '--table', parts()]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const doctor = await dcn(env, ['doctor', '--json', ...settings()]);
      expect(JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'table_access')).toMatchObject({
        status: 'ok',
      });
    });
  });

  describe('dcn watch: the same drops without the callback', () => {
    it('dcn doctor --watch finds the chain sound', async () => {
      const r = await dcn(env, ['doctor', '--watch', '--json']);
      const checks = Object.fromEntries(
        JSON.parse(r.stdout).checks.map((c: { id: string; status: string }) => [c.id, c.status]),
      );
      expect(checks).toEqual({ connection: 'ok', driver: 'ok', privileges: 'ok', tables: 'ok', subscription: 'ok' });
    });

    it('subscribes, drops an updated order, shows in dcn regs with its timeout, and unsubscribes on a signal', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dcn-oracle-watch-'));
      const cache = new ResultCache({ dir });
      let stop!: (s: string) => void;
      let output = '';
      const running = dcn(env, ['watch', '--table', 'ORDERS', '--cache-dir', dir, '--json', '--timeout', '120'], {
        stop: new Promise((r) => (stop = r)),
        onOutput: (text) => (output = text),
      });
      await waitFor(async () => (/"action":"dropped-all"/.test(output) ? true : undefined), 'the watch subscribed');
      // checked raw first: whether the view shows the timeout asked for or what is left of it is not documented
      const timeouts = async () =>
        (await app.execute('SELECT timeout FROM user_change_notification_regs')).rows.map((r) => Number(r.TIMEOUT));
      expect(
        (await timeouts()).filter((t) => t > 0 && t <= 120),
        'USER_CHANGE_NOTIFICATION_REGS.TIMEOUT of the watch subscription (120 s asked for)',
      ).toHaveLength(1);
      const regs = JSON.parse((await dcn(env, ['regs', '--json'])).stdout).registrations as {
        regid: number;
        timeoutSeconds: number | null;
        qos: string[];
        regflags: number;
      }[];
      const watchReg = regs.find((r) => r.timeoutSeconds !== null && r.timeoutSeconds > 0 && r.timeoutSeconds <= 120);
      expect(watchReg, 'the watch subscription in dcn regs').toBeDefined();
      // a client subscription's REGFLAGS carry the protocol's bits: shown as a number, never named
      expect(watchReg!.qos).toEqual(watchReg!.regflags === 0 ? [] : [`0x${watchReg!.regflags.toString(16)}`]);
      await cache.call('getOrderFields', () => 'stale', 2409);
      await run('UPDATE orders SET order_total = order_total + 1 WHERE order_id = 2409');
      await waitFor(
        async () => (!(await cache.has('getOrderFields', 2409)) ? true : undefined),
        'the drop of order 2409',
      );
      expect(output).toMatch(
        /"action":"dropped","table":"[^"]+\.ORDERS","operation":"update","function":"getOrderFields","order":2409/,
      );
      stop('SIGTERM');
      const r = await running;
      expect(r.code).toBe(0);
      // unsubscribed, not left to time out
      expect((await timeouts()).filter((t) => t > 0 && t <= 120)).toEqual([]);
    });

    const accountStatus = async () => {
      const admin = await adminSession(env);
      try {
        return String(
          (await admin.execute('SELECT account_status FROM dba_users WHERE username = :u', { u: env.appUser })).rows[0]
            ?.ACCOUNT_STATUS,
        );
      } finally {
        await admin.close();
      }
    };

    it('a wrong password: dcn watch stops after one refused login with exit 6 within 15 s, and the account stays open', async () => {
      const started = Date.now();
      const r = await dcn(
        env,
        ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-oracle-watch-'))],
        { env: { DCN_PASSWORD: `${env.appPassword}_wrong` } },
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(r.code).toBe(6);
      expect(r.stderr).toMatch(/a refused login is never tried again.*ORA-01017/);
      expect(await accountStatus()).toBe('OPEN');
    });

    it("a password changed while dcn watch runs: the renewal's notification connection is refused, and watch stops with exit 6 instead of retrying", async () => {
      // node-oracledb Thin opens each new subscription's notification connection with the password it connected with
      let stop!: (s: string) => void;
      let output = '';
      const running = dcn(
        env,
        [
          'watch',
          '--table',
          'ORDERS',
          '--cache-dir',
          mkdtempSync(join(tmpdir(), 'dcn-oracle-watch-')),
          '--json',
          '--timeout',
          '30',
          '--check-interval',
          '2',
        ],
        { stop: new Promise((r) => (stop = r)), onOutput: (text) => (output = text) },
      );
      await waitFor(async () => (/"action":"subscribed"/.test(output) ? true : undefined), 'the watch subscribed');
      const admin = await adminSession(env);
      const user = env.appUser.replace(/[^A-Z0-9_#$]/g, '');
      try {
        await admin.execute(`ALTER USER ${user} IDENTIFIED BY "${env.appPassword}X"`);
        const r = await Promise.race([running, new Promise<undefined>((resolve) => setTimeout(resolve, 60_000))]);
        if (r === undefined) stop('SIGTERM');
        expect(r?.code).toBe(6);
        expect(r?.stderr).toMatch(/login_denied|refused the login|ORA-01017/);
      } finally {
        await admin.execute(`ALTER USER ${user} IDENTIFIED BY "${env.appPassword}"`);
        await admin.close();
      }
      expect(await accountStatus()).toBe('OPEN');
    }, 90_000);

    it('a quoted mixed-case table: its changes are matched by the name the dictionary stores', async () => {
      await run('CREATE TABLE "MixedCase" ("Id" NUMBER PRIMARY KEY, note VARCHAR2(20))');
      await run(`INSERT INTO "MixedCase" VALUES (1, 'one')`);
      const mixed = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-oracle-mixed-')) });
      const events: WatchEvent[] = [];
      const stop = new AbortController();
      const watch = new Watch({
        connect: (o) =>
          new OracleDriver().connect({
            user: env.appUser,
            password: env.appPassword,
            connectString: env.connect,
            connectTimeoutSeconds: 20,
            ...o,
          }),
        tables: [parseQualifiedName('"MixedCase"')],
        functions: { MixedCase: 'getMixed' },
        orderTables: [],
        cache: mixed,
        timeoutSeconds: 120,
        checkSeconds: 5,
        name: 'dcn-oracle-mixed',
        signal: stop.signal,
        onEvent: (e) => events.push(e),
      });
      const done = watch.run();
      try {
        await waitFor(
          async () => (events.some((e) => e.action === 'subscribed') ? true : undefined),
          'the mixed-case watch subscribed',
        );
        await mixed.call('getMixed', () => 'stale', 1);
        await run(`UPDATE "MixedCase" SET note = 'uno' WHERE "Id" = 1`);
        await waitFor(async () => (!(await mixed.has('getMixed', 1)) ? true : undefined), 'the drop of getMixed(1)');
        expect(events).toContainEqual(
          expect.objectContaining({
            action: 'dropped',
            table: `${env.appUser}.MixedCase`,
            keys: ['1'],
            function: 'getMixed',
          }),
        );
        expect(events.some((e) => e.action === 'ignored')).toBe(false);
      } finally {
        stop.abort();
        await done;
        mixed.close();
        await run('DROP TABLE "MixedCase" PURGE');
      }
    });
  });

  it('two concurrent dcn migrate runs: one fails on the lock, the history stays consistent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-concurrent-'));
    writeFileSync(
      join(dir, 'V1__slow.sql'),
      'BEGIN\n  DBMS_SESSION.SLEEP(4);\nEND;\n/\nCREATE TABLE dcn_concurrent (x NUMBER);\n',
    );
    const args = ['migrate', '--migrations', dir, '--history-table', 'DCN_CONCURRENT_HISTORY', '--lock-timeout', '1'];
    const first = dcn(env, args);
    // the first holds the lock once it has recorded V1 as begun (it records it under the lock)
    await waitFor(
      async () => {
        const r = await app
          .execute("SELECT COUNT(*) AS n FROM dcn_concurrent_history WHERE version = '1'")
          .catch(() => ({ rows: [] as Record<string, unknown>[] }));
        return Number(r.rows[0]?.N ?? 0) > 0 ? true : undefined;
      },
      'the first run to hold the lock',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const second = await dcn(env, args);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/the migration lock is held by dcn oracle suite/);
    expect((await first).code).toBe(0);
    const history = await app.execute('SELECT version, success FROM dcn_concurrent_history');
    expect(history.rows).toEqual([{ VERSION: '1', SUCCESS: 1 }]);
  });

  it('a dcn migrate killed between statements is blocked, then resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-killed-'));
    writeFileSync(
      join(dir, 'V1__killed.sql'),
      'CREATE TABLE dcn_killed (x NUMBER);\nBEGIN\n  DBMS_SESSION.SLEEP(5);\nEND;\n/\nCREATE INDEX dcn_killed_ix ON dcn_killed (x);\n',
    );
    const args = ['migrate', '--migrations', dir, '--history-table', 'DCN_KILLED_HISTORY'];
    const child = spawn(process.execPath, [join(root, 'bin', 'dcn.js'), ...args], {
      env: { ...process.env, DCN_CONNECT: env.connect, DCN_USER: env.appUser, DCN_PASSWORD: env.appPassword },
      stdio: 'ignore',
    });
    // killed once the history says statement 1 is done, during statement 2 (the sleep)
    await waitFor(
      async () => {
        // ORA-00942 until the run has created its history table
        const r = await app
          .execute('SELECT MAX(statements_done) AS done FROM dcn_killed_history')
          .catch(() => ({ rows: [] as Record<string, unknown>[] }));
        return Number(r.rows[0]?.DONE ?? 0) >= 1 ? true : undefined;
      },
      'statement 1 to be recorded',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const blocked = await dcn(env, args);
    expect(blocked.code).toBe(7);
    expect(blocked.stderr).toMatch(/V1 \(killed\) failed at statement 2 of 3[\s\S]*--resume/);
    const resumed = await dcn(env, [...args, '--resume']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(
      (await app.execute("SELECT index_name FROM user_indexes WHERE index_name = 'DCN_KILLED_IX'")).rows,
    ).toHaveLength(1);
  });

  it("a change of the callback URL moves the network ACE: the new host gets one, the old one's goes, and back", async () => {
    // PRIVILEGE's case in USER_HOST_ACES is not documented: compared upper-cased
    const aces = async () =>
      (
        await app.execute(
          "SELECT LOWER(host) AS host, lower_port, upper_port FROM user_host_aces WHERE UPPER(privilege) = 'CONNECT' ORDER BY 1, 2",
        )
      ).rows.map((r) => `${r.HOST}:${r.LOWER_PORT}-${r.UPPER_PORT}`);
    const before = await aces();
    expect(before).toContain(`${env.callbackHost.toLowerCase()}:${env.listenPort}-${env.listenPort}`);
    const moved = ['--callback-url', 'http://dcn-moved.example:9099/phpcache/dropResults.php', '--with-demo-schema'];
    const status = await dcn(env, ['migrate', 'status', ...moved]);
    expect(status.stdout).toContain(
      'R__00_network_acl: made with other settings than now (callback_host, callback_port changed)',
    );
    const r = await dcn(env, ['migrate', ...moved]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = await aces();
    expect(after).toContain('dcn-moved.example:9099-9099');
    expect(after).not.toContain(`${env.callbackHost.toLowerCase()}:${env.listenPort}-${env.listenPort}`);
    const back = await dcn(env, ['migrate', ...settings()]);
    expect(back.code).toBe(0);
    expect(await aces()).toEqual(before);
  });

  it('dcn deregister removes the registration', async () => {
    expect((await dcn(env, ['deregister', '--all', '--yes'])).code).toBe(0);
    expect(JSON.parse((await dcn(env, ['regs', '--json'])).stdout).registrations).toEqual([]);
  });

  it('dcn migrate down to zero leaves no dcn object, grant or ACE behind', async () => {
    const r = await dcn(env, ['migrate', 'down', '--yes', '--to', '0', ...settings()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fresh = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
    try {
      const objects = await fresh.execute(
        "SELECT object_name FROM user_objects WHERE object_name NOT LIKE 'DCN\\_%' ESCAPE '\\' AND object_type IN ('TABLE', 'TYPE', 'PROCEDURE')",
      );
      expect(objects.rows).toEqual([]);
      expect(
        (await fresh.execute("SELECT privilege FROM session_privs WHERE privilege = 'CHANGE NOTIFICATION'")).rows,
      ).toEqual([]);
      expect(
        (
          await fresh.execute(
            "SELECT table_name FROM user_tab_privs WHERE table_name IN ('DBMS_CHANGE_NOTIFICATION', 'DBMS_CQ_NOTIFICATION')",
          )
        ).rows,
      ).toEqual([]);
      expect(
        (await fresh.execute('SELECT host FROM user_host_aces WHERE host = :h', { h: env.callbackHost })).rows,
      ).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('dcn migrate again succeeds', async () => {
    const r = await dcn(env, ['migrate', ...settings()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
