/**
 * Helpers of the real-Oracle suite: a scratch schema made and dropped through the admin
 * connection, and running the real CLI against it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CommandContext } from '../../src/cli/context.js';
import { OracleDriver } from '../../src/db/oracle-driver.js';
import type { AdminPrivilege, DbSession } from '../../src/db/driver.js';
import { simpleIdentifier } from '../../src/config/resolve-config.js';
import type { OracleTestEnv } from './env.js';
import { tailQuery, type LogRow } from '../../src/tail/tail.js';

/** Polls `probe` until it returns something, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`waited ${options.timeoutMs ?? 60_000} ms for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}

/** The rows of nfresults after `afterId`, as dcn tail reads them. */
export async function logRowsAfter(session: DbSession, schema: string, afterId: number): Promise<LogRow[]> {
  // without KEY_VALUES: the suite reads the log at every migration level, V8's column included or not
  const q = await tailQuery({}, schema, { afterId, limit: 10_000 }, false);
  const rows = (await session.execute(q.sql, q.binds, { name: 'tail.select' })).rows;
  return rows.map((r) => ({
    id: Number(r.ID),
    time: r.OPERDATE instanceof Date ? r.OPERDATE.toISOString() : String(r.OPERDATE),
    table: r.TBLNAME == null ? null : String(r.TBLNAME),
    order: r.ORDER_ID == null ? null : String(r.ORDER_ID),
    event: String(r.EVENT),
    operation: r.OPERATION == null ? null : String(r.OPERATION),
    status: r.STATUS_CODE == null ? null : Number(r.STATUS_CODE),
    message: r.RSLT_MSG == null ? null : String(r.RSLT_MSG),
    error: r.ERROR_TEXT == null ? null : String(r.ERROR_TEXT),
    regid: r.REGID == null ? null : Number(r.REGID),
  }));
}

