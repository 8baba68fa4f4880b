/**
 * --dry-run output: the exact statements a command would run, with their binds, in a form
 * SQL*Plus runs as it is (VARIABLE and EXEC set the binds), or as JSON.
 */
import { isOutBind } from '../db/driver.js';
import type { PlannedCall } from '../registrations/plans.js';
import type { Output } from './output.js';

export interface DryRun {
  readonly dryRun: true;
  readonly command: string;
  readonly statements: readonly PlannedCall[];
  /** What a dry run cannot show (it does not connect), said as comments at the end. */
  readonly notes?: readonly string[];
}

/**
 * A string literal on one line of an EXEC command: a control character is written as CHR(n),
 * since a newline inside the quotes would end the EXEC and make the rest a command of its own.
 */
function literal(value: string): string {
  const parts: string[] = [];
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  for (const piece of value.split(/([\u0000-\u001f\u007f])/)) {
    if (piece === '') continue;
    parts.push(
      // eslint-disable-next-line no-control-regex -- control characters are what this looks for
      /^[\u0000-\u001f\u007f]$/.test(piece) ? `CHR(${piece.charCodeAt(0)})` : `'${piece.replace(/'/g, "''")}'`,
    );
  }
  return parts.length === 0 ? "''" : parts.join(' || ');
}

export function sqlplusScript(run: DryRun): string {
  const lines = [
    `-- ${run.command} --dry-run: what dcn would run as the app user, with its binds. SQL*Plus runs this as it is.`,
    'SET DEFINE OFF',
  ];
  const declared = new Set<string>();
  for (const st of run.statements) {
    for (const [name, value] of Object.entries(st.binds)) {
      if (!declared.has(name)) {
        lines.push(
          `VARIABLE ${name} ${typeof value === 'number' || (isOutBind(value) && value.out === 'number') ? 'NUMBER' : 'VARCHAR2(4000)'}`,
        );
        declared.add(name);
      }
      if (!isOutBind(value))
        lines.push(`EXEC :${name} := ${typeof value === 'number' ? String(value) : literal(value)}`);
    }
    lines.push(st.plsql ? `${st.sql}\n/` : `${st.sql};`);
    for (const [name, value] of Object.entries(st.binds)) if (isOutBind(value)) lines.push(`PRINT ${name}`);
  }
  for (const note of run.notes ?? []) lines.push(`-- ${note.replace(/\n/g, ' ')}`);
  return `${lines.join('\n')}\n`;
}

export function printDryRun(run: DryRun, out: Output): void {
  out.raw(sqlplusScript(run));
}
