/**
 * The real oracledb Thin driver against things that are not databases, on 127.0.0.1: a closed
 * port, and a listener that accepts the connection and never answers. Neither may hang.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OracleDriver } from '../../src/db/oracle-driver.js';
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
      .then(() => undefined, (e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    const mapped = connectError(err, { profile: 'app', user: 'oe', connectString: `127.0.0.1:${port}/FREEPDB1`, connectTimeoutSeconds: 5 });
    expect(mapped.code).toBe('connection_failed');
    expect(mapped.meta.oracleCode).toBe('NJS-503');
    expect(mapped.hint).toMatch(/listener is running/);
  });

  it('gives up on a silent listener after the connect timeout instead of hanging', async () => {
    const started = Date.now();
    const err = await new OracleDriver()
      .connect({ user: 'oe', password: 'x', connectString: `127.0.0.1:${silentPort}/FREEPDB1`, connectTimeoutSeconds: 1 })
      .then(() => undefined, (e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(6000);
    const mapped = connectError(err, { profile: 'app', user: 'oe', connectString: 'silent', connectTimeoutSeconds: 1 });
    expect(mapped.meta.oracleCode).toBe('NJS-510');
    expect(mapped.message).toMatch(/no answer within 1 s/);
  });
});
