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
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
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
  const q = await tailQuery({}, schema, { afterId, limit: 10_000 });
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
export function waitForLog(session: DbSession, schema: string, afterId: number, done: (rows: LogRow[]) => boolean, what: string, timeoutMs = 60_000): Promise<LogRow[]> {
  return waitFor(async () => {
    const rows = await logRowsAfter(session, schema, afterId);
    return done(rows) ? rows : undefined;
  }, what, { timeoutMs });
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

/** Drops the user if it exists (ORA-01918: it does not). */
export function dropSchemaBlock(user: string): string {
  const u = simpleIdentifier('scratch user', user);
  return `BEGIN\n  EXECUTE IMMEDIATE 'DROP USER ${u} CASCADE';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -1918 THEN RAISE; END IF;\nEND;`;
}

export async function createScratchSchema(env: OracleTestEnv): Promise<void> {
  const admin = await adminSession(env);
  try {
    await admin.execute(dropSchemaBlock(env.appUser));
    for (const sql of scratchSchemaStatements(env.appUser, env.appPassword)) await admin.execute(sql);
  } finally {
    await admin.close();
  }
}

export async function dropScratchSchema(env: OracleTestEnv): Promise<void> {
  const admin = await adminSession(env);
  try {
    await admin.execute(dropSchemaBlock(env.appUser));
  } finally {
    await admin.close();
  }
}

export async function dcn(env: OracleTestEnv, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (c: Buffer) => (stdout += c));
  const err = new PassThrough().on('data', (c: Buffer) => (stderr += c));
  const ctx: CommandContext = {
    env: {
      DCN_CONNECT: env.connect,
      DCN_USER: env.appUser,
      DCN_PASSWORD: env.appPassword,
      DCN_ADMIN_USER: env.adminUser,
      DCN_ADMIN_PASSWORD: env.adminPassword,
      DCN_ADMIN_PRIVILEGE: env.adminPrivilege ?? 'none',
    },
    cwd: mkdtempSync(join(tmpdir(), 'dcn-oracle-')),
    stdin: Readable.from([]),
    stdout: out,
    stderr: err,
    loadDriver: async () => new OracleDriver(),
    holder: 'dcn oracle suite',
    waitForStop: () => new Promise(() => undefined),
  };
  const code = await main(['node', 'dcn', ...args], ctx);
  await new Promise((r) => setImmediate(r));
  return { code, stdout, stderr };
}
