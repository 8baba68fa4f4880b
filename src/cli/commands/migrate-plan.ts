import {
  closeSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DcnError } from '../../errors.js';
import type { AdminPrivilege } from '../../db/driver.js';
import { buildPlan, type Plan } from '../../migrator/plan.js';
import { checkPlanScript, PLAN_HEADER, writePlanScript, type ScriptOptions } from '../../migrator/plan-script.js';
import { packageVersion } from '../../version.js';
import { ChunkedText } from '../chunked-text.js';
import type { CommandContext } from '../context.js';
import { migrationSetConfig, migrationSet } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { MigratePlanFlags } from './migrate-plan.command.js';

export interface PlanResult extends Plan {
  readonly source: string;
  readonly outFile?: string;
  /** --out named this process's stdout (/dev/stdout, /dev/fd/1): what is said about it goes to stderr. */
  readonly outIsStdout?: true;
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
  const token = config.variables.callback_token ?? '';
  const holdsToken = token !== '' && plan.migrations.some((m) => m.statements.some((st) => st.sql.includes(token)));
  const tokenNote = 'dcn: the plan holds the callback token (X-Dcn-Token): keep it out of logs and shared files';
  // --json lists the statements instead of the script: render it only when it is printed or written
  if (out.json && flags.out === undefined) {
    if (holdsToken) out.note(tokenNote);
    return Promise.resolve({ ...plan, source: dir });
  }
  const script: ScriptOptions = {
    dcnVersion: packageVersion(),
    source: config.migrationsDir === undefined ? 'the built-in migrations' : dir,
    connect: config.connect,
    adminUser: config.adminUser,
    adminPrivilege: config.adminPrivilege as AdminPrivilege | undefined,
    schema: config.variables.app_schema,
  };
  checkPlanScript(plan, script);
  if (flags.out === undefined) {
    if (holdsToken) out.note(tokenNote);
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
  return Promise.resolve({
    ...plan,
    source: dir,
    outFile,
    ...(written === 'stdout' ? { outIsStdout: true as const } : {}),
  });
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
  // after a plan written to stdout, these lines would be read as part of it
  const say = result.outIsStdout ? (text: string) => out.note(text) : (text: string) => out.line(text);
  say(`Wrote ${result.outFile}: ${result.migrations.length} migration(s), ${statements} statement(s).`);
  say(out.color.dim(`Run it as the schema owner: sqlplus <user>@<connect> @${result.outFile}`));
}

/** writeSync may write less than asked (a disk filling up): write the rest, or fail. */
function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length;) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (cause) {
      // a non-blocking descriptor (a socket Node set up as stdout) whose reader is behind
      if ((cause as NodeJS.ErrnoException).code !== 'EAGAIN') throw cause;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/**
 * The descriptor of this process that a path names: /dev/stdout, /dev/fd/N, /proc/self/fd/N.
 * What such a path leads to is whatever the descriptor is open on (a pipe, a socket, the file a
 * shell opened with `>>`), not a place in the file system: it is written, never renamed over.
 */
function ownDescriptor(path: string): number | undefined {
  const std = /^\/dev\/(stdin|stdout|stderr)$/.exec(path);
  if (std) return ['stdin', 'stdout', 'stderr'].indexOf(std[1]!);
  const m = /^\/(?:dev|proc\/(?:self|thread-self|(\d+)))\/fd\/(\d+)$/.exec(path);
  if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return undefined;
  return Number(m[2]);
}

/** Where --out really writes: the end of a chain of symbolic links (which may not exist yet), or a descriptor of this process. */
function finalTarget(path: string): { path: string; fd?: number } {
  let current = path;
  // 40: Linux's own limit on links followed in one lookup (ELOOP)
  for (let hops = 0; hops <= 40; hops++) {
    const fd = ownDescriptor(current);
    if (fd !== undefined) return { path: current, fd };
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { path: current };
      throw cause;
    }
    if (!stats.isSymbolicLink()) return { path: current };
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw new Error('too many levels of symbolic links');
}

/** What is at the path, following every link as the kernel does (its own /proc links included); undefined when nothing is. */
function statFollowing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
}

