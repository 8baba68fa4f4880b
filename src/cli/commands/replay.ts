import { usageError } from '../../errors.js';
import { isUnquotedName } from '../../oracle/identifiers.js';
import { replay, type ReplayedCall, type ReplayResult } from '../../replay/replay.js';
import { parseSince } from '../../tail/tail.js';
import type { CommandContext } from '../context.js';
import { migrationSetConfig } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { ReplayFlags } from './replay.command.js';
import { withSessions } from '../with-sessions.js';

/** The result, and ok: false when a call failed again (exit 1 after the report). */
type Replayed = ReplayResult & { readonly ok: boolean; readonly url: string };

function describeCall(call: ReplayedCall): string {
  const what = `#${call.id}  ${call.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')}  ${(call.table ?? '-').padEnd(14)} ${call.order !== null ? `order ${call.order}` : call.batch ? `batch of ${call.keys?.split('\n').length ?? 0}` : (call.keys ?? 'whole table')}`;
  if (!call.sent) return what;
  const answer = call.sent.status === null ? 'no answer' : String(call.sent.status);
  return `${what}  → ${answer} (logged as #${call.sent.id})`;
}

export async function run(flags: ReplayFlags, ctx: CommandContext, out: Output): Promise<Replayed> {
  if (flags.table !== undefined && !isUnquotedName(flags.table))
    throw usageError(`--table ${flags.table} is not a table name`, 'e.g. --table ORDERS');
  const since = flags.since === undefined ? undefined : parseSince(flags.since);
  const config = migrationSetConfig(flags, ctx);
  // the URL the callback calls: replayed calls go where the first ones went
  const url = config.variables.callback_url!;
  return withSessions(
    flags,
    ctx,
    async (sessions) => {
      const result = await replay(await sessions.app(), {
        url,
        dryRun: flags.dryRun ?? false,
        ...(since ? { since } : {}),
        ...(flags.table !== undefined ? { table: flags.table.toUpperCase() } : {}),
        onCall: (call) => {
          if (out.json) out.raw(`${JSON.stringify({ call })}\n`);
          else if (call.sent && !call.sent.ok) out.line(out.color.red(describeCall(call)));
          else out.line(describeCall(call));
        },
      });
      return { ...result, ok: result.stoppedAt === undefined, url };
    },
    config,
  );
}

export function print(result: Replayed, out: Output): void {
  const calls = (n: number) => `${n} failed call${n === 1 ? '' : 's'}`;
  if (result.calls === 0) out.line('No failed calls to replay.');
  else if (result.dryRun)
    out.line(`${calls(result.calls)} would be sent again to ${result.url} (dry run: nothing sent).`);
  else if (result.stoppedAt) {
    out.line(
      out.color.red(
        `Call #${result.stoppedAt.id} failed again: stopped. ${result.answered} of the calls were answered; the rest stay to be replayed.`,
      ),
    );
    out.line(`  hint: check that the listener answers (\`dcn doctor --probe\`), then run \`dcn replay\` again`);
  } else out.line(out.color.green(`${calls(result.answered)} sent again to ${result.url}, all answered.`));
}
