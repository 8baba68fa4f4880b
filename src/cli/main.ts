/**
 * The entry point, and the one place that turns outcomes into exit codes and prints errors.
 * Commands throw DcnError; nothing else in dcn decides how the process ends.
 */
import { createRequire } from 'node:module';
import { CommanderError } from 'commander';
import { EXIT_CODES, DcnError, isDcnError } from '../errors.js';
import { packageVersion } from '../version.js';
import type { CommandContext } from './context.js';
import { createProgram, outputFlags } from './program.js';
import { wordedHint, wordedMessage } from './remedies.js';

export function processContext(): CommandContext {
  // `dcn migrate plan | head`: when the reader goes away, stop quietly, as cat and grep do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // a command that handles its own output's errors (dcn listen goes on serving) decides
      if (stream.listenerCount('error') > 1) return;
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      // `> /dev/full`, a full disk: say so once, without a stack trace (stderr may still work)
      if (stream === process.stdout) {
        try {
          process.stderr.write(
            `dcn: error: cannot write the output: ${err.message}\n  hint: free space on that device, or send the output elsewhere\n`,
          );
        } catch {
          // stderr is gone too: the exit code still tells
        }
      }
      process.exit(EXIT_CODES.unavailable);
    });
  }
  return {
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    loadDriver: async () => new (await import('../db/oracle-driver.js')).OracleDriver(),
    waitForStop: () =>
      new Promise((resolve) => ['SIGINT', 'SIGTERM'].forEach((s) => process.once(s, () => resolve(s)))),
    get holder() {
      // node:os only for the commands that take the migration lock
      const { hostname } = createRequire(import.meta.url)('node:os') as typeof import('node:os');
      return `dcn on ${hostname()}, pid ${process.pid}`;
    },
  };
}

function causeChain(err: unknown): string[] {
  const lines: string[] = [];
  let cause = (err as { cause?: unknown }).cause;
  while (cause !== undefined && lines.length < 5) {
    lines.push(cause instanceof Error ? (cause.stack ?? cause.message) : String(cause));
    cause = (cause as { cause?: unknown }).cause;
  }
  return lines;
}

async function report(
  err: DcnError,
  ctx: CommandContext,
  json: boolean,
  verbose: boolean,
  ndjson: boolean,
  color?: boolean,
): Promise<void> {
  // output.js only when there is an error to print: a run that succeeds does not load it here
  const { painterFor } = await import('./output.js');
  const { red } = await painterFor(ctx.stderr, ctx.env, color);
  const message = wordedMessage(err);
  ctx.stderr.write(`${red('dcn: error:')} ${message}\n`);
  const hint = wordedHint(err);
  if (hint) ctx.stderr.write(`  hint: ${hint}\n`);
  if (verbose) for (const line of causeChain(err)) ctx.stderr.write(`  cause: ${line}\n`);
  if (json) {
    ctx.stdout.write(
      `${JSON.stringify({ ok: false, error: { code: err.code, exitCode: err.exitCode, message, hint, ...err.jsonMeta() } }, null, ndjson ? undefined : 2)}\n`,
    );
  }
}

export async function main(argv: readonly string[], ctx: CommandContext = processContext()): Promise<number> {
  const program = createProgram(ctx, packageVersion());
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    const { json, verbose, ndjson, color } = outputFlags(program);
    if (err instanceof CommanderError) {
      // commander has printed its message (or the help) already
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      // an unknown command parsed no flag, nor does --json given where it is no option (dcn log
      // --json prune): --json among its words still asks for JSON
      const unknownWithJson =
        (err.code === 'commander.unknownCommand' ||
          (err.code === 'commander.unknownOption' && err.message.includes("'--json'"))) &&
        argv.slice(2).includes('--json');
      if (json || unknownWithJson)
        ctx.stdout.write(
          `${JSON.stringify({ ok: false, error: { code: 'usage', exitCode: EXIT_CODES.usage, message: err.message } }, null, 2)}\n`,
        );
      return EXIT_CODES.usage;
    }
    if (isDcnError(err) && err.reported) return err.exitCode;
    const dcnError = isDcnError(err)
      ? err
      : new DcnError('internal', `unexpected error: ${err instanceof Error ? err.message : String(err)}`, {
          hint: 'this is a bug in dcn: please report it with the output of --verbose',
          cause: err,
        });
    await report(dcnError, ctx, json, verbose || dcnError.code === 'internal', ndjson, color);
    return dcnError.exitCode;
  }
}
