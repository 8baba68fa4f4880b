import { describe, expect, it } from 'vitest';
import { displayName } from '../../src/oracle/identifiers.js';
import { MAX_TABLES, parseCallback, parseRegid, parseTables, parseTimeout } from '../../src/registrations/input.js';

describe('what users type', () => {
  it('refuses more tables than one command takes, a callback longer than 257 bytes, a bad regid or timeout', () => {
    expect(() => parseTables(Array.from({ length: MAX_TABLES + 1 }, (_, i) => `T${i}`))).toThrow(
      /101 tables: at most 100/,
    );
    expect(parseTables(Array.from({ length: MAX_TABLES }, (_, i) => `T${i}`))).toHaveLength(MAX_TABLES);
    // two 128-byte parts fit (128 + 1 + 128 = 257); quoted, their quotes count too
    expect(parseCallback(`${'S'.repeat(128)}.${'C'.repeat(128)}`).name).toHaveLength(128);
    expect(() => parseCallback(`"${'s'.repeat(128)}"."${'c'.repeat(128)}"`)).toThrow(/longer than the 257 bytes/);
    for (const bad of ['0', '-1', '4.5', 'x', '1234567890123456'])
      expect(() => parseRegid(bad), bad).toThrow(/not a registration id/);
    expect(parseRegid(' 41 ')).toBe(41);
    expect(parseTimeout(undefined)).toBe(0);
    for (const bad of ['-1', '2147483648', '1.5'])
      expect(() => parseTimeout(bad), bad).toThrow(/not a whole number of seconds/);
    expect(parseTimeout('2147483647')).toBe(2147483647);
  });

  it('takes a callback name of up to 257 characters (schema.name, since 12.2)', () => {
    const long = `${'S'.repeat(100)}.${'C'.repeat(100)}`;
    expect(displayName(parseCallback(long))).toBe(long);
  });

  it('parseTables keeps quoted case and upper-cases the rest', () => {
    expect(parseTables(['oe.orders', '"oe"."Order Items"', 'S$1.T#2'])).toEqual([
      { schema: 'OE', name: 'ORDERS' },
      { schema: 'oe', name: 'Order Items' },
      { schema: 'S$1', name: 'T#2' },
    ]);
  });
});
