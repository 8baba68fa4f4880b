import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startListener } from '../../src/listener/listener.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { doctor, healthy, type Check } from '../support/doctor.js';

describe('dcn doctor', () => {
  it('passes every check on a working setup, exit 0', async () => {
    const r = await doctor(await healthy());
    expect(r.report.checks.map((c) => [c.id, c.status])).toEqual([
      ['connection', 'ok'],
      ['privileges', 'ok'],
      ['job_queue_processes', 'ok'],
      ['network_acl', 'ok'],
      ['objects', 'ok'],
      ['registration', 'ok'],
      ['table_access', 'ok'],
      ['migrations', 'ok'],
      ['invalid_objects', 'ok'],
      ['notifications', 'ok'],
      ['replay', 'ok'],
      ['log_size', 'ok'],
    ]);
    expect(r.code).toBe(0);
    expect(r.check('connection').summary).toBe('connected as oe@db:1521/FREEPDB1, Oracle 23.9');
    expect(r.check('network_acl').summary).toBe('connect to localhost:8080 (ACE on localhost)');
    expect(r.check('registration').summary).toBe('41: OE.ORDERS, OE.ORDER_ITEMS');
  });

  it('prints one line per check with the fix for each failure, and exits 1', async () => {
    const db = await healthy();
    db.jobQueueProcesses = 0;
    const r = await runCli(['doctor', '--with-demo-schema'], { env: DB_ENV, db });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ok {6}connection {11}connected as oe@db/m);
    expect(r.stdout).toMatch(
      /^fail {4}job_queue_processes {2}job_queue_processes is 0: no PL\/SQL callback can run\n {29}fix: `dcn migrate` with the admin profile raises it/m,
    );
    expect(r.stdout).toMatch(/1 check\(s\) failed, 0 warning\(s\)\.\n$/);
    expect(r.stderr).toBe('');
  });

  it('fails the connection and skips the rest when the database is unreachable', async () => {
    const refuse = () =>
      Object.assign(new Error('NJS-503: connection to host db port 1521 could not be established.'), {
        code: 'NJS-503',
      });
    const r = await runCli(['doctor', '--json'], { env: DB_ENV, refuse });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(report.checks[0]).toMatchObject({
      id: 'connection',
      status: 'fail',
      summary: expect.stringMatching(/NJS-503/),
      fix: expect.stringMatching(/listener is running/),
    });
    expect(report.checks.slice(1).every((c: Check) => c.status === 'skipped')).toBe(true);
  });

  it('probes the callback URL with --probe: dcn listen, something else, nothing', async () => {
    const cache = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-doctor-')) });
    const listener = await startListener({ cache, port: 0 });
    const port = new URL(listener.url).port;
    const db = await healthy(listener.url);
    const env = { DCN_CALLBACK_URL: listener.url };
    try {
      expect((await doctor(db, ['--probe'], env)).check('probe')).toMatchObject({
        status: 'ok',
        summary: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${port}/healthz answers 200`)),
      });
    } finally {
      await listener.close();
    }
    expect((await doctor(db, ['--probe'], env)).check('probe')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/nothing answers .*ECONNREFUSED/),
    });
    const other: Server = createServer((_q, s) => s.writeHead(404).end()).listen(Number(port), '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    try {
      expect((await doctor(db, ['--probe'], env)).check('probe')).toMatchObject({
        status: 'warn',
        summary: expect.stringMatching(/answers 404/),
      });
    } finally {
      other.close();
    }
    void (other.address() as AddressInfo);
  });
});
