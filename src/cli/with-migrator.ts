/** The engine for the commands that connect: sessions, and engine events as progress lines. */
import { checkSchemaIsUser } from '../config/schema-settings.js';
import { Migrator } from '../migrator/migrator.js';
import type { MigrationEvent } from '../migrator/types.js';
import { migrationLabel } from '../migrator/source.js';
import type { CommandContext } from './context.js';
import { migrationSetConfig, migrationSet } from './migration-setup.js';
import { formatMs, type Output } from './output.js';
import type { MigrateCommonFlags, SettingFlags } from './options.js';
import { progressOn } from './progress.js';
import { Secrets } from './secrets.js';
import { CliSessions } from './sessions.js';

function printEvent(event: MigrationEvent, out: Output): void {
  const c = out.color;
  // --quiet: warnings only
  if (out.quiet && event.type !== 'warning') return;
  switch (event.type) {
    case 'lock-acquired':
      if (event.waitedMs >= 1000) out.line(c.dim(`waited ${formatMs(event.waitedMs)} for the migration lock`));
      break;
    case 'migration-start':
      if (event.resumeFrom !== undefined)
        out.line(
          c.dim(`resuming ${migrationLabel(event.version)} at statement ${event.resumeFrom} of ${event.statements}`),
        );
      break;
    case 'migration-done':
      out.line(
        `${c.green('✓')} ${event.direction === 'down' ? 'undid ' : ''}${migrationLabel(event.version)}  ${c.dim(formatMs(event.durationMs))}`,
      );
      break;
    case 'migration-failed':
      out.line(
        `${c.red('✗')} ${event.direction === 'down' ? 'undo of ' : ''}${migrationLabel(event.version)} failed  ${c.dim(formatMs(event.durationMs))}`,
      );
      break;
    case 'statement-done':
      break;
    case 'warning':
      out.note(c.yellow(`dcn: warning: ${event.message}`));
      break;
  }
}

/** Builds the engine for one command and closes every session it opened, whatever happens. */
export async function withMigrator<T>(
  flags: MigrateCommonFlags & SettingFlags,
  ctx: CommandContext,
  out: Output,
  fn: (migrator: Migrator) => Promise<T>,
): Promise<T> {
  const config = migrationSetConfig(flags, ctx);
  checkSchemaIsUser(config.variables, config.user);
  const secrets = new Secrets(ctx, flags);
  const { migrations } = migrationSet(config);
  const sessions = new CliSessions(ctx, config, secrets);
  // not with --quiet: on a terminal the running migration and statement on stderr, in place; elsewhere a line per start and end
  const progress = out.quiet ? undefined : progressOn(ctx.stderr);
  const migrator = new Migrator({
    migrations,
    variables: config.variables,
    historyTable: config.historyTable,
    lockTimeoutSeconds: config.lockTimeoutSeconds,
    sessions,
    holder: ctx.holder,
    onEvent: (e) => {
      progress?.onEvent(e);
      printEvent(e, out);
    },
  });
  try {
    return await fn(migrator);
  } finally {
    progress?.stop();
    await sessions.closeAll();
  }
}
