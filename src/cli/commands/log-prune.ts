import { usageError } from '../../errors.js';
import { pruneLog, type PruneResult } from '../../log/prune.js';
import { parseSince } from '../../tail/tail.js';
import type { CommandContext } from '../context.js';
import type { LogPruneFlags } from './log-prune.command.js';
import type { Output } from '../output.js';
import { withSessions } from '../with-sessions.js';

export async function run(flags: LogPruneFlags, ctx: CommandContext, out: Output): Promise<PruneResult> {
  let olderThan: Date;
  try {
    olderThan = parseSince(flags.olderThan);
  } catch {
    throw usageError(
      `--older-than ${flags.olderThan}: neither a duration nor a time`,
      'e.g. --older-than 30d, 12h or 2026-11-01T00:00',
    );
  }
  return withSessions(flags, ctx, async (sessions) =>
    pruneLog(await sessions.app(), {
      olderThan,
      keepFailed: flags.keepFailed ?? false,
      dryRun: flags.dryRun ?? false,
      // progress on stderr, so that --json keeps stdout to the result document
      onBatch: (p) => {
        if (!out.json)
          ctx.stderr.write(
            `deleted ${p.deleted} of ${p.total} row(s) (${p.batches} batch${p.batches === 1 ? '' : 'es'})\n`,
          );
      },
    }),
  );
}

export function print(result: PruneResult, out: Output): void {
  const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
  const which = `logged before ${result.olderThan}${result.keepFailed ? ', failed calls not sent again kept' : ''}`;
  if (result.dryRun) out.line(`${rows(result.matched)} ${which} would be deleted (dry run: nothing deleted).`);
  else if (result.matched === 0) out.line(`No rows ${which}: nothing deleted.`);
  else
    out.line(
      `${rows(result.deleted)} ${which} deleted, in ${result.batches} batch${result.batches === 1 ? '' : 'es'} (one commit each).`,
    );
}
