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
import {
  createLineAt,
  DASH,
  DQUOTE,
  endOfLine,
  isBlank,
  isPlsqlStart,
  NL,
  Q_CLOSERS,
  QUOTE,
  SEMI,
  SLASH,
  slashLineEnd,
  STAR,
  startsQQuote,
} from './lexical.js';
import type { ScriptItem, Statement } from './script-items.js';
import {
  includeItem,
  lookupCommand,
  mayBeCommand,
  setCommandItems,
  SQL_SET_STATEMENTS,
  unquoteDefine,
} from './sqlplus-commands.js';

/** Characters that can end a statement or start a literal or comment: newline ; ' " - / q Q. */
const SQL_SPECIAL = /[\n;'"\-/qQ]/g;
/** The same inside PL/SQL, where ';' is code. */
const PLSQL_SPECIAL = /[\n'"\-/qQ]/g;

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

  /** Skips a literal or comment starting at p; returns its end, or p when there is none. */
  private skipLiteralOrComment(p: number): number {
    const text = this.text;
    const c = text.charCodeAt(p);
    const next = text.charCodeAt(p + 1);
    if (c === DASH && next === DASH) return endOfLine(this.text, p);
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
    if ((c === 113 || c === 81) && next === QUOTE && startsQQuote(this.text, p)) {
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

  private lineOf(p: number): number {
    let line = this.line;
    let i = this.text.indexOf('\n', this.pos);
    while (i !== -1 && i < p) {
      line++;
      i = this.text.indexOf('\n', i + 1);
    }
    return line;
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
        const slashEnd = slashLineEnd(this.text, this.lineStart);
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

  private include(lineText: string, line: number): true {
    this.items.push(includeItem(lineText, line, this.file, (m, l, h) => this.fail(m, l, h)));
    this.advance(endOfLine(this.text, this.pos));
    this.lastWasStatement = false;
    return true;
  }

  /** Handles a SQL*Plus command at this.pos; false when the line is SQL. */
  private clientCommand(): boolean {
    if (!mayBeCommand(this.text, this.pos)) return false;
    const text = this.text;
    const first = text.charCodeAt(this.pos);
    const line = this.line;
    if (first === 64 /* @ */)
      return this.include(text.slice(this.pos, endOfLine(this.text, this.pos)).replace(/\s+$/, ''), line);
    if (first === 33 /* ! */ || first === 36 /* $ */) {
      const lineText = text.slice(this.pos, endOfLine(this.text, this.pos)).replace(/\s+$/, '');
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
    const eol = endOfLine(this.text, this.pos);
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
        this.items.push(...setCommandItems(words, lineText, line, (m, l, h) => this.fail(m, l, h)));
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

  private statement(): void {
    const text = this.text;
    const len = text.length;
    const start = this.pos;
    const startLine = this.line;
    const column = start - this.lineStart + 1;
    const plsql = isPlsqlStart(this.text, start);
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
        const slashEnd = slashLineEnd(this.text, p + 1);
        if (slashEnd !== -1) {
          this.emit(start, p, plsql, startLine, column);
          this.advance(slashEnd);
          return;
        }
        if (plsql && createLineAt(this.text, p + 1) && this.codeEndsWithSemicolon(start, p)) {
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
