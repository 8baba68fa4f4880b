/**
 * A migrate run's progress on stderr: on a terminal one line rewritten in place, gone when the run
 * ends; elsewhere a line per migration start and end.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineProgress, TerminalProgress } from '../../src/cli/progress.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { join } from 'node:path';

const FIXTURES = ['--migrations', join(import.meta.dirname, '..', 'fixtures', 'basic'), '--define', 'app_user=OE'];
const ERASE = '\r\u001b[K';

function terminal(columns = 80) {
  const stream = Object.assign(new PassThrough(), { columns });
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('TerminalProgress', () => {
  it('names the migration, the statement running and the time so far, rewriting one line; erases it when the migration ends', () => {
    const t = terminal();
    let now = 0;
    const p = new TerminalProgress(t.stream, () => now);
    p.onEvent({
      type: 'migration-start',
      version: '3',
      description: 'log proc',
      direction: 'up',
      profile: 'app',
      statements: 4,
    });
    now = 1500;
    p.onEvent({ type: 'statement-done', version: '3', index: 1, line: 1, file: 'V3__log_proc.sql', durationMs: 1500 });
    p.onEvent({ type: 'migration-done', version: '3', direction: 'up', durationMs: 1600 });
    p.stop();
    expect(t.text()).toBe(
      `${ERASE}dcn: V3 (log proc): statement 1 of 4, 0 ms${ERASE}dcn: V3 (log proc): statement 2 of 4, 1.5 s${ERASE}`,
    );
  });

  it('starts a resumed migration at its resume point, and never writes a line wider than the terminal', () => {
    const t = terminal(30);
    const p = new TerminalProgress(t.stream, () => 0);
    p.onEvent({
      type: 'migration-start',
      version: '12',
      description: 'a long description of the migration',
      direction: 'down',
      profile: 'admin',
      statements: 9,
      resumeFrom: 5,
    });
    p.stop();
    const line = t.text().split(ERASE)[1]!;
    expect(line).toBe('dcn: undo of V12 (a long des…');
    expect(line.length).toBe(29);
  });
});

describe('dcn migrate progress', () => {
  it('on a terminal: progress lines on stderr, erased at the end; stdout as before', async () => {
    const r = await runCli(['migrate', ...FIXTURES], { env: DB_ENV, tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${ERASE}dcn: V1 (create log): statement 1 of `);
    expect(r.stderr.endsWith(ERASE)).toBe(true);
    const plain = await runCli(['migrate', ...FIXTURES], { env: DB_ENV });
    const noTimes = (text: string) => text.replace(/\d+(\.\d+)? m?s/g, 'T');
    expect(noTimes(r.stdout)).toBe(noTimes(plain.stdout));
  });

  it('off a terminal: a line on stderr as each migration starts and ends; stdout as before', async () => {
    const r = await runCli(['migrate', ...FIXTURES], { env: DB_ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^dcn: applying V1 \(create log\): 2 statements\ndcn: applied V1 \(create log\) in \d+(\.\d)? m?s\ndcn: applying V2 /,
    );
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(6);
    // eslint-disable-next-line no-control-regex -- ESC starts an erase
    expect(r.stderr).not.toMatch(/\u001b|\r/);
    expect(r.stdout).toMatch(/^✓ V1 .*\n✓ V2 .*\n✓ V3 .*\n3 migrations applied\.\n$/);
  });

  it('with --json the lines stay on stderr and stdout is one document', async () => {
    const r = await runCli(['migrate', ...FIXTURES, '--json'], { env: DB_ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, direction: 'up' });
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(6);
  });

  it('with --quiet, nothing on stderr, on a terminal or not', async () => {
    expect((await runCli(['migrate', ...FIXTURES, '--quiet'], { env: DB_ENV })).stderr).toBe('');
    expect((await runCli(['migrate', ...FIXTURES, '--quiet'], { env: DB_ENV, tty: true })).stderr).toBe('');
  });
});

describe('LineProgress', () => {
  it('writes a line as an undo starts (from its resume point) and as it fails, with the time it took', () => {
    const t = terminal();
    const p = new LineProgress(t.stream);
    p.onEvent({
      type: 'migration-start',
      version: '3',
      description: 'log proc',
      direction: 'down',
      profile: 'app',
      statements: 4,
      resumeFrom: 2,
    });
    p.onEvent({ type: 'statement-done', version: '3', index: 2, line: 1, file: 'U3__log_proc.sql', durationMs: 5 });
    p.onEvent({ type: 'migration-failed', version: '3', direction: 'down', durationMs: 1500, error: 'ORA-00942' });
    p.onEvent({
      type: 'migration-start',
      version: '4',
      description: 'one',
      direction: 'up',
      profile: 'app',
      statements: 1,
    });
    p.onEvent({ type: 'migration-done', version: '4', direction: 'up', durationMs: 12 });
    p.stop();
    expect(t.text()).toBe(
      [
        'dcn: undoing V3 (log proc): from statement 2 of 4',
        'dcn: undo of V3 (log proc) failed after 1.5 s',
        'dcn: applying V4 (one): 1 statement',
        'dcn: applied V4 (one) in 12 ms',
        '',
      ].join('\n'),
    );
  });
});
