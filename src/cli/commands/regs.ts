import { Registrations, type Registration } from '../../registrations/registrations.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output.js';
import { table } from '../table.js';
import type { RegsFlags } from '../options.js';
import { withSessions } from '../with-sessions.js';


export async function run(flags: RegsFlags, ctx: CommandContext): Promise<{ registrations: Registration[] }> {
  return withSessions(flags, ctx, async (sessions) => ({ registrations: await new Registrations(sessions).list({ all: flags.all }) }));
}

export function print(result: { registrations: Registration[] }, out: Output, flags: RegsFlags): void {
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
}
