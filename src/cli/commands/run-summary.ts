import type { RunResult } from '../../migrator/types.js';
import type { Output } from '../output.js';

/** The closing lines of `migrate` and `migrate down`, after the per-migration progress lines. */
export function printRunSummary(result: RunResult, out: Output): void {
  const c = out.color;
  const done = result.results.filter((r) => r.status === 'success').length;
  if (done === 0)
    out.line(result.direction === 'up' ? 'Nothing to apply: the schema is up to date.' : 'Nothing to undo.');
  else out.line(`${done} migration${done === 1 ? '' : 's'} ${result.direction === 'up' ? 'applied' : 'undone'}.`);
  for (const w of result.warnings) out.line(c.yellow(`warning: ${w}`));
  for (const w of result.compileWarnings) out.line(c.yellow(`warning: ${w.file}:${w.line}:${w.column}: ${w.text}`));
  const listed = (objects: readonly { type: string; name: string }[]) =>
    objects.map((o) => `${o.type} ${o.name}`).join(', ');
  if (result.recompiled && result.recompiled.length > 0)
    out.line(`Compiled ${result.recompiled.length} INVALID object(s) again: ${listed(result.recompiled)}.`);
  if (result.recompileError)
    out.line(c.yellow(`warning: compiling the INVALID objects failed: ${result.recompileError}`));
  if (result.invalidObjects.length > 0) {
    out.line(
      c.yellow(
        `warning: ${result.invalidObjects.length} invalid object(s) in the schema${result.recompiled ? ' after compiling them again' : ''}: ${listed(result.invalidObjects)}`,
      ),
    );
  }
}
