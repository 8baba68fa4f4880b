import { closeSync, fsyncSync, lstatSync, openSync, readlinkSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DcnError } from '../../errors.js';
import type { AdminPrivilege } from '../../db/driver.js';
import { buildPlan, checkPlanScript, writePlanScript, type Plan, type ScriptOptions } from '../../migrator/plan.js';
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
  checkPlanScript(plan, script);
  const token = config.variables.callback_token ?? '';
  const holdsToken = token !== '' && plan.migrations.some((m) => m.statements.some((st) => st.sql.includes(token)));
  if (flags.out === undefined) {
    if (holdsToken) out.note('dcn: the plan holds the callback token (X-Dcn-Token): keep it out of logs and shared files');
    return Promise.resolve({ ...plan, source: dir, script });
  }
  const outFile = resolve(ctx.cwd, flags.out);
  const written = writePlanFile(
    outFile,
    (write) => {
      const chunks = new ChunkedText(write);
      writePlanScript(plan, script, chunks.add);
      chunks.flush();
    },
    holdsToken ? 0o600 : 0o666,
  );
  if (holdsToken) {
    out.note(
      written === 'file'
        ? `dcn: ${outFile} holds the callback token (X-Dcn-Token): written with mode 0600, readable by its owner only`
        : `dcn: ${outFile} holds the callback token (X-Dcn-Token) and is not a regular file, whose mode dcn could set: keep what reads it private`,
    );
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

/** Where --out really writes: the end of a chain of symbolic links (which may not exist yet), and what is there. */
function finalTarget(path: string): { path: string; stats?: Stats } {
  let current = path;
  // 40: Linux's own limit on links followed in one lookup (ELOOP)
  for (let hops = 0; hops <= 40; hops++) {
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { path: current };
      throw cause;
    }
    if (!stats.isSymbolicLink()) return { path: current, stats };
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw new Error('too many levels of symbolic links');
}

/**
 * Writes the plan to `path` without replacing what is not a plan dcn may replace. A symbolic
 * link is followed and stays: its target gets the plan. A FIFO or a character device
 * (/dev/stdout, a terminal) is written into as it is, never renamed over. A regular file (or a
 * new one) is written whole beside it and renamed over it, so a full disk leaves the old plan
 * as it was. Anything else (a directory, a block device, a socket) is refused.
 */
function writePlanFile(outFile: string, write: (writeText: (text: string) => void) => void, mode: number): 'file' | 'device' {
  const fail = (why: string, cause?: unknown, hint = 'choose a writable path with room for the plan') =>
    cause instanceof DcnError ? cause : new DcnError('usage', `cannot write ${outFile}: ${why}`, { hint, cause });
  let target: { path: string; stats?: Stats };
  try {
    target = finalTarget(outFile);
  } catch (cause) {
    throw fail((cause as Error).message, cause);
  }
  const where = target.path === outFile ? '' : ` (the target of its link, ${target.path})`;
  const stats = target.stats;
  if (stats !== undefined && (stats.isFIFO() || stats.isCharacterDevice())) {
    let fd: number | undefined;
    try {
      // opened at the first piece: a plan refused before it starts never blocks on a FIFO
      write((text) => writeAllSync((fd ??= openSync(target.path, 'w')), text));
    } catch (cause) {
      throw fail((cause as Error).message, cause);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return 'device';
  }
  if (stats !== undefined && !stats.isFile()) {
    const what = stats.isDirectory() ? 'a directory' : stats.isBlockDevice() ? 'a block device' : 'neither a file, a FIFO nor a character device';
    throw fail(`it is ${what}${where}`, undefined, 'give the path of a file to write the plan to');
  }
  // written whole to a temporary file beside the target, then renamed over it
  const tmp = join(dirname(target.path), `.${basename(target.path)}.${Math.random().toString(36).slice(2)}.tmp`);
  let fd: number | undefined;
  try {
    try {
      // 'wx': never through whatever may already be at the temporary name
      write((text) => writeAllSync((fd ??= openSync(tmp, 'wx', mode)), text));
      fd ??= openSync(tmp, 'wx', mode);
      fsyncSync(fd);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    renameSync(tmp, target.path);
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw fail(`${(cause as Error).message}${where}`, cause);
  }
  return 'file';
}
