/**
 * Passwords: from the first line of standard input with --password-stdin / --admin-password-stdin,
 * else from DCN_PASSWORD / DCN_ADMIN_PASSWORD, else asked for with a hidden prompt on a terminal.
 * Never from a flag or a file, and never printed, logged or put in JSON.
 */
import { PASSWORD_ENV_NAMES } from '../config/settings.js';
import { DcnError } from '../errors.js';
import type { CommandContext } from './context.js';

export interface SecretFlags {
  readonly passwordStdin?: boolean;
  readonly adminPasswordStdin?: boolean;
}

async function readFirstLine(ctx: CommandContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    if (chunks.some((c) => c.includes(10))) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return (text.split(/\r?\n/)[0] ?? '').trimEnd();
}

export class Secrets {
  #stdinValue: Promise<string> | undefined;
  readonly #known = new Map<string, Promise<string>>();

  constructor(
    private readonly ctx: CommandContext,
    private readonly flags: SecretFlags,
  ) {
    if (flags.passwordStdin && flags.adminPasswordStdin) {
      throw new DcnError('usage', "can't give --password-stdin and --admin-password-stdin together", {
        hint: 'pipe one of them, and pass the other in DCN_PASSWORD or DCN_ADMIN_PASSWORD',
      });
    }
  }

  /** Asks at most once per profile: the lock session reuses the app password. */
  password(profile: 'app' | 'admin', who: string): Promise<string> {
    let p = this.#known.get(profile);
    if (!p) {
      p = this.#obtain(profile, who);
      this.#known.set(profile, p);
    }
    return p;
  }

  async #obtain(profile: 'app' | 'admin', who: string): Promise<string> {
    const envName = PASSWORD_ENV_NAMES[profile];
    // a flag wins over the environment, as every setting's does
    const viaStdin = profile === 'app' ? this.flags.passwordStdin : this.flags.adminPasswordStdin;
    if (viaStdin) {
      this.#stdinValue ??= readFirstLine(this.ctx);
      const value = await this.#stdinValue;
      if (value === '')
        throw new DcnError(
          'usage',
          `--${profile === 'app' ? '' : 'admin-'}password-stdin: standard input held no password`,
          { hint: 'pipe the password as the first line' },
        );
      return value;
    }
    const fromEnv = this.ctx.env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (this.ctx.stdin.isTTY && this.ctx.stderr.isTTY) {
      const { read } = await import('read');
      const value = await read({
        prompt: `Password for ${who}: `,
        silent: true,
        replace: '',
        input: this.ctx.stdin,
        output: this.ctx.stderr,
      });
      this.ctx.stderr.write('\n'); // the hidden input left the cursor on the prompt's line
      return String(value);
    }
    throw new DcnError('config_invalid', `no password for ${who} (${profile} profile)`, {
      hint: `set ${envName}, pipe it with --${profile === 'app' ? '' : 'admin-'}password-stdin, or run in a terminal to be asked`,
    });
  }
}
