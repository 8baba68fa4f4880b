/**
 * `dcn migrate --dry-run` and `dcn migrate down --dry-run`: the SQL*Plus script of what the run
 * would do on this database now, written as `dcn migrate plan` writes its own. The engine reads
 * the history (no lock, nothing created) and chooses as the run would, refusals included.
 */
import type { AdminPrivilege } from '../../db/driver.js';
import type { DryRunPlan } from '../../migrator/dry-run.js';
import type { Migrator } from '../../migrator/migrator.js';
import { checkPlanScript, writePlanScript, type ScriptOptions } from '../../migrator/plan-script.js';
import type { Direction } from '../../migrator/types.js';
import { packageVersion } from '../../version.js';
import { ChunkedText } from '../chunked-text.js';
import type { CommandContext } from '../context.js';
import { migrationSetConfig } from '../migration-setup.js';
import type { MigrateCommonFlags, SettingFlags } from '../options.js';
import type { Output } from '../output.js';
import { withMigrator } from '../with-migrator.js';

export interface DryRunResult extends DryRunPlan {
  /** How to write the script; left out of --json output, which lists the statements instead. */
  readonly script?: ScriptOptions;
}

export function isDryRun(result: object): result is DryRunResult {
  return 'dryRun' in result;
}

export async function dryRun(
  direction: Direction,
  flags: MigrateCommonFlags & SettingFlags,
  ctx: CommandContext,
  out: Output,
  options: Parameters<Migrator['dryRun']>[1],
): Promise<DryRunResult> {
  const config = migrationSetConfig(flags, ctx);
  const plan = await withMigrator(flags, ctx, out, (m) => m.dryRun(direction, options));
  for (const w of plan.warnings) out.note(out.color.yellow(`dcn: warning: ${w}`));
  if (out.json) return plan;
  const script: ScriptOptions = {
    dcnVersion: packageVersion(),
    source: config.migrationsDir === undefined ? 'the built-in migrations' : config.migrationsDir,
    connect: config.connect,
    adminUser: config.adminUser,
    adminPrivilege: config.adminPrivilege as AdminPrivilege | undefined,
    schema: config.variables.app_schema,
    dryRun: direction,
  };
  checkPlanScript(plan, script);
  const token = config.variables.callback_token ?? '';
  if (token !== '' && plan.migrations.some((m) => m.statements.some((st) => st.sql.includes(token))))
    out.note('dcn: the script holds the callback token (X-Dcn-Token): keep it out of logs and shared files');
  return { ...plan, script };
}

/** The script on stdout, written piece by piece as the plan's is. */
export function printDryRun(result: DryRunResult, out: Output): void {
  if (result.script === undefined) return;
  const chunks = new ChunkedText((text) => out.raw(text));
  writePlanScript(result, result.script, chunks.add);
  chunks.flush();
}
