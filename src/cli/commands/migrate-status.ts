import type { MigrationState, StatusResult } from '../../migrator/status.js';
import type { CommandContext } from '../context.js';
import { withMigrator } from '../with-migrator.js';
import { formatMs, type Output } from '../output.js';
import { table } from '../table.js';
import { migrationLabel } from '../../migrator/source.js';
import type { MigrateStatusFlags } from './migrate-status.command.js';
import type { SchemaObject } from '../../migrator/invalid-objects.js';

type StatusWithObjects = StatusResult & { readonly invalidObjects: readonly SchemaObject[] };

export function run(flags: MigrateStatusFlags, ctx: CommandContext, out: Output): Promise<StatusWithObjects> {
  return withMigrator(flags, ctx, out, async (m) => ({
    ...(await m.status()),
    invalidObjects: await m.invalidObjects(),
  }));
}

/** The schema's INVALID objects, after the table (also when there are no migrations). */
function printInvalid(result: StatusWithObjects, out: Output): void {
  if (result.invalidObjects.length === 0) return;
  out.line(
    out.color.yellow(
      `${result.invalidObjects.length} INVALID object(s) in the schema: ${result.invalidObjects.map((o) => `${o.type} ${o.name}`).join(', ')}`,
    ),
  );
  out.line(
    out.color.dim('  `dcn migrate` compiles them once; SHOW ERRORS <type> <name> says why one does not compile'),
  );
}

export function print(result: StatusWithObjects, out: Output): void {
  printStatus(result, out);
  printInvalid(result, out);
}

function printStatus(result: StatusResult, out: Output): void {
  const c = out.color;
  const paint: Record<MigrationState, (s: string) => string> = {
    applied: c.green,
    pending: c.yellow,
    failed: c.red,
    changed: c.magenta,
    missing: c.magenta,
    outdated: c.yellow,
  };
  if (result.migrations.length === 0) {
    out.line('No migrations found.');
    return;
  }
  const rows = result.migrations.map((m) => [
    m.version,
    m.description,
    paint[m.state](m.state),
    m.checksum.slice(0, 12),
    m.appliedAt ? m.appliedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
    m.appliedBy ?? '',
    formatMs(m.durationMs),
  ]);
  for (const line of table(['Version', 'Description', 'State', 'Checksum', 'Applied at', 'By', 'Duration'], rows))
    out.line(line);
  for (const m of result.migrations) {
    if (m.state === 'failed') {
      out.line(
        c.red(
          `${migrationLabel(m.version)}: ${m.operation === 'undo' ? 'undo ' : ''}stopped after ${m.statementsDone} of ${m.statementsTotal} statements${m.error ? `: ${m.error.split('\n')[0]}` : ''}`,
        ),
      );
      out.line(
        c.dim(
          `  fix ${m.script} and run \`dcn migrate ${m.operation === 'undo' ? 'down ' : ''}--resume\`, or \`dcn migrate repair\``,
        ),
      );
    }
    if (m.state === 'changed')
      out.line(
        c.magenta(
          `${migrationLabel(m.version)}: ${m.script} changed since it was applied (recorded ${m.recordedChecksum?.slice(0, 12)})`,
        ),
      );
    if (m.state === 'missing')
      out.line(c.magenta(`${migrationLabel(m.version)}: applied, but ${m.script} is not in the migrations directory`));
    if (m.state === 'outdated') {
      const settings = m.changedSettings
        ? `${m.changedSettings.join(', ')} changed`
        : `it uses ${m.uses?.join(', ') || 'none'}`;
      const why =
        m.outdatedBy === 'settings'
          ? `made with other settings than now (${settings})`
          : `${m.script} changed since it was applied`;
      out.line(c.yellow(`${m.version}: ${why}; \`dcn migrate\` applies it again`));
    }
    if (m.outOfOrder)
      out.line(
        c.yellow(
          `${migrationLabel(m.version)}: pending below an applied version; \`dcn migrate\` refuses it (exit 8) unless given --out-of-order`,
        ),
      );
  }
  if (!result.historyExists) out.line(c.dim(`(${result.historyTable} does not exist yet: nothing has been applied)`));
}
