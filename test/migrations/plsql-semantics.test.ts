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
  for (const m of ddl.matchAll(/^\s+(\w+)\s+(VARCHAR2\((\d+)\)|NUMBER|TIMESTAMP)/gim))
    columns.set(m[1]!.toLowerCase(), m[3] ? Number(m[3]) : undefined);
  // and the columns later migrations add (V7, V8)
  for (const s of statements.filter((x) => /^ALTER TABLE nfresults ADD/i.test(x.sql))) {
    for (const m of s.sql.matchAll(/\(\s*(\w+)\s+(VARCHAR2\((\d+)\)|NUMBER)/gi))
      columns.set(m[1]!.toLowerCase(), m[3] ? Number(m[3]) : undefined);
  }
  return columns;
})();

/** An INSERT's VALUES as one expression each: a dynamic one's binds replaced by its USING expressions, in order (binds are positional in dynamic SQL). */
function insertValues(values: string, using?: string): string[] {
  if (using === undefined) return topLevel(values);
  const given = topLevel(using);
  let next = 0;
  return topLevel(values).map((v) => (/^:\w+$/.test(v) ? (given[next++] ?? `${v} (not bound)`) : v));
}

const inserts = statements.flatMap((s) => {
  const code = s.sql.replace(/--[^\n]*/g, '');
  const found = [
    ...code.matchAll(/INSERT INTO nfresults \(([^)]*)\)\s*VALUES \(([\s\S]*?)\)(?:\s*RETURNING \w+ INTO [\w.]+)?;/gi),
  ].map((m) => ({ file: s.file, dynamic: false, columns: m[1]!, values: insertValues(m[2]!) }));
  // EXECUTE IMMEDIATE 'INSERT INTO nfresults (…) ' || 'VALUES (…) …' USING …
  for (const m of code.matchAll(
    /EXECUTE IMMEDIATE ((?:'(?:[^']|'')*'\s*(?:\|\|\s*)?)+)\s*USING ([\s\S]*?)(?:\s+RETURNING INTO [\w.]+)?;/gi,
  )) {
    const text = [...m[1]!.matchAll(/'((?:[^']|'')*)'/g)].map((x) => x[1]!.replace(/''/g, "'")).join('');
    const insert = /^INSERT INTO nfresults \(([^)]*)\)\s*VALUES \((.*?)\)(?:\s*RETURNING \w+ INTO :\w+)?$/is.exec(
      text.trim(),
    );
    if (insert)
      found.push({ file: s.file, dynamic: true, columns: insert[1]!, values: insertValues(insert[2]!, m[2]!) });
  }
  return found.map((f) => ({ ...f, columns: f.columns.split(',').map((c) => c.trim().toLowerCase()) }));
});

