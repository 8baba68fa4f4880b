/**
 * The link to the bus, as one state machine: the only owner of whether a cache may serve.
 *
 *   connecting ─▶ catching-up ─▶ serving ─▶ suspended ─▶ catching-up ─▶ …      closed at the end
 *
 * `serving` holds only while the lease does (bus-lease.ts: a PING and a renewal answered less
 * than leaseMs ago), checked at every read.
 *
 * `serving` is entered in one place only (#serve): in the current generation, after the
 * subscription was confirmed and the lease taken, after what was missed since the last drop
 * applied was read from the log and applied (or, when the log no longer holds it, everything
 * the directory held was dropped), and after a PING sent once that was done has been answered.
 * Every asynchronous step records the generation it started in and commits nothing if a loss
 * bumped it meanwhile.
 */
import {
  withTimeout,
  type BusAcks,
  type BusMessage,
  type BusSession,
  type BusTransport,
  type LoggedDrop,
  type LogPosition,
} from './bus.js';
import { DEFAULT_LEASE_MS, LeaseClock, serverLeaseMs } from './bus-lease.js';
import { LogCursor, readMissed } from './bus-log-cursor.js';
import { DropAcks } from './drop-acks.js';

export type LinkState = 'connecting' | 'catching-up' | 'serving' | 'suspended' | 'closed';

export interface LinkHooks {
  /** Drops everything the directory holds: what was missed while off the bus. */
  catchUp(): Promise<void>;
  /** Another instance's drop; throws when it could not be applied. */
  apply(message: BusMessage): void;
  /** The link stopped serving (with why), or serves again. */
  down(reason: string, cause?: unknown): void;
  up(message: string): void;
}

const MAX_BACKOFF_MS = 5000;

const isFatal = (err: unknown) =>
  ['ERR_BUS_AUTH', 'ERR_BUS_PERMISSION'].includes((err as { code?: string }).code ?? '');

export class BusLink {
  readonly where: string;
  readonly leaseMs: number;
  readonly #transport: BusTransport;
  readonly #hooks: LinkHooks;
  readonly #acksWanted: boolean;
  readonly #acks = new DropAcks();
  /** This link's member id on the bus while it holds a lease (its session's origin). */
  #member: string | undefined;
  readonly #lease: LeaseClock;
  /** Where it stands in the log of drops (kept across sessions: what a new one catches up from). */
  readonly #log = new LogCursor();
  #state: LinkState = 'connecting';
  #reason: string | undefined = 'connecting to the bus';
  #gen = 0;
  #session: BusSession | undefined;
  /** Bumped by every drop that could not be applied: a catch-up that overlapped one does not count. */
  #applyFailures = 0;
  #backoffMs: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #leaseWarned = false;
  readonly #first: Promise<void>;
  #settleFirst: ((err?: Error) => void) | undefined;

