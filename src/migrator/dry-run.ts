/**
 * `dcn migrate [down] --dry-run`: what migrate (or down) would run on this database, as a plan
 * (plan.ts writes it as the same SQL*Plus script as `dcn migrate plan`). The engine chooses the
 * queue from the history exactly as the run does; this turns that queue into planned migrations:
 * a resumed one from its failed statement on, a repeatable one run again or an undo with the
 * history statement that fits its row.
 */
import type { Statement } from '../script/script-items.js';
import type { Plan, PlannedMigration } from './plan.js';
import { prefixHash, type Rendered } from './render.js';
import type { QueueItem } from './run-loop.js';
import type { Direction } from './types.js';

export interface DryRunPlan extends Plan {
  readonly dryRun: true;
  readonly direction: Direction;
  /** False when the history table is not there yet: migrate would create it, and nothing is applied. */
  readonly historyExists: boolean;
  /** What migrate would warn of (a changed file run anyway, out of order, nothing to resume). */
  readonly warnings: readonly string[];
}

export function dryRunPlan(options: {
  historyTable: string;
  historyExists: boolean;
  direction: Direction;
  queue: readonly QueueItem[];
  resumed: boolean;
  rendered: ReadonlyMap<string, Rendered>;
  warnings: readonly string[];
  forget?: readonly string[];
}): DryRunPlan {
  const { direction, rendered } = options;
  const migrations = options.queue.map(({ migration: m, from, again }, q): PlannedMigration => {
    const script = direction === 'up' ? m.up : m.down!;
    const all: readonly Statement[] =
      direction === 'up' ? rendered.get(m.version)!.up : (rendered.get(m.version)!.down() ?? []);
    const resumed = q === 0 && options.resumed;
    return {
      version: m.version,
      ...(m.repeatable ? { repeatable: true } : {}),
      description: m.description,
      script: script.file,
      profile: script.profile,
      checksum: rendered.get(m.version)!.checksum,
      statements: all.slice(from).map((s) => ({ file: s.file, line: s.line, plsql: s.plsql, sql: s.sql })),
      ...(from > 0 ? { resumeFrom: from + 1 } : {}),
      ...(direction === 'down' ? { record: 'delete' as const } : resumed || again ? { record: 'update' as const } : {}),
      ...(from > 0 ? { statementsTotal: all.length, doneHash: prefixHash(all, all.length) } : {}),
    };
  });
  return {
    dryRun: true,
    direction,
    historyTable: options.historyTable,
    historyExists: options.historyExists,
    migrations,
    ...(options.forget && options.forget.length > 0 ? { forget: options.forget } : {}),
    warnings: options.warnings,
  };
}
