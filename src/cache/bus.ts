/**
 * The bus that keeps many caches coherent: every drop made by any instance is
 * published, and every instance on the same bus and channel applies it to its own directory.
 * The transport is Redis pub/sub (redis-bus.ts, ioredis loaded only when a bus is configured),
 * which delivers at most once: what is published while an instance is not subscribed is lost to
 * it. So an instance serves from its cache only while its link to the bus is confirmed live
 * (bus-link.ts), and drops every entry it holds before it serves again.
 */

/** A drop, as the bus carries it: one entry (by its arguments' hash) or every entry of a function. */
export type BusMessage = { readonly op: 'drop'; readonly name: string; readonly hash: string } | { readonly op: 'dropAll'; readonly name: string };

/** What a cache tells of its bus: up only while the link grants serving (see bus-link.ts). */
export type BusState = 'connecting' | 'up' | 'down';

/** What a session tells the link: another instance's drop, and its own loss (told once). */
export interface SessionEvents {
  message(message: BusMessage): void;
  lost(reason: string): void;
}

/** One connection to the bus, subscribed: once lost, it stays lost (the link opens another). */
export interface BusSession {
  /** Resolves when the server answered, after every message it sent before. */
  ping(): Promise<void>;
  /** Resolves once the server took the message. */
  publish(message: BusMessage): Promise<void>;
  close(): void;
}

/** A transport for the bus: Redis pub/sub (redis-bus.ts), or another with the same promises. */
export interface BusTransport {
  /** Where it connects, without credentials: for messages and /healthz. */
  readonly where: string;
  /** Connects and subscribes; rejects when the server cannot be reached or refuses. */
  open(events: SessionEvents): Promise<BusSession>;
}

/** A bus URL as given, checked: redis:// or rediss://, a host; the password is never printed. */
export function parseBusUrl(input: string): { readonly url: URL; readonly safe: string } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw Object.assign(new Error('the bus is not a URL: expected redis://[user:password@]host[:port][/db] or rediss://…'), { code: 'ERR_BUS_URL' });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw Object.assign(new Error(`the bus scheme ${url.protocol.replace(/:$/, '')} is not supported: use redis:// or rediss:// (TLS)`), { code: 'ERR_BUS_URL' });
  }
  if (!url.hostname) throw Object.assign(new Error('the bus URL names no host'), { code: 'ERR_BUS_URL' });
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) {
    throw Object.assign(new Error(`the bus URL's path ${url.pathname} is not a database number (/0 … /15)`), { code: 'ERR_BUS_URL' });
  }
  const safe = `${url.protocol}//${url.username ? `${decodeURIComponent(url.username)}:***@` : url.password ? ':***@' : ''}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  return { url, safe };
}
