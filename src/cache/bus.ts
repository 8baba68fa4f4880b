/**
 * The bus that keeps many caches coherent: every drop made by any instance is logged and
 * published, and every instance on the same bus and channel applies it to its own directory and
 * acknowledges it. The transport is Redis (redis-bus.ts, ioredis loaded only when a bus is
 * configured). Instances are members, each with a lease judged by the Redis server's clock;
 * a drop waits for every member whose lease was live when it was published to acknowledge it,
 * or for that lease to lapse (bus-link.ts). Pub/sub delivers at most once, so drops are also
 * appended to a bounded log (a Redis Stream) from which an instance that was off the bus
 * catches up; an instance serves from its cache only while its link is confirmed live.
 */

/** A drop, as the bus carries it: one entry (by its arguments' hash) or every entry of a function. */
export type BusMessage =
  | { readonly op: 'drop'; readonly name: string; readonly hash: string }
  | { readonly op: 'dropAll'; readonly name: string };

/**
 * What drop() waits for. 'applied': every member whose lease is live applied it (or its lease
 * lapsed); 'published': the server took it (other members apply it a moment later, and one
 * that missed it stops serving within its lease).
 */
export type BusAcks = 'applied' | 'published';

/** What a cache tells of its bus: up only while the link grants serving (see bus-link.ts). */
export type BusState = 'connecting' | 'up' | 'down';

/** Where a member stands in the bus's log of drops: the log's epoch (a new one after Redis lost its data), the last drop's sequence number and its stream id. */
export interface LogPosition {
  readonly epoch: string;
  readonly seq: number;
  readonly id: string;
}

/** A drop as the log numbers it. */
export interface LoggedDrop {
  readonly message: BusMessage;
  readonly at: LogPosition;
}

/** What a session tells the link: another instance's drop (with who waits for its acknowledgement), an acknowledgement of one of ours, and its own loss (told once). */
export interface SessionEvents {
  message(drop: LoggedDrop, ackTo: string | undefined, own: boolean): void;
  ack(epoch: string, seq: number, member: string): void;
  lost(reason: string): void;
}

/** What the server answered to a drop: its place in the log, the members whose lease was live then, and how long Redis is still in its grace period. */
export interface Published {
  readonly at: LogPosition;
  readonly members: readonly { readonly member: string; readonly leftMs: number }[];
  readonly graceMs: number;
}

/** One connection to the bus, subscribed: once lost, it stays lost (the link opens another). */
export interface BusSession {
  /** This session's origin: where acknowledgements of its drops are sent. */
  readonly origin: string;
  /** Resolves when the server answered, after every message it sent before. */
  ping(): Promise<void>;
  /** Logs and publishes a drop; resolves once the server took it. graceMs: how long after Redis lost its data every member of before may still serve. */
  publish(message: BusMessage, wantAcks: boolean, graceMs: number): Promise<Published>;
  /**
   * Takes (first) or renews the member's lease, judged by the server's clock: false when the
   * lease had already lapsed (a lapsed lease is never renewed: the member joins again).
   */
  renew(member: string, leaseMs: number, first: boolean): Promise<boolean>;
  /** Leaves the members (a member that stopped serving for good). */
  leave(member: string): Promise<void>;
  /** Per member, how long its lease has still to run (0 when lapsed or gone), by the server's clock. */
  leases(members: readonly string[]): Promise<number[]>;
  /** Where the log stands now. */
  position(): Promise<LogPosition>;
  /** The drops logged after `from`, in order; undefined when some of them are no longer in the log (trimmed, or Redis lost its data). */
  since(from: LogPosition): Promise<LoggedDrop[] | undefined>;
  /** Tells `to` that this member applied the drop at `at`. */
  ack(to: string, at: LogPosition, member: string): void;
  close(): void;
}
/** A transport for the bus: Redis (redis-bus.ts), or another with the same promises. */
export interface BusTransport {
  /** Where it connects, without credentials: for messages and /healthz. */
  readonly where: string;
  /** Loads what it needs to connect (a module): not timed as the server's answer is. */
  prepare?(): Promise<void>;
  /** Connects and subscribes; rejects when the server cannot be reached or refuses. */
  open(events: SessionEvents): Promise<BusSession>;
}

/** A bus call that settles within ms: rejects with ERR_BUS_TIMEOUT when the server did not answer. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            Object.assign(new Error(`no answer from the bus within ${ms} ms ${what}`), { code: 'ERR_BUS_TIMEOUT' }),
          ),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A bus URL as given, checked: redis:// or rediss://, a host; the password is never printed. */
export function parseBusUrl(input: string): { readonly url: URL; readonly safe: string } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw Object.assign(
      new Error('the bus is not a URL: expected redis://[user:password@]host[:port][/db] or rediss://…'),
      { code: 'ERR_BUS_URL' },
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw Object.assign(
      new Error(`the bus scheme ${url.protocol.replace(/:$/, '')} is not supported: use redis:// or rediss:// (TLS)`),
      { code: 'ERR_BUS_URL' },
    );
  }
  if (!url.hostname) throw Object.assign(new Error('the bus URL names no host'), { code: 'ERR_BUS_URL' });
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) {
    throw Object.assign(new Error(`the bus URL's path ${url.pathname} is not a database number (/0 … /15)`), {
      code: 'ERR_BUS_URL',
    });
  }
  const safe = `${url.protocol}//${url.username ? `${decodeURIComponent(url.username)}:***@` : url.password ? ':***@' : ''}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  return { url, safe };
}
