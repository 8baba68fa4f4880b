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
  // and the columns later migrations add (V7, V8)
  for (const s of statements.filter((x) => /^ALTER TABLE nfresults ADD/i.test(x.sql))) {
    for (const m of s.sql.matchAll(/\(\s*(\w+)\s+(VARCHAR2\((\d+)\)|NUMBER)/gi)) columns.set(m[1]!.toLowerCase(), m[3] ? Number(m[3]) : undefined);
  }
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

describe('positions found by INSTR', () => {
  it('are compared with 0, never another number: INSTR returns 0 when the text is not there, and positions start at 1', () => {
    const comparisons = statements.flatMap((s) => {
      const vars = [...s.sql.matchAll(/(\w+) := INSTR\(/g)].map((m) => m[1]!);
      return vars.flatMap((v) => [...s.sql.matchAll(new RegExp(`\\b${v}\\s*(=|<>|>=|<=|>|<)\\s*(-?\\d+)`, 'g'))].map((m) => `${v} ${m[1]} ${m[2]}`));
    });
    expect(comparisons.length).toBeGreaterThanOrEqual(4);
    for (const c of comparisons) expect(c).toMatch(/ (> 0|= 0)$/);
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

describe('routes: any table, keyed by its own columns (issue 16)', () => {
  const callback = statements.find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql;
  const procedure = (name: string) => new RegExp(`PROCEDURE ${name} [\\s\\S]*?END ${name};`).exec(callback)![0];
  /** How many loops are open at each EXECUTE IMMEDIATE of a procedure. */
  const loopDepthAtLookups = (body: string) =>
    [...body.matchAll(/EXECUTE IMMEDIATE/g)].map((m) => {
      const before = body.slice(0, m.index).replace(/--[^\n]*/g, '');
      return (before.match(/\bLOOP\b/g) ?? []).length - 2 * (before.match(/\bEND LOOP\b/g) ?? []).length;
    });

  it('sends every table other than orders and order items to its route', () => {
    const other = /CASE UPPER\(ntfnds\.table_desc_array\(i\)\.table_name\)([\s\S]*?)END CASE;/.exec(callback)![1]!;
    expect(other.split(/\bELSE\b/)[1]!.trim()).toBe('notify_routed(ntfnds.table_desc_array(i));');
    expect(procedure('notify_routed')).toMatch(/SELECT key_columns, key_immutable INTO l_columns, l_fixed\s+FROM dcn_routes\s+WHERE table_owner = l_owner AND table_name = l_short;/);
  });

  it('looks the keys up in one statement per table per notification, outside the loop over the rows', () => {
    for (const name of ['notify_table', 'notify_routed']) expect(loopDepthAtLookups(procedure(name)), name).toEqual([0]);
  });

  it('quotes every name it puts into the lookup with DBMS_ASSERT.ENQUOTE_NAME, and binds the ROWIDs', () => {
    const body = procedure('notify_routed');
    const lookup = /EXECUTE IMMEDIATE([\s\S]*?)BULK COLLECT/.exec(body)![1]!;
    expect(lookup).toMatch(/DBMS_ASSERT\.ENQUOTE_NAME\(l_owner, FALSE\) \|\| '\.' \|\| DBMS_ASSERT\.ENQUOTE_NAME\(l_short, FALSE\)/);
    expect(lookup.replace(/DBMS_ASSERT\.ENQUOTE_NAME\((l_owner|l_short), FALSE\)/g, '')).not.toMatch(/l_owner|l_short|l_columns/);
    // the column list: each column of the route quoted on its own
    expect(body).toMatch(/'TO_CHAR\(t\.'\s+\|\| DBMS_ASSERT\.ENQUOTE_NAME\(SUBSTR\(l_columns, [^;]*, FALSE\) \|\| '\)'/);
    expect(/USING (\w+);/.exec(body.slice(body.indexOf('EXECUTE IMMEDIATE')))![1]).toBe('l_rows');
  });

  it('a key that may change: an UPDATE is notified at table level before any row is looked up, unless the route says the key is immutable', () => {
    const loop = /FOR j IN 1 \.\. p_tdesc\.row_desc_array\.COUNT LOOP([\s\S]*?)END LOOP;/.exec(procedure('notify_routed'))![1]!;
    const branches = loop.split(/\n\s*(?:ELSIF|ELSE)\b/);
    expect(branches).toHaveLength(3);
    expect(branches[0]).toMatch(/DELETEOP\) <> 0 THEN\s+l_why := /);
    expect(branches[1]).toMatch(/^\s*l_fixed <> 'yes' AND BITAND\(p_tdesc\.row_desc_array\(j\)\.opflags, DBMS_CHANGE_NOTIFICATION\.UPDATEOP\) <> 0 THEN\s+l_why := '[^']+';\s*$/);
    expect(branches[2]).toMatch(/l_rows\.EXTEND;/);
    // dcn_routes holds only yes or no, and says yes unless told
    const ddl = statements.find((s) => /^CREATE TABLE dcn_routes/i.test(s.sql))!.sql;
    expect(ddl).toMatch(/key_immutable VARCHAR2\(3\)\s+DEFAULT 'yes' NOT NULL/);
    expect(ddl).toMatch(/CHECK \(key_immutable IN \('yes', 'no'\)\)/);
  });

  it('no route, no key columns, all rows, deleted or vanished rows: one table-level call, never silence', () => {
    const body = procedure('notify_routed');
    for (const why of ['NOT l_routed', 'l_columns IS NULL', 'ALL_ROWS', 'DELETEOP', 'l_found\\(k\\) IS NULL']) expect(body).toMatch(new RegExp(`${why}[^;]*THEN\\s+l_why := '`));
    expect(body).toMatch(/IF l_why IS NOT NULL THEN\s+sendNotification\(c_url, l_short, NULL, ntfnds\.registration_id, l_why\);/);
    expect(body).toMatch(/sendNotification\(url => c_url, tblname => l_short, regid => ntfnds\.registration_id, key_values => l_key\);/);
  });

  it('sendNotification appends the keys after the table and logs them with the call', () => {
    const send = statements.find((s) => /PROCEDURE sendNotification/i.test(s.sql))!.sql;
    expect(send).toMatch(/\|\| 'table=' \|\| UTL_URL\.ESCAPE\(tblname, TRUE\)\s+\|\| CASE WHEN key_values IS NOT NULL THEN c_amp \|\| key_values END;/);
    expect(send).toMatch(/WHEN sendNotification\.key_values IS NOT NULL THEN 'key'/);
    // each key value escaped on its own, joined by '&' (c_amp), as key=…
    expect(procedure('notify_routed')).toBeDefined();
    expect(callback).toMatch(/l_query := l_query \|\| CASE WHEN l_query IS NOT NULL THEN c_amp END \|\| 'key='\s+\|\| UTL_URL\.ESCAPE\(SUBSTR\(p_values/);
  });
});
