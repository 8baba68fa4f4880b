/** Sessions for the commands that connect without the migration engine, closed at the end. */
import type { CommandContext } from './context.js';
import { configFrom } from './migration-setup.js';
import type { CommonFlags, ConnectionFlags } from './program.js';
import { Secrets } from './secrets.js';
import { CliSessions } from './sessions.js';

export async function withSessions<T>(flags: CommonFlags & ConnectionFlags, ctx: CommandContext, fn: (sessions: CliSessions) => Promise<T>): Promise<T> {
  const sessions = new CliSessions(ctx, configFrom(flags, ctx), new Secrets(ctx, flags));
  try {
    return await fn(sessions);
  } finally {
    await sessions.closeAll();
  }
}
