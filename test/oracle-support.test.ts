/**
 * The real-Oracle suite's own pieces, checked here without Oracle: its helpers on the fake, and
 * the compose file and CI workflow it is run with.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { oracleTestEnv } from './oracle/env.js';
import { DEREGISTER_ALL, dropSchemaBlock, logRowsAfter, waitFor, waitForLog } from './oracle/helpers.js';
import { syntaxErrors } from './support/plsql-grammar.js';
import { FakeDatabase } from './support/fake-oracle.js';

const root = join(import.meta.dirname, '..');

describe('the real-Oracle suite helpers, on the fake', () => {
  it('waitForLog returns once the rows arrive, and reads only rows after the marker', async () => {
    const db = new FakeDatabase();
    db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
    db.addedColumns.set('NFRESULTS', new Set(['KEY_VALUES'])); // the suite's schema is at V8
    const marker = db.logNotification({ table: 'ORDERS', order: '1', status: 200, message: '200 OK' });
    const session = db.connect();
    setTimeout(() => db.logNotification({ table: 'ORDERS', order: '2408', status: 200, message: '200 OK' }), 150);
    const rows = await waitForLog(session, 'OE', marker, (r) => r.some((x) => x.order === '2408'), 'order 2408', 5000);
    expect(rows.map((r) => [r.table, r.order, r.status])).toEqual([['ORDERS', '2408', 200]]);
    expect(await logRowsAfter(session, 'OE', marker + 1)).toEqual([]);
  });

  it('deregisters and drops with blocks that parse under the PL/SQL grammar', () => {
    expect(syntaxErrors({ sql: DEREGISTER_ALL, plsql: true })).toEqual([]);
    expect(syntaxErrors({ sql: dropSchemaBlock('DCN_SCRATCH'), plsql: true })).toEqual([]);
    expect(DEREGISTER_ALL).toMatch(/SELECT DISTINCT regid FROM user_change_notification_regs/);
  });

  it('waitFor gives up after its timeout, saying what it waited for', async () => {
    await expect(
      waitFor(async () => undefined, 'a notification for order 2408', { timeoutMs: 300, intervalMs: 50 }),
    ).rejects.toThrow('waited 300 ms for a notification for order 2408');
  });

  it('reads its settings from DCN_TEST_* and says what is missing', () => {
    expect(oracleTestEnv({})).toEqual({
      skip: expect.stringMatching(
        /^real-Oracle tests skipped: set DCN_TEST_CONNECT, DCN_TEST_ADMIN_USER, DCN_TEST_ADMIN_PASSWORD/,
      ),
    });
    expect(
      oracleTestEnv({ DCN_TEST_CONNECT: 'h/p', DCN_TEST_ADMIN_USER: 'system', DCN_TEST_ADMIN_PASSWORD: 'x' }),
    ).toMatchObject({
      appUser: 'DCN_SCRATCH',
      callbackHost: 'host.docker.internal',
      listenHost: '0.0.0.0',
      listenPort: 18080,
    });
  });
});

describe('npm run test:oracle', () => {
  it('with variables that point at nothing, fails fast with the connection error instead of hanging', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    const started = Date.now();
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'oracle'],
      {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          DCN_TEST_CONNECT: `127.0.0.1:${port}/FREEPDB1`,
          DCN_TEST_ADMIN_USER: 'system',
          DCN_TEST_ADMIN_PASSWORD: 'nothing',
        },
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(
      /NJS-503: connection to host 127\.0\.0\.1 port \d+ could not be established/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'));
  it('starts gvenzl/oracle-free (slim, faststart) on 1521 with a health check', () => {
    const oracle = compose.services.oracle;
    expect(oracle.image).toMatch(/^gvenzl\/oracle-free:.*slim-faststart$/);
    expect(oracle.ports).toContain('1521:1521');
    expect(oracle.environment.ORACLE_PASSWORD).toBeTruthy();
    expect(oracle.healthcheck.test).toEqual(['CMD', 'healthcheck.sh']);
    expect(oracle.extra_hosts).toContain('host.docker.internal:host-gateway');
  });

  it('is what the README tells to run', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('docker compose up -d --wait');
    expect(readme).toContain(`DCN_TEST_ADMIN_PASSWORD=${compose.services.oracle.environment.ORACLE_PASSWORD}`);
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = parse(readFileSync(join(root, '.github', 'workflows', 'ci.yml'), 'utf8'));
  const runs = (job: string) =>
    workflow.jobs[job].steps
      .map((s: { run?: string }) => s.run)
      .filter(Boolean)
      .join('\n');
  it('runs the unit tests through .ci/run, the one definition of CI', () => {
    expect(runs('unit')).toBe('bash .ci/run');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/npm ci[\s\S]*npm run lint[\s\S]*npm test/);
  });

  it('runs the Oracle suite against a gvenzl/oracle-free service that can call the runner', () => {
    const job = workflow.jobs.oracle;
    expect(job.services.oracle.image).toMatch(/^gvenzl\/oracle-free:/);
    expect(job.services.oracle.ports).toContain('1521:1521');
    expect(job.services.oracle.options).toMatch(/--health-cmd healthcheck\.sh/);
    expect(job.services.oracle.options).toMatch(/--add-host host\.docker\.internal:host-gateway/);
    expect(job.env).toMatchObject({
      DCN_TEST_CONNECT: 'localhost:1521/FREEPDB1',
      DCN_TEST_ADMIN_USER: 'system',
      DCN_TEST_CALLBACK_HOST: 'host.docker.internal',
    });
    expect(job.env.DCN_TEST_ADMIN_PASSWORD).toBe(job.services.oracle.env.ORACLE_PASSWORD);
    expect(runs('oracle')).toMatch(/npm ci[\s\S]*npm run test:oracle/);
  });
});
