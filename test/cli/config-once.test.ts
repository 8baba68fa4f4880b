/** Each command reads and parses its config file once, however many parts of it it uses. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { watchableDatabase } from '../support/watch-database.js';

/** A config file served by the test, counting each read of it. */
function countingConfig(settings: object) {
  const reads: string[] = [];
  return {
    reads,
    readFile: (path: string) => {
      reads.push(path);
      return JSON.stringify(settings);
    },
  };
}

const watchedDatabase = (): FakeDatabase => watchableDatabase();

describe('the config file is read once per command', () => {
  it('dcn watch: its tables, its bus and its connection from one read', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-once-'));
    const config = countingConfig({ orderItemsKeyImmutable: true, connectTimeout: 5 });
    const db = watchedDatabase();
    let stop!: (s: string) => void;
    const running = runCli(['watch', '--table', 'ORDERS', '--cache-dir', join(cwd, 'cache')], {
      cwd,
      env: DB_ENV,
      db,
      readFile: config.readFile,
      stop: new Promise((r) => (stop = r)),
    });
    // subscribed: every part of its configuration was resolved by then
    const end = Date.now() + 5000;
    while (db.subscriptions.size === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    stop('SIGTERM');
    const r = await running;
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(config.reads).toEqual([join(cwd, 'dcn.config.json')]);
  });

  it('dcn listen: its token and its bus from one read', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-once-'));
    const config = countingConfig({ callbackToken: 'tok-1', busChannel: 'dcn:orders' });
    const r = await runCli(['listen', '--port', '0', '--cache-dir', join(cwd, 'cache')], {
      cwd,
      readFile: config.readFile,
      stop: Promise.resolve('SIGTERM'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/token required/); // the file's token was used
    expect(config.reads).toHaveLength(1);
  });

  it('dcn register --dry-run: its orders tables and its user from one read', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-once-'));
    const config = countingConfig({ user: 'OE', ordersTable: 'ORDERS' });
    const r = await runCli(['register', '--table', 'OE.ORDERS', '--dry-run'], { cwd, readFile: config.readFile });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(config.reads).toHaveLength(1);
  });
});
