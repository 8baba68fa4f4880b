import type { RunResult } from '../../migrator/types.js';
import type { CommandContext } from '../context.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import type { MigrateUpFlags } from '../options.js';
import { printRunSummary } from './run-summary.js';


export function run(flags: MigrateUpFlags, ctx: CommandContext, out: Output): Promise<RunResult> {
  return withMigrator(flags, ctx, out, (m) => m.migrate({ to: flags.to, resume: flags.resume, allowChanged: flags.allowChanged, outOfOrder: flags.outOfOrder, failOnInvalid: flags.failOnInvalid }));
}

export function print(result: RunResult, out: Output): void {
  printRunSummary(result, out);
}