/** Writes straight into a descriptor of this process: a new open of it when it can be opened (a pipe, a device, a file: appended), else the descriptor itself (a socket). */
function writeToDescriptor(fd: number, write: (writeText: (text: string) => void) => void): void {
  let opened: number | undefined;
  try {
    opened = openSync(`/proc/self/fd/${fd}`, 'a');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENXIO') throw cause;
  }
  try {
    write((text) => writeAllSync(opened ?? fd, text));
  } finally {
    if (opened !== undefined) closeSync(opened);
  }
}

/**
 * Writes the plan to `path` without replacing what is not a plan dcn may replace. A symbolic
 * link is followed and stays: its target gets the plan. A descriptor of this process
 * (/dev/stdout, /dev/fd/N) is written into at its end, whatever it is open on. A FIFO, a
 * character device or a socket is written into as it is, never renamed over. A regular file
 * (or a new one) is written whole beside it and renamed over it, so a full disk leaves the old
 * plan as it was. Anything else (a directory, a block device) is refused.
 */
function writePlanFile(
  outFile: string,
  write: (writeText: (text: string) => void) => void,
  mode: number,
): 'file' | 'device' | 'stdout' {
  const fail = (why: string, cause?: unknown, hint = 'choose a writable path with room for the plan') =>
    cause instanceof DcnError ? cause : new DcnError('usage', `cannot write ${outFile}: ${why}`, { hint, cause });
  let target: { path: string; fd?: number };
  let stats: Stats | undefined;
  try {
    target = finalTarget(outFile);
    if (target.fd !== undefined) {
      writeToDescriptor(target.fd, write);
      return target.fd === 1 ? 'stdout' : 'device';
    }
    stats = statFollowing(outFile);
  } catch (cause) {
    throw fail((cause as Error).message, cause);
  }
  const where = target.path === outFile ? '' : ` (the target of its link, ${target.path})`;
  if (stats !== undefined && (stats.isFIFO() || stats.isCharacterDevice() || stats.isSocket())) {
    let fd: number | undefined;
    try {
      // opened at the first piece: a plan refused before it starts never blocks on a FIFO
      write((text) => writeAllSync((fd ??= openSync(outFile, 'w')), text));
    } catch (cause) {
      throw fail((cause as Error).message, cause);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return 'device';
  }
  if (stats !== undefined && !stats.isFile()) {
    const what = stats.isDirectory()
      ? 'a directory'
      : stats.isBlockDevice()
        ? 'a block device'
        : 'neither a file, a FIFO, a socket nor a character device';
    throw fail(`it is ${what}${where}`, undefined, 'give the path of a file to write the plan to');
  }
  // dcn replaces only what it can prove it wrote: an empty file, or a plan (its first line)
  if (stats !== undefined && stats.size > 0 && !startsWithPlanHeader(target.path)) {
    throw fail(
      `it holds something other than a plan dcn wrote (its first line is not "${PLAN_HEADER}…")${where}`,
      undefined,
      'remove that file if it is yours to lose, or choose another path for the plan',
    );
  }
  // a plan replaced keeps its mode (one holding the token is 0600 whatever it was)
  const keepMode = stats !== undefined && mode !== 0o600 ? stats.mode & 0o777 : undefined;
  // written whole to a temporary file beside the target, then renamed over it
  const tmp = join(dirname(target.path), `.${basename(target.path)}.${Math.random().toString(36).slice(2)}.tmp`);
  let fd: number | undefined;
  try {
    try {
      // 'wx': never through whatever may already be at the temporary name
      write((text) => writeAllSync((fd ??= openSync(tmp, 'wx', mode)), text));
      fd ??= openSync(tmp, 'wx', mode);
      if (keepMode !== undefined) fchmodSync(fd, keepMode);
      fsyncSync(fd);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    renameSync(tmp, target.path);
  } catch (cause) {
    // only a temporary file this process made: 'wx' refused one already there (EEXIST)
    if (fd !== undefined) rmSync(tmp, { force: true });
    throw fail(`${(cause as Error).message}${where}`, cause);
  }
  return 'file';
}

/** Whether a file's first line is the header of a plan dcn writes. */
function startsWithPlanHeader(path: string): boolean {
  const head = Buffer.alloc(PLAN_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, head.length, 0) === head.length && head.toString() === PLAN_HEADER;
  } finally {
    closeSync(fd);
  }
}
