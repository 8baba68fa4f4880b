/**
 * dcn replay: the calls sendNotification could not make (the listener was down, say) sent again,
 * oldest first, each through sendNotification itself, so the database makes the call as it did
 * the first time and logs it. Each failed row is marked with the row of its new call, so a second
 * replay sends nothing twice. A backlog is read a page at a time: memory stays constant.
 * Never prints and never exits.
 */
import type { DbSession } from '../db/driver.js';
import { DcnError } from '../errors.js';
import { sqlPath } from '../paths.js';
import { logError } from '../log/log-error.js';
import { statementError } from '../db/oracle-errors.js';
import { loadNamedQueries } from '../script/named-queries.js';

export interface ReplayFilter {
  /** Only calls logged at or after this time. */
  readonly since?: Date;
  /** Only calls for this table (as nfresults names it, e.g. ORDERS). */
  readonly table?: string;
}

/** A failed call, and what its replay did. */
export interface ReplayedCall {
  readonly id: number;
  readonly time: string;
  readonly table: string | null;
  readonly order: string | null;
  /** For a table routed by its own key: key=…&key=…, as the call sent them; for a batch, its body (a line per order or key). */
  readonly keys: string | null;
  /** A batch: sent again as the POST of the same body. */
  readonly batch?: boolean;
  /** Absent in a dry run. */
  readonly sent?: { readonly id: number; readonly status: number | null; readonly ok: boolean };
}

export interface ReplayResult {
  readonly dryRun: boolean;
  /** Calls found (dry run) or sent again. */
  readonly calls: number;
  /** Of those sent, how many the listener answered with 2xx. */
  readonly answered: number;
  /** The first call that failed again: the replay stopped there, the rest stay to be replayed. */
  readonly stoppedAt?: ReplayedCall;
}

export interface ReplayOptions extends ReplayFilter {
  /** The URL sendNotification calls: the callback URL setting. */
  readonly url: string;
  readonly dryRun?: boolean;
  /** Each call, as it is found or sent. */
  readonly onCall?: (call: ReplayedCall) => void;
}

const queries = () => loadNamedQueries(sqlPath('replay', 'replay.sql'));

/** A log without V7's and V8's columns (or without the log): install them first, else the error as it is. */
const readError = (err: unknown): DcnError =>
  logError(err, 'reading the failed calls', { migrations: 'V7 and V8', plural: true });

function time(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value ?? '');
}

export async function replay(session: DbSession, options: ReplayOptions): Promise<ReplayResult> {
  const q = queries();
  const failed = q.render('replay.failed');
  const send = q.render('replay.send');
  const lastId = q.render('replay.last-id');
  // only what was logged before this replay: its own calls log rows too, and one that a wrong
  // condition counted as failed would otherwise be sent again, and again
  let upTo: number;
  try {
    upTo = Number((await session.execute(lastId.sql, {}, { name: lastId.name })).rows[0]?.LAST_ID ?? 0);
  } catch (err) {
    throw readError(err);
  }
  let afterId = 0;
  let calls = 0;
  let answered = 0;
  for (;;) {
    let page;
    try {
      page = await session.execute(
        failed.sql,
        { after_id: afterId, up_to: upTo, since: options.since ?? null, tbl: options.table ?? null },
        { name: failed.name },
      );
    } catch (err) {
      throw readError(err);
    }
    if (page.rows.length === 0) break;
    for (const row of page.rows) {
      const call = {
        id: Number(row.ID),
        time: time(row.OPERDATE),
        table: row.TBLNAME == null ? null : String(row.TBLNAME),
        order: row.ORDER_ID == null ? null : String(row.ORDER_ID),
        keys: row.KEY_VALUES == null ? null : String(row.KEY_VALUES),
        ...(row.OPERATION === 'batch' ? { batch: true } : {}),
      };
      afterId = call.id;
      calls++;
      if (options.dryRun) {
        options.onCall?.(call);
        continue;
      }
      let result;
      try {
        result = await session.execute(
          send.sql,
          {
            url: options.url,
            tblname: call.table,
            order_id: call.order,
            regid: row.REGID == null ? null : Number(row.REGID),
            note: `replay of #${call.id}`,
            key_values: call.batch ? null : call.keys,
            batch: call.batch ? call.keys : null,
            id: call.id,
            marked: { out: 'number' },
            status: { out: 'number' },
            new_id: { out: 'number' },
          },
          { name: send.name },
        );
      } catch (err) {
        // a sendNotification from before it returned its log row's id, or took a batch: R__01 not applied again yet
        if (/PLS-00306/.test(err instanceof Error ? err.message : String(err))) {
          throw new DcnError(
            'not_found',
            'sendNotification is older than this dcn: it does not return the id of the row that logs its call, or send a batch',
            { hint: 'apply it again', remedies: [{ kind: 'migrate' }], cause: err },
          );
        }
        throw statementError(err, `sending call #${call.id} again`);
      }
      const status = result.outBinds?.status == null ? null : Number(result.outBinds.status);
      const ok = status !== null && status >= 200 && status < 300;
      const sent = { ...call, sent: { id: Number(result.outBinds?.new_id), status, ok } };
      options.onCall?.(sent);
      if (!ok) return { dryRun: false, calls, answered, stoppedAt: sent };
      answered++;
    }
  }
  return { dryRun: options.dryRun ?? false, calls, answered };
}

/** How many failed calls wait to be sent again, and the oldest one's time (dcn doctor). */
export async function pendingReplays(session: DbSession): Promise<{ failed: number; since?: string }> {
  const q = queries().render('replay.pending');
  let row;
  try {
    row = (await session.execute(q.sql, {}, { name: q.name })).rows[0] ?? {};
  } catch (err) {
    throw readError(err);
  }
  const failed = Number(row.FAILED ?? 0);
  return failed > 0 ? { failed, since: time(row.SINCE) } : { failed };
}
