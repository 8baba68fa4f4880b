import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimToken, holds, readClaim, readValue, TOO_LARGE, writeAtomic } from '../../src/cache/entry-files.js';

describe("an entry's files", () => {
  it('are written whole under their name, with the times asked for, and nothing else left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-files-'));
    const key = join(dir, `${'c'.repeat(40)}.dcn-key`);
    writeAtomic(key, '{"t":"tok"}', { atime: 1_000_000, mtime: 2_000_000 });
    expect(readdirSync(dir)).toEqual([`${'c'.repeat(40)}.dcn-key`]);
    expect(statSync(key).mtimeMs).toBe(2_000_000);
    const { claim, text } = readClaim(key);
    expect(claimToken(text)).toBe('tok');
    expect(claimToken('not json')).toBeUndefined();
    expect(holds(key, claim)).toBe(true);
    writeAtomic(key, '{"t":"other"}');
    expect(holds(key, claim)).toBe(false);
  });

  it('read a value up to the limit, and refuse a larger one without reading it whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-files-'));
    const val = join(dir, 'v');
    writeAtomic(val, 'x'.repeat(100_000));
    expect(readValue(val, 200_000, 5)).toMatchObject({ text: 'x'.repeat(100_000) });
    expect(readValue(val, 1000, 5)).toBe(TOO_LARGE);
    expect(readValue(val, 90_000, 5)).toBe(TOO_LARGE);
    writeAtomic(val, 'small');
    expect(readValue(val, 1000, 5)).toEqual({ text: 'small', touched: 5 });
    expect(readValue(join(dir, 'none'), 1000, 5)).toBeUndefined();
  });
});
