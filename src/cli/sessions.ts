/**
 * Opens the app, admin and lock sessions on first use, from the resolved configuration, and
 * closes all of them at the end of a command.
 */
import { DcnError } from '../errors.js';
import type { ConnectOptions, DbSession } from '../db/driver.js';
import { connectError } from '../db/oracle-errors.js';
import type { SessionProvider } from '../migrator/types.js';
import type { ConnectionConfig } from '../config/resolve-config.js';
import type { CommandContext } from './context.js';
import type { Secrets } from './secrets.js';

export class CliSessions implements SessionProvider {
  readonly #open: Promise<DbSession>[] = [];
  #app: Promise<DbSession> | undefined;
  #admin: Promise<DbSession> | undefined;
  #lock: Promise<DbSession> | undefined;

  constructor(
    private readonly ctx: CommandContext,
    private readonly config: ConnectionConfig,
    private readonly secrets: Secrets,
  ) {}

  #connectString(): string {
    const connect = this.config.connect;
    if (connect === undefined || connect === '') {
      throw new DcnError('config_invalid', 'no database to connect to', {
        hint: 'set DCN_CONNECT (or --connect, or "connect" in dcn.config.json) to host:port/service or a tnsnames.ora alias',
      });
    }
    return connect;
  }

  async #connect(profile: 'app' | 'admin', extra: Pick<ConnectOptions, 'expireTimeMinutes'> = {}): Promise<DbSession> {
    const connectString = this.#connectString();
    const user = profile === 'app' ? this.config.user : this.config.adminUser;
    if (user === undefined || user === '') {
      throw new DcnError('config_invalid', `no user for the ${profile} profile`, {
        hint:
          profile === 'app'
            ? 'set DCN_USER (or --user) to the schema owner, e.g. OE'
            : 'set DCN_ADMIN_USER (or --admin-user) to a DBA user, or SYS with --admin-privilege sysdba',
      });
    }
    const privilege = profile === 'admin' ? this.config.adminPrivilege : undefined;
    const who = `${user}@${connectString}${privilege ? ` as ${privilege}` : ''}`;
    const password = await this.secrets.password(profile, who);
    const driver = await this.ctx.loadDriver();
    try {
      return await driver.connect({
        user,
        password,
        connectString,
        privilege,
        connectTimeoutSeconds: this.config.connectTimeoutSeconds,
        tnsAdmin: this.config.tnsAdmin,
        ...extra,
      });
    } catch (err) {
      throw connectError(err, {
        profile,
        user,
        connectString,
        connectTimeoutSeconds: this.config.connectTimeoutSeconds,
      });
    }
  }

  #track(p: Promise<DbSession>): Promise<DbSession> {
    this.#open.push(p);
    return p;
  }

  /** A new app session each call (tail and watch reconnect with it); closed by closeAll() too. */
  openApp(extra: Pick<ConnectOptions, 'expireTimeMinutes'> = {}): Promise<DbSession> {
    return this.#track(this.#connect('app', extra));
  }

  /** The app user's name, upper case (the schema unless a logon trigger changes it). */
  appUser(): string | undefined {
    return this.config.user?.toUpperCase();
  }

  app(): Promise<DbSession> {
    this.#app ??= this.#track(this.#connect('app'));
    return this.#app;
  }

  admin(): Promise<DbSession> {
    this.#admin ??= this.#track(this.#connect('admin'));
    return this.#admin;
  }

  lock(): Promise<DbSession> {
    // The same credentials as app, on a connection of its own: a commit on the app session
    // (and Oracle commits at every DDL) must not release the lock.
    this.#lock ??= this.#track(this.app().then(() => this.#connect('app')));
    return this.#lock;
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      this.#open.map(async (p) => {
        const session = await p.catch(() => undefined);
        await session?.close().catch(() => undefined);
      }),
    );
  }
}
