/**
 * Reads a file of named statements ("-- name: x" before each), the form dcn keeps its own SQL
 * in under sql/. Each block is split once and rendered on request with its own variables.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DcnError } from '../errors.js';
import { splitScript, type ScriptItem } from './split.js';
import { renderScript, type Variables } from './substitute.js';

export interface NamedQuery {
  readonly name: string;
  readonly sql: string;
  readonly plsql: boolean;
  readonly file: string;
  readonly line: number;
}

export class NamedQueries {
  readonly #blocks: Map<string, readonly ScriptItem[]>;

  constructor(
    text: string,
    readonly file: string,
  ) {
    this.#blocks = new Map();
    const lines = text.split('\n');
    const starts: { name: string; index: number }[] = [];
    lines.forEach((line, index) => {
      const m = /^--\s*name:\s*(\S+)\s*$/.exec(line);
      if (m) starts.push({ name: m[1]!, index });
    });
    starts.forEach((start, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]!.index : lines.length;
      // Blank out everything outside the block so line numbers stay those of the file.
      const chunk = lines.map((l, n) => (n > start.index && n < end ? l : '')).join('\n');
      this.#blocks.set(start.name, splitScript(chunk, basename(file)));
    });
  }

  names(): string[] {
    return [...this.#blocks.keys()];
  }

  render(name: string, variables: Variables = {}): NamedQuery {
    const items = this.#blocks.get(name);
    if (!items) throw new DcnError('internal', `no query named ${name} in ${this.file}`);
    const { statements } = renderScript(items, variables);
    if (statements.length !== 1) throw new DcnError('internal', `${this.file}: block ${name} holds ${statements.length} statements, not 1`);
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
