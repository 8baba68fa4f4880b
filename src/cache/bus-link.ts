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
 * `serving` is entered in one place only (#serve): in the current generation, after the
 * subscription was confirmed, after everything the directory held was dropped (drops published
 * while no subscription listened are lost), and after a PING sent once that drop was done has
 * been answered. Every asynchronous step records the generation it started in and commits
 * nothing if a loss bumped it meanwhile.
 */
import type { BusMessage, BusSession, BusTransport } from './bus.js';

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
const MAX_BACKOFF_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer from the bus within ${ms} ms ${what}`), { code: 'ERR_BUS_TIMEOUT' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class BusLink {
  readonly where: string;
  readonly leaseMs: number;
  readonly #transport: BusTransport;
  readonly #hooks: LinkHooks;
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

  constructor(transport: BusTransport, hooks: LinkHooks, leaseMs = DEFAULT_LEASE_MS) {
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
    return this.#state === 'serving' && performance.now() - this.#confirmedAt < this.leaseMs;
  }

  /** The state, with a lapsed lease told as suspended; and why it does not serve. */
  status(): { readonly state: LinkState; readonly reason?: string } {
    if (this.#state === 'serving' && !this.serving) return { state: 'suspended', reason: `no answer from the bus for ${this.leaseMs} ms` };
    return this.#state === 'serving' ? { state: 'serving' } : { state: this.#state, reason: this.#reason };
  }

  /** Settles once the link first serves, or rejects at its first failure (within the lease). */
  ready(): Promise<void> {
    return this.#first;
  }

  /** Publishes a drop; settles within the lease: resolved once the server took it. */
  async publish(message: BusMessage): Promise<void> {
    if (this.#settleFirst) await this.#first.catch(() => undefined); // at start: on the bus first (or its failure)
    const session = this.#session;
    if (!session) throw Object.assign(new Error(`the drop did not reach the bus at ${this.where}: ${this.#reason ?? 'not connected'}`), { code: 'ERR_BUS_PUBLISH' });
    const gen = this.#gen;
    try {
      await withTimeout(session.publish(message), this.leaseMs, 'to a PUBLISH');
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUS_TIMEOUT') this.#lose(gen, (err as Error).message, err);
      throw Object.assign(new Error(`the drop did not reach the bus at ${this.where}: ${(err as Error).message}`), { code: 'ERR_BUS_PUBLISH', cause: err });
    }
  }

  /** A drop that could not be applied here: not served from until a whole catch-up succeeds. */
  applyFailed(reason: string, cause?: unknown): void {
    this.#applyFailures++;
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
    this.#session?.close();
    this.#session = undefined;
    this.#settleFirst?.(new Error('the cache was closed before it reached the bus'));
  }

  async #open(): Promise<void> {
    const gen = ++this.#gen;
    const started = performance.now();
    let session: BusSession;
    try {
      session = await withTimeout(
        this.#transport.open({
          message: (m) => this.#message(gen, m),
          lost: (reason) => this.#lose(gen, reason),
        }),
        this.leaseMs,
        'to connect and SUBSCRIBE',
      ).catch((err: unknown) => {
        throw (err as { code?: string }).code === 'ERR_BUS_TIMEOUT' ? Object.assign(new Error(`cannot reach the bus at ${this.where}: ${(err as Error).message}`), { code: 'ERR_BUS_UNREACHABLE', cause: err }) : err;
      });
    } catch (err) {
      if (gen !== this.#gen) return;
      const fatal = (err as { code?: string }).code === 'ERR_BUS_AUTH';
      this.#reason = (err as Error).message;
      this.#settleFirst?.(err as Error);
      if (fatal) {
        // a wrong password stays wrong: not tried again and again
        this.#hooks.down((err as Error).message, err);
        this.close();
        this.#reason = (err as Error).message;
        return;
      }
      this.#retryLater(gen);
      return;
    }
    if (gen !== this.#gen) return session.close(); // a session timed out but opened after all
    this.#session = session;
    this.#heardAt = started;
    this.#backoffMs = Math.min(100, this.leaseMs / 10);
    await this.#catchUp(gen, session);
  }

  async #catchUp(gen: number, session: BusSession): Promise<void> {
    if (gen !== this.#gen) return;
    const failures = this.#applyFailures;
    this.#state = 'catching-up';
    try {
      await this.#hooks.catchUp();
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#reason = `back on the bus, but the entries could not be dropped (${(err as Error).message})`;
      this.#hooks.down(`${this.#reason}: every call computes until they can be`, err);
      this.#retryTimer = setTimeout(() => void this.#catchUp(gen, session), this.#nextBackoff()).unref();
      return;
    }
    if (gen !== this.#gen) return;
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
    this.#serve(sent);
  }

  /** The one transition into serving. */
  #serve(confirmedAt: number): void {
    const back = this.#settleFirst === undefined;
    this.#confirmedAt = confirmedAt;
    this.#heardAt = Math.max(this.#heardAt, confirmedAt);
    this.#state = 'serving';
    this.#reason = undefined;
    this.#leaseWarned = false;
    this.#settleFirst?.();
    if (back) this.#hooks.up(`back on the bus (${this.where}): every entry was dropped, drops published while it was off were lost`);
  }

  #message(gen: number, m: BusMessage): void {
    if (gen !== this.#gen) return;
    this.#heardAt = performance.now();
    try {
      this.#hooks.apply(m);
    } catch (err) {
      this.applyFailed(`a drop from the bus could not be applied (${(err as Error).message}): every call computes until every entry can be dropped`, err);
    }
  }

  /** The heartbeat: a PING, and a link silent for the lease is lost. */
  #beat(): void {
    const session = this.#session;
    if (!session || this.#state === 'closed') return;
    const gen = this.#gen;
    const now = performance.now();
    if (now - this.#heardAt > this.leaseMs) return this.#lose(gen, `no answer from the bus for ${this.leaseMs} ms`);
    if (this.#state === 'serving' && now - this.#confirmedAt >= this.leaseMs && !this.#leaseWarned) {
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
  }

  /** The session of generation gen is lost: suspended at once, a new one opened after a backoff. */
  #lose(gen: number, reason: string, cause?: unknown): void {
    if (gen !== this.#gen || this.#state === 'closed') return;
    this.#gen++;
    this.#session?.close();
    this.#session = undefined;
    const was = this.#state;
    this.#state = this.#settleFirst ? 'connecting' : 'suspended';
    this.#reason = reason;
    if (this.#settleFirst) this.#settleFirst(Object.assign(new Error(`cannot reach the bus at ${this.where}: ${reason}`), { code: 'ERR_BUS_UNREACHABLE', cause }));
    else if (was === 'serving' || was === 'catching-up') this.#hooks.down(`${reason} (${this.where}): every call computes, nothing is served from the cache until it is back`, cause);
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
