/**
 * The static references of a stored PL/SQL unit, read from its text as the fake needs them: the
 * schema objects it names outside literals and comments, and in each static SQL statement the
 * columns of the tables that statement names. A name inside a string (dynamic SQL) is no
 * reference: Oracle resolves it when the string runs, not when the unit compiles. In static SQL
 * an unqualified name that is a column of the statement's table is that column, whatever PL/SQL
 * variable has the same name (PL/SQL Language Reference, "Name Resolution in Static SQL").
 */
export interface StaticReferences {
  /** Schema objects by name (TABLE, TYPE, PROCEDURE …), upper-case. */
  readonly objects: Set<string>;
  /** TABLE → the columns the unit's static SQL names. */
  readonly columns: Map<string, Set<string>>;
}

export interface SchemaNames {
  /** The objects of the schema by name. */
  has(name: string): boolean;
  /** A table's columns, when the schema knows them. */
  columnsOf(table: string): readonly string[] | undefined;
}

const NOT_ALIAS = new Set([
  'WHERE',
  'SET',
  'ON',
  'JOIN',
  'LEFT',
  'RIGHT',
  'INNER',
  'OUTER',
  'FULL',
  'CROSS',
  'VALUES',
  'RETURNING',
  'GROUP',
  'ORDER',
  'USING',
  'INTO',
  'FROM',
  'SELECT',
  'WHEN',
  'THEN',
  'AND',
  'OR',
  'FOR',
  'CONNECT',
  'START',
  'UNION',
  'MINUS',
]);

/** The unit's text without comments and string literals, upper-cased (quoted names keep their case). */
function code(sql: string): string {
  // in one pass, left to right: a quote in a comment opens no literal, a dash in a literal no comment
  return sql
    .replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith("'") ? "''" : ' '))
    .replace(/"[^"]*"|[^"]+/g, (part) => (part.startsWith('"') ? part : part.toUpperCase()));
}

export function staticReferences(sql: string, self: string, schema: SchemaNames): StaticReferences {
  const text = code(sql);
  const objects = new Set<string>();
  for (const m of text.matchAll(/(?<![.\w$#"])([A-Z][A-Z0-9_$#]*)(?![\w$#])/g)) {
    if (m[1] !== self && schema.has(m[1]!)) objects.add(m[1]!);
  }
  const columns = new Map<string, Set<string>>();
  // each static SQL statement, to its end
  for (const st of text.matchAll(/\b(?:SELECT|INSERT|UPDATE|DELETE)\b[^;]*;/g)) {
    const statement = st[0];
    const names = new Map<string, string>(); // table or alias → table
    for (const m of statement.matchAll(/(?<![.\w$#])([A-Z][A-Z0-9_$#]*)(?:\s+([A-Z][A-Z0-9_$#]*))?/g)) {
      if (!objects.has(m[1]!) || !schema.columnsOf(m[1]!)) continue;
      names.set(m[1]!, m[1]!);
      if (m[2] && !NOT_ALIAS.has(m[2])) names.set(m[2], m[1]!);
    }
    if (names.size === 0) continue;
    const tables = new Set(names.values());
    for (const m of statement.matchAll(/(?:([A-Z][A-Z0-9_$#]*)\.)?(?<![\w$#])([A-Z][A-Z0-9_$#]*)(?![\w$#])/g)) {
      const among = m[1] === undefined ? [...tables] : names.has(m[1]) ? [names.get(m[1])!] : [];
      for (const t of among) {
        if (!schema.columnsOf(t)!.includes(m[2]!)) continue;
        const set = columns.get(t) ?? new Set<string>();
        set.add(m[2]!);
        columns.set(t, set);
      }
    }
  }
  return { objects, columns };
}

/** What of a unit's references the schema no longer holds: "TABLE X", "COLUMN X.C". */
export function unresolvedReferences(refs: StaticReferences, schema: SchemaNames): string[] {
  const missing: string[] = [];
  for (const o of refs.objects) if (!schema.has(o)) missing.push(o);
  for (const [t, cs] of refs.columns) {
    const now = schema.columnsOf(t);
    if (!schema.has(t) || !now) continue;
    for (const c of cs) if (!now.includes(c)) missing.push(`${t}.${c}`);
  }
  return missing;
}
