import { usageError } from '../../errors.js';
import type { RunResult } from '../../migrator/types.js';
import type { CommandContext } from '../context.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import type { MigrateDownFlags } from '../options.js';
import { printRunSummary } from './run-summary.js';


export function run(flags: MigrateDownFlags, ctx: CommandContext, out: Output): Promise<RunResult> {
  let steps: number | undefined;
  if (flags.steps !== undefined) {
    if (!/^\d+$/.test(flags.steps) || Number(flags.steps) < 1) throw usageError(`--steps ${flags.steps} is not a whole number of 1 or more`, 'e.g. --steps 2');
    steps = Number(flags.steps);
  }
  return withMigrator(flags, ctx, out, (m) => m.down({ to: flags.to, steps, resume: flags.resume }));
}

export function print(result: RunResult, out: Output): void {
  printRunSummary(result, out);
}
