/**
 * Oracle identifiers as users type them: TABLE, SCHEMA.TABLE, "Quoted Name", "OE"."My Table".
 * Parsed and validated by Oracle's rules (Database SQL Language Reference, "Database Object
 * Naming Rules"): an unquoted name starts with a letter, holds letters, digits, _ $ #, is not a
 * reserved word and is stored in upper case; a quoted name holds anything but " and NUL, is
 * case-sensitive, and is not empty. Both are at most 128 bytes (30 before 12.2).
 */
import { DcnError } from '../errors.js';

export interface QualifiedName {
  /** Undefined: the connected user's schema. */
  readonly schema?: string;
  readonly name: string;
}

/** The shape of a plain (unquoted) Oracle name, to build patterns from: a letter, then letters, digits, _ $ #. */
export const UNQUOTED_NAME_PATTERN = '[A-Za-z][A-Za-z0-9_$#]*';
const UNQUOTED_WORD = new RegExp(`^${UNQUOTED_NAME_PATTERN}$`);

/** Is this a plain (unquoted) Oracle name, at most `maxLength` characters (reserved words are not checked here)? */
export function isUnquotedName(value: string, maxLength = 128): boolean {
  return value.length <= maxLength && UNQUOTED_WORD.test(value);
}

/** Oracle SQL reserved words (V$RESERVED_WORDS, RESERVED = 'Y'): not allowed unquoted. */
const RESERVED = new Set(
  (
    'ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT COMPRESS CONNECT CREATE ' +
    'CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP ' +
    'HAVING IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK LONG ' +
    'MAXEXTENTS MINUS MLSLABEL MODE MODIFY NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ' +
    'ORDER PCTFREE PRIOR PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE ' +
    'SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE VALUES ' +
    'VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH'
  ).split(' '),
);

/** 128 bytes from Oracle 12.2 on, 30 before. */
export function maxIdentifierBytes(serverMajor?: number, serverMinor?: number): number {
  if (serverMajor === undefined) return 128;
  return serverMajor > 12 || (serverMajor === 12 && (serverMinor ?? 0) >= 2) ? 128 : 30;
}

/** What a name is parsed for: `quoted` false where "Quoted Names" are refused after parsing (register), so no hint suggests them. */
interface Naming {
  readonly what: string;
  readonly quoted: boolean;
}

function invalid(naming: Naming, input: string, why: string): DcnError {
  return new DcnError('usage', `${naming.what} '${input}' ${why}`, {
    hint: `write it as NAME or SCHEMA.NAME (letters, digits, _ $ #, starting with a letter)${naming.quoted ? ', or quote it: "Mixed Case"' : ''}`,
    meta: { value: input },
  });
}

/** Splits at dots outside double quotes. */
function parts(input: string): string[] | undefined {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of input) {
    if (ch === '"') quoted = !quoted;
    if (ch === '.' && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) return undefined;
  out.push(current);
  return out;
}

function identifier(naming: Naming, input: string, part: string, maxBytes: number): string {
  if (part.startsWith('"')) {
    if (part.length < 2 || !part.endsWith('"')) throw invalid(naming, input, 'has an unbalanced quote');
    const inner = part.slice(1, -1);
    if (inner === '') throw invalid(naming, input, 'has an empty quoted name');
    if (inner.includes('"')) throw invalid(naming, input, 'has a double quote inside a quoted name');
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    if (/[\u0000-\u001f\u007f]/.test(inner)) throw invalid(naming, input, 'has a control character');
    if (Buffer.byteLength(inner, 'utf8') > maxBytes)
      throw invalid(naming, input, `has a name longer than ${maxBytes} bytes`);
    return inner;
  }
  if (part === '') throw invalid(naming, input, 'has an empty name');
  if (!UNQUOTED_WORD.test(part)) {
    throw invalid(naming, input, /^\s|\s$/.test(part) ? 'has spaces around a name' : 'is not a valid Oracle name');
  }
  if (part.length > maxBytes) throw invalid(naming, input, `has a name longer than ${maxBytes} bytes`);
  const upper = part.toUpperCase();
  if (RESERVED.has(upper))
    throw invalid(
      naming,
      input,
      `uses the reserved word ${upper}${naming.quoted ? ' (quote it if the object is really called that)' : ''}`,
    );
  return upper;
}

/** Is this an unquoted name Oracle reserves (SELECT, TABLE …)? One rule for every setting and flag. */
export function isReservedWord(name: string): boolean {
  return RESERVED.has(name.toUpperCase());
}

/** Parses NAME or SCHEMA.NAME; throws a usage error naming what is wrong (suggesting quotes only where `quoted` names are taken). */
export function parseQualifiedName(input: string, what = 'table', maxBytes = 128, quoted = true): QualifiedName {
  const naming: Naming = { what, quoted };
  if (input.length === 0 || input.length > 2 * maxBytes + 10)
    throw invalid(naming, input, input.length === 0 ? 'is empty' : 'is too long');
  const p = parts(input);
  if (!p) throw invalid(naming, input, 'has an unbalanced quote');
  if (p.length > 2) throw invalid(naming, input, 'has more than two parts (only SCHEMA.NAME; no database links)');
  if (p.some((x) => !x.startsWith('"') && x.includes('@')))
    throw invalid(naming, input, 'names a database link, which change notification does not support');
  if (p.length === 1) return { name: identifier(naming, input, p[0]!, maxBytes) };
  return { schema: identifier(naming, input, p[0]!, maxBytes), name: identifier(naming, input, p[1]!, maxBytes) };
}

/** For people: OE.ORDERS, with quotes only where they are needed. */
export function displayName(name: QualifiedName, defaultSchema?: string): string {
  const show = (s: string) => (/^[A-Z][A-Z0-9_$#]*$/.test(s) && !RESERVED.has(s) ? s : `"${s}"`);
  const schema = name.schema ?? defaultSchema;
  return schema === undefined ? show(name.name) : `${show(schema)}.${show(name.name)}`;
}
