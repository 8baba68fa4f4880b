/**
 * The database's side of the chain: the grants the callback needs, a Scheduler to run it, a
 * network ACE to reach the listener, and the objects dcn installs.
 */
import { firstLine, oracleCode } from '../db/oracle-errors.js';
import { MISSING_PRIVILEGE, type DoctorContext } from './check.js';

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

export async function checkPrivileges({ options, add, rows }: DoctorContext): Promise<void> {
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
}

export async function checkJobQueueProcesses({ options, add, rows, lastLogged }: DoctorContext): Promise<void> {
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
      // A 0 in the CDB root stops Scheduler jobs in every PDB, whatever the PDB says (Database
      // Reference, JOB_QUEUE_PROCESSES,
      // https://docs.oracle.com/en/database/oracle/oracle-database/18/refrn/JOB_QUEUE_PROCESSES.html),
      // and a PDB session cannot read the root's value: only a logged call proves that callbacks run.
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
}

export async function checkNetworkAcl({ options, add, rows }: DoctorContext): Promise<void> {
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
}

export async function checkObjects({ add, rows }: DoctorContext): Promise<void> {
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
}
