/**
 * Resolves the tables, views and columns dcn's SQL names against (a) the tables dcn creates itself
 * (the CREATE TABLEs of migrations/ and sql/migrator, also those run with EXECUTE IMMEDIATE) and
 * (b) the dictionary views of the reference table (oracle-names.ts, each citing Oracle's
 * documentation). A misspelt column, or a view column that does not exist, is reported with
 * file:line. It reads:
 * - INSERT INTO t (columns …): every column;
 * - UPDATE t SET column = …, …: every column set;
 * - alias.column and table.column, where the alias or table is a known one;
 * - the bare names of a single-table SELECT, DELETE or UPDATE (select list, WHERE, ORDER BY), which
 *   must be columns, SQL words or functions, or PL/SQL names (dcn's l_, p_, c_ prefixes and
 *   loop records): a word that is none of these is reported.
 * Substitution variables are read as the built-in settings render them (&history_table is
 * DCN_SCHEMA_HISTORY, &app_schema.. is the schema prefix, &orders_table ORDERS …).
 */
import { VIEWS } from './oracle-names.js';

export type Catalog = ReadonlyMap<string, ReadonlySet<string>>;

/** The built-in substitution variables that name tables. */
function normalise(text: string): string {
  return text
    .replace(/&history_table\._LOCK/gi, 'DCN_SCHEMA_HISTORY_LOCK')
    .replace(/&history_table\b/gi, 'DCN_SCHEMA_HISTORY')
    .replace(/&app_schema\.\./gi, 'OE.')
    .replace(/&orders_table\b/gi, 'ORDERS')
    .replace(/&order_items_table\b/gi, 'ORDER_ITEMS');
}

/** The text with comments blanked and literals kept apart (same length, so offsets still hold). */
function pieces(text: string): { code: string; literals: { at: number; text: string }[] } {
  const literals: { at: number; text: string }[] = [];
  const code = text.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, (m, offset: number) => {
    if (!m.startsWith("'")) return m.replace(/[^\n]/g, ' ');
    literals.push({
      at: offset + 1,
      text: m
        .slice(1, -1)
        .replace(/''/g, "'")
        .padEnd(m.length - 2, ' '),
    });
    return `'${m.slice(1, -1).replace(/[^\n]/g, ' ')}'`;
  });
  return { code, literals };
}

/** The SQL to read: the code, and each literal that is itself SQL (dynamic SQL), at its offset. */
function sqlTexts(text: string): { at: number; text: string }[] {
  const { code, literals } = pieces(normalise(text));
  return [
    { at: 0, text: code },
    ...literals
      .filter((l) => /^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE)\b/i.test(l.text))
      .map((l) => ({ at: l.at, text: pieces(l.text).code })),
  ];
}