/** Waits until the rows after `afterId` satisfy `done`, and returns them. */
export function waitForLog(
  session: DbSession,
  schema: string,
  afterId: number,
  done: (rows: LogRow[]) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<LogRow[]> {
  return waitFor(
    async () => {
      const rows = await logRowsAfter(session, schema, afterId);
      return done(rows) ? rows : undefined;
    },
    what,
    { timeoutMs },
  );
}

export async function adminSession(env: OracleTestEnv): Promise<DbSession> {
  return new OracleDriver().connect({
    user: env.adminUser,
    password: env.adminPassword,
    connectString: env.connect,
    privilege: env.adminPrivilege as AdminPrivilege | undefined,
    connectTimeoutSeconds: 20,
  });
}

/** The statements that create the scratch schema; the user name is validated, the password quoted. */
export function scratchSchemaStatements(user: string, password: string): string[] {
  const u = simpleIdentifier('scratch user', user);
  if (!/^[A-Za-z0-9_#$]{1,30}$/.test(password)) throw new Error('scratch password: letters, digits, _ # $ only');
  return [
    `CREATE USER ${u} IDENTIFIED BY "${password}"`,
    `GRANT CREATE SESSION, CREATE TABLE, CREATE PROCEDURE, CREATE VIEW, CREATE TYPE, CREATE SEQUENCE, CREATE TRIGGER TO ${u}`,
    `GRANT UNLIMITED TABLESPACE TO ${u}`,
  ];
}

/**
 * A table in a schema of its own (`owner`) that `grantee` reads only through `role`: what a
 * definer's-rights callback cannot read. Names are validated; the owner's account is locked.
 */
export function roleOnlyTableStatements(owner: string, role: string, grantee: string): string[] {
  const [o, r, g] = [
    simpleIdentifier('owner', owner),
    simpleIdentifier('role', role),
    simpleIdentifier('grantee', grantee),
  ];
  return [
    `CREATE USER ${o} IDENTIFIED BY "Dcn_locked_1" ACCOUNT LOCK`,
    `GRANT UNLIMITED TABLESPACE TO ${o}`,
    `CREATE TABLE ${o}.PARTS (part_id NUMBER(6) PRIMARY KEY, name VARCHAR2(30))`,
    `INSERT INTO ${o}.PARTS VALUES (1, 'one')`,
    'COMMIT',
    `BEGIN\n  EXECUTE IMMEDIATE 'CREATE ROLE ${r}';\nEND;`, // a block: the grammar the suite is checked with lacks CREATE ROLE
    `GRANT SELECT ON ${o}.PARTS TO ${r}`,
    `GRANT ${r} TO ${g}`,
  ];
}

/** Drops that owner and role, if they exist (ORA-01918, ORA-01919: they do not). */
export function dropRoleOnlyTableBlock(owner: string, role: string): string {
  const [o, r] = [simpleIdentifier('owner', owner), simpleIdentifier('role', role)];
  return `BEGIN
  BEGIN
    EXECUTE IMMEDIATE 'DROP USER ${o} CASCADE';
  EXCEPTION
    WHEN OTHERS THEN
      IF SQLCODE != -1918 THEN RAISE; END IF;
  END;
  EXECUTE IMMEDIATE 'DROP ROLE ${r}';
EXCEPTION
  WHEN OTHERS THEN
    IF SQLCODE != -1919 THEN RAISE; END IF;
END;`;
}

/** Runs statements as the admin user (the suite's own setup, never dcn's). */
export async function asAdmin(env: OracleTestEnv, statements: readonly string[]): Promise<void> {
  const admin = await adminSession(env);
  try {
    for (const sql of statements) await admin.execute(sql);
    await admin.commit();
  } finally {
    await admin.close();
  }
}

/** Drops the user if it exists (ORA-01918: it does not). */
export function dropSchemaBlock(user: string): string {
  const u = simpleIdentifier('scratch user', user);
  return `BEGIN\n  EXECUTE IMMEDIATE 'DROP USER ${u} CASCADE';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -1918 THEN RAISE; END IF;\nEND;`;
}

/**
 * Removes every registration of the connected user. DROP USER … CASCADE of a user that still has
 * registrations can fail as SYSTEM with ORA-29972 (https://docs.oracle.com/en/error-help/db/ora-29972/), and only
 * their owner (or SYS) may deregister them. One row per table and registration: DISTINCT.
 */
export const DEREGISTER_ALL = `BEGIN
  FOR r IN (SELECT DISTINCT regid FROM user_change_notification_regs) LOOP
    DBMS_CHANGE_NOTIFICATION.DEREGISTER(r.regid);
  END LOOP;
END;`;

/** Deregisters what an earlier (perhaps aborted) run left, as the scratch user; nothing if it does not exist. */
async function deregisterScratch(env: OracleTestEnv): Promise<void> {
  let app: DbSession;
  try {
    app = await new OracleDriver().connect({
      user: env.appUser,
      password: env.appPassword,
      connectString: env.connect,
      connectTimeoutSeconds: 20,
    });
  } catch {
    return; // no such user (ORA-01017): nothing registered
  }
  try {
    await app.execute(DEREGISTER_ALL);
  } catch {
    // no CHANGE NOTIFICATION or EXECUTE grant: it cannot have registrations either
  } finally {
    await app.close();
  }
}

/**
 * The gvenzl images set JOB_QUEUE_PROCESSES=1 in CDB$ROOT: notifications then queue behind one
 * job slave. A PDB cannot be raised above its root: in a PDB the ALTER SYSTEM is refused (or
 * leaves the root's limit in force), and only an account connected to CDB$ROOT can raise it
 * (Oracle Database Reference, JOB_QUEUE_PROCESSES). So this tries, and otherwise the waits
 * allow for one slave.
 */
async function raiseJobQueueProcesses(admin: DbSession): Promise<void> {
  try {
    const value = Number(
      (await admin.execute("SELECT value FROM v$parameter WHERE name = 'job_queue_processes'")).rows[0]?.VALUE,
    );
    if (value > 0 && value < 4) await admin.execute('ALTER SYSTEM SET job_queue_processes = 4');
  } catch (err) {
    process.stdout.write(
      `note: job_queue_processes left as it is (${(err as Error).message.split('\n')[0]}); notifications may queue behind one job slave\n`,
    );
  }
}

async function dropScratch(env: OracleTestEnv, admin: DbSession): Promise<void> {
  await deregisterScratch(env);
  try {
    await admin.execute(dropSchemaBlock(env.appUser));
  } catch (err) {
    if (!/ORA-29972/.test((err as Error).message)) throw err;
    throw new Error(
      `DROP USER ${env.appUser} CASCADE failed with ORA-29972: the user still has registrations that could not be removed as ${env.appUser}. ` +
        `Run \`dcn deregister --all --yes\` as ${env.appUser}, or drop the user as SYS, then run the suite again.`,
      { cause: err },
    );
  }
}

export async function createScratchSchema(env: OracleTestEnv): Promise<void> {
  const admin = await adminSession(env);
  try {
    await raiseJobQueueProcesses(admin);
    await dropScratch(env, admin);
    for (const sql of scratchSchemaStatements(env.appUser, env.appPassword)) await admin.execute(sql);
  } finally {
    await admin.close();
  }
}

export async function dropScratchSchema(env: OracleTestEnv): Promise<void> {
  const admin = await adminSession(env);
  try {
    await dropScratch(env, admin);
  } finally {
    await admin.close();
  }
}

/** Runs dcn in process; a long-running command (watch) stops when `options.stop` resolves, and `onOutput` sees its stdout as it comes. */
export async function dcn(
  env: OracleTestEnv,
  args: string[],
  options: { stop?: Promise<string>; onOutput?: (text: string) => void; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (c: Buffer) => {
    stdout += c;
    options.onOutput?.(stdout);
  });
  const err = new PassThrough().on('data', (c: Buffer) => (stderr += c));
  const ctx: CommandContext = {
    env: {
      DCN_CONNECT: env.connect,
      DCN_USER: env.appUser,
      DCN_PASSWORD: env.appPassword,
      DCN_ADMIN_USER: env.adminUser,
      DCN_ADMIN_PASSWORD: env.adminPassword,
      DCN_ADMIN_PRIVILEGE: env.adminPrivilege ?? 'none',
      ...options.env,
    },
    cwd: mkdtempSync(join(tmpdir(), 'dcn-oracle-')),
    stdin: Readable.from([]),
    stdout: out,
    stderr: err,
    loadDriver: async () => new OracleDriver(),
    holder: 'dcn oracle suite',
    waitForStop: () => options.stop ?? new Promise(() => undefined),
  };
  const code = await main(['node', 'dcn', ...args], ctx);
  await new Promise((r) => setImmediate(r));
  return { code, stdout, stderr };
}
