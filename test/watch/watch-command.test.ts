import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { ORDER_2408, watchableDatabase } from '../support/watch-database.js';

const UPDATE = 4; // CQN_OPCODE_UPDATE

const database = (): FakeDatabase => watchableDatabase([ORDER_2408]);

async function until(ok: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('dcn watch (the command)', () => {
  it('prints a line per event, drops what a change names, and stops cleanly on a signal (exit 0)', async () => {
    const db = database();
    const dir = mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'));
    const cache = new ResultCache({ dir });
    let stop!: (s: string) => void;
    const running = runCli(['watch', '--table', 'ORDERS', '--cache-dir', dir], {
      env: DB_ENV,
      db,
      stop: new Promise((r) => (stop = r)),
    });
    await until(() => db.subscriptions.size === 1);
    await new Promise((r) => setTimeout(r, 20)); // the drop at start
    await cache.call('getOrderFields', () => 'stale', 2408);
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR1' }]);
    await until(async () => !(await cache.has('getOrderFields', 2408)));
    stop('SIGTERM');
    const r = await running;
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\S+Z subscribed: subscription 9001$/);
    expect(lines[1]).toMatch(
      /^\S+Z dropped every getOrderFields\(\) result: at start: changes made before this watch subscribed were not seen$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\S+Z OE\.ORDERS update order 2408: dropped getOrderFields\(2408\)$/),
    );
    expect(lines.at(-1)).toMatch(/ stopped$/);
    expect(r.stderr).toMatch(/dcn watch: stopped \(SIGTERM\) after 1 notification\(s\)\./);
    expect(db.subscriptions.size).toBe(0);
  });

  it('prints NDJSON with --json, and a closing summary line', async () => {
    const db = database();
    let stop!: (s: string) => void;
    const running = runCli(
      ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-')), '--json'],
      { env: DB_ENV, db, stop: new Promise((r) => (stop = r)) },
    );
    await until(() => db.subscriptions.size === 1);
    stop('SIGINT');
    const docs = (await running).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs[0]).toMatchObject({ action: 'subscribed' });
    expect(docs.at(-1)).toEqual({ ok: true, stoppedBy: 'SIGINT', notifications: 0, drops: 1, reconnects: 0 });
  });

  it('refuses bad input before connecting (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [[], /no table given/],
      [['--table', 'ORDERS;x'], /table 'ORDERS;x'/],
      [
        ['--table', 'HR.EMPLOYEES'],
        /no cached function for EMPLOYEES: its changes would drop nothing\n {2}hint: map it: --map EMPLOYEES=function/,
      ],
      [['--table', 'ORDERS', '--timeout', '5'], /--timeout 5 is not a number of seconds from 30 to 86400/],
      [
        ['--table', 'ORDERS', '--timeout', '60', '--check-interval', '40'],
        /--check-interval 40 is more than half of --timeout 60/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['watch', ...args, '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'))], {
        env: DB_ENV,
        db: database(),
      });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.driverLoads()).toBe(0);
    }
  });

  it('says clearly when the database or driver cannot do it (exit 6), and when the grant is missing (exit 1)', async () => {
    const old = database();
    old.version = { major: 19, minor: 3 };
    const r = await runCli(
      ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'))],
      { env: DB_ENV, db: old },
    );
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(
      /Oracle 19\.3 cannot send notifications down a client's connection: client-initiated subscriptions need 19\.4 or later\n {2}hint: use the HTTP callback/,
    );
    const ungranted = database();
    ungranted.grants.clear();
    const g = await runCli(
      ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'))],
      { env: DB_ENV, db: ungranted },
    );
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/lacks CHANGE NOTIFICATION/);
  });

  it('stops at once on a refused login (exit 6), after that one login, and says why it does not retry', async () => {
    const refuse = () =>
      Object.assign(new Error('ORA-01017: invalid credential or not authorized; logon denied'), {
        code: 'ORA-01017',
        errorNum: 1017,
      });
    const r = await runCli(
      ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'))],
      { env: DB_ENV, db: database(), refuse },
    );
    expect(r.code).toBe(6);
    expect(r.driver.connects).toHaveLength(1);
    expect(r.stderr).toMatch(
      /dcn: error: the watch stopped instead of retrying \(a refused login is never tried again: each one counts towards locking the account \(FAILED_LOGIN_ATTEMPTS\)\): cannot connect as oe@db:1521\/FREEPDB1 \(app profile\): invalid user name or password \(ORA-01017\)\n {2}hint: check DCN_USER and DCN_PASSWORD/,
    );
    expect(r.stderr).not.toMatch(/bug in dcn/);
  });

  it('at start, a database it cannot reach ends it with exit 6 after one try: a supervisor restarts it', async () => {
    const refuse = () =>
      Object.assign(
        new Error(
          'NJS-503: connection to host db port 1521 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED',
        ),
        { code: 'NJS-503' },
      );
    const r = await runCli(
      ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'))],
      { env: DB_ENV, db: database(), refuse },
    );
    expect(r.code).toBe(6);
    expect(r.driver.connects).toHaveLength(1);
    expect(r.stderr).toMatch(/it had not started yet.*NJS-503/);
  });

  it('a malformed connect string or a port out of range is bad input: exit 2, no retry', async () => {
    const errors = [
      () =>
        Object.assign(
          new Error(
            'NJS-515: error in Easy Connect connection string: input string not in easy connect format: db:1521/X(',
          ),
          { code: 'NJS-515' },
        ),
      () =>
        Object.assign(new RangeError('Port should be >= 0 and < 65536. Received type number (99999).'), {
          code: 'ERR_SOCKET_BAD_PORT',
        }),
    ];
    for (const refuse of errors) {
      const r = await runCli(
        ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'))],
        { env: DB_ENV, db: database(), refuse },
      );
      expect(r.code).toBe(2);
      expect(r.driver.connects).toHaveLength(1);
      expect(r.stderr).toMatch(/hint: .*`--connect … \(or DCN_CONNECT\)`/);
    }
  });

  it('connects with TCP keepalives', async () => {
    const db = database();
    let stop!: (s: string) => void;
    const running = runCli(
      ['watch', '--table', 'ORDERS', '--cache-dir', mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'))],
      { env: DB_ENV, db, stop: new Promise((r) => (stop = r)) },
    );
    await until(() => db.subscriptions.size === 1);
    stop('SIGTERM');
    expect((await running).driver.connects.map((c) => c.expireTimeMinutes)).toEqual([1]);
  });
});

