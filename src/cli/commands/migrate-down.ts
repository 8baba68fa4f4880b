import { DcnError, usageError } from '../../errors.js';
import type { StatusEntry } from '../../migrator/status.js';
import { compareVersions, migrationLabel, versionTarget } from '../../migrator/source.js';
import type { RunResult } from '../../migrator/types.js';
import type { CommandContext } from '../context.js';
import { confirm, onTerminal, yesNeeded } from '../confirm.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import type { MigrateDownFlags } from './migrate-down.command.js';
import { dryRun, isDryRun, printDryRun, type DryRunResult } from './migrate-dry-run.js';
import { printRunSummary } from './run-summary.js';

type DownResult = RunResult & { readonly declined?: true };

/**
 * What `down` would undo, read from the status as the engine's down() chooses: a failed undo
 * being resumed, then the applied migrations above --to, or the last --steps (default 1).
 * Empty when down would refuse (a failed migration not being resumed, a missing file, no
 * undo script): down then says why, and there is nothing to ask about.
 */
function toUndo(entries: readonly StatusEntry[], flags: MigrateDownFlags, steps: number | undefined): StatusEntry[] {
  const failed = entries.find((e) => e.state === 'failed');
  if (failed && (!flags.resume || failed.operation !== 'undo')) return [];
  const versions = entries.filter((e) => !e.repeatable).map((e) => e.version);
  const to = flags.to === undefined ? undefined : versionTarget(flags.to, versions, 'to', true);
  const applied = entries
    .filter((e) => !e.repeatable && e.state !== 'failed' && e.state !== 'pending')
    .sort((a, b) => compareVersions(b.version, a.version));
  const chosen =
    to !== undefined
      ? applied.filter((e) => compareVersions(e.version, to) > 0)
      : failed
        ? []
        : applied.slice(0, steps ?? 1);
  if (chosen.some((e) => e.state === 'missing' || !e.hasUndo)) return [];
  return failed ? [failed, ...chosen] : chosen;
}

export function run(flags: MigrateDownFlags, ctx: CommandContext, out: Output): Promise<DownResult | DryRunResult> {
  let steps: number | undefined;
  if (flags.steps !== undefined) {
    if (!/^\d+$/.test(flags.steps) || Number(flags.steps) < 1)
      throw usageError(`--steps ${flags.steps} is not a whole number of 1 or more`, 'e.g. --steps 2');
    steps = Number(flags.steps);
  }
  // changes nothing: no question, no --yes
  if (flags.dryRun) return dryRun('down', flags, ctx, out, { to: flags.to, steps, resume: flags.resume });
  if (!flags.yes && !onTerminal(ctx)) throw yesNeeded('dcn migrate down', 'undoes migrations', '`dcn migrate status`');
  return withMigrator(flags, ctx, out, async (m) => {
    if (!flags.yes) {
      const targets = toUndo((await m.status()).migrations, flags, steps);
      if (targets.length > 0) {
        const lines = targets.map(
          (e) =>
            `  ${migrationLabel(e.version)} (${e.description})${e.state === 'failed' ? `: resuming its failed undo at statement ${(e.statementsDone ?? 0) + 1}` : ''}`,
        );
        out.note(`dcn migrate down will undo, newest first:\n${lines.join('\n')}`);
        if (!(await confirm(ctx, `Undo ${targets.length} migration${targets.length === 1 ? '' : 's'}?`))) {
          return {
            direction: 'down',
            results: [],
            invalidObjects: [],
            compileWarnings: [],
            warnings: [],
            declined: true,
          };
        }
        // the answer may come minutes later: undo only what was shown, if it is still what down would undo
        const labels = (list: readonly StatusEntry[]) =>
          list.map((e) => migrationLabel(e.version)).join(', ') || 'nothing';
        const now = toUndo((await m.status()).migrations, flags, steps);
        if (labels(now) !== labels(targets)) {
          throw new DcnError(
            'usage',
            `the history changed while dcn migrate down waited for an answer: it would now undo ${labels(now)}, not ${labels(targets)}; nothing was undone`,
            { hint: 'run it again to see what it would undo now' },
          );
        }
      }
    }
    return m.down({ to: flags.to, steps, resume: flags.resume });
  });
}

export function print(result: DownResult | DryRunResult, out: Output): void {
  if (isDryRun(result)) return printDryRun(result, out);
  if (result.declined) return out.line('Nothing was undone.');
  printRunSummary(result, out);
}
