import { describe, expect, it } from 'vitest';
import { argumentsHash, checkName, encodeArguments } from '../../src/cache/cache-key.js';

describe('cache keys', () => {
  it('never gives two distinct argument lists one key (a few thousand generated lists)', () => {
    const atoms: unknown[] = [
      0,
      -1,
      1,
      1.5,
      NaN,
      Infinity,
      '',
      '0',
      '1',
      'a,b',
      '"',
      null,
      undefined,
      true,
      false,
      1n,
      new Date(0),
      Buffer.from('0'),
    ];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const gen = (depth: number): unknown => {
      const k = rand(depth > 2 ? 1 : 6);
      if (k === 0) return atoms[rand(atoms.length)];
      if (k === 1) return Array.from({ length: rand(3) }, () => gen(depth + 1));
      if (k === 2)
        return Object.fromEntries(Array.from({ length: rand(3) }, (_, i) => [`k${rand(3)}${i}`, gen(depth + 1)]));
      if (k === 3) return new Map([[gen(depth + 1), gen(depth + 1)]]);
      if (k === 4) return new Set([gen(depth + 1)]);
      return [gen(depth + 1)];
    };
    const isPlain = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
    const seen = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const args = Array.from({ length: rand(3) }, () => gen(0));
      const key = encodeArguments(args);
      // an independent rendering of the same list: equal keys must come from equal renderings
      const shown = JSON.stringify(args, (_k, v: unknown) =>
        typeof v === 'bigint'
          ? `${v}n!`
          : v === undefined
            ? 'undef!'
            : typeof v === 'number' && !Number.isFinite(v)
              ? `${v}!`
              : v instanceof Map
                ? ['Map!', ...v]
                : v instanceof Set
                  ? ['Set!', ...v]
                  : isPlain(v)
                    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
                    : v,
      );
      const before = seen.get(key);
      if (before !== undefined && before !== shown) throw new Error(`${before} and ${shown} share the key ${key}`);
      seen.set(key, shown);
    }
    expect(seen.size).toBeGreaterThan(500);
  });

  it('refuses an array with properties besides its elements, and a name that cannot name a directory', () => {
    expect(() => encodeArguments([Object.assign([1], { x: 1 })])).toThrow(TypeError);
    expect(() => checkName('../etc')).toThrow(TypeError);
    expect(argumentsHash([1])).toMatch(/^[0-9a-f]{40}$/);
  });
});
