/**
 * Reading SQL*Plus text at the level of characters and words, over character codes: no regex to
 * compile at start-up, nothing allocated. Where a line ends, whether a line holds only `/`, where
 * a q'…' literal may start, and whether a PL/SQL unit (which only a `/` line ends) starts here.
 */

export const NL = 10;
export const CR = 13;
export const SPACE = 32;
export const TAB = 9;
export const FF = 12;
export const SEMI = 59;
export const SLASH = 47;
export const DASH = 45;
export const STAR = 42;
export const QUOTE = 39;
export const DQUOTE = 34;

export function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === FF || c === 11;
}

export function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c === 35;
}

export const Q_CLOSERS: Record<string, string> = { '[': ']', '{': '}', '<': '>', '(': ')' };

/** Words after which a CREATE statement is a PL/SQL unit. */
const PLSQL_CREATE_KINDS = ['PROCEDURE', 'FUNCTION', 'PACKAGE', 'TRIGGER', 'TYPE', 'LIBRARY', 'JAVA'];

export function endOfLine(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i === -1 ? text.length : i;
}

/** If the line starting at `start` holds only `/`, returns the end of that line, else -1. */
export function slashLineEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== SLASH) return -1;
  i++;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  if (i < text.length && text.charCodeAt(i) !== NL) return -1;
  return i;
}

/** q' starts a literal only as a word of its own, or after N (national character literal). */
export function startsQQuote(text: string, p: number): boolean {
  if (p === 0) return true;
  const before = text.charCodeAt(p - 1);
  if (!isIdentChar(before)) return true;
  if (before === 78 || before === 110) return p - 1 === 0 || !isIdentChar(text.charCodeAt(p - 2));
  return false;
}

/** Skips blanks, newlines and comments from p. */
export function skipGap(text: string, p: number): number {
  for (;;) {
    const c = text.charCodeAt(p);
    if (isBlank(c) || c === NL) p++;
    else if (c === DASH && text.charCodeAt(p + 1) === DASH) p = endOfLine(text, p);
    else if (c === SLASH && text.charCodeAt(p + 1) === STAR) {
      const end = text.indexOf('*/', p + 2);
      if (end === -1) return text.length;
      p = end + 2;
    } else return p;
  }
}

/** If `expected` (upper case) stands at p as a whole word, in any case, returns its end; else -1. */
export function word(text: string, p: number, expected: string): number {
  for (let i = 0; i < expected.length; i++) {
    let c = text.charCodeAt(p + i);
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== expected.charCodeAt(i)) return -1;
  }
  const end = p + expected.length;
  return isIdentChar(text.charCodeAt(end)) ? -1 : end;
}

/** A line (from p) that starts a CREATE statement: inside a PL/SQL unit, a missing '/'. */
export function createLineAt(text: string, p: number): boolean {
  while (isBlank(text.charCodeAt(p))) p++;
  return word(text, p, 'CREATE') !== -1;
}

/** Does SQL*Plus read a PL/SQL unit (ended by a '/' line) from p? Comments may stand between the words. */
export function isPlsqlStart(text: string, p: number): boolean {
  if (word(text, p, 'DECLARE') !== -1 || word(text, p, 'BEGIN') !== -1) return true;
  if (text.startsWith('<<', p)) return true;
  let e = word(text, p, 'WITH');
  if (e !== -1) {
    const q = skipGap(text, e);
    return word(text, q, 'FUNCTION') !== -1 || word(text, q, 'PROCEDURE') !== -1;
  }
  e = word(text, p, 'CREATE');
  if (e === -1) return false;
  let q = skipGap(text, e);
  e = word(text, q, 'OR');
  if (e !== -1) {
    e = word(text, skipGap(text, e), 'REPLACE');
    if (e === -1) return false;
    q = skipGap(text, e);
    if (word(text, q, 'AND') !== -1) return true; // CREATE OR REPLACE AND COMPILE JAVA SOURCE
  }
  e = word(text, q, 'EDITIONABLE');
  if (e === -1) e = word(text, q, 'NONEDITIONABLE');
  if (e !== -1) q = skipGap(text, e);
  for (const kind of PLSQL_CREATE_KINDS) if (word(text, q, kind) !== -1) return true;
  return false;
}
