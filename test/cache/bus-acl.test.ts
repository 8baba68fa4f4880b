/**
 * A Redis user whose ACL denies what the bus runs (its Lua scripts, a command they call, a key or
 * a channel): told at start, naming what is denied and the grant that cures it, never a hang nor
 * a bare NOPERM, and not tried again (a missing grant stays missing). Against a real redis-server
 * with ACL users made by its default user; the grant the message gives is applied as given, and
 * is enough.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { startRedis, type RedisServer } from '../support/redis.js';

const dir = () => mkdtempSync(join(tmpdir(), 'dcn-acl-'));
const LEASE = 1000;

describe('a Redis user without the grants the bus needs', () => {
  let redis: RedisServer;
  let admin: import('ioredis').Redis;
  const caches: ResultCache[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    const { Redis } = await import('ioredis');
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const c of caches) c.close();
    admin.disconnect();
    await redis.stop();
  });

  /** A user with the rules given, and a cache on the bus as that user: how its start ends. */
  async function start(user: string, rules: string[], channel = 'dcn:cache') {
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw', ...rules);
    const cache = new ResultCache({
      dir: dir(),
      bus: `redis://${user}:pw@127.0.0.1:${redis.port}`,
      channel,
      busLeaseMs: LEASE,
      sweepIntervalSeconds: 0,
    });
    caches.push(cache);
    cache.on('warning', () => undefined);
    const t0 = performance.now();
    const err = await cache.ready().then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    return { cache, err, ms: performance.now() - t0 };
  }

  it('without scripting (-@scripting): ready() rejects at once, naming EVAL and the ACL SETUSER that cures it', async () => {
    const { cache, err, ms } = await start('noscripts', ['~*', '&*', '+@all', '-@scripting']);
    expect(err?.code).toBe('ERR_BUS_PERMISSION');
    expect(err?.message).toMatch(/the Redis user noscripts is refused by its ACL \(NOPERM .*'eval'/);
    expect(err?.message).toMatch(/Lua scripts \(EVAL, ACL category @scripting\)/);
    expect(err?.message).toMatch(/ACL SETUSER noscripts \+eval .* ~dcn:cache:\* &dcn:cache &dcn:cache:ack:\*$/);
    expect(err?.message).not.toContain(':pw@');
    expect(ms).toBeLessThan(LEASE);
    // not retried: the link is closed, and the cache computes every call
    expect(cache.health()).toMatchObject({ ok: false });
    let runs = 0;
    await cache.call('f', () => runs++, 1);
    await cache.call('f', () => runs++, 1);
    expect(runs).toBe(2);
    await expect(cache.drop('f', 1)).rejects.toThrow(/refused by its ACL/);
  });

  it('without EVAL alone, or without a command its scripts call, or a key, or a channel: each named at start', async () => {
    const noEval = await start('noeval', ['~*', '&*', '+@all', '-eval', '-evalsha']);
    expect(noEval.err?.message).toMatch(
      /the Redis user noeval is refused by its ACL \(NOPERM .*'eval'.*ACL SETUSER noeval/,
    );
    const noXadd = await start('noxadd', ['~*', '&*', '+@all', '-xadd']);
    expect(noXadd.err?.code).toBe('ERR_BUS_PERMISSION');
    expect(noXadd.err?.message).toMatch(/the Redis user noxadd may not run XADD on the bus/);
    const otherKeys = await start('otherkeys', ['~app:*', '&*', '+@all']);
    // EVAL itself is refused the keys it is given
    expect(otherKeys.err?.message).toMatch(/the Redis user otherkeys is refused by its ACL \(NOPERM .*keys/);
    expect(otherKeys.err?.message).toMatch(/ACL SETUSER otherkeys .* ~dcn:cache:\* /);
    const noChannel = await start('nochannel', ['~*', '&other', '+@all']);
    expect(noChannel.err?.code).toBe('ERR_BUS_PERMISSION');
    expect(noChannel.err?.message).toMatch(/the Redis user nochannel is refused by its ACL \(NOPERM .*channel/);
  });

  it('with exactly the grant the message gives, two caches keep coherent', async () => {
    const { err } = await start('noscripts2', ['~*', '&*', '+@all', '-@scripting'], 'dcn:acl');
    const grant = /ACL SETUSER (\S+) (.*)$/.exec(err!.message)!;
    await admin.call('ACL', 'SETUSER', grant[1]!, 'reset', 'on', '>pw', ...grant[2]!.split(' '));
    const bus = `redis://${grant[1]}:pw@127.0.0.1:${redis.port}`;
    const options = { bus, channel: 'dcn:acl', busLeaseMs: LEASE, sweepIntervalSeconds: 0 };
    const [a, b] = [new ResultCache({ dir: dir(), ...options }), new ResultCache({ dir: dir(), ...options })];
    caches.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    await b.call('f', () => 'cached', 1);
    await a.drop('f', 1); // resolves once b applied it
    expect(await b.has('f', 1)).toBe(false);
    expect(await b.callWith('f', {}, () => 'fresh', 1)).toEqual({ value: 'fresh', hit: false });
  });

  it('dcn listen --bus with such a user exits 6 with the grant, before it answers', async () => {
    await admin.call('ACL', 'SETUSER', 'cli', 'reset', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
    const { runCli } = await import('../support/cli.js');
    const r = await runCli([
      'listen',
      '--port',
      '0',
      '--cache-dir',
      dir(),
      '--bus',
      `redis://cli:pw@127.0.0.1:${redis.port}`,
    ]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/the Redis user cli is refused by its ACL .*ACL SETUSER cli \+eval/);
    expect(r.stderr).toMatch(/have an admin of Redis run the ACL SETUSER above/);
  });
});
