/** The terminal conventions every command shares: colour, --quiet, completion, exit codes in --help, JSON errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { createProgram } from '../../src/cli/program.js';
import type { CommandContext } from '../../src/cli/context.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { DB_ENV, runCli } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'basic');
const WITH_FIXTURES = ['--migrations', FIXTURES, '--define', 'app_user=OE'];
// eslint-disable-next-line no-control-regex -- ESC starts a colour
const ESC = /\u001b\[/;

describe('colour', () => {
  it.each([
    ['--color', [], {}, true],
    ['FORCE_COLOR=1', [], { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR= (empty: on, as Node reads it)', [], { FORCE_COLOR: '' }, true],
    ['FORCE_COLOR=1 over NO_COLOR', [], { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    ['--color over NO_COLOR', ['--color'], { NO_COLOR: '1' }, true],
    ['--no-color over FORCE_COLOR', ['--no-color'], { FORCE_COLOR: '1' }, false],
    ['FORCE_COLOR=0', [], { FORCE_COLOR: '0' }, false],
    ['piped, nothing set', [], {}, false],
  ] as const)('%s, piped', async (name, flags, env, coloured) => {
    const args = name === '--color' ? ['--color'] : [...flags];
    const r = await runCli(['migrate', ...WITH_FIXTURES, ...args], { env: { ...DB_ENV, ...env } });
    expect(r.code).toBe(0);
    expect(ESC.test(r.stdout)).toBe(coloured);
  });

  it('colours the error on stderr when forced, and never the JSON', async () => {
    const err = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--to', '99'], { env: { FORCE_COLOR: '1' } });
    expect(err.stderr.startsWith('\u001b[31mdcn: error:')).toBe(true);
    const json = await runCli(['migrate', ...WITH_FIXTURES, '--json', '--color'], { env: DB_ENV });
    expect(json.code).toBe(0);
    expect(ESC.test(json.stdout)).toBe(false);
    expect(JSON.parse(json.stdout).ok).toBe(true);
  });
});

describe('-q, --quiet', () => {
  it('leaves out progress and the summary of a command that acts, and keeps the data of one that reports', async () => {
    const db = new FakeDatabase();
    const up = await runCli(['migrate', '-q', ...WITH_FIXTURES, '--to', '2'], { env: DB_ENV, db });
    expect([up.code, up.stdout]).toEqual([0, '']);
    expect(db.history().map((h) => h.VERSION)).toEqual(['1', '2']);
    const down = await runCli(['migrate', 'down', '--quiet', '--yes', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect([down.code, down.stdout]).toEqual([0, '']);
    const status = await runCli(['migrate', 'status', '-q', ...WITH_FIXTURES], { env: DB_ENV, db });
    expect(status.stdout).toMatch(/^Version\s+Description/);
    const plan = await runCli(['migrate', 'plan', '-q', ...WITH_FIXTURES]);
    expect(plan.stdout).toMatch(/^-- dcn migrate plan/);
  });

  it('works before the command too, as a global flag (dcn -q migrate, dcn --no-color …)', async () => {
    const db = new FakeDatabase();
    const up = await runCli(['-q', 'migrate', ...WITH_FIXTURES, '--to', '1'], { env: DB_ENV, db });
    expect([up.code, up.stdout]).toEqual([0, '']);
    const plain = await runCli(['--no-color', 'migrate', ...WITH_FIXTURES], {
      env: { ...DB_ENV, FORCE_COLOR: '1' },
      db,
    });
    expect(plain.stdout).toMatch(/^✓ V2/);
    const coloured = await runCli(['--color', 'migrate', 'plan', ...WITH_FIXTURES, '--to', '99']);
    expect(coloured.stderr.startsWith('\u001b[31mdcn: error:')).toBe(true);
    // the command's own flag wins
    const own = await runCli(['--color', 'migrate', 'down', '--yes', '--no-color', ...WITH_FIXTURES], {
      env: DB_ENV,
      db,
    });
    expect(ESC.test(own.stdout)).toBe(false);
  });

  it('still reports an error', async () => {
    const r = await runCli(['migrate', 'plan', '-q', ...WITH_FIXTURES, '--to', '99']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcn: error: --to 99/);
  });
});

/** Every command path and its long flags, as commander knows them once each command's options are attached. */
function commandsAndFlags(): { path: string; flags: string[] }[] {
  const ctx = { env: {}, cwd: '/', holder: 'x' } as unknown as CommandContext;
  const program = createProgram(ctx, '0.0.0');
  const found: { path: string; flags: string[] }[] = [];
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      // options are attached when a command runs or shows its help: `help` does that for each
      const p = [...path, sub.name()];
      program.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
      try {
        program.parse(['node', 'dcn', 'help', ...p]);
      } catch {
        // help ends with an exit that exitOverride turns into a throw
      }
      found.push({ path: p.join(' '), flags: sub.options.map((o) => o.long!).filter(Boolean) });
      walk(sub, p);
    }
  };
  walk(program, []);
  return found;
}