describe('the log rows of sendNotification and the callback', () => {
  it('are found (sendNotification: one without, one with key values; the callback: one)', () => {
    expect(inserts.map((i) => `${i.file}${i.dynamic ? ' (dynamic)' : ''}`).sort()).toEqual([
      'R__01_sendNotification.sql',
      'R__01_sendNotification.sql (dynamic)',
      'R__02_orders_nf_callback.sql',
    ]);
  });

  it.each(inserts)('$file: one value per column, each named value in the column of its name', ({ columns, values }) => {
    expect(values).toHaveLength(columns.length);
    for (const c of columns) expect(NFRESULTS.has(c), c).toBe(true);
    values.forEach((v, i) => {
      const named = /(?:^|[\s(.])(\w+)(?:,|\)|$)/.exec(v.replace(/SUBSTRB\(([\w.]+),.*$/i, '$1'))?.[1]?.toLowerCase();
      if (named && NFRESULTS.has(named) && named !== columns[i])
        throw new Error(`${v} goes to ${columns[i]}, not to ${named}`);
    });
  });

  it.each(inserts)("$file: text cut from its first byte to its column's size", ({ columns, values }) => {
    values.forEach((v, i) => {
      const cut = /^SUBSTRB\((.+), (\d+), (\d+)\)$/is.exec(v);
      if (!cut) return;
      expect(`${columns[i]}: from ${cut[2]}, ${cut[3]} bytes`).toBe(
        `${columns[i]}: from 1, ${NFRESULTS.get(columns[i]!)} bytes`,
      );
    });
  });
});

describe('the PL/SQL', () => {
  it('commits every autonomous transaction before its end', () => {
    const blocks = statements.flatMap((s) =>
      [...s.sql.matchAll(/PROCEDURE (\w+)[^;]*?IS\s+PRAGMA AUTONOMOUS_TRANSACTION;([\s\S]*?)END \1;/gi)].map((m) => ({
        name: m[1]!,
        body: m[2]!,
      })),
    );
    expect(blocks.map((b) => b.name).sort()).toEqual(['log_event', 'log_result']);
    for (const b of blocks) expect(b.body, b.name).toMatch(/\bCOMMIT;\s*$/);
  });

  it('tests notification flags as bits: BITAND(…) <> 0', () => {
    const tests = statements.flatMap((s) =>
      [...s.sql.matchAll(/BITAND\((?:[^()]|\([^()]*\))*\)\s*(=|<>|!=|>=|<=|>|<)\s*(-?\d+)/gi)].map(
        (m) => `${m[1]} ${m[2]}`,
      ),
    );
    expect(tests.length).toBeGreaterThanOrEqual(4);
    for (const t of tests) expect(t).toBe('<> 0');
  });

  it('tests "contains" and "not empty" as > 0: INSTR(…) > 0, .COUNT > 0', () => {
    const tests = statements.flatMap((s) =>
      [...s.sql.matchAll(/(INSTR\((?:[^()]|\([^()]*\))*\)|\w+\.COUNT)\s*(=|<>|!=|>=|<=|>|<)\s*(-?\d+)/gi)].map(
        (m) => `${m[1]!.replace(/\(.*/s, '(…)')} ${m[2]} ${m[3]}`,
      ),
    );
    expect(tests.length).toBeGreaterThanOrEqual(2);
    for (const t of tests) expect(t).toMatch(/ > 0$/);
  });
});

describe('positions found by INSTR', () => {
  it('are compared with 0, never another number: INSTR returns 0 when the text is not there, and positions start at 1', () => {
    const comparisons = statements.flatMap((s) => {
      const vars = [...s.sql.matchAll(/(\w+) := INSTR\(/g)].map((m) => m[1]!);
      return vars.flatMap((v) =>
        [...s.sql.matchAll(new RegExp(`\\b${v}\\s*(=|<>|>=|<=|>|<)\\s*(-?\\d+)`, 'g'))].map(
          (m) => `${v} ${m[1]} ${m[2]}`,
        ),
      );
    });
    expect(comparisons.length).toBeGreaterThanOrEqual(4);
    for (const c of comparisons) expect(c).toMatch(/ (> 0|= 0)$/);
  });
});

describe('a key that changes', () => {
  const callbackOf = (flags: Parameters<typeof planFor>[0]) =>
    planFor(flags)
      .migrations.flatMap((m) => m.statements)
      .find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql;

  it('an UPDATE of ORDER_ITEMS becomes a table-level notification before any row is looked up, unless items never move', () => {
    const callback = callbackOf({});
    expect(callback).toMatch(/c_items_key_fixed CONSTANT BOOLEAN := 'no' = 'yes';/);
    // in the loop over the changed rows: the delete rule, then this one, then the rows to look up
    const loop = /FOR j IN 1 \.\. p_tdesc\.row_desc_array\.COUNT LOOP([\s\S]*?)END LOOP;/.exec(callback)![1]!;
    const branches = loop.split(/\n\s*(?:ELSIF|ELSE)\b/);
    expect(branches).toHaveLength(3);
    expect(branches[1]).toMatch(
      /^\s*p_table = c_order_items AND NOT c_items_key_fixed\s+AND BITAND\(p_tdesc\.row_desc_array\(j\)\.opflags, DBMS_CHANGE_NOTIFICATION\.UPDATEOP\) <> 0 THEN\s+l_why := '[^']+';\s*$/,
    );
    expect(branches[2]).toMatch(/l_rows\.EXTEND;/);
  });

  it('orderItemsKeyImmutable=yes keeps per-order notifications for item updates', () => {
    expect(callbackOf({ orderItemsKeyImmutable: 'yes' })).toMatch(
      /c_items_key_fixed CONSTANT BOOLEAN := 'yes' = 'yes';/,
    );
    expect(() => planFor({ define: ['order_items_key_immutable=maybe'] })).toThrow(
      /order_items_key_immutable .*'maybe' is not yes or no/,
    );
  });
});

describe('routes: any table, keyed by its own columns', () => {
  const callback = statements.find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql;
  const procedure = (name: string) => new RegExp(`PROCEDURE ${name} [\\s\\S]*?END ${name};`).exec(callback)![0];
  /** How many loops are open at each EXECUTE IMMEDIATE of a procedure. */
  const loopDepthAtLookups = (body: string) =>
    [...body.matchAll(/EXECUTE IMMEDIATE/g)].map((m) => {
      const before = body.slice(0, m.index).replace(/--[^\n]*/g, '');
      return (before.match(/\bLOOP\b/g) ?? []).length - 2 * (before.match(/\bEND LOOP\b/g) ?? []).length;
    });

  it('sends every table other than orders and order items to its route', () => {
    const other = /CASE p_tdesc\.table_name([\s\S]*?)END CASE;/.exec(procedure('notify_one'))![1]!;
    expect(other.split(/\bELSE\b/)[1]!.trim()).toBe('notify_routed(p_tdesc);');
    expect(procedure('notify_routed')).toMatch(
      /EXECUTE IMMEDIATE 'SELECT key_columns, key_immutable FROM dcn_routes WHERE table_owner = :table_owner AND table_name = :table_name'\s+INTO l_columns, l_fixed\s+USING l_owner, l_short;/,
    );
  });

  it('looks the keys up in one statement per table per notification, outside the loop over the rows', () => {
    expect(loopDepthAtLookups(procedure('notify_table'))).toEqual([0]);
    // the route, then the keys
    expect(loopDepthAtLookups(procedure('notify_routed'))).toEqual([0, 0]);
  });

  it('quotes every name it puts into the lookup with DBMS_ASSERT.ENQUOTE_NAME, and binds the ROWIDs', () => {
    const body = procedure('notify_routed');
    const lookup = /EXECUTE IMMEDIATE((?:(?!EXECUTE IMMEDIATE)[\s\S])*?)BULK COLLECT/.exec(body)![1]!;
    expect(lookup).toMatch(
      /DBMS_ASSERT\.ENQUOTE_NAME\(l_owner, FALSE\) \|\| '\.' \|\| DBMS_ASSERT\.ENQUOTE_NAME\(l_short, FALSE\)/,
    );
    expect(lookup.replace(/DBMS_ASSERT\.ENQUOTE_NAME\((l_owner|l_short), FALSE\)/g, '')).not.toMatch(
      /l_owner|l_short|l_columns/,
    );
    // the column list: each column of the route quoted on its own, then used as quoted
    expect(body).toMatch(/l_column := 't\.' \|\| DBMS_ASSERT\.ENQUOTE_NAME\(SUBSTR\(l_columns, [^;]*, FALSE\);/);
    expect(
      body.match(/l_columns/g)!.length - body.match(/ENQUOTE_NAME\(SUBSTR\(l_columns/g)!.length,
    ).toBeLessThanOrEqual(5); // declared, read, tested, searched, measured
    expect(/USING (\w+);/.exec(body.slice(body.indexOf('BULK COLLECT')))![1]).toBe('l_rows');
  });

  it('a key that may change: an UPDATE is notified at table level before any row is looked up, unless the route says the key is immutable', () => {
    const loop = /FOR j IN 1 \.\. p_tdesc\.row_desc_array\.COUNT LOOP([\s\S]*?)END LOOP;/.exec(
      procedure('notify_routed'),
    )![1]!;
    const branches = loop.split(/\n\s*(?:ELSIF|ELSE)\b/);
    expect(branches).toHaveLength(3);
    expect(branches[0]).toMatch(/DELETEOP\) <> 0 THEN\s+l_why := /);
    expect(branches[1]).toMatch(
      /^\s*l_fixed <> 'yes' AND BITAND\(p_tdesc\.row_desc_array\(j\)\.opflags, DBMS_CHANGE_NOTIFICATION\.UPDATEOP\) <> 0 THEN\s+l_why := '[^']+';\s*$/,
    );
    expect(branches[2]).toMatch(/l_rows\.EXTEND;/);
    // dcn_routes holds only yes or no, and says yes unless told
    const ddl = statements.find((s) => /^CREATE TABLE dcn_routes/i.test(s.sql))!.sql;
    expect(ddl).toMatch(/key_immutable VARCHAR2\(3\)\s+DEFAULT 'yes' NOT NULL/);
    expect(ddl).toMatch(/CHECK \(key_immutable IN \('yes', 'no'\)\)/);
  });

  it('no route, no key columns, all rows, deleted or vanished rows: one table-level call, never silence', () => {
    const body = procedure('notify_routed');
    for (const why of ['l_columns IS NULL', 'ALL_ROWS', 'DELETEOP', 'l_found\\(k\\) IS NULL', 'l_nulls\\(k\\) <> 0'])
      expect(body).toMatch(new RegExp(`${why}[^;]*THEN\\s+l_why := '`));
    expect(body).toMatch(/ELSIF l_unrouted IS NOT NULL THEN\s+l_why := l_unrouted;/);
    expect(body).toMatch(/IF l_why IS NOT NULL THEN\s+call_url\(l_short, p_note => l_why\);/);
    expect(body).toMatch(/call_url\(l_short, p_keys => l_key\);/);
    // every call goes through call_url, which passes what it is given to sendNotification by name
    expect(callback.match(/\bsendNotification\(/g)).toHaveLength(1);
    expect(procedure('call_url')).toMatch(
      /sendNotification\(url => c_url, tblname => p_table, order_id => p_order, regid => ntfnds\.registration_id,\s+note => p_note, key_values => p_keys, logged_id => l_logged, batch => p_batch\);/,
    );
  });

  it('sendNotification appends the keys after the table and logs them with the call', () => {
    const send = statements.find((s) => /PROCEDURE sendNotification/i.test(s.sql))!.sql;
    expect(send).toMatch(
      /\|\| 'table=' \|\| UTL_URL\.ESCAPE\(tblname, TRUE\)\s+\|\| CASE WHEN key_values IS NOT NULL AND batch IS NULL THEN c_amp \|\| key_values END;/,
    );
    expect(send).toMatch(
      /l_operation CONSTANT VARCHAR2\(5\) := CASE WHEN batch IS NOT NULL THEN 'batch' WHEN order_id IS NOT NULL THEN 'order' WHEN key_values IS NOT NULL THEN 'key' ELSE 'table' END;/,
    );
    // each key value escaped on its own, joined by '&' (c_amp), as key=…
    expect(procedure('notify_routed')).toBeDefined();
    expect(callback).toMatch(
      /l_query := l_query \|\| CASE WHEN l_query IS NOT NULL THEN c_amp END \|\| 'key='\s+\|\| UTL_URL\.ESCAPE\(SUBSTR\(p_values/,
    );
  });
});

describe('what a real Oracle does differently (round 3)', () => {
  const callback = statements.find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql;
  const send = statements.find((s) => /PROCEDURE sendNotification/i.test(s.sql))!.sql;
  const procedure = (name: string) =>
    new RegExp(`(?:PROCEDURE|FUNCTION) ${name} [\\s\\S]*?END ${name};`).exec(callback)![0];
  /** The text outside comments and string literals: what the compiler resolves. */
  const code = (sql: string) => sql.replace(/'(?:[^']|'')*'|--[^\n]*/g, (m) => (m.startsWith("'") ? "''" : ''));

  it("names V8's table and column only in dynamic SQL, so that undoing V8 leaves both procedures valid", () => {
    for (const unit of [callback, send]) {
      expect(code(unit)).not.toMatch(/\bdcn_routes\b/i);
      expect(code(unit)).not.toMatch(/\bINSERT INTO nfresults \([^)]*\bkey_values\b/i);
    }
    // and the column only when the call has keys (a call without them writes V2's columns alone)
    expect(send).toMatch(
      /IF sendNotification\.key_values IS NULL AND sendNotification\.batch IS NULL THEN\s+-- [^\n]*\n\s+INSERT INTO nfresults \(/,
    );
  });

  it('handles each table of a notification in a block of its own: an error is logged with its text, and that table gets a table-level call', () => {
    const loop =
      /IF ntfnds\.event_type = DBMS_CHANGE_NOTIFICATION\.EVENT_OBJCHANGE THEN\s+reuse_connections\(TRUE\);\s+FOR i IN 1 \.\. NVL\(ntfnds\.numtables, 0\) LOOP([\s\S]*?)END LOOP;\s+reuse_connections\(FALSE\);/.exec(
        callback,
      )![1]!;
    expect(loop.trim()).toBe('notify_one(ntfnds.table_desc_array(i));');
    const one = procedure('notify_one');
    const [body, handler] = one.split(/\n\s+EXCEPTION\s+WHEN OTHERS THEN\n/);
    expect(body).toMatch(
      /notify_table\(c_orders, p_tdesc\);[\s\S]*notify_table\(c_order_items, p_tdesc\);[\s\S]*notify_routed\(p_tdesc\);/,
    );
    expect(handler, 'notify_one handles what fails in it').toBeDefined();
    // the error text is taken first, logged (a failure to log does not stop the call), then one table-level call
    expect(handler).toMatch(
      /^\s+l_error := SUBSTRB\(SQLERRM, 1, 4000\);\s+BEGIN\s+log_event\(p_tdesc\.table_name, 'error', [^;]*l_error[^;]*\);\s+EXCEPTION\s+WHEN OTHERS THEN NULL;[^\n]*\s+END;\s+call_url\(short_name\(p_tdesc\.table_name\), p_note => [^;]*l_error[^;]*\);\s+END notify_one;$/,
    );
  });

  it('a NULL key value makes the call table-level: the lookup tests every key column for NULL before key_query', () => {
    const body = procedure('notify_routed');
    expect(body).toMatch(
      /l_nullable := l_nullable \|\| CASE WHEN l_nullable IS NOT NULL THEN ' OR ' END \|\| l_column \|\| ' IS NULL';/,
    );
    expect(body).toMatch(/', CASE WHEN ' \|\| l_nullable \|\| ' THEN 1 ELSE 0 END'/);
    expect(body).toMatch(/BULK COLLECT INTO l_found, l_values, l_nulls/);
    const rows = /FOR k IN 1 \.\. l_found\.COUNT LOOP([\s\S]*?)END LOOP;/
      .exec(body)![1]!
      .split(/\n\s*(?:ELSIF|ELSE)\b/);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/^\s*l_nulls\(k\) <> 0 THEN\s+l_why := '[^']+';\s*$/);
    expect(rows[2]).toMatch(/key_query\(l_values\(k\)\)/);
  });

  it('ends every loop over INSTR positions on NULL too (INSTR of NULL is NULL, never 0)', () => {
    const exits = statements.flatMap((s) => {
      const vars = new Set([...s.sql.matchAll(/(\w+) := INSTR\(/g)].map((m) => m[1]!));
      return [...s.sql.matchAll(/EXIT WHEN ([^;]+);/g)]
        .map((m) => m[1]!)
        .filter((e) => [...vars].some((v) => new RegExp(`\\b${v}\\b`).test(e)));
    });
    expect(exits.length).toBeGreaterThanOrEqual(2);
    for (const e of exits) expect(e).toMatch(/^NVL\((\w+), 0\) = 0$/);
    // and the next search starts right after the separator found (',' and CHR(31): one character)
    const steps = statements.flatMap((s) =>
      [...s.sql.matchAll(/EXIT WHEN NVL\((\w+), 0\) = 0;\s+(\w+) := ([^;]+);/g)].map((m) => `${m[2]} := ${m[3]}`),
    );
    expect(steps).toEqual(exits.map(() => 'l_from := l_to + 1'));
  });

  it('compares table names as the dictionary stores them: never upper-cased ("MyTable" arrives so)', () => {
    expect(code(callback)).not.toMatch(/UPPER\(/i);
    expect(procedure('notify_routed')).toMatch(/l_table\s+CONSTANT VARCHAR2\(261\) := p_tdesc\.table_name;/);
  });

  it('hints the cardinality of the changed rows in every lookup, so the optimizer keeps ROWID access', () => {
    const lookups = [...callback.matchAll(/FROM TABLE\(CAST\(:changed_rows AS rdesc_tab\)\) (\w+) /g)].map((m) => ({
      alias: m[1]!,
      select: callback.slice(callback.lastIndexOf("'SELECT ", m.index), m.index),
    }));
    expect(lookups).toHaveLength(2);
    for (const l of lookups)
      expect(l.select).toMatch(new RegExp(`^'SELECT /\\*\\+ CARDINALITY\\(${l.alias} \\d+\\) \\*/ `));
  });

  it('sendNotification returns the id of its log row from the INSERT (RETURNING), for dcn replay', () => {
    expect(send).toMatch(/\blogged_id\s+OUT NUMBER,\n\s+batch\s+IN VARCHAR2 DEFAULT NULL\n\) IS/);
    expect(send).toMatch(/VALUES \([^;]*\)\s+RETURNING id INTO sendNotification\.logged_id;/);
    expect(send).toMatch(/'RETURNING id INTO :logged_id'\s+USING [^;]*\s+RETURNING INTO sendNotification\.logged_id;/);
  });
});
