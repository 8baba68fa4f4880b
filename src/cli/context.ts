/**
 * What a command may use of the outside world. main.ts fills it from `process`; tests fill it
 * with strings and fakes. Nothing below src/cli reads `process` itself.
 */
import type { Writable, Readable } from 'node:stream';
import type { Driver } from '../db/driver.js';

export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  /** Loads the database driver; lazy so that commands without a database never load oracledb. */
  readonly loadDriver: () => Promise<Driver>;
  /** Resolves with the signal's name when the user asks a long-running command to stop (Ctrl-C). */
  readonly waitForStop: () => Promise<string>;
  /** Identifies this process as a lock holder, e.g. "dcn on host, pid 123". A getter: only migrate commands need it. */
  readonly holder: string;
  /** Reads the config file (default: node:fs); tests give one that counts the reads. */
  readonly readFile?: (path: string) => string;
}
