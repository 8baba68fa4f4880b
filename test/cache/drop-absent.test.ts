/**
 * A drop of a key that is not cached (the listener's usual case: most notified rows were never
 * read through the cache) asks first, rather than learning it from an unlink's ENOENT: an
 * exception thrown and caught per drop cost more than the question.
 */
import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, unlinkSync: vi.fn(actual.unlinkSync) };
});

const { ResultCache } = await import('../../src/cache/result-cache.js');

describe('the drop of a key that is not cached', () => {
  it('unlinks nothing and throws nothing inside (files store); a cached key is unlinked once', async () => {
    const cache = new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-drop-')), sweepIntervalSeconds: 0 });
    await cache.call('getOrderFields', () => 'cached', 1);
    const unlink = vi.mocked(fs.unlinkSync);
    unlink.mockClear();
    for (let n = 2; n < 102; n++) expect(cache.dropSync('getOrderFields', n)).toBe(false);
    expect(cache.dropSync('never-used', 1)).toBe(false);
    expect(unlink).not.toHaveBeenCalled();
    expect(cache.dropSync('getOrderFields', 1)).toBe(true);
    expect(unlink).toHaveBeenCalledTimes(1);
  });

  it('still says so when the cache directory is gone', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dcn-drop-')), 'cache');
    const cache = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    await cache.call('f', () => 1, 1);
    fs.rmSync(dir, { recursive: true });
    expect(() => cache.dropSync('f', 2)).toThrow(/gone/);
  });
});
