/** Sessions for the commands that connect without the migration engine, closed at the end. */
import type { ConnectionConfig } from '../config/resolve-config.js';
import type { CommandContext } from './context.js';
import { connectionConfig } from './migration-setup.js';
import type { SettingFlags } from './options.js';
import { Secrets } from './secrets.js';
import { CliSessions } from './sessions.js';

/** `config`: the command's own, when it resolved more than the connection (doctor); else resolved here. */
export async function withSessions<T>(
  flags: SettingFlags,
  ctx: CommandContext,
  fn: (sessions: CliSessions) => Promise<T>,
  config: ConnectionConfig = connectionConfig(flags, ctx),
): Promise<T> {
  const sessions = new CliSessions(ctx, config, new Secrets(ctx, flags));
  try {
    return await fn(sessions);
  } finally {
    await sessions.closeAll();
  }
}
