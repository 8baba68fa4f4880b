/**
 * dcn doctor: the chain from a committed change to the application's cache, checked link by
 * link, for "the registration is there but nothing arrives". Each check says ok, warn or fail,
 * and how to fix a failure. Checks that need a privilege the app schema lacks warn instead of
 * failing. Never prints and never exits.
 */
import type { DbSession } from '../db/driver.js';
import { isDcnError } from '../errors.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { sqlPath } from '../paths.js';
import { Tail, type LogRow } from '../tail/tail.js';
import type { Check, DoctorContext, DoctorOptions, DoctorReport } from './check.js';
import { checkLogSize, checkNotifications, checkReplay } from './log-checks.js';
import { checkInvalidObjects, checkMigrations } from './migration-checks.js';
import { checkRegistrations } from './registration-checks.js';
import { checkJobQueueProcesses, checkNetworkAcl, checkObjects, checkPrivileges } from './setup-checks.js';

export type { DoctorReport } from './check.js';

const queries = () => loadNamedQueries(sqlPath('doctor', 'doctor.sql'));

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

  // The last rows of the log, read once: what the notifications did, and the proof that callbacks run at all.
  let recent: Promise<LogRow[]> | undefined;
  const lastLogged = () =>
    (recent ??= new Tail({ connect: async () => session, schema: options.schema, filters: {} }).last(20));
  const context: DoctorContext = { options, session, queries: q, add, rows, lastLogged };

  await checkPrivileges(context);
  await checkJobQueueProcesses(context);
  await checkNetworkAcl(context);
  await checkObjects(context);
  await checkRegistrations(context);
  await checkMigrations(context);
  await checkInvalidObjects(context);
  await checkNotifications(context);
  await checkReplay(context);
  await checkLogSize(context);

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
