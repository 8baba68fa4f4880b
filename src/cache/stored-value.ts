/**
 * What a cached result is stored as (JSON, with what JSON would change refused) and what is
 * returned: a frozen copy, the same on a miss and on a hit.
 */
import { typeName } from './cache-key.js';

export class Unstorable extends Error {}

/**
 * A result as stored: JSON, with Dates as ISO strings, NaN and ±Infinity as null, undefined as
 * null in arrays (and at the top) and left out of objects. What JSON would silently change into
 * something else (a Map into {}, a Buffer into {type, data}, a class instance into its fields)
 * or cannot hold at all (BigInt, a function, a Symbol, a circular structure) is not storable.
 */
export function storedText(value: unknown): string | Unstorable {
  try {
    return JSON.stringify(
      value === undefined ? null : value,
      function (this: Record<string, unknown>, key: string, v: unknown) {
        const original = this[key];
        switch (typeof original) {
          case 'bigint':
          case 'function':
          case 'symbol':
            throw new Unstorable(`a ${typeof original === 'bigint' ? 'BigInt' : typeof original}`);
          case 'object': {
            if (original === null || Array.isArray(original) || original instanceof Date) return v;
            const proto = Object.getPrototypeOf(original) as unknown;
            if (proto === Object.prototype || proto === null) return v;
            throw new Unstorable(`a ${typeName(original)}`);
          }
          default:
            return v;
        }
      },
    );
  } catch (err) {
    if (err instanceof Unstorable) return err;
    return new Unstorable(/circular/i.test((err as Error).message) ? 'a circular structure' : (err as Error).message);
  }
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
