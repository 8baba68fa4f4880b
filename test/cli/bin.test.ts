/**
 * The built CLI under plain node (npm test builds first): catches an ES-module import mistake
 * that vitest would forgive, and checks behaviour only a real process has.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallTmpfs } from '../support/tmpfs.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'dcn.js');

describe('bin/dcn.js under plain node', () => {
  it('prints help and the plan, and exits 0', () => {
    const help = spawnSync(process.execPath, [bin, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: dcn /);
    const plan = spawnSync(process.execPath, [bin, 'migrate', 'plan', '--json'], { encoding: 'utf8' });
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout).migrations.map((m: { version: string }) => m.version)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '7',
      '8',
      'R__00_network_acl',
      'R__01_sendNotification',
      'R__02_orders_nf_callback',
    ]);
  });

  it('exits 2 on a usage error', () => {
    const r = spawnSync(process.execPath, [bin, 'register', '--table', 'a.b.c'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dcn: error: table 'a\.b\.c' has more than two parts/);
  });

  it('stops quietly when the reader of its output goes away (dcn migrate plan | head -1)', async () => {
    // a plan far larger than a pipe's buffer (64 KiB), so writing goes on after the reader is gone
    const dir = mkdtempSync(join(tmpdir(), 'dcn-big-'));
    writeFileSync(
      join(dir, 'V1__big.sql'),
      Array.from({ length: 4000 }, (_, i) => `INSERT INTO t VALUES (${i}, 'a row of the big test migration');`).join(
        '\n',
      ),
    );
    const child = spawn(process.execPath, [bin, 'migrate', 'plan', '--migrations', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('where the output cannot go', () => {
  it('says so once, with no stack trace, when stdout is a full device (> /dev/full), and exits 6', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" migrate plan > /dev/full`], { encoding: 'utf8' });
    expect(r.status).toBe(6);
    expect(r.stderr).toBe(
      'dcn: error: cannot write the output: ENOSPC: no space left on device, write\n  hint: free space on that device, or send the output elsewhere\n',
    );
  });

  const fs = smallTmpfs(64);
  (fs ? it : it.skip)('leaves the old plan whole when --out meets a full disk (a small tmpfs, as root)', () => {
    try {
      const out = join(fs!.dir, 'plan.sql');
      writeFileSync(out, '-- dcn migrate plan: the old plan\n');
      const big = mkdtempSync(join(tmpdir(), 'dcn-big-'));
      writeFileSync(
        join(big, 'V1__big.sql'),
        Array.from({ length: 4000 }, (_, i) => `INSERT INTO t VALUES (${i}, 'a row of the big test migration');`).join(
          '\n',
        ),
      );
      const r = spawnSync(process.execPath, [bin, 'migrate', 'plan', '--migrations', big, '--out', out], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/cannot write .*plan\.sql: ENOSPC/);
      expect(readFileSync(out, 'utf8')).toBe('-- dcn migrate plan: the old plan\n');
      expect(readdirSync(fs!.dir)).toEqual(['plan.sql']); // no temporary file left
    } finally {
      fs!.umount();
    }
  });
});
