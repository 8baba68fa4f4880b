import { usageError } from '../../errors.js';
import { isUnquotedName } from '../../oracle/identifiers.js';
import { isFailure, keyValuesOf, parseSince, Tail, type LogRow, type TailFilters } from '../../tail/tail.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output.js';
import type { TailFlags } from './tail.command.js';
import { withSessions } from '../with-sessions.js';

/** KEY_VALUES is a VARCHAR2(4000). */
const KEY_VALUES_BYTES = 4000;

function filtersFrom(flags: TailFlags): TailFilters {
  if (flags.table !== undefined && !isUnquotedName(flags.table))
    throw usageError(`--table ${flags.table} is not a table name`, 'e.g. --table ORDERS');
  if (flags.order !== undefined && !/^[A-Za-z0-9_.-]{1,40}$/.test(flags.order))
    throw usageError(`--order ${flags.order} is not an order number`, 'e.g. --order 2408');
  if (flags.errors && flags.status === 'ok')
    throw usageError('--errors and --status ok ask for opposite rows', 'give one of them');
  const keys = flags.key ?? [];
  if (keys.some((k) => k === ''))
    throw usageError('--key needs a value', 'e.g. --key 7, or --key 101 --key 1993-01-13 for a composite key');
  const keyValues = keys.length > 0 ? keyValuesOf(keys) : undefined;
  if (keyValues !== undefined && Buffer.byteLength(keyValues) > KEY_VALUES_BYTES)
    throw usageError(`--key: the key is longer than the ${KEY_VALUES_BYTES} bytes the log keeps`, 'give a shorter key');
  const since = flags.since !== undefined ? parseSince(flags.since) : undefined;
  const until = flags.until !== undefined ? parseSince(flags.until, new Date(), 'until') : undefined;
  if (until !== undefined && flags.follow)
    throw usageError(
      '--until ends the rows to print, and -f prints new rows as they come: not both',
      'drop -f, or --until',
    );
  if (since !== undefined && until !== undefined && !(since < until))
    throw usageError(
      `--since ${flags.since} is not before --until ${flags.until}`,
      'give a window whose start comes before its end',
    );
  return {
    ...(flags.table !== undefined ? { table: flags.table.toUpperCase() } : {}),
    ...(flags.order !== undefined ? { order: flags.order } : {}),
    ...(keyValues !== undefined ? { keyValues } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(flags.errors || flags.status === 'failed' ? { errorsOnly: true } : {}),
    ...(flags.status === 'ok' ? { okOnly: true } : {}),
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** A batched call's log row holds one line per entry: shown on one line, with their count. */
function entriesOf(keyValues: string): string {
  const lines = keyValues.split('\n').filter((l) => l !== '');
  return lines.length > 1 ? `${lines.length} entries: ${lines.join(' ')}` : keyValues;
}

export function formatRow(row: LogRow): string {
  const time = row.time.replace('T', ' ').replace(/Z$/, '');
  const message = [row.message, row.error].filter(Boolean).join(' — ') || row.event;
  // an order, a routed table's key as the call sent it (key=7), or a batch's entries
  const what = row.order ?? (row.keyValues == null ? undefined : entriesOf(row.keyValues)) ?? '-';
  return `${pad(time, 23)}  ${pad(row.table ?? '-', 14)} ${pad(what, 8)} ${pad(row.status === null ? '-' : String(row.status), 6)} ${message}`;
}

export async function run(flags: TailFlags, ctx: CommandContext, out: Output): Promise<{ rows: number }> {
  const lines = flags.lines === undefined ? 20 : Number(flags.lines);
  if (!Number.isInteger(lines) || lines < 0 || lines > 100_000)
    throw usageError(`-n ${flags.lines} is not a number of rows from 0 to 100000`, 'e.g. -n 50');
  const interval = flags.interval === undefined ? 1 : Number(flags.interval);
  if (!(interval >= 0.1 && interval <= 3600))
    throw usageError(`--interval ${flags.interval} is not a number of seconds from 0.1 to 3600`, 'e.g. --interval 0.5');
  const filters = filtersFrom(flags);
  let printed = 0;
  const print = (rows: readonly LogRow[]) => {
    for (const row of rows) {
      if (out.json) out.raw(`${JSON.stringify(row)}\n`);
      else out.line(isFailure(row) ? out.color.red(formatRow(row)) : formatRow(row));
      printed++;
    }
  };
  return withSessions(flags, ctx, async (sessions) => {
    const schema = sessions.appUser() ?? 'OE';
    const tail = new Tail({ connect: () => sessions.openApp(), schema, filters });
    try {
      const recent = lines > 0 ? await tail.last(lines) : [];
      if (!out.json && !flags.follow && recent.length === 0)
        out.status('No notifications logged yet (nfresults is empty, or nothing matches).');
      print(recent);
      if (flags.follow) {
        const stop = new AbortController();
        void ctx.waitForStop().then(() => stop.abort());
        let lastId = recent.at(-1)?.id ?? (await tail.maxId());
        for await (const event of tail.follow(lastId, interval * 1000, stop.signal)) {
          if (event.type === 'rows') {
            print(event.rows);
            lastId = Math.max(lastId, ...event.rows.map((r) => r.id));
          } else if (event.type === 'lost') out.note(`dcn tail: connection lost (${event.reason}); reconnecting…`);
          else out.note(`dcn tail: reconnected; going on after id ${lastId}`);
        }
      }
      return { rows: printed };
    } finally {
      await tail.close();
    }
  });
}

export function print(): void {
  // rows were printed as they came
}
