/**
 * The cache bus's transport over Redis, with ioredis (loaded here, on first use: nothing pays for
 * it unless a bus is configured). Each session is two fresh connections, a subscriber and a
 * publisher, that never reconnect by themselves and never queue a command while disconnected:
 * the link (bus-link.ts) decides when to open a new session, so a session that was lost stays
 * lost and nothing it started can be mistaken for the next one's.
 *
 * On the server, per channel C (each step one Lua script, so each is atomic and timed by the
 * server's clock, TIME, never a host's):
 *   C:members  a sorted set of members, scored by when their lease lapses;
 *   C:log      a Stream of drops, trimmed to about logLength entries (MAXLEN ~);
 *   C:epoch    the log's identity, the number of the last drop, and when it was made: a Redis that
 *              lost its data makes a new one, and for a lease after that, drops wait as if every
 *              member of the old one were still live (its members may still serve until then).
 * A drop is logged, numbered and published in one step that also answers which members are live;
 * each member applies it and acknowledges on C:ack:<the publisher's session>.
 */
import { randomBytes } from 'node:crypto';
import type { BusMessage, BusSession, BusTransport, LoggedDrop, LogPosition, Published, SessionEvents } from './bus.js';
import { parseBusUrl } from './bus.js';

type RedisClient = import('ioredis').Redis;

async function loadRedis(): Promise<typeof import('ioredis').Redis> {
  const m = (await import('ioredis')) as unknown as {
    default: typeof import('ioredis').Redis & { default?: typeof import('ioredis').Redis };
  };
  return m.default.default ?? m.default;
}

/** Redis's answers to a missing or wrong password (AUTH, or a command sent without it). */
const AUTH_FAILED =
  /WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH <password> called without any password/i;

/** Redis's answer to a command the user's ACL does not allow (the command, a key or a channel). */
const NOT_PERMITTED = /NOPERM/;

/** The commands the bus runs, outside its scripts and in them: what a Redis user of dcn needs. */
const COMMANDS = [
  'eval',
  'subscribe',
  'publish',
  'ping',
  'info',
  'time',
  'hsetnx',
  'hset',
  'hmget',
  'hincrby',
  'zadd',
  'zscore',
  'zrange',
  'zrem',
  'zremrangebyscore',
  'xadd',
  'xrange',
  'xrevrange',
];

/**
 * KEYS: members, log, epoch. ARGV[2]: the channel, ARGV[3]: the ack channel. Names every command
 * the bus's scripts and sessions run that the user's ACL denies, with the keys and channels the
 * bus uses, so that a user short of one is told at start, not at its first drop. Before Redis 7
 * (no redis.acl_check_cmd) it names none: a command denied shows when it runs.
 * https://redis.io/docs/latest/develop/interact/programmability/lua-api/#redis.acl_check_cmd
 */
const PERMITTED = `
local denied = {}
if not redis.acl_check_cmd then return denied end
local function check(...)
  if not redis.acl_check_cmd(...) then denied[#denied + 1] = (...) end
end
check('time')
check('ping')
check('hsetnx', KEYS[3], 'id', 'x')
check('hset', KEYS[3], 'born', '0')
check('hmget', KEYS[3], 'id')
check('hincrby', KEYS[3], 'seq', '1')
check('zremrangebyscore', KEYS[1], '-inf', '0')
check('zadd', KEYS[1], '0', 'm')
check('zscore', KEYS[1], 'm')
check('zrange', KEYS[1], '0', '-1', 'WITHSCORES')
check('zrem', KEYS[1], 'm')
check('xadd', KEYS[2], 'MAXLEN', '~', '1', '*', 's', '1')
check('xrange', KEYS[2], '-', '+')
check('xrevrange', KEYS[2], '+', '-', 'COUNT', '1')
check('publish', ARGV[2], 'x')
check('publish', ARGV[3], 'x')
return denied
`;

/** KEYS: members, log, epoch. ARGV[1]: an epoch id to take if there is none. */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function epoch()
  if redis.call('HSETNX', KEYS[3], 'id', ARGV[1]) == 1 then redis.call('HSET', KEYS[3], 'born', now, 'seq', 0) end
  return redis.call('HMGET', KEYS[3], 'id', 'born', 'seq')
end
`;
/** ARGV: epoch, channel, message, logLength, ackTo (- for none), grace ms. */
const PUBLISH = `${PRELUDE}
local e = epoch()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 's', seq, 'm', ARGV[3])
redis.call('PUBLISH', ARGV[2], e[1] .. ' ' .. seq .. ' ' .. id .. ' ' .. ARGV[5] .. ' ' .. ARGV[3])
local members = {}
local scored = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #scored, 2 do members[#members + 1] = scored[i]; members[#members + 1] = tonumber(scored[i + 1]) - now end
return {e[1], seq, id, members, math.max(0, tonumber(e[2]) + tonumber(ARGV[6]) - now)}
`;
/** ARGV: epoch, member, lease ms, 1 to join. A lapsed lease is not renewed. */
const RENEW = `${PRELUDE}
if ARGV[4] ~= '1' then
  local s = redis.call('ZSCORE', KEYS[1], ARGV[2])
  if not s or tonumber(s) <= now then redis.call('ZREM', KEYS[1], ARGV[2]) return 0 end
