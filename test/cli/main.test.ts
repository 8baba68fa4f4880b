import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDatabase } from '../support/fake-oracle.js';
import { DB_ENV, runCli } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'basic');
const SECRET = DB_ENV.DCN_PASSWORD;

const run = runCli;

const WITH_FIXTURES = ['--migrations', FIXTURES, '--define', 'app_user=OE'];

describe('help and version', () => {
  it('prints help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: dcn/);
    expect(r.stdout).toMatch(/migrate/);
  });

  it('prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version,
    );
  });

  it.each([
    'migrate',
    'migrate status',
    'migrate down',
    'migrate plan',
    'migrate repair',
    'migrate baseline',
    'register',
    'enable-reg',
    'regs',
    'deregister',
    'tail',
    'doctor',
    'listen',
  ])('dcn %s --help shows an example', async (cmd) => {
    const r = await run([...cmd.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Examples?:\\n {2}\\$ (\\S+=\\S+ )*dcn ${cmd}`));
  });

  it("shows a command's options through `dcn help <command>` too", async () => {
    const r = await run(['help', 'migrate', 'plan']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: dcn migrate plan \[options\]/);
    expect(r.stdout).toContain('--out <file>');
    expect((await run(['help', 'nonsense'])).code).toBe(2);
  });

  it('dcn migrate baseline --version V records what is there, says what is not, and needs --version', async () => {
    const db = new FakeDatabase();
    db.objects.set('TABLE APP_LOG', { type: 'TABLE', name: 'APP_LOG', owner: 'OE', status: 'VALID' });
    const noVersion = await run(['migrate', 'baseline', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect([noVersion.code, noVersion.stderr]).toEqual([
      2,
      expect.stringMatching(/required option '--version <version>' not specified/),
    ]);
    expect(
      (await run(['migrate', 'baseline', '--version', '9', ...WITH_FIXTURES], { env: DB_ENV, db })).stderr,
    ).toMatch(/^dcn: error: --version 9: there is no migration with that version/);
    const refused = await run(['migrate', 'baseline', '--version', '1', '--json', ...WITH_FIXTURES], {
      env: DB_ENV,
      db,
    });
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).error).toMatchObject({
      code: 'not_found',
      message: 'cannot baseline to V1: V1 (create log) creates INDEX APP_LOG_MSG_IX: not in the schema',
    });
    db.objects.set('INDEX APP_LOG_MSG_IX', {
      type: 'INDEX',
      name: 'APP_LOG_MSG_IX',
      owner: 'OE',
      status: 'VALID',
      table: 'APP_LOG',
    });
    const r = await run(['migrate', 'baseline', '--version', '1', '--json', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, baselined: [{ version: '1' }] });
    const text = await run(['migrate', 'status', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect(text.stdout).toMatch(/^1\s+create log\s+applied/m);
  });

  it('suggests the subcommand meant by a typo: dcn migrate stauts', async () => {
    const r = await run(['migrate', 'stauts', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'usage',
      message: "unknown command 'stauts' for dcn migrate: did you mean status?",
    });
    expect((await run(['migrate', 'plna'])).stderr).toMatch(/did you mean plan\?/);
    expect((await run(['migrate', 'frobnicate'])).stderr).toMatch(
      /^dcn: error: unknown command 'frobnicate' for dcn migrate\n/,
    );
    expect(r.driverLoads()).toBe(0);
  });

  it('answers in JSON only when commander parsed --json as the flag, not as a value of another option', async () => {
    const r = await run(['migrate', 'plan', ...WITH_FIXTURES, '--define', '--json', '--to', '99']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dcn: error: --define --json: expected name=value/);
  });

  it('rejects an unknown option or command with exit 2', async () => {
    expect((await run(['migrate', '--frobnicate'])).code).toBe(2);
    expect((await run(['nonsense'])).code).toBe(2);
    const r = await run(['migrate', 'plan', '--json', '--bogus']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'usage', exitCode: 2 } });
  });
});

describe('dcn migrate plan', () => {
  it('prints a SQL*Plus script without touching a database', async () => {
    const r = await run(['migrate', 'plan', ...WITH_FIXTURES]);
    expect(r.code).toBe(0);
    expect(r.driverLoads()).toBe(0);
    expect(r.stdout).toMatch(/^-- dcn migrate plan: 3 migration\(s\)/);
    expect(r.stdout).toContain('GRANT CHANGE NOTIFICATION TO OE;');
    expect(r.stdout).toContain("'http://app/drop?order_no=1&table=ORDERS'");
    expect(r.stderr).toBe('');
  });

  it('names the admin user and connect string in CONNECT lines when configured', async () => {
    const r = await run([
      'migrate',
      'plan',
      ...WITH_FIXTURES,
      '--connect',
      'db/FREEPDB1',
      '--admin-user',
      'sys',
      '--admin-privilege',
      'sysdba',
    ]);
    expect(r.stdout).toContain('CONNECT sys@db/FREEPDB1 AS SYSDBA\n');
  });

  it('writes the script to --out and says so', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-plan-'));
    const r = await run(['migrate', 'plan', ...WITH_FIXTURES, '--out', 'plan.sql'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Wrote .*plan\.sql: 3 migration\(s\), 5 statement\(s\)/);
    expect(readFileSync(join(cwd, 'plan.sql'), 'utf8')).toMatch(/PROMPT dcn: 3 migration\(s\) applied/);
  });

  it('writes a plan larger than its 64 KiB pieces whole, the same to stdout and to --out, and as JSON', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-plan-'));
    const statements = Array.from({ length: 3000 }, (_, i) => `INSERT INTO t VALUES (${i}, 'é;${'x'.repeat(40)}');`);
    writeFileSync(join(cwd, 'V1__big.sql'), `${statements.join('\n')}\nBEGIN\n  NULL;\nEND;\n/\n`);
    const toStdout = await run(['migrate', 'plan', '--migrations', cwd]);
    const toFile = await run(['migrate', 'plan', '--migrations', cwd, '--out', 'plan.sql'], { cwd });
    const asJson = await run(['migrate', 'plan', '--migrations', cwd, '--json']);
    expect([toStdout.code, toFile.code, asJson.code]).toEqual([0, 0, 0]);
    expect(toStdout.stdout.length).toBeGreaterThan(3 * 64 * 1024);
    expect(readFileSync(join(cwd, 'plan.sql'), 'utf8')).toBe(toStdout.stdout);
    expect(toStdout.stdout).toMatch(
      /INSERT INTO t VALUES \(2999, 'é;x{40}'\);\n[\s\S]*PROMPT dcn: 1 migration\(s\) applied\n$/,
    );
    const doc = JSON.parse(asJson.stdout);
    expect(asJson.stdout).toBe(`${JSON.stringify(doc, null, 2)}\n`);
    expect(doc.migrations[0].statements).toHaveLength(3001);
    expect(doc.migrations[0].statements[2999].sql).toBe(statements[2999]!.slice(0, -1));
  });

  it('prints only one JSON document with --json', async () => {
    const r = await run(['migrate', 'plan', ...WITH_FIXTURES, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.script).toBeUndefined();
    expect(
      doc.migrations.map((m: { version: string; statements: unknown[] }) => [m.version, m.statements.length]),
    ).toEqual([
      ['1', 2],
      ['2', 2],
      ['3', 1],
    ]);
    expect(doc.migrations[2].statements[0]).toMatchObject({ file: 'V3__log_procedure.sql', line: 2, plsql: true });
  });

  it('reads variables from dcn.config.json in the working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-conf-'));
    writeFileSync(
      join(cwd, 'dcn.config.json'),
      JSON.stringify({ migrations: FIXTURES, variables: { app_user: 'SCOTT' } }),
    );
    const r = await run(['migrate', 'plan'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GRANT CHANGE NOTIFICATION TO SCOTT;');
  });

  it('fails with exit 2, file and line for an undefined variable, in JSON too', async () => {
    const r = await run(['migrate', 'plan', '--migrations', FIXTURES, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^dcn: error: V2__grant_notification\.sql:3: substitution variable &app_user is not defined\n {2}hint: /,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: { code: 'script_invalid', exitCode: 2, variables: ['app_user'] },
    });
  });
});

describe('dcn migrate against the fake', () => {
  it('connects with the resolved settings and applies the migrations', async () => {
    const r = await run(['migrate', ...WITH_FIXTURES, '--connect-timeout', '3', '--admin-privilege', 'sysdba'], {
      env: DB_ENV,
    });
    expect(r.code, r.stderr).toBe(0);
    // off a terminal: a progress line on stderr as each migration starts and ends, nothing else
    expect(r.stderr.replace(/\d+(\.\d)? m?s\n/g, 'T\n')).toBe(
      [
        'dcn: applying V1 (create log): 2 statements',
        'dcn: applied V1 (create log) in T',
        'dcn: applying V2 (grant notification): 2 statements',
        'dcn: applied V2 (grant notification) in T',
        'dcn: applying V3 (log procedure): 1 statement',
        'dcn: applied V3 (log procedure) in T',
        '',
      ].join('\n'),
    );
    expect(r.stdout).toMatch(/✓ V1 .*\n✓ V2 .*\n✓ V3 .*\n3 migrations applied\.\n$/);
    expect(
      r.driver.connects.map((c) => [c.user, c.connectString, c.connectTimeoutSeconds, c.privilege ?? null]),
    ).toEqual([
      ['oe', 'db:1521/FREEPDB1', 3, null],
      ['oe', 'db:1521/FREEPDB1', 3, null],
      ['system', 'db:1521/FREEPDB1', 3, 'sysdba'],
    ]);
    expect(r.driver.connects[0]!.password).toBe(SECRET);
    expect(r.db.sessions.every((s) => s.closed)).toBe(true);
    // eslint-disable-next-line no-control-regex -- ESC starts a colour
    expect(r.stdout).not.toMatch(/\u001b\[/); // no colour when not a terminal

    const again = await run(['migrate', ...WITH_FIXTURES, '--json'], { env: DB_ENV, db: r.db });
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, direction: 'up', results: [] });
  });

  it('shows status as a table', async () => {
    const { db } = await run(['migrate', ...WITH_FIXTURES, '--to', '1'], { env: DB_ENV });
    const r = await run(['migrate', 'status', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Version\s+Description\s+State\s+Checksum\s+Applied at\s+By\s+Duration$/);
    expect(lines[2]).toMatch(
      /^1\s+create log\s+applied\s+[0-9a-f]{12}\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+OE\s+\d+ ms$/,
    );
    expect(lines[3]).toMatch(/^2\s+grant notification\s+pending\s+[0-9a-f]{12}$/);
  });

  it('says which settings an outdated repeatable script was made with, and that migrate applies it again', async () => {
    const { db } = await run(['migrate', '--callback-url', 'http://app:8080/cb'], { env: DB_ENV });
    const r = await run(['migrate', 'status', '--callback-url', 'http://app2:8080/cb'], { env: DB_ENV, db });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'R__00_network_acl: made with other settings than now (callback_host changed); `dcn migrate` applies it again',
    );
    expect(r.stdout).toContain('R__02_orders_nf_callback: made with other settings than now (callback_url changed)');
    expect(r.stdout).not.toContain('R__01_sendNotification:');
  });

  it.each([
    [
      'a failed statement',
      (db: FakeDatabase) => db.failOn(/^CREATE INDEX/, 'ORA-01652: unable to extend temp segment'),
      1,
      /V1 \(create log\) failed at statement 2 of 2, V1__create_log\.sql:8: ORA-01652/,
    ],
    [
      'a compile error',
      (db: FakeDatabase) =>
        db.compileErrorsOn(/log_msg/, [{ line: 4, position: 3, text: 'PL/SQL: SQL Statement ignored' }]),
      5,
      /V3__log_procedure\.sql:5:3: PL\/SQL: SQL Statement ignored/,
    ],
    [
      'a missing privilege',
      (db: FakeDatabase) => db.failOn(/^GRANT/, 'ORA-01031: insufficient privileges'),
      1,
      /ORA-01031/,
    ],
  ])('exits non-zero on %s, with what was applied in the JSON', async (_name, arrange, exitCode, message) => {
    const db = new FakeDatabase();
    arrange(db);
    const r = await run(['migrate', ...WITH_FIXTURES, '--json'], { env: DB_ENV, db });
    expect(r.code).toBe(exitCode);
    expect(r.stderr).toMatch(message);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.error.results.length).toBeGreaterThan(0);
    // a blocked history has its own exit code
    const again = await run(['migrate', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect(again.code).toBe(7);
    expect(again.stderr).toMatch(/hint: .*dcn migrate --resume/);
  });

  it('exits 3 when another run holds the lock', async () => {
    const db = new FakeDatabase();
    await run(['migrate', ...WITH_FIXTURES, '--to', '1'], { env: DB_ENV, db });
    const holder = db.connect();
    await holder.execute(
      'SELECT id FROM DCN_SCHEMA_HISTORY_LOCK WHERE id = 1 FOR UPDATE NOWAIT',
      {},
      { name: 'lock.acquire' },
    );
    const r = await run(['migrate', ...WITH_FIXTURES, '--lock-timeout', '0'], { env: DB_ENV, db });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the migration lock is held by dcn test/);
  });

  it('exits 4 when an applied migration changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-drift-'));
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (x NUMBER);\n');
    const { db } = await run(['migrate', '--migrations', dir], { env: DB_ENV });
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (x NUMBER, y NUMBER);\n');
    const r = await run(['migrate', '--migrations', dir], { env: DB_ENV, db });
    expect(r.code).toBe(4);
    expect((await run(['migrate', '--migrations', dir, '--allow-changed'], { env: DB_ENV, db })).code).toBe(0);
  });

  it('undoes with migrate down and repairs with migrate repair', async () => {
    const { db } = await run(['migrate', ...WITH_FIXTURES], { env: DB_ENV });
    const down = await run(['migrate', 'down', '--yes', ...WITH_FIXTURES, '--steps', '2'], { env: DB_ENV, db });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/✓ undid V3 .*\n✓ undid V2 .*\n2 migrations undone\./);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1']);
    expect(
      (await run(['migrate', 'down', '--yes', ...WITH_FIXTURES, '--steps', 'two'], { env: DB_ENV, db })).code,
    ).toBe(2);
    const repair = await run(['migrate', 'repair', '--yes', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect(repair.stdout).toBe('Nothing to repair.\n');
  });
});

describe('one schema, consistently', () => {
  it('refuses a schema other than the connecting user before connecting, naming both', async () => {
    for (const args of [
      ['migrate', '--schema', 'hr'],
      ['migrate', '--define', 'app_schema=hr'],
      ['migrate', 'status', '--schema', 'HR'],
    ]) {
      const r = await runCli(args, { env: DB_ENV });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/schema HR is not the connecting user OE/);
      expect(r.driverLoads()).toBe(0);
    }
    expect((await runCli(['migrate', 'status', '--schema', 'oe'], { env: DB_ENV })).code).toBe(0);
  });

  it('makes the plan script stop unless it runs as the schema', async () => {
    const r = await runCli(['migrate', 'plan', '--schema', 'hr']);
    expect(r.stdout).toMatch(
      /IF USER <> 'HR' THEN\s+RAISE_APPLICATION_ERROR\(-20000, 'dcn: run this script as HR \(the schema setting\), not as ' \|\| USER\);/,
    );
  });
});

describe('connections and secrets', () => {
  it('explains a missing connect string before loading the driver', async () => {
    const r = await run(['migrate', ...WITH_FIXTURES], { env: { DCN_USER: 'OE', DCN_PASSWORD: 'x' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no database to connect to\n {2}hint: set DCN_CONNECT/);
    expect(r.driverLoads()).toBe(0);
  });

  it('says where to put the password when there is none and no terminal', async () => {
    const r = await run(['migrate', ...WITH_FIXTURES], { env: { DCN_CONNECT: 'db/P', DCN_USER: 'OE' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no password for OE@db\/P \(app profile\)\n {2}hint: set DCN_PASSWORD, pipe it with --password-stdin/,
    );
  });

  it('reads the password from the first line of stdin', async () => {
    const r = await run(['migrate', ...WITH_FIXTURES, '--to', '1', '--password-stdin'], {
      env: { DCN_CONNECT: 'db/P', DCN_USER: 'OE' },
      stdin: 'from-stdin\nignored\n',
    });
    expect(r.code).toBe(0);
    expect(r.driver.connects.map((c) => c.password)).toEqual(['from-stdin', 'from-stdin']);
  });

  it('maps an unreachable listener to exit 6 and never shows a password, even with --verbose', async () => {
    const refuse = () =>
      Object.assign(
        new Error(
          `NJS-503: connection to host db port 1521 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED`,
        ),
        { code: 'NJS-503' },
      );
    const r = await run(['migrate', ...WITH_FIXTURES, '--verbose', '--json'], { env: DB_ENV, refuse });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/cannot connect as oe@db:1521\/FREEPDB1 \(app profile\): NJS-503/);
    expect(r.stderr).toMatch(/cause: Error: NJS-503/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'connection_failed', exitCode: 6, oracleCode: 'NJS-503' });
  });

  it('reports bad credentials for the admin profile with its own hint', async () => {
    const refuse = (o: { user: string }) =>
      o.user === 'system'
        ? Object.assign(new Error('ORA-01017: invalid username/password; logon denied'), { code: 'ORA-01017' })
        : undefined;
    const r = await run(['migrate', ...WITH_FIXTURES], { env: DB_ENV, refuse });
    expect(r.code).toBe(6);
    expect(r.stdout).toBe(''); // the admin login is tried before anything runs
    expect(r.db.history()).toEqual([]);
    expect(r.stderr).toMatch(
      /cannot connect as system@db:1521\/FREEPDB1 \(admin profile\): invalid user name or password \(ORA-01017\)\n {2}hint: check DCN_ADMIN_USER and DCN_ADMIN_PASSWORD/,
    );
  });

  it('rejects a bad connect timeout before connecting', async () => {
    const r = await run(['migrate', ...WITH_FIXTURES], { env: { ...DB_ENV, DCN_CONNECT_TIMEOUT: 'forever' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/connect timeout must be a whole number/);
    expect(r.driverLoads()).toBe(0);
  });
});

describe('configuration per command: a command reads only the settings it uses', () => {
  const BAD_MIGRATION_SETTINGS = {
    DCN_HTTP_TIMEOUT: 'abc',
    DCN_CALLBACK_URL: 'not a url',
    DCN_HISTORY_TABLE: 'a-b',
    DCN_LOCK_TIMEOUT: 'soon',
  };

  it.each([['regs'], ['tail', '-n', '1'], ['deregister', '--all', '--yes'], ['register', '--table', 'OE.ORDERS']])(
    'dcn %s runs despite bad migration-set settings',
    async (...args) => {
      const db = new FakeDatabase();
      db.grants.add('OE CHANGE NOTIFICATION');
      db.grants.add('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
      db.objects.set('TABLE ORDERS', { type: 'TABLE', name: 'ORDERS', owner: 'OE', status: 'VALID' });
      db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
      const r = await run(args, { env: { ...DB_ENV, ...BAD_MIGRATION_SETTINGS }, db });
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
    },
  );

  it('dcn listen runs despite them, and still refuses a bad callback token', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'dcn-listen-'));
    const ok = await run(['listen', '--port', '0', '--cache-dir', cacheDir], {
      env: BAD_MIGRATION_SETTINGS,
      stop: Promise.resolve('SIGTERM'),
    });
    expect(ok.code).toBe(0);
    const bad = await run(['listen', '--port', '0', '--cache-dir', cacheDir], {
      env: { DCN_CALLBACK_TOKEN: 'has space' },
      stop: Promise.resolve('SIGTERM'),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/callbackToken: must be at most 128 letters/);
    expect(bad.stderr).not.toContain('has space');
  });

  it('dcn listen takes the token from the config file\'s "variables" as the migrations do', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-listen-'));
    writeFileSync(
      join(cwd, 'dcn.config.json'),
      JSON.stringify({ callbackToken: 'from-setting', variables: { callback_token: 'bad token!' } }),
    );
    const r = await run(['listen', '--port', '0', '--cache-dir', cwd], { cwd, stop: Promise.resolve('SIGTERM') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/callback_token: must be at most 128 letters/);
  });

  it('the migrate commands still refuse them', async () => {
    const r = await run(['migrate', 'status', ...WITH_FIXTURES], { env: { ...DB_ENV, DCN_HTTP_TIMEOUT: 'abc' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/httpTimeout/);
  });
});

describe('errors with --json', () => {
  it('are one line for the commands that print NDJSON (tail, listen), one pretty document otherwise', async () => {
    const tail = await run(['tail', '--json', '--since', 'yesterday-ish'], { env: DB_ENV });
    expect(tail.code).toBe(2);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(tail.stdout).error).toMatchObject({
      code: 'usage',
      message: '--since yesterday-ish: neither a duration nor a date',
    });
    const listen = await run(['listen', '--json', '--port', 'x']);
    expect(listen.code).toBe(2);
    expect(listen.stdout.trim().split('\n')).toHaveLength(1);
    const plan = await run(['migrate', 'plan', '--json', '--to', '99']);
    expect(plan.code).toBe(2);
    expect(plan.stdout.trim().split('\n').length).toBeGreaterThan(1);
  });
});
