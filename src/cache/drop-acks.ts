/**
 * Waiting for a drop's acknowledgements: a drop published on the bus settles once every member
 * whose lease was live when the server took it has acknowledged it, or that member's lease has
 * lapsed (by the server's clock: a member stops serving before its lease lapses there, see
 * bus-link.ts), and not before Redis's grace period after it lost its data has passed. The
 * invalidation discipline of Google's Chubby (invalidate, then wait for every cache's
 * acknowledgement or its lease to expire), over Redis. It rejects after a bound.
 */
import { withTimeout, type BusMessage, type BusSession, type LogPosition, type Published } from './bus.js';

interface Wait {
  fail(err: Error): void;
  acked(member: string): void;
}

/** Acknowledgements that came before the server's answer to the publish, kept for so many drops. */
const EARLY_KEPT = 100_000;

export class DropAcks {
  readonly #waits = new Map<string, Wait>();
  readonly #early = new Map<string, Set<string>>();

  /** A member acknowledged the drop at (epoch, seq). */
  ack(epoch: string, seq: number, member: string): void {
    const key = `${epoch} ${seq}`;
    const wait = this.#waits.get(key);
    if (wait) return wait.acked(member);
    let early = this.#early.get(key);
    if (!early) {
      if (this.#early.size >= EARLY_KEPT) this.#early.delete(this.#early.keys().next().value!);
      this.#early.set(key, (early = new Set()));
    }
    early.add(member);
  }

  /** Every wait rejects: the session they were told on is lost, so are acknowledgements sent on it. */
  failAll(err: Error): void {
    for (const wait of [...this.#waits.values()]) wait.fail(err);
    this.#early.clear();
  }

  /**
   * Publishes a drop on the session; with acknowledgements, resolves once every other member whose
   * lease was live applied it or its lease lapsed, and rejects after twice the lease; without, once
   * the server took it (within the lease). unanswered: the server did not answer the PUBLISH in
   * time (the link is lost); stillOn: whether the session is still the link's.
   */
  async publish(
    session: BusSession,
    message: BusMessage,
    o: {
      wantAcks: boolean;
      leaseMs: number;
      graceMs: number;
      where: string;
      stillOn(): boolean;
      unanswered(err: Error): void;
    },
  ): Promise<void> {
    let published;
    try {
      published = await withTimeout(session.publish(message, o.wantAcks, o.graceMs), o.leaseMs, 'to a PUBLISH');
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUS_TIMEOUT') o.unanswered(err as Error);
      throw Object.assign(new Error(`the drop did not reach the bus at ${o.where}: ${(err as Error).message}`), {
        code: 'ERR_BUS_PUBLISH',
        cause: err,
      });
    }
    if (!o.wantAcks) return;
    if (!o.stillOn())
      throw Object.assign(
        new Error(`the drop reached the bus at ${o.where}, but the link was lost before every member acknowledged it`),
        { code: 'ERR_BUS_ACK' },
      );
    try {
      await this.wait(session, published, session.origin, 2 * o.leaseMs, o.where);
    } catch (err) {
      // told as a drop that did not reach the bus: the other caches may still hold the entry
      throw Object.assign(new Error(`the drop did not reach every cache on the bus: ${(err as Error).message}`), {
        code: 'ERR_BUS_PUBLISH',
        cause: err,
      });
    }
  }

  /** Settles once every live member other than `self` acknowledged, or its lease lapsed; rejects after boundMs. */
  wait(
    session: BusSession,
    published: Published,
    self: string | undefined,
    boundMs: number,
    where: string,
  ): Promise<void> {
    const at: LogPosition = published.at;
    const key = `${at.epoch} ${at.seq}`;
    const pending = new Map(published.members.filter((m) => m.member !== self).map((m) => [m.member, m.leftMs]));
    for (const member of this.#early.get(key) ?? []) pending.delete(member);
    this.#early.delete(key);
    const graceEnd = performance.now() + published.graceMs;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(bound);
        clearTimeout(timer);
        this.#waits.delete(key);
        if (err) reject(err);
        else resolve();
      };
      const bound = setTimeout(
        () =>
          finish(
            Object.assign(
              new Error(
                `the drop reached the bus at ${where}, but ${pending.size} member(s) neither acknowledged it nor let their lease lapse within ${boundMs} ms`,
              ),
              { code: 'ERR_BUS_ACK' },
            ),
          ),
        boundMs,
      );
      const next = () => {
        clearTimeout(timer);
        const graceLeft = graceEnd - performance.now();
        if (pending.size === 0 && graceLeft <= 0) return finish();
        // the next look at the leases: when the first one left runs out (or the grace period ends)
        const soonest = pending.size === 0 ? graceLeft : Math.max(graceLeft, Math.min(...pending.values()));
        timer = setTimeout(() => void look(), Math.max(1, soonest + 2));
      };
      const look = async () => {
        const members = [...pending.keys()];
        let left: number[];
        try {
          left = await session.leases(members);
        } catch (err) {
          return finish(
            Object.assign(
              new Error(
                `the drop reached the bus at ${where}, but its acknowledgements could not be waited for: ${(err as Error).message}`,
              ),
              { code: 'ERR_BUS_ACK', cause: err },
            ),
          );
        }
        if (done) return;
        members.forEach((m, i) => {
          if (!pending.has(m)) return;
          if ((left[i] ?? 0) <= 0) pending.delete(m);
          else pending.set(m, left[i]!);
        });
        next();
      };
      this.#waits.set(key, {
        fail: (err) => finish(err),
        acked: (member) => {
          if (pending.delete(member) && pending.size === 0) next();
        },
      });
      next();
    });
  }
}
