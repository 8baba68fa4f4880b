/**
 * The cache directory is dcn's only where dcn can prove it: a directory it made carries its
 * marker, and everything it writes there has a name no user file has by accident. Nothing else is
 * ever removed, whatever it is called.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { runCli } from '../support/cli.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'dcn-owned-'));
const monthAgo = (Date.now() - 30 * 86_400_000) / 1000;

/** User files shaped like the old cache's: a claim, a value, a temporary file, 30 days old. */
function userFiles(dir: string): string[] {
  const files = [
    join(dir, 'certs', 'server.key'),
    join(dir, 'data', 'run1.val'),
    join(dir, 'build.tmp'),
    join(dir, 'getOrderFields', 'notes.val'),
    join(dir, 'getOrderFields', 'a.key'),
  ];
  for (const f of files) {
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, 'mine');
    utimesSync(f, monthAgo, monthAgo);
  }
  return files;
}

describe("the cache directory is dcn's only where it can prove it", () => {
  it('refuses a directory that holds files without its marker, naming some of them', () => {
    const dir = tempDir();
    const files = userFiles(dir);
    expect(() => new ResultCache({ dir, sweepIntervalSeconds: 0 })).toThrow(
      /not a dcn cache directory.*(certs|data|build\.tmp|getOrderFields)/s,
    );
    for (const f of files) expect(existsSync(f)).toBe(true);
  });

  it('creates a directory that is missing, and takes an empty one, marking both', () => {
    const missing = join(tempDir(), 'a', 'b');
    new ResultCache({ dir: missing, sweepIntervalSeconds: 0 }).close();
    expect(readdirSync(missing)).toEqual(['.dcn-cache']);
    const empty = tempDir();
    new ResultCache({ dir: empty, sweepIntervalSeconds: 0 }).close();
    expect(readdirSync(empty)).toEqual(['.dcn-cache']);
    new ResultCache({ dir: empty, sweepIntervalSeconds: 0 }).close(); // its own again
  });

  it('refuses a marker of another format', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.dcn-cache'), '{"dcn":"result-cache","format":999}\n');
    expect(() => new ResultCache({ dir, sweepIntervalSeconds: 0 })).toThrow(/format 999/);
  });

  it('never removes a user file put into its directory: not by a sweep, a drop, a dropAll or the drop of everything on the bus', async () => {
    const dir = tempDir();
    let now = Date.now();
    const cache = new ResultCache({
      dir,
      sweepIntervalSeconds: 0,
      leftoverAgeSeconds: 1,
      lifetimeSeconds: 1,
      now: () => now,
    });
    await cache.call('getOrderFields', () => 'cached', 1);
    const files = userFiles(dir);
    now += 60_000;
    await cache.dropAll('getOrderFields');
    await cache.drop('getOrderFields', 1);
    await cache.sweep();
    await cache.sweep();
    for (const f of files) expect(existsSync(f)).toBe(true);
    // its own entries still go
    await cache.call('getOrderFields', () => 'again', 2);
    now += 60_000;
    expect((await cache.sweep()).removedEntries).toBe(1);
    for (const f of files) expect(existsSync(f)).toBe(true);
  });

  it('refuses an empty path', () => {
    expect(() => new ResultCache({ dir: '' })).toThrow(/empty/);
  });

  it('refuses a directory on /proc at once instead of spinning', () => {
    const started = Date.now();
    expect(() => new ResultCache({ dir: '/proc/dcn-cache-x/y', sweepIntervalSeconds: 0 })).toThrow(/\/proc/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('dcn listen --cache-dir', () => {
  it('exits 2 on a directory of user files, naming some and what to do, and removes nothing', async () => {
    const dir = tempDir();
    const files = userFiles(dir);
    const r = await runCli(['listen', '--port', '0', '--cache-dir', '.'], {
      cwd: dir,
      stop: new Promise(() => undefined),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a dcn cache directory/);
    expect(r.stderr).toMatch(/certs|data|build\.tmp|getOrderFields/);
    expect(r.stderr).toMatch(/empty directory|a new/);
    for (const f of files) expect(existsSync(f)).toBe(true);
  });

  it('refuses an empty --cache-dir (exit 2), leaving the current directory alone', async () => {
    const dir = tempDir();
    const files = userFiles(dir);
    const r = await runCli(['listen', '--port', '0', '--cache-dir', '', '--map', 'ORDERS=getOrderFields'], {
      cwd: dir,
      stop: new Promise(() => undefined),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cache-dir.*empty/);
    for (const f of files) expect(existsSync(f)).toBe(true);
  });

  it('refuses --cache-dir /proc/x with exit 2, at once', async () => {
    const r = await runCli(['listen', '--port', '0', '--cache-dir', '/proc/dcn-x'], {
      stop: new Promise(() => undefined),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/proc/);
  }, 10_000);
});
