/** The registration that makes the database call the callback, and the tables the callback reads. */
import { firstLine } from '../db/oracle-errors.js';
import { isDcnError } from '../errors.js';
import { DEFAULT_CALLBACK } from '../registrations/input.js';
import { Registrations } from '../registrations/registrations.js';
import { ownerAndTable, readsWithoutRole } from '../registrations/routes.js';
import type { DoctorContext } from './check.js';

export async function checkRegistrations({ options, session, add }: DoctorContext): Promise<void> {
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
  // (PL/SQL Language Reference, "Invoker's Rights and Definer's Rights (AUTHID Property)",
  // https://docs.oracle.com/en/database/oracle/oracle-database/23/lnpls/invokers-rights-and-definers-rights-authid-property.html).
  // The same check as dcn register's, for grants taken away or given to a role since.
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
}
