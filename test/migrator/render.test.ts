import { describe, expect, it } from 'vitest';
import { prefixHash, RunningHash } from '../../src/migrator/render.js';

describe('RunningHash: the resume bookkeeping, hashed once per statement', () => {
  const statements = Array.from({ length: 50 }, (_, i) => ({
    sql: i % 7 === 0 ? '' : `INSERT INTO t VALUES (${i}, 'é\n;')`,
  }));

  it('gives prefixHash of every prefix, from the start', () => {
    const running = new RunningHash();
    statements.forEach((st, i) => expect(running.add(st), `after ${i + 1}`).toBe(prefixHash(statements, i + 1)));
  });

  it('gives the same digests resumed after any statement', () => {
    for (const from of [0, 1, 13, 49]) {
      const running = new RunningHash(statements, from);
      for (let i = from; i < statements.length; i++)
        expect(running.add(statements[i]!), `from ${from}, after ${i + 1}`).toBe(prefixHash(statements, i + 1));
    }
  });
});
