/**
 * Cache keys: the rule for a cached function's name, the encoding of a call's arguments into a
 * text in which different arguments never coincide, and its hash (an entry's file name).
 */
import { hash as oneShotHash } from 'node:crypto';
import { FUNCTION_NAME } from './cache-dir.js';

export function checkName(name: string): void {
  if (!FUNCTION_NAME.test(name))
    throw new TypeError(
      `result cache: function name '${name}' must be 1-100 letters, digits, _ $ . - (starting with a letter, _ or $)`,
    );
}

export function typeName(value: object): string {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return proto?.constructor?.name || 'object';
}

/**
 * The cache key of a call's arguments: a text in which different arguments never coincide.
 * Every type is written with its own mark (strings quoted, numbers bare, 1n, Date(0),
 * Buffer(61), Map(…), Set(…), undefined apart from null); object keys and the members of Maps
 * and Sets are sorted, so equal arguments give equal keys in any order. Anything else (a
 * function, a symbol, a class instance, a typed array other than Buffer and Uint8Array, a
 * circular structure) is refused with a TypeError, before the function runs.
 */
export function encodeArguments(args: readonly unknown[]): string {
  return encode(args, new Set());
}

function encode(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return String(value); // NaN, Infinity and -Infinity stay apart from null; -0 is 0
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'object':
      if (value === null) return 'null';
      if (seen.has(value)) throw new TypeError('result cache: a circular argument cannot be part of a cache key');
      seen.add(value);
      try {
        return encodeObject(value, seen);
      } finally {
        seen.delete(value);
      }
    default:
      throw new TypeError(
        `result cache: an argument of type ${typeof value} cannot be part of a cache key (use strings, numbers, booleans, null, dates, buffers, arrays, Maps, Sets and plain objects)`,
      );
  }
}

function encodeObject(value: object, seen: Set<object>): string {
  if (Array.isArray(value)) {
    // an array's other properties (arr.x = 1) would be lost to the key: two calls that differ
    // only there would share an entry
    if (
      Object.keys(value).length !== value.length ||
      Object.getOwnPropertySymbols(value).length > 0 ||
      Object.getPrototypeOf(value) !== Array.prototype
    ) {
      throw new TypeError(
        'result cache: an array with properties other than its elements (or holes, or of a subclass) cannot be part of a cache key',
      );
    }
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) parts.push(encode(value[i], seen));
    return `[${parts.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) {
    if (Object.getOwnPropertySymbols(value).length > 0)
      throw new TypeError('result cache: an argument with symbol keys cannot be part of a cache key');
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${encode(record[k], seen)}`)
      .join(',')}}`;
  }
  if (value instanceof Date) return `Date(${value.getTime()})`;
  if (Buffer.isBuffer(value)) return `Buffer(${value.toString('hex')})`;
  if (proto === Uint8Array.prototype) return `Uint8Array(${Buffer.from(value as Uint8Array).toString('hex')})`;
  if (proto === Map.prototype) {
    const entries = [...(value as Map<unknown, unknown>)].map(([k, v]) => `${encode(k, seen)}=>${encode(v, seen)}`);
    return `Map(${entries.sort().join(',')})`;
  }
  if (proto === Set.prototype)
    return `Set(${[...(value as Set<unknown>)]
      .map((v) => encode(v, seen))
      .sort()
      .join(',')})`;
  throw new TypeError(
    `result cache: an argument of type ${typeName(value)} cannot be part of a cache key (use strings, numbers, booleans, null, dates, buffers, arrays, Maps, Sets and plain objects)`,
  );
}

/**
 * Recent keys and their hashes: an application and a listener see the same few order numbers
 * again and again, and under load the SHA-256 call costs more than the rest of a lookup.
 */
const recentHashes = new Map<string, string>();
const RECENT_HASHES = 10_000; // of keys up to 200 characters: at most a few MB

export function argumentsHash(args: readonly unknown[]): string {
  const key = encodeArguments(args);
  let hash = recentHashes.get(key);
  if (hash === undefined) {
    hash = oneShotHash('sha256', key, 'hex').slice(0, 40);
    if (key.length <= 200) {
      if (recentHashes.size >= RECENT_HASHES) recentHashes.clear();
      recentHashes.set(key, hash);
    }
  }
  return hash;
}