  constructor(transport: BusTransport, hooks: LinkHooks, leaseMs = DEFAULT_LEASE_MS, acks: BusAcks = 'applied') {
    if (acks !== 'applied' && acks !== 'published')
      throw new TypeError("result cache: busAcks must be 'applied' or 'published'");
    this.#acksWanted = acks === 'applied';
    if (!(leaseMs >= 100)) throw new TypeError('result cache: busLeaseMs must be 100 or more');
    this.#transport = transport;
    this.#hooks = hooks;
    this.where = transport.where;
    this.leaseMs = leaseMs;
    this.#lease = new LeaseClock(leaseMs);
    this.#backoffMs = Math.min(100, leaseMs / 10);
    this.#first = new Promise<void>((resolve, reject) => {
      this.#settleFirst = (err) => {
        this.#settleFirst = undefined;
        if (err) reject(err);
        else resolve();
      };
    });
    this.#first.catch(() => undefined); // told by ready()
    this.#heartbeat = setInterval(() => this.#beat(), Math.max(20, Math.floor(leaseMs / 3))).unref();
    void this.#open();
  }

  /** May the cache answer from its directory now? The lease is checked here, at every read. */
  get serving(): boolean {
    return this.#state === 'serving' && this.#lease.holds();
  }

  /** The state, with a lapsed lease told as suspended; and why it does not serve. */
  status(): { readonly state: LinkState; readonly reason?: string } {
    if (this.#state === 'serving' && !this.serving)
      return { state: 'suspended', reason: `no answer from the bus for ${this.leaseMs} ms` };
    return this.#state === 'serving' ? { state: 'serving' } : { state: this.#state, reason: this.#reason };
  }

  /** Settles once the link first serves, or rejects at its first failure (within the lease). */
  ready(): Promise<void> {
    return this.#first;
  }

  /**
   * Publishes a drop. With acknowledgements (the default), resolves once every other member whose
   * lease was live applied it or its lease lapsed, and rejects after twice the lease; without,
   * once the server took it (within the lease).
   */
  async publish(message: BusMessage): Promise<void> {
    if (this.#settleFirst) await this.#first.catch(() => undefined); // at start: on the bus first (or its failure)
    const session = this.#session;
    if (!session)
      throw Object.assign(
        new Error(`the drop did not reach the bus at ${this.where}: ${this.#reason ?? 'not connected'}`),
        { code: 'ERR_BUS_PUBLISH' },
      );
    const gen = this.#gen;
    await this.#acks.publish(session, message, {
      wantAcks: this.#acksWanted,
      leaseMs: this.leaseMs,
      graceMs: serverLeaseMs(this.leaseMs),
      where: this.where,
      stillOn: () => gen === this.#gen,
      unanswered: (err) => this.#lose(gen, err.message, err),
    });
  }

  /** A drop that could not be applied here: not served from until a whole catch-up succeeds. */
  applyFailed(reason: string, cause?: unknown): void {
    this.#applyFailures++;
    this.#log.forget(); // what the directory holds is no longer known: all of it goes
    if (this.#state === 'closed') return;
    const was = this.#state;
    if (was === 'serving') this.#state = 'suspended';
    this.#reason = reason;
    this.#hooks.down(reason, cause);
    if (was === 'serving' && this.#session) void this.#catchUp(this.#gen, this.#session);
  }

  close(): void {
    this.#state = 'closed';
    this.#reason = 'closed';
    this.#gen++;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retryTimer);
    const session = this.#session;
    const member = this.#member;
    if (session && member) {
      // leaving the members lets drops made meanwhile settle at once, not when the lease lapses
      setTimeout(() => session.close(), 200).unref();
      void session.leave(member).then(session.close, session.close);
    } else session?.close();
    this.#session = undefined;
    this.#member = undefined;
    this.#acks.failAll(new Error('the cache was closed before every member acknowledged the drop'));
    this.#settleFirst?.(new Error('the cache was closed before it reached the bus'));
  }

  /** A failure no retry cures (a wrong password stays wrong, a missing grant stays missing): told once, and closed. */
  #fail(err: unknown): void {
    this.#hooks.down((err as Error).message, err);
    this.close();
    this.#reason = (err as Error).message;
  }

  async #open(): Promise<void> {
    const gen = ++this.#gen;
    let session: BusSession;
    let started = performance.now();
    try {
      await this.#transport.prepare?.();
      if (gen !== this.#gen) return;
      started = performance.now();
      session = await withTimeout(
        this.#transport.open({
          message: (drop, ackTo, own) => this.#message(gen, drop, ackTo, own),
          ack: (epoch, seq, member) => {
            if (gen === this.#gen) this.#acks.ack(epoch, seq, member);
          },
          lost: (reason) => this.#lose(gen, reason),
        }),
        this.leaseMs,
        'to connect and SUBSCRIBE',
      ).catch((err: unknown) => {
        throw (err as { code?: string }).code === 'ERR_BUS_TIMEOUT'
          ? Object.assign(new Error(`cannot reach the bus at ${this.where}: ${(err as Error).message}`), {
              code: 'ERR_BUS_UNREACHABLE',
              cause: err,
            })
          : err;
      });
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#reason = (err as Error).message;
      this.#settleFirst?.(err as Error);
      if (isFatal(err)) return this.#fail(err);
      this.#retryLater(gen);
      return;
    }
    if (gen !== this.#gen) return session.close(); // a session timed out but opened after all
    this.#session = session;
    this.#lease.opened(started);
    this.#backoffMs = Math.min(100, this.leaseMs / 10);
    this.#log.detach();
    // a member before anything is caught up: a drop the server takes from now on waits for us
    const joined = performance.now();
    try {
      await withTimeout(
        session.renew(session.origin, serverLeaseMs(this.leaseMs), true),
        this.leaseMs,
        'to take a lease',
      );
    } catch (err) {
      if (isFatal(err) && gen === this.#gen) {
        this.#settleFirst?.(err as Error);
        return this.#fail(err);
      }
      return this.#lose(gen, (err as Error).message, err);
    }
    if (gen !== this.#gen) return;
    this.#member = session.origin;
    this.#lease.renewed(joined);
    await this.#catchUp(gen, session);
  }

  async #catchUp(gen: number, session: BusSession): Promise<void> {
    if (gen !== this.#gen) return;
    const failures = this.#applyFailures;
    this.#state = 'catching-up';
    this.#log.detach();
    let told: string;
    let missed: LoggedDrop[] | undefined;
    let now: LogPosition;
    const from = this.#log.position;
    try {
      // the drops missed since the last one applied, if the log still holds them all
      ({ missed, now } = await readMissed(session, from, this.leaseMs));
    } catch (err) {
      return this.#lose(gen, (err as Error).message, err);
    }
    if (gen !== this.#gen) return;
    try {
      if (missed) {
        for (const drop of missed) this.#hooks.apply(drop.message);
        told = `caught up from the log: ${missed.length} drop(s) it missed were applied, every other entry kept`;
      } else {
        await this.#hooks.catchUp();
        told = from
          ? 'every entry was dropped: the drops it missed are no longer in the log (more of them than it keeps, or Redis lost its data)'
          : 'every entry was dropped: what it holds may have missed drops made before it joined';
      }
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#reason = `back on the bus, but the entries could not be dropped (${(err as Error).message})`;
      this.#hooks.down(`${this.#reason}: every call computes until they can be`, err);
      this.#retryTimer = setTimeout(() => void this.#catchUp(gen, session), this.#nextBackoff()).unref();
      return;
    }
    if (gen !== this.#gen) return;
    this.#log.follow(now);
    // the subscription still stands, after the drop: a PING sent now is answered after any
    // message published before it
    const sent = performance.now();
    try {
      await withTimeout(session.ping(), this.leaseMs, 'to a PING');
    } catch (err) {
      this.#lose(gen, (err as Error).message, err);
      return;
    }
    if (gen !== this.#gen) return;
    if (this.#applyFailures !== failures) return void this.#catchUp(gen, session); // a drop failed meanwhile: again
    if (!this.#log.caughtUp) return; // a drop was missed meanwhile: caught up again already
    this.#serve(sent, told);
  }

  /** The one transition into serving. */
  #serve(confirmedAt: number, told: string): void {
    const back = this.#settleFirst === undefined;
    this.#lease.confirmed(confirmedAt);
    this.#state = 'serving';
    this.#reason = undefined;
    this.#leaseWarned = false;
    this.#settleFirst?.();
    if (back) this.#hooks.up(`back on the bus (${this.where}): ${told}`);
  }

  #message(gen: number, drop: LoggedDrop, ackTo: string | undefined, own: boolean): void {
    if (gen !== this.#gen) return;
    this.#lease.heard();
    if (!own) {
      try {
        this.#hooks.apply(drop.message);
      } catch (err) {
        this.applyFailed(
          `a drop from the bus could not be applied (${(err as Error).message}): every call computes until every entry can be dropped`,
          err,
        );
      }
      // applied, or not served from any more: either way no read here returns what it dropped
      const session = this.#session;
      if (ackTo && session && this.#member) session.ack(ackTo, drop.at, this.#member);
    }
    // a drop between the last one and this one never came: not served from until caught up again
    if (this.#log.place(drop.at) !== 'gap') return;
    if (this.#state === 'serving') {
      this.#state = 'catching-up';
      this.#hooks.down(`a drop on the bus was missed (${this.where}): every call computes until it is caught up`);
    }
    if (this.#session) void this.#catchUp(gen, this.#session);
  }

  /** The heartbeat: a PING, and a link silent for the lease is lost. */
  #beat(): void {
    const session = this.#session;
    if (!session || this.#state === 'closed') return;
    const gen = this.#gen;
    const now = performance.now();
    if (this.#lease.silent(now)) return this.#lose(gen, `no answer from the bus for ${this.leaseMs} ms`);
    if (this.#state === 'serving' && !this.#lease.holds(now) && !this.#leaseWarned) {
      // messages still arrive (a flood, a busy process): not lost, but not served from until a PING is answered
      this.#leaseWarned = true;
      this.#hooks.down(`no PING answered by the bus for ${this.leaseMs} ms: every call computes until one is`);
    }
    session.ping().then(
      () => {
        if (gen !== this.#gen) return;
        this.#lease.confirmed(now);
      },
      () => undefined, // a failed PING: the loss, or the lease, tells
    );
    const member = this.#member;
    if (!member) return;
    session.renew(member, serverLeaseMs(this.leaseMs), false).then(
      (renewed) => {
        if (gen !== this.#gen) return;
        if (!renewed)
          return this.#lose(gen, `its lease on the bus lapsed (no renewal answered for ${this.leaseMs} ms)`);
        this.#lease.renewed(now);
      },
      () => undefined, // as for a PING
    );
  }

  /** The session of generation gen is lost: suspended at once, a new one opened after a backoff. */
  #lose(gen: number, reason: string, cause?: unknown): void {
    if (gen !== this.#gen || this.#state === 'closed') return;
    this.#gen++;
    this.#session?.close();
    this.#session = undefined;
    this.#member = undefined;
    this.#log.detach();
    this.#acks.failAll(
      Object.assign(
        new Error(
          `the drop reached the bus at ${this.where}, but the link was lost before every member acknowledged it (${reason})`,
        ),
        { code: 'ERR_BUS_ACK' },
      ),
    );
    const was = this.#state;
    this.#state = this.#settleFirst ? 'connecting' : 'suspended';
    this.#reason = reason;
    if (this.#settleFirst)
      this.#settleFirst(
        Object.assign(new Error(`cannot reach the bus at ${this.where}: ${reason}`), {
          code: 'ERR_BUS_UNREACHABLE',
          cause,
        }),
      );
    else if (was === 'serving' || was === 'catching-up')
      this.#hooks.down(
        `${reason} (${this.where}): every call computes, nothing is served from the cache until it is back`,
        cause,
      );
    this.#retryLater(this.#gen);
  }

  #nextBackoff(): number {
    const ms = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    return ms;
  }

  #retryLater(gen: number): void {
    if (this.#state !== 'closed') this.#state = this.#settleFirst ? 'connecting' : 'suspended';
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (gen === this.#gen && this.#state !== 'closed') void this.#open();
    }, this.#nextBackoff()).unref();
  }
}
