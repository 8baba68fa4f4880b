/**
 * The real oracledb Thin driver against things that are not databases, on 127.0.0.1: a closed
 * port, and a listener that accepts the connection and never answers. Neither may hang.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionAttributes,
  OracleDriver,
  OracleSession,
  PRIVILEGES,
  SESSION_MODULE,
  type OracleConnection,
} from '../../src/db/oracle-driver.js';
import { connectError } from '../../src/db/oracle-errors.js';

let silent: Server;
let silentPort = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.push(socket); // accept, read nothing back, never reply
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('OracleDriver (Thin) against no database', () => {
  it('fails at once on a closed port with NJS-503, explained as unreachable', async () => {
    const port = await closedPort();
    const started = Date.now();
    const err = await new OracleDriver()
      .connect({ user: 'oe', password: 'x', connectString: `127.0.0.1:${port}/FREEPDB1`, connectTimeoutSeconds: 5 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(Date.now() - started).toBeLessThan(5000);
    const mapped = connectError(err, {
      profile: 'app',
      user: 'oe',
      connectString: `127.0.0.1:${port}/FREEPDB1`,
      connectTimeoutSeconds: 5,
    });
    expect(mapped.code).toBe('connection_failed');
    expect(mapped.meta.oracleCode).toBe('NJS-503');
    expect(mapped.hint).toMatch(/listener is running/);
  });

  it.each([
    '127.0.0.1:99999/FREEPDB1',
    '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=99999))(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)))',
  ])('refuses a port out of range in %s as bad input (exit 2), not as an outage', async (connectString) => {
    const err = await new OracleDriver()
      .connect({ user: 'oe', password: 'x', connectString, connectTimeoutSeconds: 5 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const mapped = connectError(err, { profile: 'app', user: 'oe', connectString, connectTimeoutSeconds: 5 });
    expect(mapped.code).toBe('config_invalid');
    expect(mapped.exitCode).toBe(2);
    expect(mapped.message).toMatch(/the port in the connect string is not a TCP port/);
  });

  it('refuses a malformed Easy Connect string as bad input (exit 2)', async () => {
    const connectString = '127.0.0.1:1521/FREEPDB1(';
    const err = await new OracleDriver()
      .connect({ user: 'oe', password: 'x', connectString, connectTimeoutSeconds: 5 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const mapped = connectError(err, { profile: 'app', user: 'oe', connectString, connectTimeoutSeconds: 5 });
    expect(mapped.meta.oracleCode).toBe('NJS-515');
    expect(mapped.exitCode).toBe(2);
  });

  it('gives up on a silent listener after the connect timeout instead of hanging', async () => {
    const started = Date.now();
    const err = await new OracleDriver()
      .connect({
        user: 'oe',
        password: 'x',
        connectString: `127.0.0.1:${silentPort}/FREEPDB1`,
        connectTimeoutSeconds: 1,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(6000);
    const mapped = connectError(err, { profile: 'app', user: 'oe', connectString: 'silent', connectTimeoutSeconds: 1 });
    expect(mapped.meta.oracleCode).toBe('NJS-510');
    expect(mapped.message).toMatch(/no answer within 1 s/);
  });
});

describe('OracleSession: what it hands node-oracledb', () => {
  /** A stand-in for an oracledb connection that records what it is given. */
  function recordingConnection(result: Record<string, unknown> = { rows: [], rowsAffected: 0 }, version = 1903000000) {
    const calls: { sql: string; binds: unknown; options: unknown; action: string | undefined }[] = [];
    const assigned: { action: string[]; module: string[] } = { action: [], module: [] };
    let action: string | undefined;
    const connection = {
      set action(v: string) {
        assigned.action.push(v);
        action = v;
      },
      set module(v: string) {
        assigned.module.push(v);
      },
      oracleServerVersion: version,
      execute: async (sql: string, binds: unknown, options: unknown) => {
        calls.push({ sql, binds, options, action });
        return result;
      },
      commit: async () => undefined,
      rollback: async () => undefined,
      close: async () => undefined,
    };
    return { connection: connection as unknown as OracleConnection, calls, assigned };
  }

  it('maps OUT binds to oracledb BIND_OUT with NUMBER or STRING, passes IN binds and positional ones as they are', async () => {
    const oracledb = (await import('oracledb')).default;
    const { connection, calls } = recordingConnection();
    const session = new OracleSession(connection, oracledb);
    await session.execute('BEGIN :n := 1; :s := :x; END;', { n: { out: 'number' }, s: { out: 'string' }, x: 'in' });
    expect(calls[0]!.binds).toEqual({
      n: { dir: oracledb.BIND_OUT, type: oracledb.NUMBER },
      s: { dir: oracledb.BIND_OUT, type: oracledb.STRING },
      x: 'in',
    });
    expect(oracledb.BIND_OUT).toBe(3003);
    expect(oracledb.NUMBER).toBe(oracledb.DB_TYPE_NUMBER);
    expect(oracledb.STRING).toBe(oracledb.DB_TYPE_VARCHAR);
    const positional: (string | number)[] = ['a', 2];
    await session.execute('SELECT :1, :2 FROM dual', positional);
    expect(calls[1]!.binds).toEqual(['a', 2]);
    expect(calls[1]!.binds).not.toBe(positional);
    // rows as objects, and nothing committed behind dcn's back
    expect(calls[1]!.options).toEqual({ outFormat: oracledb.OUT_FORMAT_OBJECT, autoCommit: false });
  });

  it('binds a collection as node-oracledb binds a named collection type: { type, val }', async () => {
    const oracledb = (await import('oracledb')).default;
    const { connection, calls } = recordingConnection();
    await new OracleSession(connection, oracledb).execute('SELECT COLUMN_VALUE FROM TABLE(:rowids)', {
      rowids: { collection: 'SYS.ODCIVARCHAR2LIST', values: ['AAAR1', 'AAAR2'] },
    });
    expect(calls[0]!.binds).toEqual({ rowids: { type: 'SYS.ODCIVARCHAR2LIST', val: ['AAAR1', 'AAAR2'] } });
  });

  it('asks for TCP keepalives (expireTime, in minutes) only when told to', async () => {
    const oracledb = (await import('oracledb')).default;
    const options = { user: 'oe', password: 'x', connectString: 'db:1521/FREEPDB1', connectTimeoutSeconds: 10 };
    expect(connectionAttributes({ ...options, expireTimeMinutes: 1 }, oracledb)).toMatchObject({
      expireTime: 1,
      connectTimeout: 10,
      transportConnectTimeout: 10,
    });
    expect(connectionAttributes(options, oracledb)).not.toHaveProperty('expireTime');
  });

  it('returns rows, rowsAffected, out binds and the compile warning as the DbSession interface says', async () => {
    const oracledb = (await import('oracledb')).default;
    const { connection } = recordingConnection({
      rowsAffected: 3,
      outBinds: { n: 7 },
      warning: { message: 'NJS-700: creation succeeded with compilation errors' },
    });
    const r = await new OracleSession(connection, oracledb).execute('CREATE PROCEDURE p AS BEGIN x; END;');
    expect(r).toEqual({
      rows: [],
      rowsAffected: 3,
      outBinds: { n: 7 },
      warning: { code: 'NJS-700', message: 'NJS-700: creation succeeded with compilation errors' },
    });
  });

  it('reads the server version from oracleServerVersion (1903000000 is 19.3), and none from 0', async () => {
    const oracledb = (await import('oracledb')).default;
    expect(new OracleSession(recordingConnection({}, 1903000000).connection, oracledb).serverVersion()).toEqual({
      major: 19,
      minor: 3,
    });
    expect(new OracleSession(recordingConnection({}, 2309000000).connection, oracledb).serverVersion()).toEqual({
      major: 23,
      minor: 9,
    });
    expect(new OracleSession(recordingConnection({}, 0).connection, oracledb).serverVersion()).toBeUndefined();
  });

  it('shows the dcn step that runs as the session action (V$SESSION), set only when it changes, module dcn', async () => {
    const oracledb = (await import('oracledb')).default;
    const { connection, calls, assigned } = recordingConnection();
    const session = new OracleSession(connection, oracledb);
    expect(assigned.module).toEqual([SESSION_MODULE]);
    await session.execute('SELECT 1 FROM dual', {}, { name: 'lock.acquire' });
    await session.execute('SELECT 1 FROM dual', {}, { name: 'lock.acquire' });
    await session.execute('SELECT 2 FROM dual', {}, { name: 'history.insert' });
    await session.execute('CREATE TABLE t (x NUMBER)');
    expect(calls.map((c) => c.action)).toEqual(['lock.acquire', 'lock.acquire', 'history.insert', '']);
    expect(assigned.action).toEqual(['lock.acquire', 'history.insert', '']);
    await session.execute('SELECT 1 FROM dual', {}, { name: 'x'.repeat(80) });
    expect(assigned.action.at(-1)).toHaveLength(64);
  });

  it('asks for each admin privilege by its oracledb constant', async () => {
    const oracledb = (await import('oracledb')).default;
    const values = Object.fromEntries(Object.entries(PRIVILEGES).map(([name, constant]) => [name, oracledb[constant]]));
    // node-oracledb's documented values (lib/constants.js, "Privileges")
    expect(values).toEqual({
      sysdba: 2,
      sysoper: 4,
      sysasm: 0x8000,
      sysbackup: 0x20000,
      sysdg: 0x40000,
      syskm: 0x80000,
    });
  });
});
