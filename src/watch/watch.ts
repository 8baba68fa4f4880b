/**
 * dcn watch: change notification without UTL_HTTP, an ACL or an open port. The client opens the
 * connection and subscribes (client-initiated CQN, node-oracledb 26 Thin, Oracle 19.4 and later);
 * the database sends each committed change down it, and each becomes the drops dcn listen would
 * make (drops.ts).
 *
 * Never stale across failures: changes made while no subscription delivered them are lost, so
 * every cached result of the watched tables is dropped once a subscription is (back) in place: at
 * start, after a lost connection, and when the notification channel had stopped unnoticed. The
 * channel is checked every checkSeconds: subscribing again under the same name adds nothing to a
 * live subscription and replaces a stopped one, whose regId then changes (oracledb 26,
 * lib/thin/connection.js subscribe() and lib/thin/subscr.js, where a failed channel is dropped
 * without telling the callback). The subscription's server-side timeout is renewed by subscribing
 * under a new name before the old one is removed, so no change falls between the two; at least
 * every few minutes whatever the timeout, since each renewal opens a new notification channel.
 * The connection asks for TCP keepalives (node-oracledb's expireTime, which Thin applies to the
 * notification connection too, lib/thin/connection.js _getNotificationConnectParams): a flow a NAT
 * or firewall dropped without a reset would otherwise never fail.
 *
 * Never retries what a retry cannot cure: nothing before the first subscription (a supervisor
 * restarts dcn; a typo in the host must not look like an outage being ridden out), and after it
 * only a network error or a database that is starting. A refused login above all: Oracle locks the
 * account after the profile's FAILED_LOGIN_ATTEMPTS.
 * Never prints and never exits.
 */
import { canSubscribe, type ChangeMessage, type DbSession, type SubscribingSession } from '../db/driver.js';
import { isLoginDenied, statementError } from '../db/oracle-errors.js';
import { describe, giveUp } from '../db/reconnect.js';
import { DcnError } from '../errors.js';
import type { QualifiedName } from '../oracle/identifiers.js';
import { sqlPath } from '../paths.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { dropChanges, type DropContext, type Dropper, type WatchEvent } from './drops.js';
import { subscribeError } from './subscribe-error.js';
import { planTables, subscriptionQuery, type WatchedTable } from './tables.js';

export type { Dropper, WatchEvent } from './drops.js';

/** SUBSCR_EVENT_TYPE_* (oracledb lib/constants.js). */
const EVENT = { DEREG: 5, OBJ_CHANGE: 6 } as const;
/** The longest a subscription goes without renewal, whatever its timeout: each renewal opens a new notification channel. */
const MAX_RENEW_SECONDS = 300;
/** Idle minutes before TCP keepalive probes start on the watch's connections (node-oracledb expireTime). */
const KEEPALIVE_MINUTES = 1;
/** Client-initiated subscriptions need Oracle 19.4 (node-oracledb doc/src/user_guide/cqn.rst). */
const MIN_VERSION = { major: 19, minor: 4 };

export interface WatchOptions {
  /** Opens a session with TCP keepalives after `expireTimeMinutes` idle (node-oracledb expireTime). */
  readonly connect: (options: { readonly expireTimeMinutes: number }) => Promise<DbSession>;
  readonly tables: readonly QualifiedName[];
  /** Table name (without owner, as the dictionary stores it) → cached function. */
  readonly functions: Readonly<Record<string, string>>;
  /** The orders and order items tables (names without owner): keyed by ORDER_ID. */
  readonly orderTables: readonly string[];
  /** ORDER_ITEMS' ORDER_ID never changes (the orderItemsKeyImmutable setting). */
  readonly orderItemsKeyImmutable?: boolean;
  readonly cache: Dropper;
  /** The server drops a subscription after this long: one left by a killed watch goes away. */
  readonly timeoutSeconds: number;
  /** How often the notification channel is checked, and the connection with it. */
  readonly checkSeconds: number;
  /** The longest a subscription goes without renewal (default 300 s), whatever timeoutSeconds says. */
  readonly maxRenewSeconds?: number;
  /** The subscriptions' names begin with it (one watch per name). */
  readonly name: string;
  readonly signal: AbortSignal;
  readonly onEvent?: (event: WatchEvent) => void;
  readonly now?: () => Date;
  /** Waits before connecting again: 1 s, doubling to 30 s by default. */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
}

export interface WatchResult {
  readonly notifications: number;
  readonly drops: number;
  readonly reconnects: number;
}

const registrationQueries = () => loadNamedQueries(sqlPath('registrations', 'registrations.sql'));

