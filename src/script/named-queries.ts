/**
 * Reads a file of named statements ("-- name: x" before each), the form dcn keeps its own SQL
 * in under sql/. Each block is split once and rendered on request with its own variables.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DcnError } from '../errors.js';
import type { ScriptItem } from './script-items.js';
import { splitScript } from './split.js';
import { renderScript, type Variables } from './substitute.js';

export interface NamedQuery {
  readonly name: string;
  readonly sql: string;
  readonly plsql: boolean;
  readonly file: string;
  readonly line: number;
}

class NamedQueries {
  /** Each block's text, with blank lines before it so that line numbers stay those of the file. */
  readonly #texts = new Map<string, string>();
  readonly #blocks = new Map<string, readonly ScriptItem[]>();

  constructor(
    text: string,
    readonly file: string,
  ) {
    const lines = text.split('\n');
    const starts: { name: string; index: number }[] = [];
    lines.forEach((line, index) => {
      const m = /^--\s*name:\s*(\S+)\s*$/.exec(line);
      if (m) starts.push({ name: m[1]!, index });
    });
    starts.forEach((start, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]!.index : lines.length;
      this.#texts.set(start.name, '\n'.repeat(start.index + 1) + lines.slice(start.index + 1, end).join('\n'));
    });
  }

  /** Split on first use: a command renders only the few blocks it needs. */
  #items(name: string): readonly ScriptItem[] {
    let items = this.#blocks.get(name);
    if (!items) {
      const text = this.#texts.get(name);
      if (text === undefined) throw new DcnError('internal', `no query named ${name} in ${this.file}`);
      items = splitScript(text, basename(this.file));
      this.#blocks.set(name, items);
    }
    return items;
  }

  names(): string[] {
    return [...this.#texts.keys()];
  }

  render(name: string, variables: Variables = {}): NamedQuery {
    const { statements } = renderScript(this.#items(name), variables);
    if (statements.length !== 1)
      throw new DcnError('internal', `${this.file}: block ${name} holds ${statements.length} statements, not 1`);
    const st = statements[0]!;
    return { name, sql: st.sql, plsql: st.plsql, file: st.file, line: st.line };
  }
}

const cache = new Map<string, NamedQueries>();

export function loadNamedQueries(path: string): NamedQueries {
  let q = cache.get(path);
  if (!q) {
    q = new NamedQueries(readFileSync(path, 'utf8'), path);
    cache.set(path, q);
  }
  return q;
}
