/**
 * What the built-in PL/SQL must say, checked against dcn's own DDL where the fake cannot run it
 * (it does not execute PL/SQL): the log rows' values go to the columns of the same name and are cut
 * to the columns' bytes, an autonomous transaction commits, and bit flags are tested as bits. A
 * wrong constant or a swapped column here fails `npm test` (and `npm run test:mutants` counts it).
 */
import { describe, expect, it } from 'vitest';
import { planFor } from '../support/builtin-settings.js';

const statements = planFor({ demoSchema: 'yes' }).migrations.flatMap((m) => m.statements);

/** Splits at commas outside parentheses and quotes. */
function topLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** nfresults' columns as V2 creates them: name → bytes (VARCHAR2) or undefined. */
const NFRESULTS = (() => {
  const ddl = statements.find((s) => /^CREATE TABLE nfresults/i.test(s.sql))!.sql;
  const columns = new Map<string, number | undefined>();
  for (const m of ddl.matchAll(/^\s+(\w+)\s+(VARCHAR2\((\d+)\)|NUMBER|TIMESTAMP)/gim)) columns.set(m[1]!.toLowerCase(), m[3] ? Number(m[3]) : undefined);
  return columns;
})();

const inserts = statements.flatMap((s) =>
  [...s.sql.replace(/--[^\n]*/g, '').matchAll(/INSERT INTO nfresults \(([^)]*)\)\s*VALUES \(([\s\S]*?)\);/gi)].map((m) => ({ file: s.file, columns: m[1]!.split(',').map((c) => c.trim().toLowerCase()), values: topLevel(m[2]!) })),
);

describe('the log rows of sendNotification and the callback', () => {
  it('are found (two INSERTs)', () => {
    expect(inserts.map((i) => i.file).sort()).toEqual(['R__01_sendNotification.sql', 'R__02_orders_nf_callback.sql']);
  });

  it.each(inserts)('$file: one value per column, each named value in the column of its name', ({ columns, values }) => {
    expect(values).toHaveLength(columns.length);
    for (const c of columns) expect(NFRESULTS.has(c), c).toBe(true);
    values.forEach((v, i) => {
      const named = /(?:^|[\s(.])(\w+)(?:,|\)|$)/.exec(v.replace(/SUBSTRB\(([\w.]+),.*$/i, '$1'))?.[1]?.toLowerCase();
      if (named && NFRESULTS.has(named) && named !== columns[i]) throw new Error(`${v} goes to ${columns[i]}, not to ${named}`);
    });
  });

  it.each(inserts)('$file: text cut from its first byte to its column\'s size', ({ columns, values }) => {
    values.forEach((v, i) => {
      const cut = /^SUBSTRB\((.+), (\d+), (\d+)\)$/is.exec(v);
      if (!cut) return;
      expect(`${columns[i]}: from ${cut[2]}, ${cut[3]} bytes`).toBe(`${columns[i]}: from 1, ${NFRESULTS.get(columns[i]!)} bytes`);
    });
  });
});

describe('the PL/SQL', () => {
  it('commits every autonomous transaction before its end', () => {
    const blocks = statements.flatMap((s) => [...s.sql.matchAll(/PROCEDURE (\w+)[^;]*?IS\s+PRAGMA AUTONOMOUS_TRANSACTION;([\s\S]*?)END \1;/gi)].map((m) => ({ name: m[1]!, body: m[2]! })));
    expect(blocks.map((b) => b.name).sort()).toEqual(['log_event', 'log_result']);
    for (const b of blocks) expect(b.body, b.name).toMatch(/\bCOMMIT;\s*$/);
  });

  it('tests notification flags as bits: BITAND(…) <> 0', () => {
    const tests = statements
      .flatMap((s) => [...s.sql.matchAll(/BITAND\((?:[^()]|\([^()]*\))*\)\s*(=|<>|!=|>=|<=|>|<)\s*(-?\d+)/gi)].map((m) => `${m[1]} ${m[2]}`));
    expect(tests.length).toBeGreaterThanOrEqual(4);
    for (const t of tests) expect(t).toBe('<> 0');
  });

  it('tests "contains" and "not empty" as > 0: INSTR(…) > 0, .COUNT > 0', () => {
    const tests = statements.flatMap((s) => [...s.sql.matchAll(/(INSTR\((?:[^()]|\([^()]*\))*\)|\w+\.COUNT)\s*(=|<>|!=|>=|<=|>|<)\s*(-?\d+)/gi)].map((m) => `${m[1]!.replace(/\(.*/s, '(…)')} ${m[2]} ${m[3]}`));
    expect(tests.length).toBeGreaterThanOrEqual(2);
    for (const t of tests) expect(t).toMatch(/ > 0$/);
  });
});

describe('a key that changes (issue 16)', () => {
  const callbackOf = (flags: Parameters<typeof planFor>[0]) => planFor(flags).migrations.flatMap((m) => m.statements).find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql;

  it('an UPDATE of ORDER_ITEMS becomes a table-level notification before any row is looked up, unless items never move', () => {
    const callback = callbackOf({});
    expect(callback).toMatch(/c_items_key_fixed CONSTANT BOOLEAN := 'no' = 'yes';/);
    // in the loop over the changed rows: the delete rule, then this one, then the rows to look up
    const loop = /FOR j IN 1 \.\. p_tdesc\.row_desc_array\.COUNT LOOP([\s\S]*?)END LOOP;/.exec(callback)![1]!;
    const branches = loop.split(/\n\s*(?:ELSIF|ELSE)\b/);
    expect(branches).toHaveLength(3);
    expect(branches[1]).toMatch(/^\s*p_table = c_order_items AND NOT c_items_key_fixed\s+AND BITAND\(p_tdesc\.row_desc_array\(j\)\.opflags, DBMS_CHANGE_NOTIFICATION\.UPDATEOP\) <> 0 THEN\s+l_why := '[^']+';\s*$/);
    expect(branches[2]).toMatch(/l_rows\.EXTEND;/);
  });

  it('orderItemsKeyImmutable=yes keeps per-order notifications for item updates', () => {
    expect(callbackOf({ orderItemsKeyImmutable: 'yes' })).toMatch(/c_items_key_fixed CONSTANT BOOLEAN := 'yes' = 'yes';/);
    expect(() => planFor({ define: ['order_items_key_immutable=maybe'] })).toThrow(/order_items_key_immutable .*'maybe' is not yes or no/);
  });
});
