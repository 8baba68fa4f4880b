/**
 * SQL*Plus substitution variables: `&name` and `&&name` take the value defined by DEFINE in the
 * script (from that line on) or given by configuration; `&name.` ends the name at the period,
 * which is dropped. SET DEFINE OFF turns substitution off, SET DEFINE c changes the prefix.
 * Names are case-insensitive. An undefined variable is an error before anything runs (SQL*Plus
 * would stop and prompt, which no migration run can answer).
 */
import { DcnError } from '../errors.js';
import type { ScriptItem, Statement } from './script-items.js';

export type Variables = Readonly<Record<string, string>>;

/** A variable used as a switch (when=, demoSchema) is on when it reads 1, true, yes or on. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

export interface RenderedScript {
  readonly statements: readonly Statement[];
  /** The configuration variables the script used (not those it DEFINEs itself), sorted. */
  readonly uses: readonly string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patternCache = new Map<string, RegExp>();
function variablePattern(prefix: string): RegExp {
  let re = patternCache.get(prefix);
  if (!re) {
    const p = escapeRegExp(prefix);
    re = new RegExp(`${p}(${p})?([A-Za-z0-9_$#]+)(\\.)?`, 'g');
    patternCache.set(prefix, re);
  }
  return re;
}

/**
 * Applies DEFINE/UNDEFINE/SET DEFINE in order and substitutes every statement.
 * `variables` are the values from configuration, defined before the script's first line.
 */
export function renderScript(items: readonly ScriptItem[], variables: Variables = {}): RenderedScript {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(variables)) values.set(k.toLowerCase(), v);
  let enabled = true;
  let prefix = '&';
  const statements: Statement[] = [];
  const missing: { name: string; file: string; line: number }[] = [];
  const fromConfig = new Set(values.keys());
  const uses = new Set<string>();

  for (const item of items) {
    switch (item.kind) {
      case 'define':
        values.set(item.name, item.value);
        fromConfig.delete(item.name);
        break;
      case 'undefine':
        for (const n of item.names) {
          values.delete(n);
          fromConfig.delete(n);
        }
        break;
      case 'set-define':
        enabled = item.enabled;
        if (item.prefix !== undefined) prefix = item.prefix;
        break;
      case 'skipped':
        break;
      case 'include':
        // expanded when the migration loads (source.ts); one left here was never resolved
        throw new DcnError(
          'script_invalid',
          `${item.file}:${item.line}: @${item.nested ? '@' : ''}${item.target} is an include dcn did not resolve`,
          { hint: 'includes are read when migrations load from a directory' },
        );
      case 'statement': {
        const st: Statement = item;
        if (!enabled || !st.sql.includes(prefix)) {
          statements.push(st);
          break;
        }
        const sql = st.sql.replace(
          variablePattern(prefix),
          (whole: string, _double: string | undefined, name: string, _dot: string | undefined, offset: number) => {
            const value = values.get(name.toLowerCase());
            if (fromConfig.has(name.toLowerCase())) uses.add(name.toLowerCase());
            if (value === undefined) {
              missing.push({ name, file: st.file, line: st.line + countNewlines(st.sql, offset) });
              return whole;
            }
            return value;
          },
        );
        statements.push({ ...st, sql });
        break;
      }
    }
  }

  if (missing.length > 0) {
    const first = missing[0]!;
    const names = [...new Set(missing.map((m) => m.name.toLowerCase()))];
    throw new DcnError(
      'script_invalid',
      `${first.file}:${first.line}: substitution variable${names.length > 1 ? 's' : ''} ${names.map((n) => `&${n}`).join(', ')} ${names.length > 1 ? 'are' : 'is'} not defined`,
      {
        hint: `DEFINE ${names[0]} = … in the script, set "variables": {"${names[0]}": "…"} in dcn.config.json, or pass --define ${names[0]}=…; use SET DEFINE OFF if '&' is meant literally`,
        meta: { variables: names, places: missing },
      },
    );
  }
  return { statements, uses: [...uses].sort() };
}

function countNewlines(sql: string, index: number): number {
  let n = 0;
  for (let i = sql.indexOf('\n'); i !== -1 && i < index; i = sql.indexOf('\n', i + 1)) n++;
  return n;
}
