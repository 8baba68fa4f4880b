/**
 * The cache bus over Redis pub/sub, with ioredis (loaded here, on first use: nothing pays for it
 * unless a bus is configured). Two connections: a subscriber, and a publisher whose commands fail
 * at once while it is disconnected (enableOfflineQueue: false), so that a drop that did not reach
 * the bus is an error to its caller, never a silent success. The subscriber re-subscribes itself
 * after a reconnect (autoResubscribe is off: "up" is said only once the SUBSCRIBE is answered).
 * Messages carry the sender's id, so an instance does not apply its own drops twice.
 */
import { randomBytes } from 'node:crypto';
import type { BusHandlers, BusMessage, CacheBus } from './bus.js';
import { parseBusUrl } from './bus.js';

type RedisClient = import('ioredis').Redis;

async function loadRedis(): Promise<typeof import('ioredis').Redis> {
  const m = (await import('ioredis')) as unknown as { default: typeof import('ioredis').Redis & { default?: typeof import('ioredis').Redis } };
  return m.default.default ?? m.default;
}

/** Reconnect after 100 ms, doubling to 2 s, for ever: the bus is worth waiting for. */
const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times - 1, 5), 2000);

export class RedisBus implements CacheBus {
  readonly where: string;
  readonly #url: string;
  readonly #channel: string;
  readonly #origin = randomBytes(8).toString('hex');
  #sub: RedisClient | undefined;
  #pub: RedisClient | undefined;
  #up = false;
  #started = false;
  #closing = false;

  constructor(url: string, channel: string) {
    const { safe } = parseBusUrl(url);
    this.#url = url;
    this.where = `${safe} channel ${channel}`;
    this.#channel = channel;
  }

  async start(handlers: BusHandlers): Promise<void> {
    const Redis = await loadRedis();
    const options = { lazyConnect: true, enableOfflineQueue: false, autoResubscribe: false, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy };
    const sub = new Redis(this.#url, options);
    const pub = new Redis(this.#url, options);
    this.#sub = sub;
    this.#pub = pub;
    // errors are told by 'close' and by the failed commands; unhandled, they would crash the process
    sub.on('error', () => undefined);
    pub.on('error', () => undefined);
    sub.on('message', (channel: string, text: string) => {
      if (channel !== this.#channel) return;
      let m: { o?: string; op?: string; n?: string; h?: string };
      try {
        m = JSON.parse(text) as typeof m;
      } catch {
        return; // not ours
      }
      if (m.o === this.#origin || typeof m.n !== 'string') return;
      if (m.op === 'drop' && typeof m.h === 'string') handlers.message({ op: 'drop', name: m.n, hash: m.h });
      else if (m.op === 'dropAll') handlers.message({ op: 'dropAll', name: m.n });
    });
    sub.on('close', () => {
      if (this.#up && !this.#closing) {
        this.#up = false;
        handlers.down('the connection to the bus was lost');
      }
    });
    sub.on('ready', () => {
      // the first connection is start()'s; this is for the ones after a loss
      if (!this.#started || this.#up || this.#closing) return;
      // after a reconnect: subscribed again before anything is said to be up
      sub.subscribe(this.#channel).then(
        () => {
          if (this.#up || this.#closing) return;
          this.#up = true;
          handlers.up();
        },
        () => undefined, // the next 'close' and 'ready' try again
      );
    });
    try {
      await sub.connect();
      await sub.subscribe(this.#channel);
      await pub.connect();
      this.#up = true;
      this.#started = true;
    } catch (err) {
      this.#closing = true;
      sub.disconnect();
      pub.disconnect();
      throw Object.assign(new Error(`cannot reach the bus at ${this.where}: ${(err as Error).message}`), { code: 'ERR_BUS_UNREACHABLE', cause: err });
    }
  }

  async publish(message: BusMessage): Promise<void> {
    const pub = this.#pub;
    if (!pub) throw new Error('the bus is not started');
    const text = JSON.stringify(message.op === 'drop' ? { o: this.#origin, op: 'drop', n: message.name, h: message.hash } : { o: this.#origin, op: 'dropAll', n: message.name });
    try {
      await pub.publish(this.#channel, text);
    } catch (err) {
      throw Object.assign(new Error(`the drop did not reach the bus at ${this.where}: ${(err as Error).message}`), { code: 'ERR_BUS_PUBLISH', cause: err });
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#up = false;
    await Promise.all([this.#sub, this.#pub].map((c) => c?.quit().catch(() => c.disconnect())));
  }
}
