/** Runs the real CLI (main) with captured streams and a fake database behind the driver. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CommandContext } from '../../src/cli/context.js';
import { FakeDatabase } from './fake-oracle.js';

export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  /** A stdin the test writes to as the command runs (an answer typed later), instead of `stdin`. */
  input?: Readable;
  db?: FakeDatabase;
  refuse?: (o: { user: string }) => Error | undefined;
  cwd?: string;
  tty?: boolean;
  /** For long-running commands: resolves to stop them. */
  stop?: Promise<string>;
  /** Reads the config file instead of node:fs (to count the reads). */
  readFile?: (path: string) => string;
}

function capture(tty: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY: tty });
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

export async function runCli(args: string[], options: RunOptions = {}) {
  const out = capture(false);
  const err = capture(options.tty ?? false);
  const db = options.db ?? new FakeDatabase();
  const driver = db.driver({ refuse: options.refuse });
  let driverLoads = 0;
  const stdin = Object.assign(options.input ?? Readable.from(options.stdin === undefined ? [] : [options.stdin]), {
    isTTY: options.tty ?? false,
  });
  const ctx: CommandContext = {
    env: options.env ?? {},
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'dcn-cli-')),
    stdin,
    stdout: out.stream,
    stderr: err.stream,
    loadDriver: async () => {
      driverLoads++;
      return driver;
    },
    holder: 'dcn test',
    waitForStop: () => options.stop ?? new Promise(() => undefined),
    ...(options.readFile ? { readFile: options.readFile } : {}),
  };
  const code = await main(['node', 'dcn', ...args], ctx);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text(), db, driver, driverLoads: () => driverLoads };
}

export const DB_ENV = {
  DCN_CONNECT: 'db:1521/FREEPDB1',
  DCN_USER: 'oe',
  DCN_PASSWORD: 's3cret-Pa55word',
  DCN_ADMIN_USER: 'system',
  DCN_ADMIN_PASSWORD: 's3cret-Pa55word-admin',
};
