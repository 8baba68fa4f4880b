/**
 * The one statement dcn builds with knex instead of keeping in sql/ (the tail query): every form
 * it takes, one per combination of filters and window, gets the checks every other statement
 * gets — it parses under the Oracle grammar, and every column it names exists in NFRESULTS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInMigrationsDir, sqlPath } from '../../src/paths.js';
import { tailQuery, type TailFilters } from '../../src/tail/tail.js';
import { syntaxErrors } from '../support/plsql-grammar.js';
import { catalogOf, checkColumns } from '../reference/check-columns.js';

const sqlFiles = (dir: string) =>
  readdirSync(dir, { recursive: true } as { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
const catalog = catalogOf([...sqlFiles(builtInMigrationsDir()), ...sqlFiles(sqlPath())]);

const EACH: { [K in keyof Required<TailFilters>]: TailFilters[K] } = {
  table: 'ORDERS',
  order: '2408',
  keyValues: 'key=7',
  since: new Date('2026-12-01T00:00:00Z'),
  until: new Date('2026-12-02T00:00:00Z'),
  errorsOnly: true,
  okOnly: true,
};
const names = Object.keys(EACH) as (keyof TailFilters)[];
/** Every subset of the filters. */
const combinations: TailFilters[] = Array.from({ length: 2 ** names.length }, (_, bits) =>
  Object.fromEntries(names.filter((_, i) => bits & (1 << i)).map((n) => [n, EACH[n]])),
);
const windows = [{ afterId: 41, limit: 500 }, { afterId: 41, limit: 500, again: [38, 40] }, { last: 20 }];

/**
 * The grammar is slow (a parse takes a large part of a second), and each filter adds a clause of its
 * own: parsed are no filter, all of them, and each alone first in the WHERE (after no window clause).
 */
function parsed(filters: TailFilters, window: (typeof windows)[number], withKeyValues: boolean): boolean {
  const n = Object.keys(filters).length;
  if (n === 0 || n === names.length) return true;
  return n === 1 && 'last' in window && withKeyValues;
}

/** knex writes Oracle's row limit as a wrapper; the column check reads the single-table SELECT inside it. */
function inner(sql: string): string {
  const m = /^select \* from \((select [\s\S]+)\) where rownum <= :\d+$/.exec(sql);
  if (!m) throw new Error(`not the shape knex gave the tail query: ${sql}`);
  return m[1]!;
}

describe('the tail query, as knex renders it', () => {
  it(`takes ${combinations.length * windows.length * 2} forms: each names only columns of NFRESULTS and binds every value, and each clause parses`, async () => {
    const problems: string[] = [];
    let forms = 0;
    for (const filters of combinations) {
      for (const window of windows) {
        for (const withKeyValues of [true, false]) {
          const { sql, binds } = await tailQuery(filters, 'OE', window, withKeyValues);
          forms++;
          const what = `${JSON.stringify({ filters: Object.keys(filters), window, withKeyValues })}`;
          if (parsed(filters, window, withKeyValues))
            for (const e of syntaxErrors({ sql, plsql: false })) problems.push(`${what}: ${e}`);
          for (const e of checkColumns(inner(sql), what, catalog)) problems.push(e);
          // every value is a bind: one placeholder per bind, and no filter value in the text
          expect(sql.match(/:\d+/g) ?? [], what).toHaveLength(binds.length);
          for (const value of ['ORDERS', '2408', 'key=7']) expect(sql, what).not.toContain(value);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(forms).toBe(combinations.length * windows.length * 2);
  }, 120_000);

  it('the checks catch a column NFRESULTS does not have, and text that does not parse', async () => {
    const { sql } = await tailQuery({ order: '2408' }, 'OE', { last: 20 });
    expect(checkColumns(inner(sql).replace('"ORDER_ID" =', '"ORDER_NO" ='), 'tail', catalog)).toEqual([
      'tail:1: NFRESULTS has no column ORDER_NO',
    ]);
    expect(syntaxErrors({ sql: sql.replace('order by', 'order'), plsql: false })).not.toEqual([]);
  });
});
