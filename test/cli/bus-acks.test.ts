/** busAcks: what a drop on the cache bus waits for, as dcn listen and dcn watch take it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENV, runCli } from '../support/cli.js';
import { watchableDatabase } from '../support/watch-database.js';
import { startRedis, type RedisServer } from '../support/redis.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dcn-bus-acks-'));
/** Nothing listens there: a run that gets past its settings stops at the bus, exit 6. */
const NO_REDIS = 'redis://127.0.0.1:1';

function cacheArgs(command: 'listen' | 'watch', cacheDir: string): string[] {
  return command === 'listen'
    ? ['listen', '--port', '0', '--cache-dir', cacheDir, '--bus', NO_REDIS]
    : ['watch', '--table', 'ORDERS', '--cache-dir', cacheDir, '--bus', NO_REDIS];
}

describe.each(['listen', 'watch'] as const)('dcn %s: busAcks by precedence', (command) => {
  const run = (extra: string[], env: Record<string, string> = {}, config?: object) => {
    const cwd = tmp();
    if (config) writeFileSync(join(cwd, 'dcn.config.json'), JSON.stringify(config));
    return runCli([...cacheArgs(command, join(cwd, 'cache')), ...extra], {
      cwd,
      env: { ...DB_ENV, ...env },
      stop: Promise.resolve('SIGTERM'),
    });
  };

  it('takes --bus-acks, refusing a value that is neither applied nor published', async () => {
    const r = await run(['--bus-acks', 'maybe']);
    expect(r.stderr).toMatch(/^dcn: error: --bus-acks maybe: expected applied or published/);
    expect(r.code).toBe(2);
  });

  it('reads DCN_BUS_ACKS when no flag is given', async () => {
    const r = await run([], { DCN_BUS_ACKS: 'maybe' });
    expect(r.stderr).toMatch(/^dcn: error: DCN_BUS_ACKS maybe: expected applied or published/);
    expect(r.code).toBe(2);
  });

  it('a flag wins over DCN_BUS_ACKS, which wins over the config file', async () => {
    const flagOverEnv = await run(['--bus-acks', 'published'], { DCN_BUS_ACKS: 'maybe' });
    expect(flagOverEnv.stderr).not.toMatch(/bus-acks|BUS_ACKS|busAcks/i);
    expect(flagOverEnv.code).toBe(6); // past the settings, at the bus
    const envOverFile = await run([], { DCN_BUS_ACKS: 'published' }, { busAcks: 'maybe' });
    expect(envOverFile.stderr).not.toMatch(/bus-acks|BUS_ACKS|busAcks/i);
    expect(envOverFile.code).toBe(6);
  });

  it('reads "busAcks" from the config file, naming the file when it is wrong', async () => {
    const r = await run([], {}, { busAcks: 'maybe' });
    expect(r.stderr).toMatch(/^dcn: error: "busAcks" in the config file maybe: expected applied or published/);
    expect(r.code).toBe(2);
  });
});

describe('dcn watch honours busAcks', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  /**
   * The drop the watch publishes when it subscribes, as Redis carries it: "epoch seq id ackTo
   * message", where ackTo is "-" when the publisher waits for no acknowledgement.
   */
  async function firstDropAckTo(channel: string, extra: string[], env: Record<string, string> = {}): Promise<string> {
    const m = (await import('ioredis')) as unknown as {
      default: typeof import('ioredis').Redis & { default?: typeof import('ioredis').Redis };
    };
    const Redis = m.default.default ?? m.default;
    const sub = new Redis(redis.url);
    try {
      await sub.subscribe(channel);
      const published = new Promise<string>((resolve) =>
        sub.on('message', (_c: string, text: string) => resolve(text)),
      );
      const db = watchableDatabase();
      let stop!: (s: string) => void;
      const dir = tmp();
      const running = runCli(
        ['watch', '--table', 'ORDERS', '--cache-dir', dir, '--bus', redis.url, '--bus-channel', channel, ...extra],
        { env: { ...DB_ENV, ...env }, db, stop: new Promise((r) => (stop = r)) },
      );
      // a watch that ends before it publishes fails here, not at the test's timeout
      const text = await Promise.race([
        published,
        running.then((r) => Promise.reject(new Error(`dcn watch ended first (exit ${r.code}): ${r.stderr}`))),
      ]);
      stop('SIGTERM');
      const r = await running;
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
      return text.split(' ')[3]!;
    } finally {
      sub.disconnect();
    }
  }

  it('applied (the default): its drops ask every member for an acknowledgement', async () => {
    expect(await firstDropAckTo('dcn:acks-default', [])).not.toBe('-');
  });

  it('--bus-acks published: its drops wait for none', async () => {
    expect(await firstDropAckTo('dcn:acks-flag', ['--bus-acks', 'published'])).toBe('-');
  });

  it('DCN_BUS_ACKS=published does the same', async () => {
    expect(await firstDropAckTo('dcn:acks-env', [], { DCN_BUS_ACKS: 'published' })).toBe('-');
  });
});
