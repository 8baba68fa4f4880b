/**
 * Where a bus link stands in the bus's log of drops (a Redis Stream, see redis-bus.ts): the last
 * drop applied here, kept across sessions so that a new one reads only what was missed. Live drops
 * arrive numbered; while the link catches up they are held, and once caught up the position
 * follows them one by one. A number skipped means a drop never came: the link catches up again.
 */
import { withTimeout, type BusSession, type LoggedDrop, type LogPosition } from './bus.js';

/** What a live drop is to the position: held (catching up), already applied, the next one, or after a gap. */
export type Placed = 'held' | 'old' | 'next' | 'gap';

export class LogCursor {
  /** The last drop of the log applied here; undefined when what the directory holds is not known. */
  #position: LogPosition | undefined;
  /** Whether the position follows the live drops (once caught up in this session); else they are held in #seen. */
  #caughtUp = false;
  readonly #seen = new Map<number, LogPosition>();

  get position(): LogPosition | undefined {
    return this.#position;
  }

  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  /** What the directory holds is no longer known: the next catch-up drops all of it. */
  forget(): void {
    this.#position = undefined;
  }

  /** Live drops are held, not followed: a new session, a loss, a catch-up begun. */
  detach(): void {
    this.#caughtUp = false;
    this.#seen.clear();
  }

  /** Caught up to `now`: advances through the live drops held meanwhile, and follows them from here on. */
  follow(now: LogPosition): void {
    let p = now;
    for (let next = this.#seen.get(p.seq + 1); next && next.epoch === p.epoch; next = this.#seen.get(p.seq + 1))
      p = next;
    this.#position = p;
    this.#seen.clear();
    this.#caughtUp = true;
  }

  /** A live drop at `at`: where it falls; after a gap, the cursor stops following until caught up again. */
  place(at: LogPosition): Placed {
    if (!this.#caughtUp) return (void this.#seen.set(at.seq, at), 'held');
    const p = this.#position!;
    if (at.epoch === p.epoch && at.seq <= p.seq) return 'old';
    if (at.epoch === p.epoch && at.seq === p.seq + 1) return ((this.#position = at), 'next');
    this.#caughtUp = false;
    return 'gap';
  }
}

/**
 * The drops logged since `from` and where the log stands after them; missed is undefined when
 * the log no longer holds them all (or there is no `from`): then everything must go.
 */
export async function readMissed(
  session: BusSession,
  from: LogPosition | undefined,
  ms: number,
): Promise<{ missed: LoggedDrop[] | undefined; now: LogPosition }> {
  const missed = from && (await withTimeout(session.since(from), ms, 'to read the log of drops'));
  const now = missed
    ? (missed.at(-1)?.at ?? from!)
    : await withTimeout(session.position(), ms, 'to read the log of drops');
  return { missed, now };
}