/** The text between the parenthesis at `open` and its match. */
function parenthesised(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** Splits on commas outside parentheses. */
function topLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

const bare = (name: string) => name.replace(/^.*\./, '').replace(/"/g, '').toUpperCase();

/** The tables the scripts create, with their columns, and the reference views. */
export function catalogOf(scripts: readonly string[]): Map<string, Set<string>> {
  const catalog = new Map<string, Set<string>>();
  for (const [name, view] of Object.entries(VIEWS))
    catalog.set(name.toUpperCase(), new Set(view.columns.map((c) => c.toUpperCase())));
  for (const script of scripts) {
    for (const { text } of sqlTexts(script)) {
      for (const m of text.matchAll(/\bCREATE\s+TABLE\s+([\w$#."]+)\s*\(/gi)) {
        const columns = topLevel(parenthesised(text, m.index + m[0].length - 1))
          .map((item) => /^("?[\w$#]+"?)/.exec(item)?.[1] ?? '')
          .filter((c) => c && !/^(CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK)$/i.test(c))
          .map(bare);
        catalog.set(bare(m[1]!), new Set(columns));
      }
      // ALTER TABLE t ADD (column type, …): the columns a later migration adds
      for (const m of text.matchAll(/\bALTER\s+TABLE\s+([\w$#."]+)\s+ADD\s*\(/gi)) {
        const added = topLevel(parenthesised(text, m.index + m[0].length - 1))
          .map((item) => /^("?[\w$#]+"?)/.exec(item)?.[1] ?? '')
          .filter(Boolean)
          .map(bare);
        for (const column of added) catalog.get(bare(m[1]!))?.add(column);
      }
    }
  }
  catalog.set('DUAL', new Set(['DUMMY']));
  return catalog;
}

/** Words that may stand bare in a statement without being columns. */
const SQL_WORDS = new Set(
  (
    'SELECT FROM WHERE AND OR NOT IN IS NULL AS ON BY ORDER GROUP HAVING ASC DESC DISTINCT INTO VALUES SET UPDATE DELETE INSERT ' +
    'FOR NOWAIT WAIT JOIN LEFT RIGHT OUTER INNER CROSS UNION ALL EXISTS LIKE ESCAPE BETWEEN CASE WHEN THEN ELSE END ' +
    'ROWNUM ROWID SYSDATE SYSTIMESTAMP USER NULLS FIRST LAST FETCH NEXT ROWS ONLY OFFSET WITH ANY SOME PRIOR ' +
    'INTERVAL DAY SECOND MINUTE HOUR TIMESTAMP DATE TRUE FALSE LOOP IF BEGIN EXCEPTION OTHERS RETURN RAISE COUNT'
  ).split(' '),
);

/** PL/SQL names dcn's scripts use: prefixed variables and parameters, loop records and indexes. */
const PLSQL_NAME = /^(l_|p_|c_|v_|g_)/i;

export function checkColumns(text: string, file: string, catalog: Catalog): string[] {
  const problems: string[] = [];
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const report = (index: number, message: string) => problems.push(`${file}:${lineAt(index)}: ${message}`);
  const known = (table: string) => catalog.get(bare(table));
  // loop records (FOR r IN (…)) and loop indexes are PL/SQL names too
  const records = new Set([...text.matchAll(/\bFOR\s+(\w+)\s+IN\b/gi)].map((m) => m[1]!.toUpperCase()));

  for (const { at, text: sql } of sqlTexts(text)) {
    // INSERT INTO t (columns)
    for (const m of sql.matchAll(/\bINSERT\s+INTO\s+([\w$#."]+)\s*\(/gi)) {
      const columns = known(m[1]!);
      if (!columns) continue;
      for (const c of topLevel(parenthesised(sql, m.index + m[0].length - 1))) {
        if (!columns.has(bare(c))) report(at + m.index, `${bare(m[1]!)} has no column ${c} (INSERT)`);
      }
    }
    // UPDATE t SET column = …
    for (const m of sql.matchAll(/\bUPDATE\s+([\w$#."]+)\s+SET\s+([\s\S]*?)(?=\bWHERE\b|;|$)/gi)) {
      const columns = known(m[1]!);
      if (!columns) continue;
      for (const assignment of topLevel(m[2]!)) {
        const target = /^([\w$#"]+)\s*=/.exec(assignment)?.[1];
        if (target && !columns.has(bare(target)))
          report(at + m.index, `${bare(m[1]!)} has no column ${target} (UPDATE … SET)`);
      }
    }
    // aliases and qualified references
    const aliases = new Map<string, string>();
    for (const m of sql.matchAll(
      /\b(?:FROM|JOIN|UPDATE|INTO)\s+([\w$#."]+)(?:\s+(?!WHERE|SET|ON|JOIN|ORDER|GROUP|FOR|VALUES|LEFT|INNER|CROSS\b)([A-Za-z]\w*))?/gi,
    )) {
      if (!known(m[1]!)) continue;
      aliases.set(bare(m[1]!), bare(m[1]!));
      if (m[2]) aliases.set(m[2].toUpperCase(), bare(m[1]!));
    }
    for (const m of sql.matchAll(/\b([A-Za-z]\w*)\.([A-Za-z]\w*)\b(?!\s*\()/g)) {
      const table = aliases.get(m[1]!.toUpperCase());
      if (table && !catalog.get(table)!.has(m[2]!.toUpperCase()))
        report(at + m.index, `${table} has no column ${m[2]} (${m[1]}.${m[2]})`);
    }
    // the bare names of single-table statements
    for (const m of sql.matchAll(/\b(SELECT|DELETE|UPDATE)\b([\s\S]*?)(?=;|\bLOOP\b|$)/gi)) {
      const statement = m[0];
      if (/\(\s*SELECT\b/i.test(statement) || /\bJOIN\b/i.test(statement)) continue; // subqueries and joins: qualified names only
      const from = /\b(?:FROM|UPDATE)\s+([\w$#."]+)(\s*,)?/i.exec(statement);
      if (!from || from[2]) continue;
      const columns = known(from[1]!);
      if (!columns) continue;
      const body = statement.replace(/\bINTO\s+[\w$#.,\s]+?(?=\bFROM\b)/i, (s) => ' '.repeat(s.length)); // PL/SQL INTO targets
      for (const w of body.matchAll(/(?<![.:&$#\w'])([A-Za-z][\w$#]*)\b(?!\s*[.(])/g)) {
        const word = w[1]!.toUpperCase();
        if (
          columns.has(word) ||
          SQL_WORDS.has(word) ||
          PLSQL_NAME.test(word) ||
          records.has(word) ||
          word === bare(from[1]!) ||
          aliases.has(word)
        )
          continue;
        if (/^\s*(?:,|\)|$)/.test(body.slice(w.index + w[0].length)) && /\bAS\s+$/i.test(body.slice(0, w.index)))
          continue; // a column alias
        if (/\bAS\s*$/i.test(body.slice(Math.max(0, w.index - 4), w.index))) continue;
        report(at + m.index + w.index, `${bare(from[1]!)} has no column ${w[1]}`);
      }
    }
  }
  // one report per line, table and column (an UPDATE's SET target is also one of its bare names)
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = p.replace(/ \(.*\)$/, '');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
