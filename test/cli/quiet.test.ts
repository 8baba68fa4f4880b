/** -q/--quiet on the long-running commands: no start or stop notes; warnings and errors still print. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { watchableDatabase } from '../support/watch-database.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dcn-quiet-'));

const watchedDatabase = (): FakeDatabase => watchableDatabase();

/** Runs dcn watch until it has subscribed, then stops it. */
async function watchUntilSubscribed(args: string[]) {
  const db = watchedDatabase();
  let stop!: (s: string) => void;
  const running = runCli(args, { env: DB_ENV, db, stop: new Promise((r) => (stop = r)) });
  const end = Date.now() + 5000;
  while (db.subscriptions.size === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  stop('SIGTERM');
  return running;
}

describe('-q/--quiet', () => {
  it.each([
    ['dcn -q listen', (dir: string) => ['-q', 'listen', '--port', '0', '--cache-dir', dir]],
    ['dcn listen --quiet', (dir: string) => ['listen', '--quiet', '--port', '0', '--cache-dir', dir]],
  ])('%s prints no start or stop note', async (_name, args) => {
    const r = await runCli(args(tmp()), { stop: Promise.resolve('SIGTERM') });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('dcn listen without it notes its start and stop (what -q leaves out)', async () => {
    const r = await runCli(['listen', '--port', '0', '--cache-dir', tmp()], { stop: Promise.resolve('SIGTERM') });
    expect(r.stderr).toMatch(/^dcn listen: dropped every/m);
    expect(r.stderr).toMatch(/^dcn listen: http:\/\/127\.0\.0\.1:\d+\/phpcache\/dropResults\.php → /m);
    expect(r.stderr).toMatch(/^dcn listen: stopped \(SIGTERM\) after 0 notification\(s\)\.$/m);
  });

  it('dcn -q listen still warns (listening beyond loopback without a token)', async () => {
    const r = await runCli(['-q', 'listen', '--host', '0.0.0.0', '--port', '0', '--cache-dir', tmp()], {
      stop: Promise.resolve('SIGTERM'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^dcn listen: warning: listening on 0\.0\.0\.0 without a token/);
    expect(r.stderr).not.toMatch(/stopped|→/);
  });

  it('dcn -q listen still reports an error on stderr', async () => {
    const r = await runCli(['-q', 'listen', '--port', '99999', '--cache-dir', tmp()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcn: error: --port 99999 is not a port number/);
  });

  it('dcn -q watch prints its events but no stop note', async () => {
    const quiet = await watchUntilSubscribed(['-q', 'watch', '--table', 'ORDERS', '--cache-dir', tmp()]);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/subscribed: subscription \d+/);
    expect(quiet.stderr).toBe('');
    const loud = await watchUntilSubscribed(['watch', '--table', 'ORDERS', '--cache-dir', tmp()]);
    expect(loud.stderr).toMatch(/^dcn watch: stopped \(SIGTERM\)/m);
  });

  it('dcn -q tail on an empty log says nothing on stderr', async () => {
    const db = new FakeDatabase();
    db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
    db.addedColumns.set('NFRESULTS', new Set(['REPLAYED_BY', 'KEY_VALUES'])); // a log at V8, empty
    const quiet = await runCli(['-q', 'tail'], { env: DB_ENV, db });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const loud = await runCli(['tail'], { env: DB_ENV, db });
    expect(loud.stderr).toMatch(/No notifications logged yet/);
  });
});
