import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { Secrets } from '../../src/cli/secrets.js';

function context(env: Record<string, string>, stdin: string): CommandContext {
  return {
    env,
    cwd: '/',
    stdin: Object.assign(Readable.from([stdin]), { isTTY: false }),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    loadDriver: async () => {
      throw new Error('no driver in this test');
    },
    waitForStop: () => new Promise(() => undefined),
    holder: 'dcn test',
  };
}

describe('Secrets', () => {
  it('takes --password-stdin over DCN_PASSWORD: a flag wins over the environment', async () => {
    const secrets = new Secrets(context({ DCN_PASSWORD: 'from-env' }, 'from-stdin\n'), { passwordStdin: true });
    expect(await secrets.password('app', 'OE@db')).toBe('from-stdin');
  });

  it('takes --admin-password-stdin over DCN_ADMIN_PASSWORD, and the app password still from the environment', async () => {
    const secrets = new Secrets(
      context({ DCN_PASSWORD: 'app-env', DCN_ADMIN_PASSWORD: 'admin-env' }, 'admin-stdin\n'),
      { adminPasswordStdin: true },
    );
    expect(await secrets.password('admin', 'SYSTEM@db')).toBe('admin-stdin');
    expect(await secrets.password('app', 'OE@db')).toBe('app-env');
  });

  it('uses DCN_PASSWORD without the flag', async () => {
    expect(await new Secrets(context({ DCN_PASSWORD: 'from-env' }, 'unread\n'), {}).password('app', 'OE@db')).toBe(
      'from-env',
    );
  });
});
