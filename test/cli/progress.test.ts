/** A migrate run's progress on a terminal's stderr: one line rewritten in place, gone when the run ends. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalProgress } from '../../src/cli/progress.js';
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

  it('off a terminal, and with --quiet, nothing on stderr', async () => {
    expect((await runCli(['migrate', ...FIXTURES], { env: DB_ENV })).stderr).toBe('');
    expect((await runCli(['migrate', ...FIXTURES, '--quiet'], { env: DB_ENV, tty: true })).stderr).toBe('');
  });
});
