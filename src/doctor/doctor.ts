/**
 * dcn doctor: the chain from a committed change to the application's cache, checked link by
 * link, for "the registration is there but nothing arrives". Each check says ok, warn or fail,
 * and how to fix a failure. Checks that need a privilege the app schema lacks warn instead of
 * failing. Never prints and never exits.
 */
import type { DbSession } from '../db/driver.js';
import { firstLine, oracleCode } from '../db/oracle-errors.js';
import { isDcnError } from '../errors.js';
import type { Migrator } from '../migrator/migrator.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { sqlPath } from '../paths.js';
import { DEFAULT_CALLBACK } from '../registrations/input.js';
import { Registrations } from '../registrations/registrations.js';
import { ownerAndTable, readsWithoutRole } from '../registrations/routes.js';
import { NO_MAP_REASON } from '../listener/listener.js';
import { pendingReplays } from '../replay/replay.js';
import { isFailure, Tail, type LogRow } from '../tail/tail.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface Check {
  readonly id: string;
  readonly status: CheckStatus;
  readonly summary: string;
  readonly fix?: string;
  readonly details?: readonly string[];
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

export interface DoctorOptions {
  /** Opens the app schema's session; a failure is the connection check's failure. */
  readonly connect: () => Promise<DbSession>;
  readonly who: string;
  readonly schema: string;
  readonly callbackUrl: string;
  readonly callbackHost: string;
  readonly callbackPort: number;
  readonly ordersTable: string;
  readonly orderItemsTable: string;
  readonly migrator: Migrator;
  /** Checks the callback URL from here (a GET of /healthz on its origin). */
  readonly probe?: (url: string) => Promise<{ status?: number; error?: string }>;
  /** Warn when the notification log holds more rows than this (it only grows until pruned). */
  readonly logMaxRows?: number;
}

/** The log size doctor warns above unless told otherwise. */
export const DEFAULT_LOG_MAX_ROWS = 1_000_000;

const queries = () => loadNamedQueries(sqlPath('doctor', 'doctor.sql'));

const MISSING_PRIVILEGE = new Set(['ORA-00942', 'ORA-01031', 'ORA-04043']);

