/**
 * Splits SQL*Plus scripts into the statements SQL*Plus would send, and the client commands it
 * would act on, in order. Rules (SQL*Plus's own):
 * - A SQL statement ends at `;` outside literals and comments, or at a line holding only `/`.
 * - A PL/SQL unit (DECLARE/BEGIN blocks, CREATE [OR REPLACE] [EDITIONABLE|NONEDITIONABLE]
 *   PROCEDURE/FUNCTION/PACKAGE [BODY]/TYPE [BODY]/TRIGGER/LIBRARY/JAVA, WITH FUNCTION) ends only
 *   at a line holding only `/` (whitespace around it allowed); `;` inside it is code.
 * - Client commands (REM, PROMPT, SET, DEFINE, WHENEVER, SHOW, SPOOL, EXEC, EXIT …) are
 *   recognised only where a statement could start, by SQL*Plus's abbreviations.
 * Statements are returned without the `;` or `/` that SQL*Plus needs, with file and line.
 *
 * Two deliberate differences, both errors instead of silent surprises: a stray `/` (which
 * SQL*Plus would use to run the previous statement a second time) and a script that ends inside
 * a statement (which SQL*Plus would silently leave unexecuted in its buffer). Blank lines inside a
 * SQL statement are kept, as with SET SQLBLANKLINES ON.
 */
import { DcnError } from '../errors.js';

export interface Statement {
  /** The text sent to Oracle: no trailing `;` (SQL) and no `/` line (PL/SQL). */
  readonly sql: string;
  /** True for a PL/SQL unit, which SQL*Plus ends with a `/` line. */
  readonly plsql: boolean;
  readonly file: string;
  /** 1-based line and column of the statement's first character in its file. */
  readonly line: number;
  readonly column: number;
}

export type ScriptItem =
  // A statement item is the statement itself: one object per statement keeps a large script's
  // live set small, which is what keeps splitting linear in its size (bench/RESULTS.md).
  | ({ readonly kind: 'statement' } & Statement)
  | { readonly kind: 'define'; readonly name: string; readonly value: string; readonly line: number }
  | { readonly kind: 'undefine'; readonly names: readonly string[]; readonly line: number }
  | { readonly kind: 'set-define'; readonly enabled: boolean; readonly prefix?: string; readonly line: number }
  | { readonly kind: 'skipped'; readonly command: string; readonly text: string; readonly line: number }
  // @file, @@file or START file: expanded into the included script's items when migrations load
  | {
      readonly kind: 'include';
      readonly target: string;
      readonly nested: boolean;
      readonly file: string;
      readonly line: number;
    };

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const FF = 12;
const SEMI = 59;
const SLASH = 47;
const DASH = 45;
const STAR = 42;
const QUOTE = 39;
const DQUOTE = 34;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === FF || c === 11;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c === 35;
}

const Q_CLOSERS: Record<string, string> = { '[': ']', '{': '}', '<': '>', '(': ')' };

type CommandAction = 'skip' | 'set' | 'define' | 'undefine' | 'whenever' | 'exec' | 'exit' | 'include' | 'unsupported';

/** SQL*Plus commands: full name, shortest accepted abbreviation, and what dcn does with it. */
const CLIENT_COMMANDS: ReadonlyArray<readonly [string, number, CommandAction]> = [
  ['REMARK', 3, 'skip'],
  ['PROMPT', 3, 'skip'],
  ['SET', 3, 'set'],
  ['DEFINE', 3, 'define'],
  ['UNDEFINE', 5, 'undefine'],
  ['SHOW', 3, 'skip'],
  ['SPOOL', 3, 'skip'],
  ['WHENEVER', 8, 'whenever'],
  ['EXECUTE', 4, 'exec'],
  ['COLUMN', 3, 'skip'],
  ['TTITLE', 3, 'skip'],
  ['BTITLE', 3, 'skip'],
  ['BREAK', 3, 'skip'],
  ['COMPUTE', 4, 'skip'],
  ['CLEAR', 2, 'skip'],
  ['TIMING', 4, 'skip'],
  ['EXIT', 4, 'exit'],
  ['QUIT', 4, 'exit'],
  ['CONNECT', 4, 'unsupported'],
  ['DISCONNECT', 4, 'unsupported'],
  ['HOST', 2, 'unsupported'],
  ['START', 3, 'include'],
  ['PAUSE', 3, 'unsupported'],
  ['ACCEPT', 3, 'unsupported'],
  ['VARIABLE', 3, 'unsupported'],
  ['PRINT', 3, 'unsupported'],
  ['DESCRIBE', 4, 'unsupported'],
  ['PASSWORD', 4, 'unsupported'],
  ['STARTUP', 7, 'unsupported'],
  ['SHUTDOWN', 8, 'unsupported'],
];

