import { describe, expect, it } from 'vitest';
import { truncateBytes } from '../src/oracle/varchar.js';

describe('truncateBytes', () => {
  it.each([
    ['ascii', 'a'.repeat(5000), 4000, 4000],
    ['euro signs (3 bytes each)', '€'.repeat(2000), 4000, 3999],
    ['an emoji (4 bytes, two UTF-16 units) at the cut', `${'a'.repeat(3998)}😀b`, 4000, 3998],
    ['short text', 'ORA-00942', 4000, 9],
  ])('cuts %s between characters, within the bytes', (_what, text, max, bytes) => {
    const cut = truncateBytes(text, max);
    expect(Buffer.byteLength(cut)).toBe(bytes);
    expect(text.startsWith(cut)).toBe(true);
    expect(cut).not.toMatch(/\uFFFD/);
  });
});
