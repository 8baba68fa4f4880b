/**
 * Every store under a process that dies: killed with SIGKILL in the middle of its writes, and
 * killed right after a drop returned. Real processes on a real filesystem.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';

const distCache = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cache', 'result-cache.js');
const STORES = ['files', 'lmdb'] as const;

/** Runs a script in a new node process; resolves with the process once it printed `signal`. */
function startChild(code: string, signal: string) {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const printed = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(signal)) resolve();
    });
    child.once('exit', () => reject(new Error(`the child exited before printing ${signal}: ${out}`)));
  });
  const killed = () => {
    child.kill('SIGKILL');
    return new Promise<void>((r) => child.once('close', () => r()));
  };
  return { printed, killed };
}

describe.each(STORES)('a process that dies (%s store)', (store) => {
  it('killed in the middle of its writes, leaves a store that serves only whole values, and goes on working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-crash-'));
    // values of many sizes, claimed, stored and dropped as fast as it can: killed at some point of that
    const writer = startChild(
      `import(${JSON.stringify(distCache)}).then(async ({ ResultCache }) => {
        const cache = new ResultCache({ store: '${store}', dir: ${JSON.stringify(dir)}, sweepIntervalSeconds: 0 });
        const value = (n) => ({ n, text: String(n).repeat(1 + (n % 7) * 3000) });
        for (let i = 0; ; i++) {
          const n = i % 50;
          await cache.call('items', () => value(n), n);
          if (i === 200) process.stdout.write('busy\\n');
          if (i % 3 === 0) await cache.drop('items', (i * 7) % 50);
        }
      });`,
      'busy',
    );
    await writer.printed;
    await writer.killed();
    const cache = new ResultCache({ store, dir, sweepIntervalSeconds: 0 });
    for (let n = 0; n < 50; n++) {
      const { value } = await cache.callWith('items', {}, () => ({ n, text: String(n).repeat(1 + (n % 7) * 3000) }), n);
      expect(value).toEqual({ n, text: String(n).repeat(1 + (n % 7) * 3000) });
    }
    for (let n = 0; n < 50; n++) expect(await cache.has('items', n)).toBe(true);
    await cache.sweep();
    cache.close();
  }, 30_000);

  it('killed right after a drop returned, has not lost the drop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-crash-'));
    const app = new ResultCache({ store, dir, sweepIntervalSeconds: 0 });
    for (let n = 0; n < 20; n++) await app.call('getOrderFields', () => `old ${n}`, n);
    const listener = startChild(
      `import(${JSON.stringify(distCache)}).then(async ({ ResultCache }) => {
        const cache = new ResultCache({ store: '${store}', dir: ${JSON.stringify(dir)}, sweepIntervalSeconds: 0 });
        for (let n = 0; n < 20; n += 2) await cache.drop('getOrderFields', n);
        process.stdout.write('dropped\\n');
        setInterval(() => {}, 1000); // alive until killed: no clean exit, no close()
      });`,
      'dropped',
    );
    await listener.printed;
    await listener.killed();
    const fresh = new ResultCache({ store, dir, sweepIntervalSeconds: 0 }); // nothing in memory
    for (let n = 0; n < 20; n++) {
      const expected = n % 2 === 0 ? `new ${n}` : `old ${n}`;
      expect(await fresh.call('getOrderFields', () => `new ${n}`, n)).toBe(expected);
      expect(await app.call('getOrderFields', () => `new ${n}`, n)).toBe(expected);
    }
    app.close();
    fresh.close();
  }, 30_000);
});