/** Every accepted spelling of each command (its abbreviations too), upper-case; the first listed wins. */
const COMMAND_SPELLINGS: ReadonlyMap<string, readonly [string, number, CommandAction]> = (() => {
  const spellings = new Map<string, readonly [string, number, CommandAction]>();
  for (const entry of CLIENT_COMMANDS) {
    for (let n = entry[1]; n <= entry[0].length; n++)
      if (!spellings.has(entry[0].slice(0, n))) spellings.set(entry[0].slice(0, n), entry);
  }
  return spellings;
})();

function lookupCommand(word: string): readonly [string, number, CommandAction] | undefined {
  return word.length > 0 ? COMMAND_SPELLINGS.get(word.toUpperCase()) : undefined;
}

/** SET options that change how SQL*Plus reads the script: dcn cannot follow them. */
const UNSUPPORTED_SET_OPTIONS = new Set([
  'SQLTERMINATOR',
  'SQLT',
  'BLOCKTERMINATOR',
  'BLO',
  'ESCAPE',
  'ESC',
  'CONCAT',
  'CON',
  'SQLPREFIX',
  'SQLPRE',
  'CMDSEP',
  'CMDS',
]);
/** SET followed by these words is SQL, not a SQL*Plus command. */
const SQL_SET_STATEMENTS = new Set(['TRANSACTION', 'ROLE', 'CONSTRAINT', 'CONSTRAINTS']);

