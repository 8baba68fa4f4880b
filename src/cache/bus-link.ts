/**
 * The link to the bus, as one state machine: the only owner of whether a cache may serve.
 *
 *   connecting ─▶ catching-up ─▶ serving ─▶ suspended ─▶ catching-up ─▶ …      closed at the end
 *
 * Pub/sub delivers at most once, so a cache may answer from its directory only while it knows
 * that every drop published until a recent instant has reached it. That instant is the one at
 * which the last PING answered was sent: the server answers a PING after every message it sent
 * before, on the same connection. The lease: `serving` holds only while that instant is younger
 * than leaseMs, checked at every read, so a link that goes silent stops serving before leaseMs
 * has passed, whatever the timers do. A PING goes every leaseMs / 3.
 *
 * The link is also a member of the bus, with a lease in Redis judged by the server's clock
 * (redis-bus.ts): taken when a session opens, renewed with each heartbeat, lapsing leaseMs plus a
 * margin after the server ran the last renewal, never renewed once lapsed. The link serves only
 * while the last renewal answered was *sent* less than leaseMs ago, so it has stopped serving
 * before its lease lapses on the server; that is what lets a drop settle on a member's lease
 * instead of its acknowledgement (drop-acks.ts).
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

/** The default lease: at most this long between the last confirmation and a stale read. */
export const DEFAULT_LEASE_MS = 3000;
/** How much longer a lease runs on the server than the member serves on it: for clocks that run at slightly different rates. */
const leaseMargin = (leaseMs: number) => Math.max(50, leaseMs / 10);
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
  /** When the last renewal of the lease that was answered was sent (performance.now()). */
  #renewedAt = -Infinity;
  /** The last drop of the log applied here (kept across sessions: what a new one catches up from). */
  #position: LogPosition | undefined;
  /** Whether the position follows the live drops (once caught up in this session); else they are kept in #seen. */
  #caughtUp = false;
  readonly #seen = new Map<number, LogPosition>();
  #state: LinkState = 'connecting';
  #reason: string | undefined = 'connecting to the bus';
  #gen = 0;
  #session: BusSession | undefined;
  /** When the last PING that was answered was sent (performance.now()). */
  #confirmedAt = -Infinity;
  /** When the subscriber last heard anything: a silent link is lost, a slow one only not served from. */
  #heardAt = -Infinity;
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
    return this.#state === 'serving' && performance.now() - this.#leaseFrom() < this.leaseMs;
  }

  /** The instant the lease runs from: the older of the last PING answered and the last renewal answered. */
  #leaseFrom(): number {
    return Math.min(this.#confirmedAt, this.#renewedAt);
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
    const grace = this.leaseMs + leaseMargin(this.leaseMs);
    let published;
    try {
      published = await withTimeout(session.publish(message, this.#acksWanted, grace), this.leaseMs, 'to a PUBLISH');
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUS_TIMEOUT') this.#lose(gen, (err as Error).message, err);
      throw Object.assign(new Error(`the drop did not reach the bus at ${this.where}: ${(err as Error).message}`), {
        code: 'ERR_BUS_PUBLISH',
        cause: err,
      });
    }
    if (!this.#acksWanted) return;
    if (gen !== this.#gen)
      throw Object.assign(
        new Error(
          `the drop reached the bus at ${this.where}, but the link was lost before every member acknowledged it`,
        ),
        { code: 'ERR_BUS_ACK' },
      );
    try {
      await this.#acks.wait(session, published, session.origin, 2 * this.leaseMs, this.where);
    } catch (err) {
      // told as a drop that did not reach the bus: the other caches may still hold the entry
      throw Object.assign(new Error(`the drop did not reach every cache on the bus: ${(err as Error).message}`), {
        code: 'ERR_BUS_PUBLISH',
        cause: err,
      });
    }
  }

  /** A drop that could not be applied here: not served from until a whole catch-up succeeds. */
  applyFailed(reason: string, cause?: unknown): void {
    this.#applyFailures++;
    this.#position = undefined; // what the directory holds is no longer known: all of it goes
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
    this.#heardAt = started;
    this.#backoffMs = Math.min(100, this.leaseMs / 10);
    this.#caughtUp = false;
    this.#seen.clear();
    // a member before anything is caught up: a drop the server takes from now on waits for us
    const joined = performance.now();
    try {
      await withTimeout(
        session.renew(session.origin, this.leaseMs + leaseMargin(this.leaseMs), true),
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
    this.#renewedAt = joined;
    await this.#catchUp(gen, session);
  }

  async #catchUp(gen: number, session: BusSession): Promise<void> {
    if (gen !== this.#gen) return;
    const failures = this.#applyFailures;
    this.#state = 'catching-up';
    this.#caughtUp = false;
    let told: string;
    let missed: LoggedDrop[] | undefined;
    let now: LogPosition;
    const from = this.#position;
    try {
      // the drops missed since the last one applied, if the log still holds them all
      missed = from && (await withTimeout(session.since(from), this.leaseMs, 'to read the log of drops'));
      now = missed
        ? (missed.at(-1)?.at ?? from!)
        : await withTimeout(session.position(), this.leaseMs, 'to read the log of drops');
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
    this.#position = now;
    this.#follow();
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
    if (!this.#caughtUp) return; // a drop was missed meanwhile: caught up again already
    this.#serve(sent, told);
  }

  /** Advances the position through the live drops seen while catching up; from now on it follows them. */
  #follow(): void {
    let p = this.#position!;
    for (let next = this.#seen.get(p.seq + 1); next && next.epoch === p.epoch; next = this.#seen.get(p.seq + 1))
      p = next;
    this.#position = p;
    this.#seen.clear();
    this.#caughtUp = true;
  }

  /** The one transition into serving. */
  #serve(confirmedAt: number, told: string): void {
    const back = this.#settleFirst === undefined;
    this.#confirmedAt = confirmedAt;
    this.#heardAt = Math.max(this.#heardAt, confirmedAt);
    this.#state = 'serving';
    this.#reason = undefined;
    this.#leaseWarned = false;
    this.#settleFirst?.();
    if (back) this.#hooks.up(`back on the bus (${this.where}): ${told}`);
  }

  #message(gen: number, drop: LoggedDrop, ackTo: string | undefined, own: boolean): void {
    if (gen !== this.#gen) return;
    this.#heardAt = performance.now();
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
    const at = drop.at;
    if (!this.#caughtUp) return void this.#seen.set(at.seq, at);
    const p = this.#position!;
    if (at.epoch === p.epoch && at.seq <= p.seq) return;
    if (at.epoch === p.epoch && at.seq === p.seq + 1) return void (this.#position = at);
    // a drop between the last one and this one never came: not served from until caught up again
    this.#caughtUp = false;
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
    if (now - this.#heardAt > this.leaseMs) return this.#lose(gen, `no answer from the bus for ${this.leaseMs} ms`);
    if (this.#state === 'serving' && now - this.#leaseFrom() >= this.leaseMs && !this.#leaseWarned) {
      // messages still arrive (a flood, a busy process): not lost, but not served from until a PING is answered
      this.#leaseWarned = true;
      this.#hooks.down(`no PING answered by the bus for ${this.leaseMs} ms: every call computes until one is`);
    }
    session.ping().then(
      () => {
        if (gen !== this.#gen) return;
        this.#heardAt = Math.max(this.#heardAt, performance.now());
        if (now > this.#confirmedAt) this.#confirmedAt = now;
      },
      () => undefined, // a failed PING: the loss, or the lease, tells
    );
    const member = this.#member;
    if (!member) return;
    session.renew(member, this.leaseMs + leaseMargin(this.leaseMs), false).then(
      (renewed) => {
        if (gen !== this.#gen) return;
        if (!renewed)
          return this.#lose(gen, `its lease on the bus lapsed (no renewal answered for ${this.leaseMs} ms)`);
        if (now > this.#renewedAt) this.#renewedAt = now;
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
    this.#caughtUp = false;
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
