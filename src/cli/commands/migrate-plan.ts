import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DcnError } from '../../errors.js';
import type { AdminPrivilege } from '../../db/driver.js';
import { buildPlan, renderPlanScript, type Plan } from '../../migrator/plan.js';
import { packageVersion } from '../../version.js';
import type { CommandContext } from '../context.js';
import { configFrom, migrationSet } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { CommonFlags, MigrationSetFlags } from '../program.js';

export type MigratePlanFlags = CommonFlags & MigrationSetFlags & { to?: string; out?: string; connect?: string; adminUser?: string; adminPrivilege?: string };

export interface PlanResult extends Plan {
  readonly source: string;
  readonly outFile?: string;
  /** The SQL*Plus script; left out of --json output, which lists the statements instead. */
  readonly script?: string;
}

export function run(flags: MigratePlanFlags, ctx: CommandContext, out: Output): Promise<PlanResult> {
  const config = configFrom(flags, ctx);
  const { dir, migrations } = migrationSet(config);
  const plan = buildPlan({ migrations, variables: config.variables, historyTable: config.historyTable, to: flags.to });
  // --json lists the statements instead of the script: render it only when it is printed or written
  if (out.json && flags.out === undefined) return Promise.resolve({ ...plan, source: dir });
  const script = renderPlanScript(plan, {
    dcnVersion: packageVersion(),
    source: config.migrationsDir === undefined ? 'the built-in migrations' : dir,
    connect: config.connect,
    adminUser: config.adminUser,
    adminPrivilege: config.adminPrivilege as AdminPrivilege | undefined,
    schema: config.variables.app_schema,
  });
  let outFile: string | undefined;
  if (flags.out !== undefined) {
    outFile = resolve(ctx.cwd, flags.out);
    // written whole to a temporary file, then renamed: a full disk leaves the old plan as it was
    const tmp = `${outFile}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      writeFileSync(tmp, script);
      renameSync(tmp, outFile);
    } catch (cause) {
      rmSync(tmp, { force: true });
      throw new DcnError('usage', `cannot write ${outFile}: ${(cause as Error).message}`, { hint: 'choose a writable path with room for the plan', cause });
    }
  }
  return Promise.resolve({ ...plan, source: dir, outFile, ...(out.json ? {} : { script }) });
}

export function print(result: PlanResult, out: Output): void {
  if (result.outFile === undefined) {
    out.raw(result.script ?? '');
    return;
  }
  const statements = result.migrations.reduce((n, m) => n + m.statements.length, 0);
  out.line(`Wrote ${result.outFile}: ${result.migrations.length} migration(s), ${statements} statement(s).`);
  out.line(out.color.dim(`Run it as the schema owner: sqlplus <user>@<connect> @${result.outFile}`));
}
