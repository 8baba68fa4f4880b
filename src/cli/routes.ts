/** The route flags of register and enable-reg, and how a table's route is said. */
import { usageError } from '../errors.js';
import type { RouteRequest, TableRoute } from '../registrations/plans.js';
import { ownerAndTable, parseKeyColumns } from '../registrations/routes.js';
import type { Output } from './output.js';

export function routeRequest(
  flags: { key?: string; keyImmutable?: boolean; allowRoleGrant?: boolean; table?: readonly string[] },
  builtIn: readonly string[],
): RouteRequest {
  if (flags.keyImmutable && flags.key === undefined)
    throw usageError(
      '--key-immutable needs --key',
      'a primary key is taken as immutable already; name other key columns with --key COL[,COL…]',
    );
  if (flags.key !== undefined && (flags.table ?? []).length !== 1)
    throw usageError(
      '--key names the key of one table: give exactly one --table with it',
      'register or add the other tables in commands of their own',
    );
  return {
    builtIn,
    ...(flags.allowRoleGrant ? { allowRoleGrant: true } : {}),
    ...(flags.key !== undefined
      ? { key: { columns: parseKeyColumns([flags.key]), immutable: flags.keyImmutable ?? false } }
      : {}),
  };
}

/** What a dry run says of the routes it cannot show: those only the dictionary can tell. */
export function routeNotes(readAtRun: readonly string[]): string[] {
  return readAtRun.map(
    (t) =>
      `${t}: its route (its primary key, read from the dictionary when this runs) is written to dcn_routes too; a dry run does not connect, so give --key to see that write`,
  );
}

/** How a table's changes reach the listener, in words. */
export function describeRoute(route: TableRoute): string {
  const short = ownerAndTable(route.table).table;
  if (route.keyFrom === 'order_no') return `?order_no=…&table=${short} (the article's route)`;
  if (route.key === null)
    return `?table=${short}: no primary key and no --key, so every change drops all of the table's results`;
  const keys = route.key.map((k) => `key=<${k}>`).join('&');
  const how =
    route.keyFrom === 'primary key'
      ? 'primary key'
      : route.keyImmutable
        ? 'immutable key'
        : "key that may change: an update drops all of the table's results";
  return `?table=${short}&${keys} (${how})`;
}

export function printRoutes(
  result: { routes: readonly TableRoute[]; unrouted: readonly string[]; warnings: readonly string[] },
  out: Output,
): void {
  for (const w of result.warnings) out.note(`dcn: warning: ${w}`);
  for (const route of result.routes) out.line(`  ${route.table}: ${describeRoute(route)}`);
  if (result.unrouted.length > 0)
    out.note(
      `dcn: ${result.unrouted.join(', ')} ${result.unrouted.length === 1 ? 'has' : 'have'} no route: dcn_routes is missing (migration V8), so the callback notifies ${result.unrouted.length === 1 ? 'it' : 'them'} at table level. Run \`dcn migrate\`, then register again.`,
    );
}
