/**
 * The lease a bus link serves on, as the link keeps it (bus-link.ts owns the states).
 *
 * Pub/sub delivers at most once, so a cache may answer from its directory only while it knows
 * that every drop published until a recent instant has reached it. That instant is the one at
 * which the last PING answered was sent: the server answers a PING after every message it sent
 * before, on the same connection. The lease holds only while that instant is younger than
 * leaseMs, checked at every read, so a link that goes silent stops serving before leaseMs has
 * passed, whatever the timers do. A PING goes every leaseMs / 3.
 *
 * The link is also a member of the bus, with a lease in Redis judged by the server's clock
 * (redis-bus.ts): taken when a session opens, renewed with each heartbeat, lapsing leaseMs plus a
 * margin after the server ran the last renewal, never renewed once lapsed. The link serves only
 * while the last renewal answered was *sent* less than leaseMs ago, so it has stopped serving
 * before its lease lapses on the server; that is what lets a drop settle on a member's lease
 * instead of its acknowledgement (drop-acks.ts).
 */

/** The default lease: at most this long between the last confirmation and a stale read. */
export const DEFAULT_LEASE_MS = 3000;

/** How long the server keeps a member's lease: longer than it serves on it by a margin, for clocks that run at slightly different rates. */
export const serverLeaseMs = (leaseMs: number) => leaseMs + Math.max(50, leaseMs / 10);

/** Instants in performance.now() time. */
export class LeaseClock {
  /** When the last PING that was answered was sent. */
  #confirmedAt = -Infinity;
  /** When the last renewal of the lease that was answered was sent. */
  #renewedAt = -Infinity;
  /** When the subscriber last heard anything: a silent link is lost, a slow one only not served from. */
  #heardAt = -Infinity;

  constructor(readonly leaseMs: number) {}

  /** Whether the lease holds at `now`: it runs from the older of the last PING answered and the last renewal answered. */
  holds(now = performance.now()): boolean {
    return now - Math.min(this.#confirmedAt, this.#renewedAt) < this.leaseMs;
  }

  /** Whether nothing was heard for longer than the lease. */
  silent(now: number): boolean {
    return now - this.#heardAt > this.leaseMs;
  }

  heard(at = performance.now()): void {
    this.#heardAt = Math.max(this.#heardAt, at);
  }

  /** A new session: it was heard from when it began opening. */
  opened(at: number): void {
    this.#heardAt = at;
  }

  /** A PING sent at `sentAt` was answered. */
  confirmed(sentAt: number): void {
    if (sentAt > this.#confirmedAt) this.#confirmedAt = sentAt;
    this.heard();
  }

  /** A renewal sent at `sentAt` was answered. */
  renewed(sentAt: number): void {
    if (sentAt > this.#renewedAt) this.#renewedAt = sentAt;
  }
}