describe('dcn watch as a process', () => {
  it('keeps watching when the reader of its stdout goes away (dcn watch | head -1), and says so once on stderr', async () => {
    // the real entry point in a child process, with the driver fake behind it: bundled for Node
    // into dist/ (two levels below the package, where the fake and dcn look for sql/)
    const { build } = await import('esbuild');
    const root = join(import.meta.dirname, '..', '..');
    mkdirSync(join(root, 'dist'), { recursive: true });
    const bundleDir = mkdtempSync(join(root, 'dist', 'watch-child-'));
    const child = join(bundleDir, 'child.mjs');
    await build({
      stdin: {
        resolveDir: root,
        loader: 'ts',
        contents: `
          import { main, processContext } from './src/cli/main.ts';
          import { FakeDatabase } from './test/support/fake-oracle.ts';
          const db = new FakeDatabase();
          db.grants.add('OE CHANGE NOTIFICATION');
          db.objects.set('TABLE ORDERS', { type: 'TABLE', name: 'ORDERS', owner: 'OE', status: 'VALID', columns: ['ORDER_ID'], primaryKey: ['ORDER_ID'] });
          db.tableRows.set('OE.ORDERS', [{ ROWID: 'AAAR1', ORDER_ID: 2408 }]);
          process.on('message', () => db.change('OE.ORDERS', ${UPDATE}, [{ operation: ${UPDATE}, rowid: 'AAAR1' }]));
          const driver = db.driver();
          process.exitCode = await main(process.argv, { ...processContext(), loadDriver: async () => driver });
          process.disconnect();
        `,
      },
      outfile: child,
      bundle: true,
      format: 'esm',
      platform: 'node',
      external: ['oracledb', 'knex', 'read', 'antlr4ts-sql'],
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      logLevel: 'warning',
    });
    const dir = mkdtempSync(join(tmpdir(), 'dcn-watch-cli-'));
    const { spawn } = await import('node:child_process');
    const proc = spawn(process.execPath, [child, 'watch', '--table', 'ORDERS', '--cache-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...DB_ENV },
    });
    try {
      let stderr = '';
      proc.stderr!.on('data', (c: Buffer) => (stderr += c));
      const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
      await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve())); // "subscribed"
      proc.stdout!.destroy(); // as head does after its line
      const cache = new ResultCache({ dir });
      const gone = /cannot write to stdout/;
      // changes go on; the line of one of them meets the closed pipe
      for (let i = 0; !gone.test(stderr) && proc.exitCode === null && i < 200; i++) {
        await cache.call('getOrderFields', () => 'stale', 2408);
        proc.send('change');
        await until(async () => !(await cache.has('getOrderFields', 2408)) || proc.exitCode !== null);
      }
      expect(proc.exitCode).toBeNull();
      expect(stderr).toMatch(
        /dcn watch: warning: cannot write to stdout \(EPIPE\): event lines are dropped from now on; it goes on watching and dropping/,
      );
      // and it still drops what a change names
      await cache.call('getOrderFields', () => 'stale', 2408);
      proc.send('change');
      await until(async () => !(await cache.has('getOrderFields', 2408)));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr.match(/cannot write to stdout/g)).toHaveLength(1);
      expect(stderr).toMatch(/dcn watch: stopped \(SIGTERM\) after \d+ notification/);
    } finally {
      proc.kill('SIGKILL');
      rmSync(bundleDir, { recursive: true, force: true });
    }
  });
});
