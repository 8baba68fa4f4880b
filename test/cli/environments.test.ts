/** Named environments in the config file: --env NAME or DCN_ENV, between the environment variables and the file's top level. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveMigrationSetConfig } from '../../src/config/resolve-config.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { DB_ENV, runCli } from '../support/cli.js';

const CONFIG = {
  connect: 'top:1521/TOP',
  user: 'OE',
  lockTimeout: 7,
  historyTable: 'top_history',
  variables: { app_user: 'TOP_USER', shared: 'top' },
  environments: {
    ci: {
      connect: 'ci-db:1521/CIPDB',
      historyTable: 'ci_history',
      migrations: 'ci-migrations',
      variables: { app_user: 'CI_USER' },
    },
    prod: { connect: 'prod-db:1521/PROD', lockTimeout: 120 },
  },
};

function resolveIn(config: unknown, flags: Record<string, string>, env: Record<string, string> = {}) {
  return resolveMigrationSetConfig({ flags, env, cwd: '/srv/app', readFile: () => JSON.stringify(config) });
}

describe('environments in the config file', () => {
  it('flag > environment variable > named environment > top level > default', () => {
    const ci = resolveIn(CONFIG, { env: 'ci' });
    expect(ci).toMatchObject({
      connect: 'ci-db:1521/CIPDB',
      user: 'OE',
      historyTable: 'CI_HISTORY',
      lockTimeoutSeconds: 7,
      connectTimeoutSeconds: 10,
      environment: 'ci',
    });
    expect(ci.sources).toMatchObject({
      connect: 'environment',
      user: 'file',
      historyTable: 'environment',
      lockTimeout: 'file',
      connectTimeout: 'default',
    });
    // paths in an environment are relative to the file, like the top level's
    expect(ci.migrationsDir).toBe('/srv/app/ci-migrations');
    // variables: the environment's over the top level's, --define over both
    expect(ci.variables).toMatchObject({ app_user: 'CI_USER', shared: 'top' });
    expect(resolveIn(CONFIG, { env: 'ci' }, { DCN_CONNECT: 'from-env/PDB' })).toMatchObject({
      connect: 'from-env/PDB',
      sources: { connect: 'env' },
    });
    expect(resolveIn(CONFIG, { env: 'ci', connect: 'from-flag/PDB' }, { DCN_CONNECT: 'from-env/PDB' })).toMatchObject({
      connect: 'from-flag/PDB',
    });
    expect(resolveIn(CONFIG, {})).toMatchObject({
      connect: 'top:1521/TOP',
      historyTable: 'TOP_HISTORY',
      environment: undefined,
    });
  });

  it('DCN_ENV names it too; --env wins over DCN_ENV', () => {
    expect(resolveIn(CONFIG, {}, { DCN_ENV: 'prod' })).toMatchObject({
      connect: 'prod-db:1521/PROD',
      lockTimeoutSeconds: 120,
      environment: 'prod',
    });
    expect(resolveIn(CONFIG, { env: 'ci' }, { DCN_ENV: 'prod' })).toMatchObject({ environment: 'ci' });
    expect(resolveIn(CONFIG, {}, { DCN_ENV: '' })).toMatchObject({ environment: undefined });
  });

  it.each([
    [
      'an unknown environment, naming the known ones',
      CONFIG,
      { env: 'staging' },
      /environment 'staging' \(--env\) is not in .*dcn\.config\.json: it names ci, prod/,
    ],
    ['one named by DCN_ENV, saying so', CONFIG, {}, /environment 'qa' \(DCN_ENV\) is not in/],
    ['an environment with no file', null, { env: 'ci' }, /--env ci: there is no config file/],
    [
      'an unknown key inside an environment',
      { environments: { ci: { conect: 'x' } } },
      { env: 'ci' },
      /environment "ci": unknown setting "conect"/,
    ],
    [
      'a password inside an environment',
      { environments: { prod: { password: 'x' } } },
      {},
      /environment "prod": "password" — dcn does not read passwords from files/,
    ],
    [
      'environments inside an environment',
      { environments: { ci: { environments: {} } } },
      {},
      /environment "ci": unknown setting "environments"/,
    ],
    [
      'environments that are not an object of objects',
      { environments: { ci: 'x' } },
      {},
      /"environments" must be an object of name: \{settings\}/,
    ],
  ])('refuses %s', (_name, config, flags, message) => {
    const env: Record<string, string> = _name.includes('DCN_ENV') ? { DCN_ENV: 'qa' } : {};
    const run = () =>
      config === null
        ? resolveMigrationSetConfig({
            flags,
            env,
            cwd: '/srv/app',
            readFile: () => {
              throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
            },
          })
        : resolveIn(config, flags, env);
    expect(run).toThrow(message);
  });
});

describe('on the command line', () => {
  it('dcn migrate --env ci connects where the ci environment says', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-env-'));
    mkdirSync(join(cwd, 'ci-migrations'));
    writeFileSync(join(cwd, 'ci-migrations', 'V1__a.sql'), 'CREATE TABLE a (x NUMBER);\n');
    writeFileSync(
      join(cwd, 'dcn.config.json'),
      JSON.stringify({ ...CONFIG, variables: {}, environments: { ci: { ...CONFIG.environments.ci, variables: {} } } }),
    );
    const env = { DCN_USER: 'oe', DCN_PASSWORD: 'pw' };
    const r = await runCli(['migrate', '--env', 'ci'], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.driver.connects[0]!.connectString).toBe('ci-db:1521/CIPDB');
    expect(r.db.hasTable('CI_HISTORY')).toBe(true);
    const viaEnv = await runCli(['migrate', 'status', '--json'], { cwd, env: { ...env, DCN_ENV: 'ci' }, db: r.db });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ ok: true, historyTable: 'CI_HISTORY' });
  });

  it('dcn doctor shows each setting with where it came from, and never the callback token', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-env-'));
    writeFileSync(
      join(cwd, 'dcn.config.json'),
      JSON.stringify({
        user: 'OE',
        callbackToken: 'tok-SECRET-1',
        environments: { ci: { connect: 'ci-db:1521/CIPDB', lockTimeout: 9 } },
      }),
    );
    const env = { DCN_PASSWORD: 'pw', DCN_ADMIN_USER: 'system', DCN_ADMIN_PASSWORD: 'pw2', DCN_ENV: 'ci' };
    const r = await runCli(['doctor', '--json', '--history-table', 'my_hist'], { cwd, env, db: new FakeDatabase() });
    const doc = JSON.parse(r.stdout);
    const setting = (name: string) => doc.settings.find((s: { name: string }) => s.name === name);
    expect(setting('connect')).toEqual({
      name: 'connect',
      value: 'ci-db:1521/CIPDB',
      source: 'environment',
      from: `environment "ci" in ${join(cwd, 'dcn.config.json')}`,
    });
    expect(setting('user')).toEqual({ name: 'user', value: 'OE', source: 'file', from: join(cwd, 'dcn.config.json') });
    expect(setting('adminUser')).toEqual({ name: 'adminUser', value: 'system', source: 'env', from: 'DCN_ADMIN_USER' });
    expect(setting('historyTable')).toEqual({
      name: 'historyTable',
      value: 'MY_HIST',
      source: 'flag',
      from: '--history-table',
    });
    expect(setting('connectTimeout')).toEqual({
      name: 'connectTimeout',
      value: '10',
      source: 'default',
      from: 'default',
    });
    expect(setting('callbackToken')).toMatchObject({ value: '(set)', source: 'file' });
    expect(r.stdout).not.toContain('tok-SECRET-1');
    expect(doc).toMatchObject({ environment: 'ci', configFile: join(cwd, 'dcn.config.json') });

    const text = await runCli(['doctor', '--history-table', 'my_hist'], { cwd, env, db: new FakeDatabase() });
    expect(text.stdout).toMatch(/^Settings \(config file .*dcn\.config\.json, environment "ci"\):\n/);
    expect(text.stdout).toMatch(/\n {2}connect +ci-db:1521\/CIPDB +environment "ci" in /);
    expect(text.stdout).toMatch(/\n {2}historyTable +MY_HIST +--history-table\n/);
    expect(text.stdout).not.toContain('tok-SECRET-1');
  });

  it('--env is offered by every command that reads the config file', async () => {
    for (const cmd of [['migrate'], ['migrate', 'status'], ['tail'], ['regs'], ['doctor'], ['listen'], ['watch']]) {
      expect((await runCli([...cmd, '--help'])).stdout, cmd.join(' ')).toContain('--env <name>');
    }
  });

  it('an unknown environment stops the command before it connects (exit 2)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-env-'));
    writeFileSync(join(cwd, 'dcn.config.json'), JSON.stringify(CONFIG));
    const r = await runCli(['migrate', 'status', '--env', 'stagin'], { cwd, env: DB_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/environment 'stagin' \(--env\) is not in .*: it names ci, prod/);
    expect(r.driverLoads()).toBe(0);
  });
});