/** Does a host ACE (host pattern, port range) cover host:port? Patterns: exact, *, *.domain, a.b.*. */
export function aceCovers(
  ace: { host: string; lower: number | null; upper: number | null },
  host: string,
  port: number,
): boolean {
  const pattern = ace.host.toLowerCase();
  const h = host.toLowerCase();
  const hostMatches =
    pattern === '*' ||
    pattern === h ||
    (pattern.startsWith('*.') && h.endsWith(pattern.slice(1))) ||
    (pattern.endsWith('.*') && h.startsWith(pattern.slice(0, -1)));
  if (!hostMatches) return false;
  if (ace.lower === null) return true;
  return port >= ace.lower && port <= (ace.upper ?? ace.lower);
}

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

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  const q = queries();

  let session: DbSession;
  try {
    session = await options.connect();
    const v = session.serverVersion();
    add({
      id: 'connection',
      status: 'ok',
      summary: `connected as ${options.who}${v ? `, Oracle ${v.major}.${v.minor}` : ''}`,
    });
  } catch (err) {
    add({
      id: 'connection',
      status: 'fail',
      summary: err instanceof Error ? err.message : String(err),
      fix: isDcnError(err) ? err.hint : undefined,
    });
    for (const id of [
      'privileges',
      'job_queue_processes',
      'network_acl',
      'objects',
      'registration',
      'table_access',
      'migrations',
      'invalid_objects',
      'notifications',
      'replay',
      'log_size',
      ...(options.probe ? ['probe'] : []),
    ]) {
      add({ id, status: 'skipped', summary: 'needs a connection' });
    }
    return { ok: false, checks };
  }

  const rows = async (name: string, binds: Record<string, string> = {}) =>
    (await session.execute(q.render(name).sql, binds, { name })).rows;

  // privileges: CHANGE NOTIFICATION (any way), EXECUTE on the package (directly, for the callback)
  try {
    const change = await rows('privs.change-notification');
    const exec = (await rows('privs.execute-package')).map((r) => String(r.VIA));
    const grant = `GRANT CHANGE NOTIFICATION TO ${options.schema}; GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO ${options.schema};`;
    if (change.length === 0)
      add({
        id: 'privileges',
        status: 'fail',
        summary: `${options.schema} lacks the CHANGE NOTIFICATION privilege`,
        fix: `run \`dcn migrate\` with the admin profile, or have a DBA run: ${grant}`,
      });
    else if (!exec.includes('direct') && exec.includes('role'))
      add({
        id: 'privileges',
        status: 'warn',
        summary:
          "EXECUTE on DBMS_CHANGE_NOTIFICATION comes through a role, which the callback (definer's rights) cannot use",
        fix: `GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO ${options.schema};`,
      });
    else if (!exec.includes('direct'))
      add({
        id: 'privileges',
        status: 'fail',
        summary: `${options.schema} lacks EXECUTE on DBMS_CHANGE_NOTIFICATION`,
        fix: `run \`dcn migrate\` with the admin profile, or have a DBA run: ${grant}`,
      });
    else
      add({
        id: 'privileges',
        status: 'ok',
        summary: 'CHANGE NOTIFICATION, and EXECUTE on DBMS_CHANGE_NOTIFICATION (direct)',
      });
  } catch (err) {
    add({ id: 'privileges', status: 'warn', summary: `cannot read the privileges: ${firstLine(err)}` });
  }

  // The last rows of the log: what the notifications did, and the proof that callbacks run at all.
  let recent: Promise<LogRow[]> | undefined;
  const lastLogged = () =>
    (recent ??= new Tail({ connect: async () => session, schema: options.schema, filters: {} }).last(20));

  // job_queue_processes: PL/SQL callbacks run as Scheduler jobs (AQ$_PLSQL_NTFN)
  try {
    const row = (await rows('param.job-queue-processes'))[0];
    if (row === undefined)
      throw Object.assign(new Error('ORA-00942: job_queue_processes is not in V$PARAMETER for this user'), {
        code: 'ORA-00942',
      });
    const value = Number(row.VALUE);
    const inPdb = Number(row?.CON_ID ?? 0) > 1;
    if (value === 0)
      add({
        id: 'job_queue_processes',
        status: 'fail',
        summary: 'job_queue_processes is 0: no PL/SQL callback can run',
        fix: '`dcn migrate` with the admin profile raises it (V1), or: ALTER SYSTEM SET job_queue_processes = 10;',
      });
    else if (!inPdb) add({ id: 'job_queue_processes', status: 'ok', summary: `job_queue_processes = ${value}` });
    else {
      // A 0 in the CDB root stops Scheduler jobs in every PDB, whatever the PDB says (19c
      // Multitenant Administrator's Guide), and a PDB session cannot read the root's value:
      // only a logged call proves that callbacks run.
      const last = (await lastLogged().catch(() => [])).at(-1);
      if (last)
        add({
          id: 'job_queue_processes',
          status: 'ok',
          summary: `job_queue_processes = ${value} in this PDB, and callbacks run: the last call was logged at ${last.time}`,
        });
      else {
        add({
          id: 'job_queue_processes',
          status: 'warn',
          summary: `job_queue_processes = ${value} in this PDB, but the CDB root's value cannot be seen from a PDB, and 0 there stops the callbacks of every PDB; nothing logged yet shows that one ran`,
          fix: 'have a DBA check in CDB$ROOT: SHOW PARAMETER job_queue_processes (it must not be 0), or change a registered row and see `dcn tail`',
        });
      }
    }
  } catch (err) {
    if (!MISSING_PRIVILEGE.has(oracleCode(err) ?? '')) throw err;
    add({
      id: 'job_queue_processes',
      status: 'warn',
      summary: `cannot read job_queue_processes as ${options.schema} (${firstLine(err)})`,
      fix: 'have a DBA check: SHOW PARAMETER job_queue_processes (it must not be 0)',
    });
  }

  // the network ACE for the callback's host and port
  try {
    const aces = (await rows('aces.user')).map((r) => ({
      host: String(r.HOST),
      lower: r.LOWER_PORT == null ? null : Number(r.LOWER_PORT),
      upper: r.UPPER_PORT == null ? null : Number(r.UPPER_PORT),
      privilege: String(r.PRIVILEGE).toUpperCase(),
      granted: String(r.STATUS ?? 'GRANTED').toUpperCase() === 'GRANTED',
    }));
    const covering = aces.filter(
      (a) =>
        a.granted &&
        (a.privilege === 'CONNECT' || a.privilege === 'HTTP') &&
        aceCovers(a, options.callbackHost, options.callbackPort),
    );
    if (covering.length > 0)
      add({
        id: 'network_acl',
        status: 'ok',
        summary: `${covering[0]!.privilege.toLowerCase()} to ${options.callbackHost}:${options.callbackPort} (ACE on ${covering[0]!.host})`,
      });
    else
      add({
        id: 'network_acl',
        status: 'fail',
        summary: `no network ACE lets ${options.schema} connect to ${options.callbackHost}:${options.callbackPort}: every call fails with ORA-24247`,
        fix: 'run `dcn migrate` with the admin profile and callbackUrl set to the URL the database calls',
      });
  } catch (err) {
    if (!MISSING_PRIVILEGE.has(oracleCode(err) ?? '')) throw err;
    add({
      id: 'network_acl',
      status: 'warn',
      summary: `cannot read USER_HOST_ACES (${firstLine(err)})`,
      fix: 'have a DBA check DBA_HOST_ACES for the callback host and port',
    });
  }

  // the objects dcn installs, present and VALID
  const expected = [
    ['NFRESULTS', 'TABLE'],
    ['RDESC_TAB', 'TYPE'],
    ['SENDNOTIFICATION', 'PROCEDURE'],
    ['ORDERS_NF_CALLBACK', 'PROCEDURE'],
  ] as const;
  const objects = await rows('objects.dcn');
  const missing = expected.filter(([n, t]) => !objects.some((o) => o.OBJECT_NAME === n && o.OBJECT_TYPE === t));
  const invalid = objects.filter((o) => o.STATUS !== 'VALID');
  if (missing.length > 0)
    add({
      id: 'objects',
      status: 'fail',
      summary: `missing: ${missing.map(([n, t]) => `${t.toLowerCase()} ${n}`).join(', ')}`,
      fix: 'run `dcn migrate`',
    });
  else if (invalid.length > 0) {
    const details: string[] = [];
    for (const o of invalid) {
      for (const e of (await rows('errors.object', { name: String(o.OBJECT_NAME), type: String(o.OBJECT_TYPE) })).slice(
        0,
        5,
      ))
        details.push(`${o.OBJECT_NAME} ${e.LINE}:${e.POSITION}: ${String(e.TEXT).trim()}`);
    }
    add({
      id: 'objects',
      status: 'fail',
      summary: `invalid: ${invalid.map((o) => `${String(o.OBJECT_TYPE).toLowerCase()} ${o.OBJECT_NAME}`).join(', ')}`,
      fix: 'fix the cause (USER_ERRORS below), then ALTER … COMPILE or `dcn migrate` again',
      details,
    });
  } else
    add({
      id: 'objects',
      status: 'ok',
      summary: 'NFRESULTS, RDESC_TAB, SENDNOTIFICATION, ORDERS_NF_CALLBACK present and VALID',
    });

  // a registration using the callback, with its tables
  const registrations = new Registrations({ app: async () => session, admin: async () => session });
  let registered: string[] = [];
  try {
    const regs = (await registrations.list()).filter((r) => r.callback.toUpperCase().endsWith(DEFAULT_CALLBACK));
    registered = [...new Set(regs.flatMap((r) => r.tables))];
    const wanted = [options.ordersTable, options.orderItemsTable].map((t) => `${options.schema}.${t}`);
    const covered = new Set(regs.flatMap((r) => r.tables.map((t) => t.toUpperCase())));
    if (regs.length === 0)
      add({
        id: 'registration',
        status: 'fail',
        summary: `no registration uses ${DEFAULT_CALLBACK}`,
        fix: `dcn register --table ${options.ordersTable} --table ${options.orderItemsTable}`,
      });
    else if (wanted.some((t) => !covered.has(t)))
      add({
        id: 'registration',
        status: 'warn',
        summary: `registered, but not for ${wanted.filter((t) => !covered.has(t)).join(', ')}`,
        fix: `dcn enable-reg ${regs[0]!.regid} --table ${wanted
          .filter((t) => !covered.has(t))
          .map((t) => t.split('.')[1])
          .join(' --table ')}`,
        details: regs.map((r) => `${r.regid}: ${r.tables.join(', ')}`),
      });
    else
      add({
        id: 'registration',
        status: 'ok',
        summary: regs.map((r) => `${r.regid}: ${r.tables.join(', ')}`).join('; '),
      });
  } catch (err) {
    add({
      id: 'registration',
      status: 'fail',
      summary: isDcnError(err) ? err.message : firstLine(err),
      fix: isDcnError(err) ? err.hint : undefined,
    });
  }

  // The tables whose changed rows the callback looks up (the orders tables, every keyed route)
  // must be readable without a role: it is definer's-rights PL/SQL, where roles are disabled
  // (PL/SQL Language Reference, "Invoker's Rights and Definer's Rights (AUTHID Property)"). The
  // same check as dcn register's, for grants taken away or given to a role since.
  try {
    const orders = new Set([options.ordersTable, options.orderItemsTable].map((t) => `${options.schema}.${t}`));
    const routes = await registrations.routes();
    const looked = registered.filter((t) => orders.has(t.toUpperCase()) || (routes.get(t)?.key ?? null) !== null);
    const roleOnly: string[] = [];
    for (const t of looked) {
      const { owner, table } = ownerAndTable(t);
      if (!(await readsWithoutRole(session, options.schema, owner, table))) roleOnly.push(t);
    }
    if (roleOnly.length > 0) {
      add({
        id: 'table_access',
        status: 'fail',
        summary: `${options.schema} reads ${roleOnly.join(', ')} only through a role (or not at all): the callback runs with its owner's rights, where roles do not count, so each lookup fails (ORA-00942) and its cached results stay stale`,
        fix: `have a DBA run: ${roleOnly.map((t) => `GRANT SELECT ON ${t} TO ${options.schema};`).join(' ')}`,
      });
    } else
      add({
        id: 'table_access',
        status: 'ok',
        summary:
          looked.length > 0
            ? `the callback can read every registered table it looks changed rows up in: ${looked.join(', ')}`
            : 'no registered table has its changed rows looked up',
      });
  } catch (err) {
    add({
      id: 'table_access',
      status: 'warn',
      summary: `cannot read the grants on the registered tables: ${isDcnError(err) ? err.message : firstLine(err)}`,
    });
  }

  // the migration history
  try {
    const status = await options.migrator.status();
    const failed = status.migrations.filter((m) => m.state === 'failed');
    const drift = status.migrations.filter((m) => m.state === 'changed' || m.state === 'missing');
    const pending = status.migrations.filter((m) => m.state === 'pending');
    if (failed.length > 0)
      add({
        id: 'migrations',
        status: 'fail',
        summary: `failed: ${failed.map((m) => `V${m.version}`).join(', ')}`,
        fix: 'fix the script and `dcn migrate --resume`, or `dcn migrate repair`',
      });
    else if (drift.length > 0)
      add({
        id: 'migrations',
        status: 'warn',
        summary: `changed since applied: ${drift.map((m) => `V${m.version}`).join(', ')}`,
        fix: 'see `dcn migrate status`',
      });
    else if (pending.length > 0)
      add({
        id: 'migrations',
        status: 'warn',
        summary: `${pending.length} pending: ${pending.map((m) => `V${m.version}`).join(', ')}`,
        fix: 'dcn migrate',
      });
    else
      add({ id: 'migrations', status: 'ok', summary: `${status.migrations.length} applied, none failed or changed` });
  } catch (err) {
    add({
      id: 'migrations',
      status: 'warn',
      summary: `cannot read the history: ${isDcnError(err) ? err.message : firstLine(err)}`,
    });
  }

  // the schema's INVALID objects, which `dcn migrate` compiles once
  try {
    const invalid = await options.migrator.invalidObjects();
    if (invalid.length === 0) add({ id: 'invalid_objects', status: 'ok', summary: 'no INVALID object in the schema' });
    else
      add({
        id: 'invalid_objects',
        status: 'warn',
        summary: `${invalid.length} INVALID: ${invalid.map((o) => `${o.type.toLowerCase()} ${o.name}`).join(', ')}`,
        fix: 'see why with SHOW ERRORS <type> <name>; `dcn migrate` compiles them once (--fail-on-invalid fails when any stay INVALID)',
      });
  } catch (err) {
    add({
      id: 'invalid_objects',
      status: 'warn',
      summary: `cannot read USER_OBJECTS: ${isDcnError(err) ? err.message : firstLine(err)}`,
    });
  }

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

  if (options.probe) {
    const health = new URL('/healthz', options.callbackUrl).href;
    const r = await options.probe(health);
    if (r.status === 200)
      add({
        id: 'probe',
        status: 'ok',
        summary: `${health} answers 200 (from here; the database may see another network)`,
      });
    else if (r.status !== undefined)
      add({
        id: 'probe',
        status: 'warn',
        summary: `${health} answers ${r.status}: something listens, but not dcn listen`,
        fix: 'check the callback URL',
      });
    else
      add({
        id: 'probe',
        status: 'fail',
        summary: `nothing answers at ${health} (${r.error})`,
        fix: 'start `dcn listen`, or fix the callback URL',
      });
  }

  return { ok: !checks.some((c) => c.status === 'fail'), checks };
}
