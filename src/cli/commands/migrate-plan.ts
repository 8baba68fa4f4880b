import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { DcnError } from '../../errors.js';
import type { AdminPrivilege } from '../../db/driver.js';
import { buildPlan, writePlanScript, type Plan, type ScriptOptions } from '../../migrator/plan.js';
import { packageVersion } from '../../version.js';
import { ChunkedText } from '../chunked-text.js';
import type { CommandContext } from '../context.js';
import { migrationSetConfig, migrationSet } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { MigratePlanFlags } from '../options.js';


export interface PlanResult extends Plan {
  readonly source: string;
  readonly outFile?: string;
  /**
   * How to write the SQL*Plus script to stdout; left out of --json output, which lists the
   * statements instead. The script is written piece by piece, never held whole.
   */
  readonly script?: ScriptOptions;
}

export function run(flags: MigratePlanFlags, ctx: CommandContext, out: Output): Promise<PlanResult> {
  const config = migrationSetConfig(flags, ctx);
  const { dir, migrations } = migrationSet(config);
  const plan = buildPlan({ migrations, variables: config.variables, historyTable: config.historyTable, to: flags.to });
  // --json lists the statements instead of the script: render it only when it is printed or written
  if (out.json && flags.out === undefined) return Promise.resolve({ ...plan, source: dir });
  const script: ScriptOptions = {
    dcnVersion: packageVersion(),
    source: config.migrationsDir === undefined ? 'the built-in migrations' : dir,
    connect: config.connect,
    adminUser: config.adminUser,
    adminPrivilege: config.adminPrivilege as AdminPrivilege | undefined,
    schema: config.variables.app_schema,
  };
  if (flags.out === undefined) return Promise.resolve({ ...plan, source: dir, script });
  const outFile = resolve(ctx.cwd, flags.out);
  // written whole to a temporary file, then renamed: a full disk leaves the old plan as it was
  const tmp = `${outFile}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      const chunks = new ChunkedText((text) => writeAllSync(fd, text));
      writePlanScript(plan, script, chunks.add);
      chunks.flush();
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, outFile);
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw new DcnError('usage', `cannot write ${outFile}: ${(cause as Error).message}`, { hint: 'choose a writable path with room for the plan', cause });
  }
  return Promise.resolve({ ...plan, source: dir, outFile });
}

export function print(result: PlanResult, out: Output): void {
  if (result.outFile === undefined) {
    if (result.script !== undefined) {
      const chunks = new ChunkedText((text) => out.raw(text));
      writePlanScript(result, result.script, chunks.add);
      chunks.flush();
    }
    return;
  }
  const statements = result.migrations.reduce((n, m) => n + m.statements.length, 0);
  out.line(`Wrote ${result.outFile}: ${result.migrations.length} migration(s), ${statements} statement(s).`);
  out.line(out.color.dim(`Run it as the schema owner: sqlplus <user>@<connect> @${result.outFile}`));
}

/** writeSync may write less than asked (a disk filling up): write the rest, or fail. */
function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}
