import { DcnError } from '../../errors.js';
import type { StatusEntry } from '../../migrator/status.js';
import type { RepairResult } from '../../migrator/types.js';
import type { CommandContext } from '../context.js';
import { confirm, onTerminal, yesNeeded } from '../confirm.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import { migrationLabel } from '../../migrator/source.js';
import type { MigrateRepairFlags } from './migrate-repair.command.js';

type Repaired = RepairResult & { readonly declined?: true };

/** What repair would do, read from the status as the engine's repair() decides: forget failed rows, accept changed files. */
function toRepair(entries: readonly StatusEntry[]): string[] {
  return entries.flatMap((e) => {
    if (e.state === 'failed')
      return [
        `${migrationLabel(e.version)}: forget the failed ${e.operation === 'undo' ? 'undo' : 'attempt'} (stopped after ${e.statementsDone} of ${e.statementsTotal} statements; what those made stays in the database)`,
      ];
    if (e.state === 'changed') return [`${migrationLabel(e.version)}: accept the changed ${e.script} as applied`];
    return [];
  });
}

export function run(flags: MigrateRepairFlags, ctx: CommandContext, out: Output): Promise<Repaired> {
  if (!flags.yes && !onTerminal(ctx))
    throw yesNeeded('dcn migrate repair', 'rewrites the history table', '`dcn migrate status`');
  return withMigrator(flags, ctx, out, async (m) => {
    if (!flags.yes) {
      const actions = toRepair((await m.status()).migrations);
      if (actions.length > 0) {
        out.note(`dcn migrate repair will:\n${actions.map((a) => `  ${a}`).join('\n')}`);
        if (!(await confirm(ctx, `Repair ${actions.length} migration${actions.length === 1 ? '' : 's'}?`)))
          return { actions: [], declined: true };
        // the answer may come minutes later: repair only what was shown, if it is still what repair would do
        if (toRepair((await m.status()).migrations).join('\n') !== actions.join('\n')) {
          throw new DcnError(
            'usage',
            'the history changed while dcn migrate repair waited for an answer; nothing was repaired',
            { hint: 'run it again to see what it would do now' },
          );
        }
      }
    }
    return m.repair();
  });
}

export function print(result: Repaired, out: Output): void {
  if (result.declined) return out.line('Nothing was repaired.');
  if (result.actions.length === 0) {
    out.line('Nothing to repair.');
    return;
  }
  for (const a of result.actions) {
    out.line(
      `${migrationLabel(a.version)}: ${a.action === 'removed-failed' ? 'removed the failed attempt' : 'accepted the changed file'} (${a.detail})`,
    );
  }
}
