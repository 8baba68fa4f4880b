import type { CommandContext } from './context.js';
import type { Output } from './output.js';

/**
 * For a long-running command whose work is not its stdout (dcn listen and dcn watch drop cache
 * entries; their lines only report it): once stdout cannot be written (`dcn watch | head -1`,
 * a full disk) it goes on working and says so once on stderr. Exiting instead would look like a
 * clean stop (exit 0) to a supervisor and leave every later change undropped. These handlers
 * take over from the process-wide ones (main.ts), which stop a command that has none.
 * Returns whether stdout is gone; lines written after that are dropped by the closed stream.
 */
export function goOnWithoutStdout(
  ctx: CommandContext,
  out: Output,
  command: string,
  goesOn: string,
  onGone?: () => void,
): () => boolean {
  let gone = false;
  ctx.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (gone) return;
    gone = true;
    onGone?.();
    out.note(`${command}: warning: cannot write to stdout (${err.code ?? err.message}): ${goesOn}`);
  });
  ctx.stderr.on('error', () => undefined); // stderr gone too: nothing is left to tell, and it goes on
  return () => gone;
}
