import { usageError } from '../../errors.js';
import { planEnable, planRouteWrites } from '../../registrations/plans.js';
import { parseCallback, parseRegid, parseRoutableTables, Registrations } from '../../registrations/registrations.js';
import type { CommandContext } from '../context.js';
import { printDryRun, type DryRun } from '../dry-run.js';
import { connectionConfig, orderTables } from '../migration-setup.js';
import { printRoutes, routeNotes, routeRequest } from '../routes.js';
import type { Output } from '../output.js';
import type { EnableRegFlags } from './enable-reg.command.js';
import { withSessions } from '../with-sessions.js';

type Enabled = Awaited<ReturnType<Registrations['enable']>>;

export async function run(flags: EnableRegFlags, ctx: CommandContext): Promise<Enabled | DryRun> {
  if (flags.regid !== undefined && flags.callback !== undefined)
    throw usageError("can't give a REGID and --callback together", 'use one of them');
  if (flags.regid === undefined && flags.callback === undefined)
    throw usageError(
      'no registration given',
      'name it by REGID (dcn regs), or by --callback NAME when one registration uses it',
    );
  const regid = flags.regid === undefined ? undefined : parseRegid(flags.regid);
  const callback = flags.callback === undefined ? undefined : parseCallback(flags.callback);
  const tables = parseRoutableTables(flags.table ?? []);
  const routing = routeRequest({ ...flags, table: flags.table ?? [] }, orderTables(flags, ctx));
  if (flags.dryRun) {
    if (regid === undefined)
      throw usageError(
        '--dry-run needs a REGID: finding it by --callback needs a connection',
        'give the REGID shown by `dcn regs`',
      );
    const routes = planRouteWrites(tables, routing, connectionConfig(flags, ctx).user);
    return {
      dryRun: true,
      command: 'dcn enable-reg',
      statements: [planEnable(regid, tables), ...routes.statements],
      notes: routeNotes(routes.readAtRun),
    };
  }
  return withSessions(flags, ctx, async (sessions) => {
    const regs = new Registrations(sessions);
    const id = regid ?? (await regs.resolve({ callback: callback!, exactlyOne: true }))[0]!.regid;
    return regs.enable(id, tables, routing);
  });
}

export function print(result: Enabled | DryRun, out: Output): void {
  if ('dryRun' in result) return printDryRun(result, out);
  out.line(`Registration ${result.regid} now also covers ${result.added.join(', ')}.`);
  printRoutes(result, out);
}
