import { describe, expect, it } from 'vitest';
import { ChunkedText, writeJson } from '../../src/cli/chunked-text.js';

function written(value: unknown): string {
  let text = '';
  writeJson(value, (piece) => {
    text += piece;
  });
  return text;
}

describe('writeJson', () => {
  const cases: Record<string, unknown> = {
    scalars: [1, -0.5, 'a"b\\c\n\u2028é𝄞', true, false, null],
    empties: { a: [], b: {}, c: [[]], d: [{}] },
    omitted: { a: undefined, b: () => 1, c: Symbol('s'), d: 1, e: [undefined, () => 1, Symbol('t')] },
    nested: {
      ok: true,
      migrations: [
        { version: '1', statements: [{ file: 'V1__a.sql', line: 2, plsql: false, sql: "SELECT 1\nFROM dual -- ;'" }] },
      ],
    },
    toJSON: {
      when: new Date(Date.UTC(2026, 11, 2)),
      custom: { toJSON: (key: string) => ({ key, list: [1, { x: 2 }] }) },
    },
    onlyOmitted: { a: undefined },
    topString: 'plain',
    topNull: null,
  };
  for (const [name, value] of Object.entries(cases)) {
    it(`writes what JSON.stringify(value, null, 2) returns: ${name}`, () => {
      expect(written(value)).toBe(JSON.stringify(value, null, 2));
    });
  }

  it('writes a large document in pieces, the same text as one string', () => {
    const value = {
      statements: Array.from({ length: 5000 }, (_, i) => ({ line: i, sql: `INSERT INTO t VALUES (${i}, 'x;y')` })),
    };
    const pieces: string[] = [];
    const chunks = new ChunkedText((text) => pieces.push(text));
    writeJson(value, chunks.add);
    chunks.flush();
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.slice(0, -1).every((p) => p.length >= 64 * 1024)).toBe(true);
    expect(pieces.join('')).toBe(JSON.stringify(value, null, 2));
  });
});

describe('ChunkedText', () => {
  it('writes nothing for nothing, and what is pending on flush', () => {
    const pieces: string[] = [];
    const chunks = new ChunkedText((text) => pieces.push(text));
    chunks.flush();
    chunks.add('a');
    chunks.add('b');
    expect(pieces).toEqual([]);
    chunks.flush();
    expect(pieces).toEqual(['ab']);
  });
});
