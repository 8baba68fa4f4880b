/**
 * dcn doctor --watch: the chain dcn watch depends on, and nothing else — a connection to Oracle
 * 19.4 or later, node-oracledb in Thin mode, CHANGE NOTIFICATION, each table visible with a key
 * (or table-level drops), and a subscription actually made and removed again. No UTL_HTTP, ACL,
 * job queue or callback is checked: watch uses none. Never prints and never exits.
 */
import { canSubscribe, type DbSession } from '../db/driver.js';
import { firstLine } from '../db/oracle-errors.js';
import { isDcnError } from '../errors.js';
import type { QualifiedName } from '../oracle/identifiers.js';
import { sqlPath } from '../paths.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { planTables, subscriptionQuery } from '../watch/tables.js';
import type { Check, DoctorReport } from './check.js';

export interface WatchDoctorOptions {
  readonly connect: () => Promise<DbSession>;
  readonly who: string;
  readonly schema: string;
  readonly tables: readonly QualifiedName[];
  readonly functions: Readonly<Record<string, string>>;
  readonly orderTables: readonly string[];
  readonly orderItemsKeyImmutable: boolean;
}

const doctorQueries = () => loadNamedQueries(sqlPath('doctor', 'doctor.sql'));

export async function runWatchDoctor(options: WatchDoctorOptions): Promise<DoctorReport> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  const skipRest = (...ids: string[]) =>
    ids.forEach((id) => add({ id, status: 'skipped', summary: 'needs the checks above' }));

  let session: DbSession;
  try {
    session = await options.connect();
  } catch (err) {
    add({
      id: 'connection',
      status: 'fail',
      summary: err instanceof Error ? err.message : String(err),
      fix: isDcnError(err) ? err.hint : undefined,
    });
    skipRest('driver', 'privileges', 'tables', 'subscription');
    return { ok: false, checks };
  }
  const v = session.serverVersion();
  if (v && (v.major < 19 || (v.major === 19 && v.minor < 4))) {
    add({
      id: 'connection',
      status: 'fail',
      summary: `connected as ${options.who}, Oracle ${v.major}.${v.minor}: client-initiated subscriptions need 19.4 or later`,
      fix: 'use the HTTP callback on this database (dcn doctor without --watch)',
    });
  } else
    add({
      id: 'connection',
      status: 'ok',
      summary: `connected as ${options.who}${v ? `, Oracle ${v.major}.${v.minor}` : ''}`,
    });

  const subscriber = canSubscribe(session) && session.thin ? session : undefined;
  const subscribing = subscriber !== undefined;
  if (subscribing)
    add({ id: 'driver', status: 'ok', summary: 'node-oracledb in Thin mode: client-initiated subscriptions' });
  else
    add({
      id: 'driver',
      status: 'fail',
      summary: 'the driver cannot subscribe client-initiated (Thick mode?)',
      fix: 'run dcn with node-oracledb in Thin mode (the default)',
    });

  try {
    const q = doctorQueries().render('privs.change-notification');
    const held = (await session.execute(q.sql, {}, { name: q.name })).rows.length > 0;
    if (held) add({ id: 'privileges', status: 'ok', summary: 'CHANGE NOTIFICATION (nothing else is needed)' });
    else
      add({
        id: 'privileges',
        status: 'fail',
        summary: `${options.schema} lacks the CHANGE NOTIFICATION privilege`,
        fix: `have a DBA run: GRANT CHANGE NOTIFICATION TO ${options.schema};`,
      });
  } catch (err) {
    add({ id: 'privileges', status: 'warn', summary: `cannot read the privileges: ${firstLine(err)}` });
  }

  let planned: Awaited<ReturnType<typeof planTables>> = [];
  try {
    planned = await planTables(session, options, options.schema);
    const tableLevel = planned.filter((t) => t.key === null).map((t) => t.table);
    const details = planned.map(
      (t) =>
        `${t.table} → ${t.function}(${t.byOrder ? 'order' : t.key ? t.key.join(', ') : ''})${t.key === null ? ': no key, every change drops all' : t.keyImmutable ? '' : ': an update drops all (the key may change)'}`,
    );
    if (tableLevel.length > 0)
      add({
        id: 'tables',
        status: 'warn',
        summary: `${tableLevel.join(', ')}: no key, so every change drops all of its results`,
        fix: 'give it a primary key, or a route with dcn register --key',
        details,
      });
    else add({ id: 'tables', status: 'ok', summary: `${planned.length} table(s), each keyed`, details });
  } catch (err) {
    add({
      id: 'tables',
      status: 'fail',
      summary: isDcnError(err) ? err.message : firstLine(err),
      fix: isDcnError(err) ? err.hint : undefined,
    });
  }

  if (!subscriber || planned.length === 0) skipRest('subscription');
  else {
    // the real thing: a subscription made and removed, over the connection dcn opened
    const name = 'dcn-doctor';
    const t = planned[0]!;
    try {
      const { regId } = await subscriber.subscribe(name, {
        sql: subscriptionQuery(t.table),
        timeoutSeconds: 60,
        callback: () => undefined,
      });
      await subscriber.unsubscribe(name);
      add({
        id: 'subscription',
        status: 'ok',
        summary: `subscribed to ${t.table} (registration ${regId}) and removed it again`,
      });
    } catch (err) {
      add({
        id: 'subscription',
        status: 'fail',
        summary: `subscribing to ${t.table}: ${firstLine(err)}`,
        fix: "check the grant and the connection; with a firewall between, the database must accept this host's connections (it never connects back)",
      });
    }
  }
  return { ok: !checks.some((c) => c.status === 'fail'), checks };
}
