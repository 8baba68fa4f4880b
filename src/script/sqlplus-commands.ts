/**
 * The SQL*Plus client commands dcn knows (SQL*Plus User's Guide and Reference, "SQL*Plus Command
 * Reference": https://docs.oracle.com/en/database/oracle/oracle-database/19/sqpug/SQL-Plus-command-reference.html),
 * by every abbreviation SQL*Plus accepts, and what dcn does with each.
 */
import { isBlank, isLetter, NL, SEMI } from './lexical.js';
import type { ScriptItem } from './script-items.js';

/** Throws the script's error at a line (the splitter's, which names the file). */
type Fail = (message: string, line: number, hint?: string) => never;

export type CommandAction =
  'skip' | 'set' | 'define' | 'undefine' | 'whenever' | 'exec' | 'exit' | 'include' | 'unsupported';

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

export function lookupCommand(word: string): readonly [string, number, CommandAction] | undefined {
  return word.length > 0 ? COMMAND_SPELLINGS.get(word.toUpperCase()) : undefined;
}

/** SET options that change how SQL*Plus reads the script: dcn cannot follow them. */
export const UNSUPPORTED_SET_OPTIONS = new Set([
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
export const SQL_SET_STATEMENTS = new Set(['TRANSACTION', 'ROLE', 'CONSTRAINT', 'CONSTRAINTS']);

/** Could a SQL*Plus command start at p? Checked before anything is sliced. */
export function mayBeCommand(text: string, p: number): boolean {
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

/** DEFINE x = "a b" and DEFINE x = 'a b' keep what is between the quotes; bare values end at a blank. */
export function unquoteDefine(raw: string): string {
  const v = raw.trim();
  const q = /^"(.*)"$/s.exec(v) ?? /^'(.*)'$/s.exec(v);
  if (q) return q[1]!;
  return v.split(/\s/)[0] ?? '';
}

/** `@file`, `@@file` or `START file`: one file, no parameters (&1 …), default suffix .sql. */
export function includeItem(lineText: string, line: number, file: string, fail: Fail): ScriptItem {
  const m = /^(?:(@@?)|[A-Za-z]+(?=\s|$))\s*(\S+)?\s*(.*)$/.exec(lineText)!; // @, @@, or START and its abbreviations
  const target = (m[2] ?? '').replace(/;$/, '');
  if (target === '') fail(`'${lineText}' names no script`, line, 'write @file.sql or @@file.sql');
  if (m[3] !== '')
    fail(
      `'${lineText}': parameters to an included script are not supported`,
      line,
      'use DEFINE before the @ line instead of &1, &2 …',
    );
  return {
    kind: 'include',
    target: /\.[^./\\]*$/.test(target) ? target : `${target}.sql`,
    nested: m[1] === '@@',
    file,
    line,
  };
}

/** The items of a SET line: SET DEFINE (or SCAN) as dcn follows it, then the line itself, skipped. */
export function setCommandItems(words: readonly string[], lineText: string, line: number, fail: Fail): ScriptItem[] {
  const items: ScriptItem[] = [];
  for (let i = 0; i < words.length; i++) {
    const option = words[i]!.toUpperCase();
    const value = words[i + 1];
    if (UNSUPPORTED_SET_OPTIONS.has(option)) {
      fail(
        `'${lineText}' changes how SQL*Plus reads the script, which dcn cannot follow`,
        line,
        `remove SET ${option}`,
      );
    }
    if (option === 'DEFINE' || option === 'DEF' || option === 'SCAN' || option === 'SCA') {
      if (value === undefined) fail(`'${lineText}' needs ON, OFF or a character`, line);
      const v = value.replace(/^['"](.*)['"]$/, '$1');
      if (/^ON$/i.test(v)) items.push({ kind: 'set-define', enabled: true, line });
      else if (/^OFF$/i.test(v)) items.push({ kind: 'set-define', enabled: false, line });
      else if (v.length === 1 && option.startsWith('DEF'))
        items.push({ kind: 'set-define', enabled: true, prefix: v, line });
      else fail(`'${lineText}': SET ${option} takes ON, OFF or one character`, line);
      i++;
    }
  }
  items.push({ kind: 'skipped', command: 'SET', text: lineText, line });
  return items;
}
