/**
 * dcn listen drops from the application's cache whatever store the application opened it with:
 * --cache-store (or DCN_CACHE_STORE, or the config file) picks it, and a directory of the other
 * store is refused with the flag that matches it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { runCli } from '../support/cli.js';
import { http } from '../support/http.js';

const root = join(import.meta.dirname, '..', '..');
const P = '/phpcache/dropResults.php';
const children: ChildProcess[] = [];
const caches: ResultCache[] = [];

afterEach(async () => {
  for (const c of caches.splice(0)) c.close();
  for (const child of children.splice(0)) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

/** The built dcn listen, once it says it answers; its base URL. */
async function listen(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [join(root, 'bin', 'dcn.js'), 'listen', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c;
      const m = /dcn listen: (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`dcn listen exited ${code}: ${stderr}`)));
  });
  return url.replace(P, '');
}

/** The application's side: an lmdb cache holding orders 2408 and 2409. */
async function applicationCache(dir: string): Promise<ResultCache> {
  const cache = new ResultCache({ dir, store: 'lmdb', sweepIntervalSeconds: 0, memoryEntries: 0 });
  caches.push(cache);
  for (const order of [2408, 2409]) await cache.call('getOrderFields', () => ({ order_id: order }), order);
  return cache;
}

describe('dcn listen --cache-store', () => {
  for (const [how, args, env] of [
    ['--cache-store lmdb', ['--cache-store', 'lmdb'], {}],
    ['DCN_CACHE_STORE=lmdb', [], { DCN_CACHE_STORE: 'lmdb' }],
  ] as const) {
    it(`drops from the application's LMDB cache when given ${how}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dcn-store-'));
      const base = await listen(['--cache-dir', dir, ...args], env);
      const cache = await applicationCache(dir);
      expect(await cache.has('getOrderFields', 2408)).toBe(true);
      expect((await http(base, `${P}?order_no=2408&table=ORDERS`)).status).toBe(200);
      expect(await cache.has('getOrderFields', 2408)).toBe(false);
      expect(await cache.has('getOrderFields', 2409)).toBe(true);
    });
  }

  it("refuses a directory of the other store, naming the flag that matches the application's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-store-'));
    await applicationCache(dir);
    const r = await runCli(['listen', '--port', '0', '--cache-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(store lmdb), not 2 (store files)');
    expect(r.stderr).toContain('--cache-store lmdb');
  });

  it('refuses a store it does not know, naming where the value came from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-store-'));
    const r = await runCli(['listen', '--port', '0', '--cache-dir', dir], { env: { DCN_CACHE_STORE: 'nfs' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DCN_CACHE_STORE.*nfs.*expected files or lmdb/);
    const flag = await runCli(['listen', '--port', '0', '--cache-dir', dir, '--cache-store', 'nfs']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('nfs');
  });
});
