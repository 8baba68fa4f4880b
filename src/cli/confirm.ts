/** Asking before a command destroys something: a prompt on a terminal, --yes elsewhere. */
import { createInterface } from 'node:readline/promises';
import { usageError, type DcnError } from '../errors.js';
import type { CommandContext } from './context.js';

/** Someone can answer: stdin and stderr (where the question goes) are a terminal. */
export function onTerminal(ctx: CommandContext): boolean {
  return ctx.stdin.isTTY === true && ctx.stderr.isTTY === true;
}

/** The error of a destroying command run without --yes where nobody can answer: known before connecting. */
export function yesNeeded(command: string, what: string, preview: string): DcnError {
  return usageError(
    `${command} ${what}: it needs --yes when not on a terminal`,
    `add --yes once you know what it will do (${preview} shows it)`,
  );
}

/** A question on stderr, answered on stdin; only y or yes is yes. */
export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
