import { describe, expect, it } from 'vitest';
import { MemoryTier, type MemoryEntry } from '../../src/cache/memory-tier.js';

const entry = (bytes: number, value: unknown = bytes): MemoryEntry => ({
  claim: 1,
  expires: Infinity,
  value,
  bytes,
  touched: 0,
});

describe('the memory tier', () => {
  it('keeps at most maxEntries, least recently remembered first out, across functions', () => {
    const m = new MemoryTier(3);
    m.remember('f', 'a', entry(1));
    m.remember('g', 'b', entry(1));
    m.remember('f', 'c', entry(1));
    m.remember('g', 'd', entry(1));
    expect(m.size).toBe(3);
    expect(m.get('f', 'a')).toBeUndefined();
    expect(m.get('g', 'd')).toBeDefined();
  });

  it('keeps to its bound in bytes, and counts a replaced entry once', () => {
    const m = new MemoryTier(100, 10);
    m.remember('f', 'a', entry(4));
    m.remember('f', 'a', entry(6));
    expect(m.bytes).toBe(6);
    m.remember('f', 'b', entry(5));
    expect(m.bytes).toBe(5);
    expect(m.get('f', 'a')).toBeUndefined();
  });

  it('forgets one entry, a function, or everything', () => {
    const m = new MemoryTier(100);
    for (const h of ['a', 'b']) for (const f of ['f', 'g']) m.remember(f, h, entry(2));
    m.forget('f', 'a');
    expect([m.size, m.bytes]).toEqual([3, 6]);
    m.forget('g');
    expect([m.size, m.bytes]).toEqual([1, 2]);
    m.clear();
    expect([m.size, m.bytes, m.get('f', 'b')]).toEqual([0, 0, undefined]);
  });
});
