/** dcn migrate new NAME: the next migration file, numbered after the highest version present, never overwriting one. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

function dirWith(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-new-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('dcn migrate new', () => {
  it('writes V1 in an empty directory, and the file is a migration dcn reads', async () => {
    const dir = dirWith();
    const r = await runCli(['migrate', 'new', 'create_orders', '--migrations', dir]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['V1__create_orders.sql']);
    expect(r.stdout).toBe(`Wrote ${join(dir, 'V1__create_orders.sql')}\n`);
    expect(r.driverLoads()).toBe(0);
    // until a statement is written in it, the new file is refused as an empty migration
    const empty = await runCli(['migrate', 'plan', '--migrations', dir, '--json']);
    expect(empty.code).toBe(2);
    expect(JSON.parse(empty.stdout).error.message).toMatch(/V1__create_orders\.sql has no statement to run/);
    const file = join(dir, 'V1__create_orders.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}CREATE TABLE orders (id NUMBER);\n`);
    const plan = await runCli(['migrate', 'plan', '--migrations', dir, '--json']);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).migrations.map((m: { version: string }) => m.version)).toEqual(['1']);
  });

  it('numbers after the highest version present, V or U, dotted or not', async () => {
    const dir = dirWith({
      'V1__a.sql': 'SELECT 1 FROM dual;\n',
      'V2_1__b.sql': 'SELECT 1 FROM dual;\n',
      'U4__gone.sql': '',
      'R__views.sql': '',
      'notes.txt': 'V99 is not a migration',
    });
    const r = await runCli(['migrate', 'new', 'add orders index', '--migrations', dir, '--undo', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      dir,
      version: '5',
      files: [
        { kind: 'versioned', file: 'V5__add_orders_index.sql', path: join(dir, 'V5__add_orders_index.sql') },
        { kind: 'undo', file: 'U5__add_orders_index.sql', path: join(dir, 'U5__add_orders_index.sql') },
      ],
    });
    expect(readFileSync(join(dir, 'U5__add_orders_index.sql'), 'utf8')).toMatch(/undoes V5__add_orders_index\.sql/);
  });

  it('writes R__NAME.sql with --repeatable, and never overwrites one', async () => {
    const dir = dirWith({ 'V1__a.sql': 'SELECT 1 FROM dual;\n' });
    const r = await runCli(['migrate', 'new', 'order_views', '--repeatable', '--migrations', dir]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'R__order_views.sql'))).toBe(true);
    writeFileSync(join(dir, 'R__order_views.sql'), 'CREATE OR REPLACE VIEW v AS SELECT 1 x FROM dual;\n');
    const again = await runCli(['migrate', 'new', 'order_views', '--repeatable', '--migrations', dir, '--json']);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout).error).toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/R__order_views\.sql already exists: dcn never overwrites a migration/),
    });
    expect(readFileSync(join(dir, 'R__order_views.sql'), 'utf8')).toBe(
      'CREATE OR REPLACE VIEW v AS SELECT 1 x FROM dual;\n',
    );
  });

  it.each([
    [
      'a name with a slash',
      ['../evil'],
      /name '\.\.\/evil' cannot be part of a migration's file name\n {2}hint: use letters, digits/,
    ],
    ['an empty name', [''], /name '' /],
    ['--undo with --repeatable', ['x', '--undo', '--repeatable'], /a repeatable migration has no undo script/],
    ['a repeatable name too long for its history row', ['x'.repeat(48), '--repeatable'], /at most 47 characters/],
  ])('refuses %s, writing nothing', async (_name, args, message) => {
    const dir = dirWith();
    const r = await runCli(['migrate', 'new', ...args, '--migrations', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('needs a migrations directory of your own: never writes into the built-in set', async () => {
    const r = await runCli(['migrate', 'new', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no migrations directory set.*\n {2}hint: .*--migrations DIR/);
  });

  it('refuses a directory on /proc at once (exit 2) instead of spinning in mkdir -p', () => {
    // a real process with a time limit: the old mkdir -p looped forever on procfs
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'dcn.js');
    const r = spawnSync(process.execPath, [bin, 'migrate', 'new', 'foo', '--migrations', '/proc/dcn-x/y'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /dcn: error: the migrations directory \/proc\/dcn-x\/y is on \/proc \(proc\), which is not storage\n {2}hint: give a directory on a real filesystem/,
    );
  });

  it('takes the directory from the config file, relative to it, and creates it when missing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-new-'));
    mkdirSync(join(cwd, 'conf'));
    writeFileSync(
      join(cwd, 'conf', 'dcn.config.json'),
      JSON.stringify({ migrations: '../db/migrations', connect: 'x:1/y' }),
    );
    const r = await runCli(['migrate', 'new', 'first', '--config', 'conf/dcn.config.json'], {
      cwd,
      env: { DCN_HTTP_TIMEOUT: 'not read by this command' },
    });
    expect(r.code).toBe(0);
    expect(readdirSync(join(cwd, 'db', 'migrations'))).toEqual(['V1__first.sql']);
  });
});
