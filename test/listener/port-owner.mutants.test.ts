/**
 * portOwner names the process that listens on a port (for the error of a port in use), read from
 * Linux's /proc: here, a server this test's own process holds.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portOwner } from '../../src/listener/port-owner.js';

const listening = (host: string) =>
  new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });

describe.skipIf(process.platform !== 'linux')('portOwner (Linux /proc)', () => {
  it('names this process, by pid and command, as the owner of a port it listens on', async () => {
    const { server, port } = await listening('127.0.0.1');
    try {
      expect(portOwner(port)).toEqual({ pid: process.pid, command: readFileSync('/proc/self/comm', 'utf8').trim() });
    } finally {
      server.close();
    }
  });

  it('names nobody for a port nothing listens on', async () => {
    const { server, port } = await listening('127.0.0.1');
    await new Promise((resolve) => server.close(resolve));
    expect(portOwner(port)).toBeUndefined();
  });
});