else
  epoch()
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
return 1
`;
/** ARGV: epoch, members…: the ms each has left. */
const LEASES = `${PRELUDE}
local out = {}
for i = 2, #ARGV do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) > now then out[i - 1] = tonumber(s) - now else out[i - 1] = 0 end
end
return out
`;
const POSITION = `${PRELUDE}
local e = epoch()
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local id = '0-0'
if last[1] then id = last[1][1] end
return {e[1], tonumber(e[3]), id}
`;
/** ARGV: epoch, the epoch read from, its seq, its id. Nil when a drop after it is no longer logged. */
const SINCE = `${PRELUDE}
local e = epoch()
if e[1] ~= ARGV[2] then return false end
local from = tonumber(ARGV[3])
if tonumber(e[3]) == from then return {e[1], {}} end
local entries = redis.call('XRANGE', KEYS[2], '(' .. ARGV[4], '+')
if not entries[1] or tonumber(entries[1][2][2]) ~= from + 1 then return false end
return {e[1], entries}
`;

function parseMessage(text: string): BusMessage | undefined {
  let m: { op?: string; n?: string; h?: string };
  try {
    m = JSON.parse(text) as typeof m;
  } catch {
    return undefined; // not ours
  }
  if (typeof m.n !== 'string') return undefined;
  if (m.op === 'drop' && typeof m.h === 'string') return { op: 'drop', name: m.n, hash: m.h };
  if (m.op === 'dropAll') return { op: 'dropAll', name: m.n };
  return undefined;
}

/** The default length of the log: with 10,000 drops a second, a member off for a second catches up. */
export const DEFAULT_LOG_LENGTH = 10_000;

export class RedisBus implements BusTransport {
  readonly where: string;
  readonly logLength: number;
  readonly #url: string;
  readonly #channel: string;
  readonly #keys: readonly [string, string, string];
  readonly #origin = randomBytes(8).toString('hex');
  /** The Redis user the URL names (ACL), for messages: Redis calls the one without a name default. */
  readonly #user: string;
  #sessions = 0;
  /** Whether the user's ACL was found to allow everything the bus runs. */
  #permitted = false;
  #redis: Promise<typeof import('ioredis').Redis> | undefined;

  constructor(url: string, channel: string, logLength = DEFAULT_LOG_LENGTH) {
    const { safe, url: parsed } = parseBusUrl(url);
    if (!(Number.isInteger(logLength) && logLength >= 1))
      throw new TypeError('result cache: busLogLength must be a whole number, 1 or more');
    this.#url = url;
    this.#user = parsed.username ? decodeURIComponent(parsed.username) : 'default';
    this.where = `${safe} channel ${channel}`;
    this.#channel = channel;
    this.logLength = logLength;
    this.#keys = [`${channel}:members`, `${channel}:log`, `${channel}:epoch`];
  }

  /** ioredis, loaded once: a cold import on a busy host can take longer than the lease. */
  async prepare(): Promise<void> {
    this.#redis ??= loadRedis();
    await this.#redis;
  }

  async open(events: SessionEvents): Promise<BusSession> {
    const Redis = await (this.#redis ??= loadRedis());
    const options = {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    };
    const sub: RedisClient = new Redis(this.#url, options);
    const pub: RedisClient = new Redis(this.#url, options);
    // the lease's own connection: a renewal never waits behind a flood of drops this process publishes
    const lease: RedisClient = new Redis(this.#url, options);
    const origin = `${this.#origin}.${++this.#sessions}`;
    const ackChannel = `${this.#channel}:ack:${origin}`;
    const newEpoch = randomBytes(8).toString('hex');
    let open = true;
    let lastError: Error | undefined;
    const close = () => {
      if (!open) return;
      open = false;
      sub.disconnect();
      pub.disconnect();
      lease.disconnect();
    };
    // errors are told by 'close' and by the failed commands; unhandled, they would crash the process
    const onError = (err: Error) => (lastError = err);
    sub.on('error', onError);
    pub.on('error', onError);
    lease.on('error', onError);
    const lost = () => {
      if (!open) return;
      close();
      events.lost(
        lastError ? `the connection to the bus was lost (${lastError.message})` : 'the connection to the bus was lost',
      );
    };
    sub.on('message', (channel: string, text: string) => {
      if (!open) return;
      const parts = text.split(' ');
      if (channel === ackChannel) {
        if (parts.length === 3) events.ack(parts[0]!, Number(parts[1]), parts[2]!);
        return;
      }
      if (channel !== this.#channel || parts.length < 5) return;
      const message = parseMessage(parts.slice(4).join(' '));
      if (!message) return;
      const [epoch, seq, id, ackTo] = parts as [string, string, string, string];
      events.message(
        { message, at: { epoch, seq: Number(seq), id } },
        ackTo === '-' ? undefined : ackTo,
        ackTo === origin,
      );
    });
    const script = async (client: RedisClient, body: string, ...args: (string | number)[]): Promise<unknown> =>
      client.eval(body, 3, ...this.#keys, newEpoch, ...args).catch((err: Error) => {
        // an ACL changed meanwhile, or a Redis before 7 that could not tell at start
        throw NOT_PERMITTED.test(err.message)
          ? this.#notPermitted(`is refused by its ACL (${err.message.replace(/\.$/, '')})`, err)
          : err;
      });
    try {
      await Promise.all([sub.connect(), pub.connect(), lease.connect()]);
      await sub.subscribe(this.#channel, ackChannel);
      // once per transport: a grant taken away later is told by the command it refuses
      const denied = this.#permitted ? [] : ((await script(pub, PERMITTED, this.#channel, ackChannel)) as string[]);
      this.#permitted = denied.length === 0;
      if (denied.length > 0)
        throw this.#notPermitted(`may not run ${[...new Set(denied)].map((c) => c.toUpperCase()).join(', ')}`);
    } catch (err) {
      close();
      throw (err as { code?: string }).code === 'ERR_BUS_PERMISSION' ? err : this.#failure(err, lastError);
    }
    // watched only once subscribed: a failure before is start's to tell
    sub.on('close', lost);
    pub.on('close', lost);
    lease.on('close', lost);
    if (sub.status !== 'ready' || pub.status !== 'ready' || lease.status !== 'ready') lost();
    return {
      origin,
      ping: async () => {
        await sub.ping();
      },
      publish: async (message: BusMessage, wantAcks: boolean, grace: number): Promise<Published> => {
        const text = JSON.stringify(
          message.op === 'drop' ? { op: 'drop', n: message.name, h: message.hash } : { op: 'dropAll', n: message.name },
        );
        const [epoch, seq, id, scored, graceMs] = (await script(
          pub,
          PUBLISH,
          this.#channel,
          text,
          this.logLength,
          wantAcks ? origin : '-',
          Math.ceil(grace),
        )) as [string, number, string, (string | number)[], number];
        const members: { member: string; leftMs: number }[] = [];
        for (let i = 0; i < scored.length; i += 2)
          members.push({ member: String(scored[i]), leftMs: Number(scored[i + 1]) });
        return { at: { epoch, seq, id }, members, graceMs };
      },
      renew: async (member, leaseMs, first) => (await script(lease, RENEW, member, leaseMs, first ? 1 : 0)) === 1,
      leave: async (member) => {
        await lease.zrem(this.#keys[0], member);
      },
      leases: async (members) => (members.length === 0 ? [] : ((await script(lease, LEASES, ...members)) as number[])),
      position: async () => {
        const [epoch, seq, id] = (await script(pub, POSITION)) as [string, number, string];
        return { epoch, seq, id };
      },
      since: async (from: LogPosition): Promise<LoggedDrop[] | undefined> => {
        const answer = (await script(pub, SINCE, from.epoch, from.seq, from.id)) as
          [string, [string, string[]][]] | null;
        if (!answer) return undefined;
        const out: LoggedDrop[] = [];
        for (const [id, fields] of answer[1]) {
          const message = parseMessage(fields[3] ?? '');
          if (message) out.push({ message, at: { epoch: answer[0], seq: Number(fields[1]), id } });
        }
        return out;
      },
      ack: (to, at, member) => {
        pub.publish(`${this.#channel}:ack:${to}`, `${at.epoch} ${at.seq} ${member}`).catch(() => undefined); // a lost link is told by 'close'
      },
      close,
    };
  }

  /** A user the ACL does not allow what the bus runs: the problem, and the grant that cures it. */
  #notPermitted(problem: string, cause?: unknown): Error {
    const user = this.#user;
    const c = this.#channel;
    return Object.assign(
      new Error(
        `the Redis user ${user} ${problem} on the bus at ${this.where}: the bus runs its steps as Lua scripts ` +
          `(EVAL, ACL category @scripting) and needs the commands ${COMMANDS.map((x) => x.toUpperCase()).join(' ')} ` +
          `on the keys ${c}:* and the channels ${c} and ${c}:ack:*; grant them with ` +
          `ACL SETUSER ${user} ${COMMANDS.map((x) => `+${x}`).join(' ')} ~${c}:* &${c} &${c}:ack:*`,
      ),
      { code: 'ERR_BUS_PERMISSION', cause },
    );
  }

  #failure(err: unknown, last: Error | undefined): Error {
    const message = (err as Error).message;
    const denied = [message, last?.message ?? ''].find((m) => NOT_PERMITTED.test(m));
    if (denied !== undefined) return this.#notPermitted(`is refused by its ACL (${denied.replace(/\.$/, '')})`, err);
    const auth = [message, last?.message ?? ''].find((m) => AUTH_FAILED.test(m));
    if (auth !== undefined) {
      return Object.assign(
        new Error(
          `the bus at ${this.where} refused the password (${auth.replace(/\.$/, '')}): the password in the bus URL is wrong or missing`,
        ),
        { code: 'ERR_BUS_AUTH', cause: err },
      );
    }
    return Object.assign(new Error(`cannot reach the bus at ${this.where}: ${message}`), {
      code: 'ERR_BUS_UNREACHABLE',
      cause: err,
    });
  }
}
