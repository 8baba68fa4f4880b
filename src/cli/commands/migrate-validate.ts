/**
 * dcn migrate validate: the CI gate. Reads the status (no lock, no change) and fails with an
 * exit code of its own when a migration is pending, outdated, changed, missing, failed or out
 * of order, listing each.
 */
import { DcnError } from '../../errors.js';
import type { StatusEntry } from '../../migrator/status.js';
import { migrationLabel } from '../../migrator/source.js';
import type { CommandContext } from '../context.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import type { MigrateValidateFlags } from './migrate-validate.command.js';

type Problem = 'pending' | 'outdated' | 'out-of-order' | 'changed' | 'missing' | 'failed';

interface ProblemEntry {
  readonly version: string;
  readonly description: string;
  readonly script: string;
  readonly problem: Problem;
  readonly detail: string;
}

interface Valid {
  readonly historyTable: string;
  readonly migrations: number;
  readonly problems: readonly ProblemEntry[];
}

/** The order a summary names them in: what blocks `dcn migrate` last. */
const ORDER: readonly Problem[] = ['pending', 'outdated', 'out-of-order', 'changed', 'missing', 'failed'];

function problemOf(e: StatusEntry, allowPending: boolean): ProblemEntry | undefined {
  const base = { version: e.version, description: e.description, script: e.script };
  switch (e.state) {
    case 'applied':
      return undefined;
    case 'pending':
      if (e.outOfOrder)
        return {
          ...base,
          problem: 'out-of-order',
          detail: 'pending below an applied version; `dcn migrate` refuses it unless given --out-of-order',
        };
      return allowPending ? undefined : { ...base, problem: 'pending', detail: 'not applied yet' };
    case 'outdated':
      return allowPending
        ? undefined
        : {
            ...base,
            problem: 'outdated',
            detail: `${e.outdatedBy === 'settings' ? 'made with other settings than now' : `${e.script} changed since it was applied`}; \`dcn migrate\` applies it again`,
          };
    case 'changed':
      return { ...base, problem: 'changed', detail: `${e.script} changed since it was applied` };
    case 'missing':
      return { ...base, problem: 'missing', detail: `applied, but ${e.script} is not in the migrations directory` };
    case 'failed':
      return {
        ...base,
        problem: 'failed',
        detail: `${e.operation === 'undo' ? 'undo ' : ''}stopped after ${e.statementsDone} of ${e.statementsTotal} statements${e.error ? `: ${e.error.split('\n')[0]}` : ''}`,
      };
  }
}

export async function run(flags: MigrateValidateFlags, ctx: CommandContext, out: Output): Promise<Valid> {
  const status = await withMigrator(flags, ctx, out, (m) => m.status());
  const problems = status.migrations
    .map((e) => problemOf(e, flags.allowPending === true))
    .filter((p) => p !== undefined);
  if (problems.length === 0)
    return { historyTable: status.historyTable, migrations: status.migrations.length, problems };
  for (const p of problems)
    out.line(`${migrationLabel(p.version)} (${p.description}): ${p.problem.replace(/-/g, ' ')}: ${p.detail}`);
  const counts = ORDER.map((kind) => problems.filter((p) => p.problem === kind)).filter((list) => list.length > 0);
  const summary = counts
    .map(
      (list) =>
        `${list.length} ${list[0]!.problem.replace(/-/g, ' ')} (${list.map((p) => migrationLabel(p.version)).join(', ')})`,
    )
    .join(', ');
  throw new DcnError('validation_failed', `the migrations are not as applied: ${summary}`, {
    hint: '`dcn migrate status` shows each; `dcn migrate` applies pending ones, `dcn migrate repair` forgets failed attempts and accepts changed files',
    meta: { historyTable: status.historyTable, problems },
  });
}

export function print(result: Valid, out: Output): void {
  out.line(
    `All ${result.migrations} migration${result.migrations === 1 ? '' : 's'} ${result.migrations === 1 ? 'is' : 'are'} applied as recorded.`,
  );
}
