import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'basic');
const WITH_FIXTURES = ['--migrations', FIXTURES, '--define', 'app_user=OE'];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dcn-plan-out-'));
}

describe('dcn migrate plan --out and what is at the path', () => {
  it('writes through a symlink: the link stays, its target gets the plan', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'real.sql'), 'old plan\n');
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