describe('dcn completion', () => {
  const commands = commandsAndFlags();

  it('knows a good number of commands and flags (the walk itself works)', () => {
    expect(commands.map((c) => c.path)).toEqual(
      expect.arrayContaining(['migrate', 'migrate status', 'migrate down', 'tail', 'watch', 'completion']),
    );
    expect(commands.find((c) => c.path === 'migrate down')!.flags).toContain('--steps');
  });

  it.each(['bash', 'zsh', 'fish'])('%s: names every command and every flag', async (shell) => {
    const r = await runCli(['completion', shell]);
    expect(r.code).toBe(0);
    for (const c of commands) {
      expect(r.stdout, c.path).toContain(c.path.split(' ').at(-1));
      for (const flag of c.flags) {
        expect(r.stdout, `${c.path} ${flag}`).toContain(shell === 'fish' ? `-l ${flag.slice(2)}` : flag);
      }
    }
    expect(r.driverLoads()).toBe(0);
  });

  it('bash: the script is valid bash and completes subcommands and flags', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const dir = mkdtempSync(join(tmpdir(), 'dcn-compl-'));
    writeFileSync(join(dir, 'dcn.bash'), script);
    const complete = (line: string) => {
      const words = line.split(' ');
      const r = spawnSync(
        'bash',
        [
          '-c',
          `source ${join(dir, 'dcn.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _dcn; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      return r.stdout.trim().split('\n');
    };
    expect(complete('dcn mig')).toEqual(['migrate']);
    expect(complete('dcn migrate st')).toEqual(['status']);
    expect(complete('dcn migrate down --st')).toEqual(['--steps']);
    expect(complete('dcn tail --adm')).toEqual(['']);
  });

  const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

  it.skipIf(!has('fish'))('fish (when installed): the script parses and fish completes from it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dcn-compl-')), 'dcn.fish');
    writeFileSync(file, (await runCli(['completion', 'fish'])).stdout);
    const complete = (line: string) => {
      const r = spawnSync('fish', ['-c', `source ${file}; complete -C '${line}'`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    };
    expect(complete('dcn mig')).toEqual(['migrate']);
    expect(complete('dcn migrate st')).toEqual(['status']);
    expect(complete('dcn migrate down --st')).toEqual(['--steps']);
    expect(complete('dcn tail --adm')).toEqual([]);
    expect(complete('dcn migrate --admin-privilege sysd')).toEqual(['sysdba', 'sysdg']);
  });

  it.skipIf(!has('zsh'))(
    'zsh (when installed): the script parses, and its function offers the right words',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dcn-compl-'));
      writeFileSync(join(dir, '_dcn'), (await runCli(['completion', 'zsh'])).stdout);
      expect(spawnSync('zsh', ['-n', join(dir, '_dcn')], { encoding: 'utf8' }).status).toBe(0);
      // outside an interactive shell the completion system is absent: _describe and _files print what they were given
      const harness = `compdef() { : }
_describe() { shift 3; print -l -- \${(P)1} | cut -d: -f1 | grep -- "^$PREFIX"; return 0 }
_files() { print FILES }
source ${join(dir, '_dcn')}
words=(\${(z)1}); [[ $1 == *' ' ]] && words+=(''); CURRENT=\${#words}; PREFIX=\${words[CURRENT]}; _dcn`;
      const complete = (line: string) =>
        spawnSync('zsh', ['-c', harness, 'zsh', line], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      expect(complete('dcn mig')).toEqual(['migrate']);
      expect(complete('dcn migrate st')).toEqual(['status']);
      expect(complete('dcn migrate down --st')).toEqual(['--steps']);
      expect(complete('dcn tail --adm')).toEqual([]);
      expect(complete('dcn migrate --config ')).toEqual(['FILES']);
    },
  );

  it('refuses a shell it does not know, naming the ones it does', async () => {
    const r = await runCli(['completion', 'powershell', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'usage' });
    expect(r.stderr).toMatch(/bash, zsh, fish/);
  });
});

describe('dcn --help', () => {
  it('lists every exit code with the error codes that end with it', async () => {
    const r = await runCli(['--help']);
    expect(r.stdout).toMatch(/\nExit codes[^\n]*:\n {2}0 {2}success\n/);
    for (const [code, exit] of Object.entries(EXIT_CODES)) {
      expect(r.stdout).toMatch(new RegExp(`\\n {2}${exit} {1,2}[^\\n]*\\b${code}\\b`));
    }
  });

  it.each(['tail', 'watch', 'register', 'replay', 'enable-reg', 'deregister', 'log prune'])(
    'dcn %s --help does not offer the admin profile it never uses',
    async (cmd) => {
      const r = await runCli([...cmd.split(' '), '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('--connect <string>');
      expect(r.stdout).not.toMatch(/--admin-(user|privilege|password-stdin)/);
    },
  );

  it.each(['migrate', 'migrate status', 'regs', 'doctor'])('dcn %s --help still offers it', async (cmd) => {
    const r = await runCli([...cmd.split(' '), '--help']);
    expect(r.stdout).toContain('--admin-user <name>');
  });
});

describe('an unknown command', () => {
  it('with --json answers with a JSON error document like every other error', async () => {
    const r = await runCli(['migrat', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      error: { code: 'usage', exitCode: 2, message: expect.stringMatching(/unknown command 'migrat'/) },
    });
    expect(r.stderr).toMatch(/Did you mean migrate\?/);
  });

  it.each([
    ['--json', 'tail'],
    ['log', '--json', 'prune', '--older-than', '30d'],
    ['log', '--json'],
  ])('--json where the command takes none (dcn %s …) still answers with a JSON error document', async (...args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      error: { code: 'usage', exitCode: 2, message: expect.stringMatching(/unknown option '--json'/) },
    });
  });

  it('without --json prints no JSON', async () => {
    const r = await runCli(['migrat']);
    expect([r.code, r.stdout]).toEqual([2, '']);
  });
});

describe('messages that say what happened', () => {
  it('an empty --bus-channel is named as empty', async () => {
    const r = await runCli(
      [
        'listen',
        '--port',
        '0',
        '--cache-dir',
        mkdtempSync(join(tmpdir(), 'dcn-')),
        '--bus',
        'redis://127.0.0.1:1',
        '--bus-channel',
        '',
      ],
      { stop: Promise.resolve('SIGTERM') },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcn: error: --bus-channel: an empty name is not a channel name/);
  });

  it('a bad channel in the config file names the file, not a flag', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcn-'));
    writeFileSync(join(cwd, 'dcn.config.json'), JSON.stringify({ bus: 'redis://127.0.0.1:1', busChannel: 'a b' }));
    const r = await runCli(['listen', '--port', '0', '--cache-dir', cwd], { cwd, stop: Promise.resolve('SIGTERM') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcn: error: "busChannel" in the config file: a b is not a channel name/);
  });

  it('an empty value of a flag shows as ""', async () => {
    const r = await runCli(['migrate', 'plan', ...WITH_FIXTURES, '--to', '']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcn: error: --to "": that is not a version/);
  });

  it.each([
    ['db:99999/FREEPDB1', '99999'],
    ['//db:0/FREEPDB1', '0'],
    ['[::1]:70000/FREEPDB1', '70000'],
    ['(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=123456))(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)))', '123456'],
  ])(
    'a port out of range in the connect string %s is a usage error (exit 2) before connecting',
    async (connect, port) => {
      const r = await runCli(['migrate', 'status', ...WITH_FIXTURES, '--connect', connect], { env: DB_ENV });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `^dcn: error: the connect setting \\(--connect\\) names port ${port}, which is not a TCP port \\(1 to 65535\\)`,
        ),
      );
      expect(r.driverLoads()).toBe(0);
      const ok = await runCli(['migrate', 'status', ...WITH_FIXTURES, '--connect', connect.replace(port, '1521')], {
        env: DB_ENV,
      });
      expect(ok.code).toBe(0);
    },
  );

  it.each([124, 128])('a history table name of %i characters: the limit is 123, because of _LOCK', async (n) => {
    const r = await runCli(['migrate', 'status', ...WITH_FIXTURES, '--history-table', `H${'X'.repeat(n - 1)}`], {
      env: DB_ENV,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `history table 'HX+' is ${n} characters: at most 123, since the lock table's name appends _LOCK to it`,
      ),
    );
  });
});
