/** Reading an entry from disk: a value is served only under the claim it was computed for. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argumentsHash, ResultCache } from '../../src/cache/result-cache.js';

describe('a value and its claim', () => {
  it('serves no value computed under another claim of the key (another process dropped it and claimed it again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcn-lookup-'));
    const writer = new ResultCache({ dir, sweepIntervalSeconds: 0 });
    expect(await writer.call('getOrderFields', () => 'computed before the drop', 2408)).toBe(
      'computed before the drop',
    );
    const key = join(dir, 'getOrderFields.dcn-fn', `${argumentsHash([2408])}.dcn-key`);
    expect(readFileSync(key, 'utf8')).toMatch(/^\{"t":"[^"]+"\}$/);
    // the claim another process made after its drop: its value is not stored yet, the old one still is
    writeFileSync(key, '{"t":"a-later-claim"}');
    const reader = new ResultCache({ dir, sweepIntervalSeconds: 0 }); // nothing in memory: it reads the files
    expect(await reader.has('getOrderFields', 2408)).toBe(false);
    expect(await reader.callWith('getOrderFields', {}, () => 'computed now', 2408)).toMatchObject({ hit: false });
  });
});