function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class Watch {
  readonly #o: WatchOptions;
  #session: SubscribingSession | undefined;
  #tables = new Map<string, WatchedTable>();
  /** The subscription in use: its name and the regId the server gave it. */
  #current: { name: string; regId: number } | undefined;
  #generation = 0;
  /** Notifications are handled one after the other: a lookup is a round trip. */
  #queue: Promise<void> = Promise.resolve();
  /** Set when a check or a notification finds the subscription broken. */
  #broken: ((error: unknown) => void) | undefined;
  #notifications = 0;
  #drops = 0;
  #reconnects = 0;
  /** What the drops of a notification need: the watched tables, the cache, the session to look keys up on. */
  readonly #changes: DropContext;

  constructor(options: WatchOptions) {
    this.#o = options;
    this.#changes = {
      tables: this.#tables,
      cache: options.cache,
      session: () => this.#session,
      emit: (event) => this.#emit(event),
      counted: () => this.#drops++,
    };
  }

  #emit(event: Omit<WatchEvent, 'time'>): void {
    this.#o.onEvent?.({ time: (this.#o.now ?? (() => new Date()))().toISOString(), ...event });
  }

  /** Runs until the signal aborts; gives up only on what no reconnect cures. */
  async run(): Promise<WatchResult> {
    const { signal } = this.#o;
    const backoff = this.#o.backoffMs ?? { initial: 1000, max: 30_000 };
    let wait = backoff.initial;
    let subscribed = false;
    while (!signal.aborted) {
      try {
        await this.#connect(subscribed);
        await this.#subscribeAll(
          subscribed
            ? 'after a lost connection: changes made meanwhile were not delivered'
            : 'at start: changes made before this watch subscribed were not seen',
        );
        subscribed = true;
        wait = backoff.initial;
        const broken = await this.#serve();
        if (broken === undefined) break; // stopped
        throw broken.error;
      } catch (err) {
        if (signal.aborted) break;
        const fatal = giveUp(err, subscribed, 'the watch');
        if (fatal) {
          await this.#close();
          throw fatal;
        }
        this.#emit({ action: 'lost', reason: describe(err) });
        await this.#close();
        this.#reconnects++;
        await abortable(wait, signal);
        wait = Math.min(wait * 2, backoff.max);
      }
    }
    await this.#stop();
    return { notifications: this.#notifications, drops: this.#drops, reconnects: this.#reconnects };
  }

  async #connect(subscribed: boolean): Promise<void> {
    let session: DbSession;
    try {
      session = await this.#o.connect({ expireTimeMinutes: KEEPALIVE_MINUTES });
    } catch (err) {
      if (err instanceof DcnError) throw err;
      throw new DcnError(isLoginDenied(err) ? 'login_denied' : 'connection_failed', `connecting: ${describe(err)}`, {
        cause: err,
      });
    }
    if (!canSubscribe(session) || !session.thin) {
      await session.close().catch(() => undefined);
      throw new DcnError(
        'unavailable',
        'this driver cannot subscribe client-initiated: dcn watch needs node-oracledb in Thin mode',
        { hint: 'do not enable Thick mode for dcn' },
      );
    }
    const v = session.serverVersion();
    if (v && (v.major < MIN_VERSION.major || (v.major === MIN_VERSION.major && v.minor < MIN_VERSION.minor))) {
      await session.close().catch(() => undefined);
      throw new DcnError(
        'unavailable',
        `Oracle ${v.major}.${v.minor} cannot send notifications down a client's connection: client-initiated subscriptions need 19.4 or later`,
        {
          hint: 'use the HTTP callback (dcn migrate, dcn register, dcn listen) on this database',
        },
      );
    }
    this.#session = session;
    if (this.#tables.size === 0 && !subscribed) {
      try {
        const who = registrationQueries().render('session.user');
        const schema = String((await session.execute(who.sql, {}, { name: who.name })).rows[0]?.CURRENT_SCHEMA ?? '');
        for (const t of await planTables(session, this.#o, schema)) this.#tables.set(t.table, t);
      } catch (err) {
        // the first queries of a connection can meet a lost connection too (ORA-03113): said as one
        throw err instanceof DcnError ? err : statementError(err, 'reading the watched tables');
      }
    }
  }

  #name(): string {
    return `${this.#o.name}-${++this.#generation}`;
  }

  /** Subscribes every table under a new name; on success, drops everything the watch covers once. */
  async #subscribeAll(why: string): Promise<void> {
    const name = this.#name();
    const regId = await this.#subscribeTables(name);
    this.#current = { name, regId };
    this.#emit({ action: 'subscribed', reason: `subscription ${regId}` });
    await this.#dropEverything(why);
  }

  async #subscribeTables(name: string): Promise<number> {
    const session = this.#session!;
    let regId = 0;
    for (const t of this.#tables.values()) {
      const sql = subscriptionQuery(t.table); // a name it cannot quote is refused, not retried
      try {
        regId = (
          await session.subscribe(name, {
            sql,
            timeoutSeconds: this.#o.timeoutSeconds,
            callback: (m) => this.#receive(name, m),
          })
        ).regId;
      } catch (err) {
        throw subscribeError(err, t.table);
      }
    }
    return regId;
  }

  async #dropEverything(why: string): Promise<void> {
    for (const fn of new Set([...this.#tables.values()].map((t) => t.function))) {
      await this.#o.cache.dropAll(fn);
      this.#drops++;
      this.#emit({ action: 'dropped-all', function: fn, reason: why });
    }
  }

  /** Checks the channel and renews the subscription until stopped (undefined) or broken (what broke it). */
  async #serve(): Promise<{ error: unknown } | undefined> {
    const { signal } = this.#o;
    const broken = new Promise<{ error: unknown }>((resolve) => (this.#broken = (error) => resolve({ error })));
    const renewEvery = Math.min(this.#o.timeoutSeconds / 2, this.#o.maxRenewSeconds ?? MAX_RENEW_SECONDS);
    let sinceRenewal = 0;
    for (;;) {
      const tick = abortable(this.#o.checkSeconds * 1000, signal);
      const reason = await Promise.race([broken, tick.then(() => undefined)]);
      if (reason !== undefined) return reason;
      if (signal.aborted) return undefined;
      sinceRenewal += this.#o.checkSeconds;
      // checked before a renewal too: a channel that had stopped means changes were missed, and
      // renewing would replace it without dropping what they changed
      if (await this.#check())
        sinceRenewal = 0; // subscribed anew just now
      else if (sinceRenewal >= renewEvery) {
        await this.#renew();
        sinceRenewal = 0;
      }
    }
  }

  /** Subscribing again under the same name adds nothing to a live subscription; a stopped one comes back with a new regId (true: it was replaced, and everything dropped). */
  async #check(): Promise<boolean> {
    const current = this.#current!;
    const first = [...this.#tables.values()][0]!;
    let regId: number;
    try {
      regId = (
        await this.#session!.subscribe(current.name, {
          sql: subscriptionQuery(first.table),
          timeoutSeconds: this.#o.timeoutSeconds,
          callback: (m) => this.#receive(current.name, m),
        })
      ).regId;
    } catch (err) {
      throw subscribeError(err, first.table);
    }
    if (regId === current.regId) return false;
    // the channel had stopped: only the first table is in the new registration yet
    await this.#session!.unsubscribe(current.name).catch(() => undefined);
    await this.#subscribeAll('the notification channel had stopped: changes made meanwhile were not delivered');
    this.#emit({ action: 'resubscribed', reason: `subscription ${regId} replaced one whose channel had stopped` });
    return true;
  }

  /** A new subscription before the old one goes: a change in between is notified twice, never not at all. */
  async #renew(): Promise<void> {
    const old = this.#current!;
    const name = this.#name();
    const regId = await this.#subscribeTables(name);
    this.#current = { name, regId };
    await this.#session!.unsubscribe(old.name).catch(() => undefined);
    this.#emit({ action: 'renewed', reason: `subscription ${regId} replaced ${old.regId} before its timeout` });
  }

  #receive(name: string, message: ChangeMessage): void {
    // a change, from the current subscription or one being replaced (a renewal overlaps them)
    if (message.type === EVENT.OBJ_CHANGE) {
      this.#notifications++;
      const received = performance.now();
      this.#queue = this.#queue
        .then(() => dropChanges(this.#changes, message, received))
        .catch((err: unknown) =>
          this.#broken?.(
            new DcnError('connection_failed', `handling a notification: ${describe(err)}`, { cause: err }),
          ),
        );
    }
    // the end of the current one (its timeout ran out, or the server stopped it): subscribe again
    if ((message.type === EVENT.DEREG || message.registered === false) && name === this.#current?.name)
      this.#broken?.(new DcnError('connection_failed', 'the database ended the subscription'));
  }

  /** Closes the session; its subscription is removed first where the session still can (else the server's timeout removes it). */
  async #close(): Promise<void> {
    this.#broken = undefined;
    const session = this.#session;
    const current = this.#current;
    this.#session = undefined;
    this.#current = undefined;
    if (session && current) await session.unsubscribe(current.name).catch(() => undefined);
    await session?.close().catch(() => undefined);
  }

  /** Unsubscribes (the server forgets it now, not at its timeout) and closes. */
  async #stop(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await this.#close();
    this.#emit({ action: 'stopped' });
  }
}
