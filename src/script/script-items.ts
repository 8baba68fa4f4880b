/** What splitting a SQL*Plus script yields: its statements and the client commands dcn acts on, in order. */

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
