/** What the notification log says: the last calls and what their errors mean, calls not sent again, its size. */
import { firstLine } from '../db/oracle-errors.js';
import { isDcnError } from '../errors.js';
import { NO_MAP_REASON } from '../listener/listener.js';
import { pendingReplays } from '../replay/replay.js';
import { isFailure, type LogRow } from '../tail/tail.js';
import type { DoctorContext } from './check.js';

/** The log size doctor warns above unless told otherwise. */
export const DEFAULT_LOG_MAX_ROWS = 1_000_000;

/** What the errors in nfresults mean, most specific first. */
export function diagnose(row: LogRow, url: string): { summary: string; fix: string } {
  const text = `${row.error ?? ''} ${row.message ?? ''}`;
  if (/ORA-24247/.test(text))
    return {
      summary: 'calls are refused by the network ACL (ORA-24247)',
      fix: 'run `dcn migrate` with callbackUrl set to this URL (R__00_network_acl appends the host ACE, and follows the URL when it changes), or have a DBA append one for its host and port',
    };
  if (/ORA-12541|ORA-12543|connection refused|ORA-29261/i.test(text))
    return {
      summary: `nothing answers at ${url}: the listener is down or unreachable from the database (${firstLine(row.error ?? '')})`,
      fix: 'start `dcn listen` (or your application), and check the URL is one the database host can reach',
    };
  if (/ORA-29276|transfer timeout/i.test(text))
    return {
      summary: 'the listener did not answer in time (transfer timeout)',
      fix: 'check the listener is not overloaded, or raise httpTimeout and run `dcn migrate` again; httpTimeout bounds the answer, not the TCP connect: a host that drops packets holds the job for the OS connect timeout on every call',
    };
  if (/ORA-29024|ORA-28759|certificate|wallet/i.test(text))
    return {
      summary: 'the HTTPS call failed: no wallet or an untrusted certificate',
      fix: 'use an http URL, or set up a wallet for UTL_HTTP (not done by dcn)',
    };
  if (row.status === 401)
    return {
      summary: 'the listener rejects the token (401)',
      fix: 'give dcn listen and `dcn migrate` the same DCN_CALLBACK_TOKEN',
    };
  if (row.status === 404 && row.message?.includes(NO_MAP_REASON))
    return {
      summary: `the listener has no cached function for table ${row.table ?? '?'} (404)`,
      fix: `map one: dcn listen --map ${row.table ?? 'TABLE'}=function`,
    };
  if (row.status === 404)
    return {
      summary: 'the listener does not know the path (404)',
      fix: 'make the callback URL path and dcn listen --path the same',
    };
  if (row.status === 400)
    return {
      summary: `the listener rejects the call (400): ${row.message ?? ''}`,
      fix: 'check dcn listen --map covers the table',
    };
  if (row.status !== null && row.status >= 400)
    return { summary: `the listener answers ${row.status}`, fix: "check the listener's log" };
  if (row.event === 'error')
    return {
      summary: `the callback failed: ${row.error ?? ''}`,
      fix: 'fix the cause, then `dcn migrate` again if the procedure changed',
    };
  return { summary: `the last call failed: ${row.error ?? row.message ?? ''}`, fix: 'see `dcn tail --errors`' };
}

export async function checkNotifications({ options, add, lastLogged }: DoctorContext): Promise<void> {
  // what the last notifications did
  try {
    const logged = await lastLogged();
    const last = logged.at(-1);
    const failures = logged.filter(isFailure);
    if (!last)
      add({
        id: 'notifications',
        status: 'warn',
        summary: 'nothing logged yet',
        fix: `change a row of ${options.ordersTable} and commit, then \`dcn tail\`; if nothing comes, check job_queue_processes and the registration`,
      });
    else if (isFailure(last)) {
      const d = diagnose(last, options.callbackUrl);
      add({
        id: 'notifications',
        status: 'fail',
        summary: `the last call failed: ${d.summary}`,
        fix: d.fix,
        details: [`${last.time} ${last.table ?? ''} ${last.order ?? ''}: ${last.error ?? last.message ?? ''}`],
      });
    } else
      add({
        id: 'notifications',
        status: failures.length > 0 ? 'warn' : 'ok',
        summary: `last: ${last.status ?? ''} at ${last.time}${failures.length > 0 ? `; ${failures.length} of the last ${logged.length} failed` : ''}`,
      });
  } catch (err) {
    add({
      id: 'notifications',
      status: 'fail',
      summary: isDcnError(err) ? err.message : firstLine(err),
      fix: isDcnError(err) ? err.hint : undefined,
    });
  }
}

export async function checkReplay({ session, add }: DoctorContext): Promise<void> {
  // calls that failed and were not sent again: their cached results stay stale until they expire
  try {
    const pending = await pendingReplays(session);
    if (pending.failed === 0) add({ id: 'replay', status: 'ok', summary: 'no failed call waits to be sent again' });
    else {
      add({
        id: 'replay',
        status: 'warn',
        summary: `${pending.failed} failed call${pending.failed === 1 ? '' : 's'} not sent again since ${pending.since}: their cached results may be stale`,
        fix: 'once the listener answers: `dcn replay` (`dcn replay --dry-run` lists them)',
      });
    }
  } catch (err) {
    // no log, or no V7 yet: the objects and migrations checks say what to install
    if (isDcnError(err) && err.code === 'not_found') add({ id: 'replay', status: 'skipped', summary: err.message });
    else
      add({
        id: 'replay',
        status: 'warn',
        summary: `cannot count the failed calls: ${isDcnError(err) ? err.message : firstLine(err)}`,
      });
  }
}

export async function checkLogSize({ options, session, queries: q, add }: DoctorContext): Promise<void> {
  // the log only grows until `dcn log prune` trims it
  try {
    const max = options.logMaxRows ?? DEFAULT_LOG_MAX_ROWS;
    const counted = q.render('log.rows');
    const rows = Number((await session.execute(counted.sql, { cap: max + 1 }, { name: counted.name })).rows[0]?.N ?? 0);
    if (rows > max)
      add({
        id: 'log_size',
        status: 'warn',
        summary: `the notification log holds more than ${max.toLocaleString('en-US')} rows`,
        fix: 'dcn log prune --older-than 30d --keep-failed (in batches, one commit each)',
      });
    else
      add({
        id: 'log_size',
        status: 'ok',
        summary: `the notification log holds ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} (warns above ${max.toLocaleString('en-US')})`,
      });
  } catch (err) {
    add({
      id: 'log_size',
      status: 'warn',
      summary: `cannot count the log's rows: ${isDcnError(err) ? err.message : firstLine(err)}`,
    });
  }
}
