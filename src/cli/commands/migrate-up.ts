import type { RunResult } from '../../migrator/types.js';
import type { CommandContext } from '../context.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import type { MigrateUpFlags } from './migrate-up.command.js';
import { dryRun, isDryRun, printDryRun, type DryRunResult } from './migrate-dry-run.js';
import { printRunSummary } from './run-summary.js';

export function run(flags: MigrateUpFlags, ctx: CommandContext, out: Output): Promise<RunResult | DryRunResult> {
  if (flags.dryRun)
    return dryRun('up', flags, ctx, out, {
      to: flags.to,
      resume: flags.resume,
      allowChanged: flags.allowChanged,
      outOfOrder: flags.outOfOrder,
    });
  return withMigrator(flags, ctx, out, (m) =>
    m.migrate({
      to: flags.to,
      resume: flags.resume,
      allowChanged: flags.allowChanged,
      outOfOrder: flags.outOfOrder,
      failOnInvalid: flags.failOnInvalid,
    }),
  );
}

export function print(result: RunResult | DryRunResult, out: Output): void {
  if (isDryRun(result)) return printDryRun(result, out);
  printRunSummary(result, out);
}
