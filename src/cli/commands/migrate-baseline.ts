import type { BaselineResult } from '../../migrator/types.js';
import type { CommandContext } from '../context.js';
import { withMigrator } from '../with-migrator.js';
import type { Output } from '../output.js';
import type { MigrateBaselineFlags } from './migrate-baseline.command.js';

export function run(flags: MigrateBaselineFlags, ctx: CommandContext, out: Output): Promise<BaselineResult> {
  return withMigrator(flags, ctx, out, (m) => m.baseline(flags.version));
}

export function print(result: BaselineResult, out: Output): void {
  for (const b of result.baselined) {
    out.line(
      `V${b.version} (${b.description}): recorded as applied${b.objects.length ? `; found ${b.objects.join(', ')}` : ''}`,
    );
  }
  for (const d of result.deferred) {
    out.line(
      out.color.yellow(`V${d.version} (${d.description}): admin profile, not recorded: \`dcn migrate\` runs it next`),
    );
  }
}
