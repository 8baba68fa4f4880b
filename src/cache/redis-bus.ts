/**
 * The cache bus's transport over Redis pub/sub, with ioredis (loaded here, on first use: nothing
 * pays for it unless a bus is configured). Each session is two fresh connections, a subscriber
 * and a publisher, that never reconnect by themselves and never queue a command while
 * disconnected: the link (bus-link.ts) decides when to open a new session, so a session that
 * was lost stays lost and nothing it started can be mistaken for the next one's. Messages carry
 * the sender's id, so an instance does not apply its own drops twice.
 */
import { randomBytes } from 'node:crypto';
import type { BusMessage, BusSession, BusTransport, SessionEvents } from './bus.js';
import { parseBusUrl } from './bus.js';

type RedisClient = import('ioredis').Redis;

async function loadRedis(): Promise<typeof import('ioredis').Redis> {
  const m = (await import('ioredis')) as unknown as { default: typeof import('ioredis').Redis & { default?: typeof import('ioredis').Redis } };
  return m.default.default ?? m.default;
}

/** Redis's answers to a missing or wrong password (AUTH, or a command sent without it). */
const AUTH_FAILED = /WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH <password> called without any password/i;

export class RedisBus implements BusTransport {
  readonly where: string;
  readonly #url: string;
  readonly #channel: string;
  readonly #origin = randomBytes(8).toString('hex');

  constructor(url: string, channel: string) {
    const { safe } = parseBusUrl(url);
    this.#url = url;
    this.where = `${safe} channel ${channel}`;
    this.#channel = channel;
  }

  async open(events: SessionEvents): Promise<BusSession> {
    const Redis = await loadRedis();
    const options = { lazyConnect: true, enableOfflineQueue: false, autoResubscribe: false, maxRetriesPerRequest: 0, retryStrategy: () => null };
    const sub: RedisClient = new Redis(this.#url, options);
    const pub: RedisClient = new Redis(this.#url, options);
    let open = true;
    let lastError: Error | undefined;
    const close = () => {
      if (!open) return;
      open = false;
      sub.disconnect();
      pub.disconnect();
    };
    // errors are told by 'close' and by the failed commands; unhandled, they would crash the process
    const onError = (err: Error) => (lastError = err);
    sub.on('error', onError);
    pub.on('error', onError);
    const lost = () => {
      if (!open) return;
      close();
      events.lost(lastError ? `the connection to the bus was lost (${lastError.message})` : 'the connection to the bus was lost');
    };
    sub.on('message', (channel: string, text: string) => {
      if (!open || channel !== this.#channel) return;
      let m: { o?: string; op?: string; n?: string; h?: string };
      try {
        m = JSON.parse(text) as typeof m;
      } catch {
        return; // not ours
      }
      if (m.o === this.#origin || typeof m.n !== 'string') return;
      if (m.op === 'drop' && typeof m.h === 'string') events.message({ op: 'drop', name: m.n, hash: m.h });
      else if (m.op === 'dropAll') events.message({ op: 'dropAll', name: m.n });
    });
    try {
      await Promise.all([sub.connect(), pub.connect()]);
      await sub.subscribe(this.#channel);
    } catch (err) {
      close();
      throw this.#failure(err, lastError);
    }
    // watched only once subscribed: a failure before is start's to tell
    sub.on('close', lost);
    pub.on('close', lost);
    if (sub.status !== 'ready' || pub.status !== 'ready') lost();
    return {
      ping: async () => {
        await sub.ping();
      },
      publish: async (message: BusMessage) => {
        const text = JSON.stringify(message.op === 'drop' ? { o: this.#origin, op: 'drop', n: message.name, h: message.hash } : { o: this.#origin, op: 'dropAll', n: message.name });
        await pub.publish(this.#channel, text);
      },
      close,
    };
  }

  #failure(err: unknown, last: Error | undefined): Error {
    const message = (err as Error).message;
    const auth = [message, last?.message ?? ''].find((m) => AUTH_FAILED.test(m));
    if (auth !== undefined) {
      return Object.assign(new Error(`the bus at ${this.where} refused the password (${auth.replace(/\.$/, '')}): the password in the bus URL is wrong or missing`), { code: 'ERR_BUS_AUTH', cause: err });
    }
    return Object.assign(new Error(`cannot reach the bus at ${this.where}: ${message}`), { code: 'ERR_BUS_UNREACHABLE', cause: err });
  }
}
