import type { TableRoute } from '../../registrations/plans.js';
import { Registrations, type Registration } from '../../registrations/registrations.js';
import { ownerAndTable } from '../../registrations/routes.js';
import type { CommandContext } from '../context.js';
import { orderTables } from '../migration-setup.js';
import type { Output } from '../output.js';
import { describeRoute } from '../routes.js';
import { table } from '../table.js';
import type { RegsFlags } from './regs.command.js';
import { withSessions } from '../with-sessions.js';

/** With each registered table's route (your own registrations only: routes live in your schema). */
type Listed = { registrations: Registration[]; routes?: Record<string, TableRoute | null> };

export async function run(flags: RegsFlags, ctx: CommandContext): Promise<Listed> {
  const builtIn = flags.all ? [] : orderTables(flags, ctx);
  return withSessions(flags, ctx, async (sessions) => {
    const regs = new Registrations(sessions);
    const registrations = await regs.list({ all: flags.all });
    if (flags.all) return { registrations };
    const routes = await regs.routes();
    const byTable: Record<string, TableRoute | null> = {};
    for (const t of registrations.flatMap((r) => r.tables)) {
      const { owner, table } = ownerAndTable(t);
      byTable[t] =
        builtIn.includes(table) && owner === (sessions.appUser() ?? '').toUpperCase()
          ? { table: t, keyFrom: 'order_no' }
          : (routes.get(t) ?? null);
    }
    return { registrations, routes: byTable };
  });
}

export function print(result: Listed, out: Output, flags: RegsFlags): void {
  if (result.registrations.length === 0) {
    out.line('No registrations. Create one with: dcn register --table OE.ORDERS');
    return;
  }
  const headers = [...(flags.all ? ['User'] : []), 'Regid', 'Callback', 'QoS', 'Operations', 'Timeout', 'Tables'];
  const rows = result.registrations.map((r) => [
    ...(flags.all ? [r.username ?? ''] : []),
    String(r.regid),
    r.callback,
    r.qos.join(',') || '-',
    r.operations.join(',') || '-',
    r.timeoutSeconds ? `${r.timeoutSeconds} s` : 'none',
    r.tables.join(', '),
  ]);
  for (const line of table(headers, rows)) out.line(line);
  if (!result.routes) return;
  out.line('');
  out.line('Routes (what a change of each table calls):');
  for (const [name, route] of Object.entries(result.routes).sort(([a], [b]) => a.localeCompare(b))) {
    out.line(
      `  ${name}: ${route ? describeRoute(route) : `?table=${ownerAndTable(name).table}: no route (register it again to write one), so every change drops all of the table's results`}`,
    );
  }
}
