import type { RepairResult } from '../../migrator/types.js';
import type { CommandContext } from '../context.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import { migrationLabel } from '../../migrator/source.js';
import type { MigrateRepairFlags } from '../options.js';

export function run(flags: MigrateRepairFlags, ctx: CommandContext, out: Output): Promise<RepairResult> {
  return withMigrator(flags, ctx, out, (m) => m.repair());
}

export function print(result: RepairResult, out: Output): void {
  if (result.actions.length === 0) {
    out.line('Nothing to repair.');
    return;
  }
  for (const a of result.actions) {
    out.line(`${migrationLabel(a.version)}: ${a.action === 'removed-failed' ? 'removed the failed attempt' : 'accepted the changed file'} (${a.detail})`);
  }
}
