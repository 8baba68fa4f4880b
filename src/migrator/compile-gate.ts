/**
 * The compile gate: Oracle creates a PL/SQL unit, type, trigger or view that does not compile
 * and only warns about it. dcn reads the errors back (ALL_ERRORS) and reports each one at its
 * place in the migration script.
 */
import { UNQUOTED_NAME_PATTERN } from '../oracle/identifiers.js';
import type { Statement } from '../script/script-items.js';

export interface CompiledObject {
  /** The type as ALL_ERRORS names it, e.g. 'PACKAGE BODY'. */
  readonly type: string;
  readonly owner?: string;
  readonly name: string;
  /** Offset of the line the object's source (line 1 in ALL_ERRORS) starts on, within the statement. */
  readonly sourceLineOffset: number;
  /** Column (1-based, in the file) at which the object's source line 1 starts. */
  readonly sourceColumn: number;
}

export interface CompileErrorRow {
  readonly line: number;
  readonly position: number;
  readonly text: string;
  readonly attribute: string;
}

export interface CompileProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
  readonly severity: 'error' | 'warning';
}

const IDENT = `(?:"[^"]+"|${UNQUOTED_NAME_PATTERN})`;
const CREATE_RE = new RegExp(
  String.raw`^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:EDITIONABLE|NONEDITIONABLE|EDITIONING)\s+)?(?:(?:NO\s+)?FORCE\s+)?` +
    String.raw`(PACKAGE\s+BODY|PACKAGE|TYPE\s+BODY|TYPE|PROCEDURE|FUNCTION|TRIGGER|VIEW|LIBRARY)\s+` +
    String.raw`(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})(?:\s*\.\s*(${IDENT}))?`,
  'id',
);

function normaliseName(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1) : ident.toUpperCase();
}

/** The object a statement creates, when the compile gate must check it; undefined otherwise. */
export function compiledObjectOf(statement: Pick<Statement, 'sql' | 'column'>): CompiledObject | undefined {
  const sql = stripLeadingComments(statement.sql);
  const m = CREATE_RE.exec(sql.text);
  if (!m) return undefined;
  const type = m[1]!.toUpperCase().replace(/\s+/, ' ');
  const owner = m[3] === undefined ? undefined : normaliseName(m[2]!);
  const name = normaliseName(m[3] ?? m[2]!);
  // ALL_ERRORS numbers lines from the line holding the type keyword (the source starts there,
  // without CREATE OR REPLACE); a trigger's from its PL/SQL block (DECLARE/BEGIN/COMPOUND).
  const keywordIndex = sql.offset + m.indices![1]![0];
  let sourceIndex = keywordIndex;
  if (type === 'TRIGGER') {
    const block = /\b(DECLARE|BEGIN|COMPOUND\s+TRIGGER)\b/i.exec(statement.sql.slice(keywordIndex));
    if (block) sourceIndex = keywordIndex + block.index;
  }
  const before = statement.sql.slice(0, sourceIndex);
  const sourceLineOffset = (before.match(/\n/g) ?? []).length;
  const lastNl = before.lastIndexOf('\n');
  const sourceColumn = lastNl === -1 ? statement.column + sourceIndex : sourceIndex - lastNl;
  return { type, owner, name, sourceLineOffset, sourceColumn };
}

function stripLeadingComments(sql: string): { text: string; offset: number } {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? sql.length : nl + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else break;
  }
  return { text: sql.slice(i), offset: i };
}

/** Maps ALL_ERRORS rows of an object to places in the migration script. */
export function mapCompileErrors(
  statement: Statement,
  object: CompiledObject,
  rows: readonly CompileErrorRow[],
): CompileProblem[] {
  return rows.map((row) => {
    const line = Number(row.line) || 1;
    const position = Number(row.position) || 1;
    const fileLine = statement.line + object.sourceLineOffset + (line - 1);
    const column = line === 1 ? object.sourceColumn + position - 1 : position;
    return {
      file: statement.file,
      line: fileLine,
      column,
      text: String(row.text).trim(),
      severity: String(row.attribute).toUpperCase() === 'WARNING' ? 'warning' : 'error',
    };
  });
}