/** Characters that can end a statement or start a literal or comment: newline ; ' " - / q Q. */
const SQL_SPECIAL = /[\n;'"\-/qQ]/g;
/** The same inside PL/SQL, where ';' is code. */
const PLSQL_SPECIAL = /[\n'"\-/qQ]/g;

/** Words after which a CREATE statement is a PL/SQL unit. */
const PLSQL_CREATE_KINDS = ['PROCEDURE', 'FUNCTION', 'PACKAGE', 'TRIGGER', 'TYPE', 'LIBRARY', 'JAVA'];

class Splitter {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly items: ScriptItem[] = [];
  private lastWasStatement = false;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  private fail(message: string, line: number, hint?: string): never {
    throw new DcnError('script_invalid', `${this.file}:${line}: ${message}`, {
      hint,
      meta: { file: this.file, line },
    });
  }

  /** Moves to `to`, counting the newlines passed. */
  private advance(to: number): void {
    const text = this.text;
    let i = text.indexOf('\n', this.pos);
    while (i !== -1 && i < to) {
      this.line++;
      this.lineStart = i + 1;
      i = text.indexOf('\n', i + 1);
    }
    this.pos = to;
  }

  private endOfLine(from: number): number {
    const i = this.text.indexOf('\n', from);
    return i === -1 ? this.text.length : i;
  }

  /** If the line starting at `start` holds only `/`, returns the end of that line, else -1. */
  private slashLineEnd(start: number): number {
    const text = this.text;
    let i = start;
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== SLASH) return -1;
    i++;
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (i < text.length && text.charCodeAt(i) !== NL) return -1;
    return i;
  }

  /** Skips a literal or comment starting at p; returns its end, or p when there is none. */
  private skipLiteralOrComment(p: number): number {
    const text = this.text;
    const c = text.charCodeAt(p);
    const next = text.charCodeAt(p + 1);
    if (c === DASH && next === DASH) return this.endOfLine(p);
    if (c === SLASH && next === STAR) {
      const end = text.indexOf('*/', p + 2);
      if (end === -1) this.fail('comment /* is never closed', this.lineOf(p));
      return end + 2;
    }
    if (c === QUOTE) {
      let i = p + 1;
      for (;;) {
        const q = text.indexOf("'", i);
        if (q === -1)
          this.fail(
            'string literal is never closed',
            this.lineOf(p),
            "close it with ' (write '' for a quote inside it)",
          );
        if (text.charCodeAt(q + 1) === QUOTE) {
          i = q + 2;
          continue;
        }
        return q + 1;
      }
    }
    if (c === DQUOTE) {
      const q = text.indexOf('"', p + 1);
      if (q === -1) this.fail('quoted identifier is never closed', this.lineOf(p));
      return q + 1;
    }
    if ((c === 113 || c === 81) && next === QUOTE && this.startsQQuote(p)) {
      const open = text[p + 2];
      if (open === undefined || open === ' ' || open === '\t' || open === '\n' || open === '\r') {
        this.fail("q'…' literal needs a delimiter right after the quote", this.lineOf(p));
      }
      const close = (Q_CLOSERS[open] ?? open) + "'";
      const end = text.indexOf(close, p + 3);
      if (end === -1) this.fail(`q'${open}…${close} literal is never closed`, this.lineOf(p));
      return end + 2;
    }
    return p;
  }

  /** q' starts a literal only as a word of its own, or after N (national character literal). */
  private startsQQuote(p: number): boolean {
    if (p === 0) return true;
    const before = this.text.charCodeAt(p - 1);
    if (!isIdentChar(before)) return true;
    if (before === 78 || before === 110) return p - 1 === 0 || !isIdentChar(this.text.charCodeAt(p - 2));
    return false;
  }

  private lineOf(p: number): number {
    let line = this.line;
    let i = this.text.indexOf('\n', this.pos);
    while (i !== -1 && i < p) {
      line++;
      i = this.text.indexOf('\n', i + 1);
    }
    return line;
  }

  // Word matching over character codes: no regex to compile at start-up, nothing allocated.

  /** Skips blanks, newlines and comments from p. */
  private skipGap(p: number): number {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(p);
      if (isBlank(c) || c === NL) p++;
      else if (c === DASH && text.charCodeAt(p + 1) === DASH) p = this.endOfLine(p);
      else if (c === SLASH && text.charCodeAt(p + 1) === STAR) {
        const end = text.indexOf('*/', p + 2);
        if (end === -1) return text.length;
        p = end + 2;
      } else return p;
    }
  }

  /** If `word` (upper case) stands at p as a whole word, in any case, returns its end; else -1. */
  private word(p: number, word: string): number {
    const text = this.text;
    for (let i = 0; i < word.length; i++) {
      let c = text.charCodeAt(p + i);
      if (c >= 97 && c <= 122) c -= 32;
      if (c !== word.charCodeAt(i)) return -1;
    }
    const end = p + word.length;
    return isIdentChar(text.charCodeAt(end)) ? -1 : end;
  }

  /** A line (from p) that starts a CREATE statement: inside a PL/SQL unit, a missing '/'. */
  private createLineAt(p: number): boolean {
    const text = this.text;
    while (isBlank(text.charCodeAt(p))) p++;
    return this.word(p, 'CREATE') !== -1;
  }

  /** Does SQL*Plus read a PL/SQL unit (ended by a '/' line) from p? Comments may stand between the words. */
  private isPlsqlStart(p: number): boolean {
    if (this.word(p, 'DECLARE') !== -1 || this.word(p, 'BEGIN') !== -1) return true;
    if (this.text.startsWith('<<', p)) return true;
    let e = this.word(p, 'WITH');
    if (e !== -1) {
      const q = this.skipGap(e);
      return this.word(q, 'FUNCTION') !== -1 || this.word(q, 'PROCEDURE') !== -1;
    }
    e = this.word(p, 'CREATE');
    if (e === -1) return false;
    let q = this.skipGap(e);
    e = this.word(q, 'OR');
    if (e !== -1) {
      e = this.word(this.skipGap(e), 'REPLACE');
      if (e === -1) return false;
      q = this.skipGap(e);
      if (this.word(q, 'AND') !== -1) return true; // CREATE OR REPLACE AND COMPILE JAVA SOURCE
    }
    e = this.word(q, 'EDITIONABLE');
    if (e === -1) e = this.word(q, 'NONEDITIONABLE');
    if (e !== -1) q = this.skipGap(e);
    for (const kind of PLSQL_CREATE_KINDS) if (this.word(q, kind) !== -1) return true;
    return false;
  }

  /** Could a SQL*Plus command start at p? Checked before anything is sliced. */
  private mayBeCommand(p: number): boolean {
    const text = this.text;
    const first = text.charCodeAt(p);
    if (first === 64 /* @ */ || first === 33 /* ! */ || first === 36 /* $ */) return true;
    let end = p;
    while (end < text.length && isLetter(text.charCodeAt(end))) end++;
    const length = end - p;
    if (
      length === 0 ||
      (end < text.length &&
        !isBlank(text.charCodeAt(end)) &&
        text.charCodeAt(end) !== NL &&
        text.charCodeAt(end) !== SEMI)
    )
      return false;
    for (const [name, min] of CLIENT_COMMANDS) {
      if (length < min || length > name.length) continue;
      let i = 0;
      for (; i < length; i++) {
        let c = text.charCodeAt(p + i);
        if (c >= 97) c -= 32;
        if (c !== name.charCodeAt(i)) break;
      }
      if (i === length) return true;
    }
    return false;
  }

  split(): ScriptItem[] {
    const text = this.text;
    const len = text.length;
    while (this.pos < len) {
      const c = text.charCodeAt(this.pos);
      if (isBlank(c)) {
        this.pos++;
        continue;
      }
      if (c === NL) {
        this.line++;
        this.lineStart = ++this.pos;
        continue;
      }
      if (
        (c === DASH && text.charCodeAt(this.pos + 1) === DASH) ||
        (c === SLASH && text.charCodeAt(this.pos + 1) === STAR)
      ) {
        this.advance(this.skipLiteralOrComment(this.pos));
        continue;
      }
      if (this.atLineStart()) {
        const slashEnd = this.slashLineEnd(this.lineStart);
        if (slashEnd !== -1) {
          this.fail(
            this.lastWasStatement
              ? "'/' after a statement that already ended: SQL*Plus would run that statement a second time"
              : "'/' with nothing to run (SQL*Plus: SP2-0103)",
            this.line,
            "remove the '/' line, or the ';' before it",
          );
        }
        if (this.clientCommand()) continue;
        if (this.stopped) break;
      }
      this.statement();
    }
    return this.items;
  }

  private stopped = false;

  private atLineStart(): boolean {
    for (let i = this.lineStart; i < this.pos; i++) if (!isBlank(this.text.charCodeAt(i))) return false;
    return true;
  }

  /** `@file`, `@@file` or `START file`: one file, no parameters (&1 …), default suffix .sql. */
  private include(lineText: string, line: number): true {
    const m = /^(?:(@@?)|[A-Za-z]+(?=\s|$))\s*(\S+)?\s*(.*)$/.exec(lineText)!; // @, @@, or START and its abbreviations
    const target = (m[2] ?? '').replace(/;$/, '');
    if (target === '') this.fail(`'${lineText}' names no script`, line, 'write @file.sql or @@file.sql');
    if (m[3] !== '')
      this.fail(
        `'${lineText}': parameters to an included script are not supported`,
        line,
        'use DEFINE before the @ line instead of &1, &2 …',
      );
    this.items.push({
      kind: 'include',
      target: /\.[^./\\]*$/.test(target) ? target : `${target}.sql`,
      nested: m[1] === '@@',
      file: this.file,
      line,
    });
    this.advance(this.endOfLine(this.pos));
    this.lastWasStatement = false;
    return true;
  }

  /** Handles a SQL*Plus command at this.pos; false when the line is SQL. */
  private clientCommand(): boolean {
    if (!this.mayBeCommand(this.pos)) return false;
    const text = this.text;
    const first = text.charCodeAt(this.pos);
    const line = this.line;
    if (first === 64 /* @ */)
      return this.include(text.slice(this.pos, this.endOfLine(this.pos)).replace(/\s+$/, ''), line);
    if (first === 33 /* ! */ || first === 36 /* $ */) {
      const lineText = text.slice(this.pos, this.endOfLine(this.pos)).replace(/\s+$/, '');
      this.fail(`SQL*Plus command '${lineText}' cannot be run by dcn`, line, 'run host commands outside the migration');
    }
    // The first word, read in place: most lines that may start a command are statements, and
    // slicing each of them cost a sixth of a large plan (bench/RESULTS.md).
    let end = this.pos;
    for (let c = text.charCodeAt(end); (c >= 65 && c <= 90) || (c >= 97 && c <= 122); c = text.charCodeAt(++end));
    if (end === this.pos) return false;
    const after = text.charCodeAt(end);
    if (
      end < text.length &&
      !(after === 32 || after === 9 || after === 10 || after === 13 || after === 59 || after === 11 || after === 12)
    )
      return false;
    const word = text.slice(this.pos, end);
    const entry = lookupCommand(word);
    if (!entry) return false;
    const eol = this.endOfLine(this.pos);
    const lineText = text.slice(this.pos, eol).replace(/\s+$/, '');
    const [name, , action] = entry;
    const rest = lineText.slice(word.length).trim();
    const done = (): true => {
      this.advance(eol);
      this.lastWasStatement = false;
      return true;
    };
    switch (action) {
      case 'skip':
        this.items.push({ kind: 'skipped', command: name, text: lineText, line });
        return done();
      case 'set': {
        const words = rest.split(/\s+/).filter(Boolean);
        if (words.length > 0 && SQL_SET_STATEMENTS.has(words[0]!.toUpperCase())) return false;
        this.setCommand(words, lineText, line);
        return done();
      }
      case 'define': {
        const d = /^([A-Za-z0-9_$#]+)\s*=\s*(.*)$/s.exec(rest);
        if (d) {
          this.items.push({ kind: 'define', name: d[1]!.toLowerCase(), value: unquoteDefine(d[2]!), line });
        } else {
          this.items.push({ kind: 'skipped', command: name, text: lineText, line });
        }
        return done();
      }
      case 'undefine':
        this.items.push({
          kind: 'undefine',
          names: rest
            .split(/\s+/)
            .filter(Boolean)
            .map((n) => n.toLowerCase()),
          line,
        });
        return done();
      case 'whenever': {
        if (/\bCONTINUE\b/i.test(rest) && /^SQLERROR\b/i.test(rest)) {
          this.fail(
            `'${lineText}' cannot be honoured: dcn always stops at the first failed statement`,
            line,
            'remove the WHENEVER SQLERROR CONTINUE line',
          );
        }
        this.items.push({ kind: 'skipped', command: name, text: lineText, line });
        return done();
      }
      case 'exec': {
        const call = rest.replace(/;\s*$/, '');
        if (call === '') this.fail('EXECUTE needs a procedure call', line);
        const column = this.pos - this.lineStart + 1;
        this.items.push({ kind: 'statement', sql: `BEGIN ${call}; END;`, plsql: true, file: this.file, line, column });
        this.advance(eol);
        this.lastWasStatement = true;
        return true;
      }
      case 'exit':
        this.items.push({ kind: 'skipped', command: name, text: lineText, line });
        this.advance(text.length);
        this.stopped = true;
        return true;
      case 'include':
        return this.include(lineText, line);
      case 'unsupported':
        return this.fail(
          `SQL*Plus command '${lineText}' cannot be run by dcn`,
          line,
          name === 'CONNECT'
            ? "mark the migration with '-- dcn: profile=admin' to run it on the admin connection"
            : 'remove it from the migration',
        );
    }
  }

  private setCommand(words: string[], lineText: string, line: number): void {
    for (let i = 0; i < words.length; i++) {
      const option = words[i]!.toUpperCase();
      const value = words[i + 1];
      if (UNSUPPORTED_SET_OPTIONS.has(option)) {
        this.fail(
          `'${lineText}' changes how SQL*Plus reads the script, which dcn cannot follow`,
          line,
          `remove SET ${option}`,
        );
      }
      if (option === 'DEFINE' || option === 'DEF' || option === 'SCAN' || option === 'SCA') {
        if (value === undefined) this.fail(`'${lineText}' needs ON, OFF or a character`, line);
        const v = value.replace(/^['"](.*)['"]$/, '$1');
        if (/^ON$/i.test(v)) this.items.push({ kind: 'set-define', enabled: true, line });
        else if (/^OFF$/i.test(v)) this.items.push({ kind: 'set-define', enabled: false, line });
        else if (v.length === 1 && option.startsWith('DEF'))
          this.items.push({ kind: 'set-define', enabled: true, prefix: v, line });
        else this.fail(`'${lineText}': SET ${option} takes ON, OFF or one character`, line);
        i++;
      }
    }
    this.items.push({ kind: 'skipped', command: 'SET', text: lineText, line });
  }

  private statement(): void {
    const text = this.text;
    const len = text.length;
    const start = this.pos;
    const startLine = this.line;
    const column = start - this.lineStart + 1;
    const plsql = this.isPlsqlStart(start);
    // The regex engine finds the next character that can matter, so the loop below runs per
    // token boundary, not per character; test() on a global regex allocates nothing.
    const next = plsql ? PLSQL_SPECIAL : SQL_SPECIAL;
    let p = start;
    while (p < len) {
      next.lastIndex = p;
      if (!next.test(text)) break;
      p = next.lastIndex - 1;
      const c = text.charCodeAt(p);
      if (c === NL) {
        this.advance(p + 1);
        const slashEnd = this.slashLineEnd(p + 1);
        if (slashEnd !== -1) {
          this.emit(start, p, plsql, startLine, column);
          this.advance(slashEnd);
          return;
        }
        if (plsql && this.createLineAt(p + 1) && this.codeEndsWithSemicolon(start, p)) {
          this.fail(
            `a CREATE statement starts inside the PL/SQL unit that begins at line ${startLine}`,
            this.line,
            "end the PL/SQL unit with a line holding only '/'",
          );
        }
        p++;
        continue;
      }
      if (c === SEMI) {
        // only SQL_SPECIAL finds ';': in PL/SQL it is code
        this.emit(start, p, false, startLine, column);
        this.advance(p + 1);
        return;
      }
      const end = this.skipLiteralOrComment(p);
      if (end !== p) {
        // stay on the newline that ends a -- comment so the '/' check above sees the next line
        this.advance(end);
        p = end;
      } else p++;
    }
    this.advance(len);
    this.fail(
      plsql
        ? `the PL/SQL unit starting at line ${startLine} is not ended by a line holding only '/'`
        : `the statement starting at line ${startLine} is not ended by ';' or a '/' line`,
      startLine,
      plsql ? "add a line holding only '/' after its END;" : "add ';' at its end",
    );
  }

  /** Does the code so far (comments and literals aside) end with ';'? Only asked before a CREATE line. */
  private codeEndsWithSemicolon(start: number, end: number): boolean {
    const code = this.text
      .slice(start, end)
      .replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith("'") ? "''" : ' '));
    return /;\s*$/.test(code);
  }

  private emit(start: number, end: number, plsql: boolean, line: number, column: number): void {
    let e = end;
    while (e > start && (isBlank(this.text.charCodeAt(e - 1)) || this.text.charCodeAt(e - 1) === NL)) e--;
    if (e === start) return; // a lone ';' sends nothing
    const sql = this.text.slice(start, e);
    this.items.push({ kind: 'statement', sql, plsql, file: this.file, line, column });
    this.lastWasStatement = true;
  }
}

/** DEFINE x = "a b" and DEFINE x = 'a b' keep what is between the quotes; bare values end at a blank. */
function unquoteDefine(raw: string): string {
  const v = raw.trim();
  const q = /^"(.*)"$/s.exec(v) ?? /^'(.*)'$/s.exec(v);
  if (q) return q[1]!;
  return v.split(/\s/)[0] ?? '';
}

/** Splits one SQL*Plus script. `file` is used in messages and statement positions. */
export function splitScript(text: string, file = '<script>'): ScriptItem[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return new Splitter(body, file).split();
}

/** The statements of a script, without the client commands. */
export function statementsOf(items: readonly ScriptItem[]): Statement[] {
  const out: Statement[] = [];
  for (const item of items) if (item.kind === 'statement') out.push(item);
  return out;
}
