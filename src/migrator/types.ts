/** What the migration engine's parts share: its sessions, its events and the results it returns. */
import type { DbSession } from '../db/driver.js';
import type { CompileProblem } from './compile-gate.js';
import type { Profile } from './migration-script.js';

export interface SessionProvider {
  /** The schema owner's session: app migrations and the history table. */
  app(): Promise<DbSession>;
  /** The DBA session, for migrations whose header says profile=admin. */
  admin(): Promise<DbSession>;
  /** A second app session that only holds the migration lock. */
  lock(): Promise<DbSession>;
}

export type Direction = 'up' | 'down';

export type MigrationEvent =
  | { type: 'lock-acquired'; waitedMs: number }
  | {
      type: 'migration-start';
      version: string;
      description: string;
      direction: Direction;
      profile: Profile;
      statements: number;
      resumeFrom?: number;
    }
  | { type: 'statement-done'; version: string; index: number; line: number; file: string; durationMs: number }
  | { type: 'migration-done'; version: string; direction: Direction; durationMs: number }
  | { type: 'migration-failed'; version: string; direction: Direction; durationMs: number; error: string }
  /** Something went wrong that changes no outcome, but a user should hear of. */
  | { type: 'warning'; message: string };

export interface MigrationRunResult {
  readonly version: string;
  readonly description: string;
  readonly direction: Direction;
  readonly status: 'success' | 'failed' | 'not-executed';
  readonly durationMs?: number;
  readonly statementsDone: number;
  readonly statementsTotal: number;
  readonly resumedFrom?: number;
}

export interface RunResult {
  readonly direction: Direction;
  readonly results: readonly MigrationRunResult[];
  /** The schema's objects still INVALID after the run (and, after migrate, after compiling them once). */
  readonly invalidObjects: readonly { type: string; name: string }[];
  /** After migrate: the INVALID objects that compiled, and why compiling failed when it did. */
  readonly recompiled?: readonly { type: string; name: string }[];
  readonly recompileError?: string;
  readonly compileWarnings: readonly CompileProblem[];
  readonly warnings: readonly string[];
}

export interface BaselineResult {
  /** Recorded as applied without running: their objects are there. */
  readonly baselined: readonly { version: string; description: string; objects: readonly string[] }[];
  /** Admin-profile migrations below the baseline: they give grants and ACEs, which dcn must know it gave; the next migrate runs them. */
  readonly deferred: readonly { version: string; description: string }[];
}

export interface RepairResult {
  readonly actions: readonly { version: string; action: 'removed-failed' | 'realigned-checksum'; detail: string }[];
}
