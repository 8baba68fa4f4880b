import { parseNames } from '../../registrations/flags.js';
import { planRegister, planRouteWrites } from '../../registrations/plans.js';
import {
  DEFAULT_QOS,
  parseCallback,
  parseRoutableTables,
  parseTimeout,
  Registrations,
} from '../../registrations/registrations.js';
import type { CommandContext } from '../context.js';
import { printDryRun, type DryRun } from '../dry-run.js';
import { connectionConfig, orderTables } from '../migration-setup.js';
import { printRoutes, routeNotes, routeRequest } from '../routes.js';
import type { Output } from '../output.js';
import type { RegisterFlags } from './register.command.js';
import { withSessions } from '../with-sessions.js';

type Registered = Awaited<ReturnType<Registrations['register']>>;

export async function run(flags: RegisterFlags, ctx: CommandContext): Promise<Registered | DryRun> {
  // every input is checked before any connection
  const request = {
    tables: parseRoutableTables(flags.table ?? []),
    callback: parseCallback(flags.callback),
    qos: flags.qos ? parseNames('qos', flags.qos) : DEFAULT_QOS,
    operations: flags.operations ? parseNames('operations', flags.operations) : [],
    timeoutSeconds: parseTimeout(flags.timeout),
    ...routeRequest(flags, orderTables(flags, ctx)),
  };
  if (flags.dryRun) {
    const routes = planRouteWrites(request.tables, request, connectionConfig(flags, ctx).user);
    return {
      dryRun: true,
      command: 'dcn register',
      statements: [planRegister(request), ...routes.statements],
      notes: routeNotes(routes.readAtRun),
    };
  }
  return withSessions(flags, ctx, (sessions) => new Registrations(sessions).register(request));
}

export function print(result: Registered | DryRun, out: Output, flags: RegisterFlags): void {
  if ('dryRun' in result) return printDryRun(result, out);
  if (flags.quiet) return out.line(String(result.regid));
  out.line(
    `Registered ${result.regid}: ${result.tables.join(', ')} → ${result.callback} (qos ${result.qos.join(',') || 'none'}, operations ${result.operations.join(',')}, timeout ${result.timeoutSeconds || 'none'})`,
  );
  printRoutes(result, out);
}
