/**
 * The migration engine. It applies versioned SQL*Plus scripts through the Driver interface and
 * is honest about Oracle: DDL commits implicitly, so every statement is committed and recorded
 * as it completes, a failure leaves a history row saying exactly where it stopped, and nothing
 * runs again until the user resumes or repairs. A lock held by a dedicated session (a row lock,
 * never committed) keeps two runs apart and dies with its session.
 *
 * Its parts: history-store.ts (what it reads and records, and the lock; in Oracle's tables by
 * default, history.ts and lock.ts), status.ts (where each migration stands), queue.ts (what a run
 * takes from the history, or why it refuses), run-loop.ts (running statements), baseline.ts.
 * This file holds them together for each command.
 * The engine never prints and never exits: it returns results, emits events, and throws DcnError.
 */
import { DcnError, usageError } from '../errors.js';
import type { DbSession } from '../db/driver.js';
import type { Variables } from '../script/substitute.js';
import type { NamedQuery } from '../script/named-queries.js';
import { HistoryTable } from './history.js';
import { dryRunPlan, type DryRunPlan } from './dry-run.js';
import { listInvalidObjects, recompileInvalid, type SchemaObject } from './invalid-objects.js';
import { recordBaseline } from './baseline.js';
import { RunPlanner } from './queue.js';
import { OracleHistoryStore, type HistoryStore, type RepairChange } from './history-store.js';
import { renderMigrations, type Rendered } from './render.js';
import { RunFailedError, RunLoop } from './run-loop.js';
import { isRepeatableVersion, versionTarget, type Migration } from './source.js';
import { matchesRecorded, migrationStates, type MigrationSet, type StatusResult } from './status.js';
import type { BaselineResult, Direction, MigrationEvent, RepairResult, RunResult, SessionProvider } from './types.js';

export interface MigratorOptions {
  readonly migrations: readonly Migration[];
  readonly variables?: Variables;
  /** Upper-case, validated identifier. */
  readonly historyTable: string;
  readonly lockTimeoutSeconds: number;
  readonly sessions: SessionProvider;
  /** Who holds the lock, shown to a waiting run: e.g. "host pid 123". */
  readonly holder?: string;
  readonly onEvent?: (event: MigrationEvent) => void;
  readonly now?: () => number;
  /** Where the history is kept; default: the Oracle tables named historyTable. */
  readonly history?: HistoryStore;
}

export class Migrator {
  readonly #opts: MigratorOptions;
  readonly #rendered: Map<string, Rendered>;
  readonly #byVersion: Map<string, Migration>;
  readonly #set: MigrationSet;
  /** The engine's named queries, for the history table and the schema's catalog. */
  readonly #queries: HistoryTable;
  readonly #history: HistoryStore;
  readonly #runLoop: RunLoop;
  readonly #planner: RunPlanner;
  readonly #now: () => number;

  constructor(options: MigratorOptions) {
    this.#opts = options;
    this.#now = options.now ?? (() => performance.now());
    this.#rendered = renderMigrations(options.migrations, options.variables);
    this.#byVersion = new Map(options.migrations.map((m) => [m.version, m]));
    this.#set = { migrations: options.migrations, rendered: this.#rendered, variables: options.variables };
    this.#queries = new HistoryTable(options.historyTable, options.lockTimeoutSeconds);
    const emit = (event: MigrationEvent) => this.#opts.onEvent?.(event);
    this.#history =
      options.history ??
      new OracleHistoryStore({
        table: this.#queries,
        sessions: options.sessions,
        lockTimeoutSeconds: options.lockTimeoutSeconds,
        holder: options.holder,
        now: this.#now,
        emit,
      });
    this.#planner = new RunPlanner({ set: this.#set, byVersion: this.#byVersion });
    this.#runLoop = new RunLoop({
      history: this.#history,
      queries: this.#queries,
      sessions: options.sessions,
      rendered: this.#rendered,
      now: this.#now,
      emit,
    });
  }

  /** The engine's own SQL, by name (for tests and the plan). */
  query(name: string): NamedQuery {
    return this.#queries.query(name);
  }

  #withLock<T>(fn: (app: DbSession) => Promise<T>): Promise<T> {
    return this.#history.withLock(fn);
  }

  #checksum(m: Migration): string {
    return this.#rendered.get(m.version)!.checksum;
  }

  /**
   * What migrate (or down) would run now, read from the history without locking or creating
   * anything: the same queue the run would take, or the same refusal. Nothing is executed.
   */
  async dryRun(
    direction: Direction,
    options: { to?: string; steps?: number; resume?: boolean; allowChanged?: boolean; outOfOrder?: boolean } = {},
  ): Promise<DryRunPlan> {
    const to = direction === 'up' ? this.#target(options.to, 'to', false) : this.#downTarget(options);
    const app = await this.#opts.sessions.app();
    const recorded = await this.#history.peek(app);
    const historyExists = recorded !== undefined;
    const rows = recorded ?? [];
    const { queue, warnings, resumed } =
      direction === 'up' ? this.#planner.up(rows, options, to) : this.#planner.down(rows, options, to);
    // as down does after undoing: the repeatable migrations' rows go, so the next migrate applies them again
    const forget =
      direction === 'down' && queue.length > 0
        ? rows.filter((r) => isRepeatableVersion(r.version) && r.success).map((r) => r.version)
        : [];
    return dryRunPlan({
      historyTable: this.#opts.historyTable,
      historyExists,
      direction,
      queue,
      resumed,
      rendered: this.#rendered,
      warnings,
      forget,
    });
  }

  /** Reads the history without locking or creating anything. */
  async status(): Promise<StatusResult> {
    const app = await this.#opts.sessions.app();
    const rows = await this.#history.peek(app);
    return {
      historyTable: this.#opts.historyTable,
      historyExists: rows !== undefined,
      migrations: migrationStates(this.#set, rows ?? []),
    };
  }

  #target(to: string | undefined, option: 'to' | 'version', allowZero: boolean): string | undefined {
    return to === undefined ? undefined : versionTarget(to, [...this.#byVersion.keys()], option, allowZero);
  }

  // ---------------------------------------------------------------- run

  /** Applies pending migrations up to `to` (all when undefined). */
  async migrate(
    options: {
      to?: string;
      resume?: boolean;
      allowChanged?: boolean;
      outOfOrder?: boolean;
      failOnInvalid?: boolean;
    } = {},
  ): Promise<RunResult> {
    const to = this.#target(options.to, 'to', false);
    return this.#withLock(async (app) => {
      const rows = await this.#history.read(app);
      const { queue, warnings, resumed } = this.#planner.up(rows, options, to);
      const result = await this.#runLoop.run(app, 'up', queue, warnings, resumed);
      return this.#recompile(app, result, options.failOnInvalid ?? false);
    });
  }

  /**
   * After migrate, with the lock still held: compiles the schema's INVALID objects once (the run
   * lists them when it ran something; a run with nothing to apply lists them here), and with
   * failOnInvalid throws when any stay INVALID, after every migration is recorded.
   */
  async #recompile(app: DbSession, result: RunResult, failOnInvalid: boolean): Promise<RunResult> {
    const before = result.results.length > 0 ? result.invalidObjects : await listInvalidObjects(this.#queries, app);
    const outcome = await recompileInvalid(this.#queries, app, before);
    const done: RunResult = {
      ...result,
      invalidObjects: outcome.stillInvalid,
      recompiled: outcome.recompiled,
      ...(outcome.error ? { recompileError: outcome.error } : {}),
    };
    if (failOnInvalid && outcome.stillInvalid.length > 0) {
      const list = outcome.stillInvalid.map((o) => `${o.type} ${o.name}`).join(', ');
      throw new RunFailedError(
        new DcnError(
          'compile_error',
          `${outcome.stillInvalid.length} object(s) in the schema stay INVALID after compiling them again: ${list}`,
          {
            hint: 'see why with SHOW ERRORS <type> <name> (or USER_ERRORS), fix the cause in a new migration and run again; the migrations themselves are applied and recorded',
            meta: {
              invalidObjects: outcome.stillInvalid,
              recompiled: outcome.recompiled,
              ...(outcome.error ? { recompileError: outcome.error } : {}),
            },
          },
        ),
        result.results,
      );
    }
    return done;
  }

  /** The schema's INVALID objects now, read without locking or compiling anything. */
  async invalidObjects(): Promise<SchemaObject[]> {
    return listInvalidObjects(this.#queries, await this.#opts.sessions.app());
  }

  /** Undoes applied migrations: the last `steps` (default 1), or all above version `to` ("0" = all). */
  async down(options: { to?: string; steps?: number; resume?: boolean } = {}): Promise<RunResult> {
    const to = this.#downTarget(options);
    return this.#withLock(async (app) => {
      const rows = await this.#history.read(app);
      const { queue, warnings, resumed } = this.#planner.down(rows, options, to);
      const result = await this.#runLoop.run(app, 'down', queue, warnings, resumed);
      // What the repeatable scripts made may depend on what was undone, and the U scripts drop
      // what they own: each is applied again by the next migrate.
      const forget = result.results.some((r) => r.status === 'success')
        ? rows.filter((r) => isRepeatableVersion(r.version) && r.success).map((r) => r.version)
        : [];
      await this.#history.forget(app, forget);
      return result;
    });
  }

  #downTarget(options: { to?: string; steps?: number }): string | undefined {
    if (options.to !== undefined && options.steps !== undefined)
      throw usageError('give a version to undo down to or a number of steps, not both', 'use one of them');
    if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
      throw new DcnError('usage', 'the number of steps must be a whole number of 1 or more', {
        meta: { option: 'steps', value: options.steps },
      });
    }
    return this.#target(options.to, 'to', true);
  }

  /**
   * Records the versioned migrations up to `version` as applied without running them, for a
   * database whose objects were made without dcn: only on a history that holds nothing yet, and
   * only when every object they would create is in the schema (USER_OBJECTS), else nothing is
   * recorded and the missing ones are named. Admin-profile migrations are not recorded: the grants
   * and ACEs they give cannot be told from a DBA's, so the next migrate runs them (and lists what
   * the schema held before).
   */
  async baseline(version: string): Promise<BaselineResult> {
    const to = this.#target(version, 'version', false)!;
    if (this.#byVersion.get(to)!.repeatable)
      throw usageError(`${version} is a repeatable migration: baseline takes a version`);
    return this.#withLock(async (app) => {
      const rows = await this.#history.read(app);
      if (rows.length > 0) {
        throw new DcnError(
          'usage',
          `${this.#opts.historyTable} already holds ${rows.length} row(s): baseline is for a database dcn has not migrated yet`,
          { hint: 'see what is recorded', remedies: [{ kind: 'status' }] },
        );
      }
      return recordBaseline(
        {
          migrations: this.#opts.migrations,
          variables: this.#opts.variables ?? {},
          rendered: this.#rendered,
          queries: this.#queries,
          history: this.#history,
        },
        app,
        to,
      );
    });
  }

  /** Forgets failed attempts and accepts changed files as applied. */
  async repair(): Promise<RepairResult> {
    return this.#withLock(async (app) => {
      const rows = await this.#history.read(app);
      const actions: { version: string; action: 'removed-failed' | 'realigned-checksum'; detail: string }[] = [];
      const changes: RepairChange[] = [];
      for (const row of rows) {
        if (!row.success) {
          changes.push({ kind: 'delete', version: row.version });
          actions.push({
            version: row.version,
            action: 'removed-failed',
            detail: `${row.operation === 'undo' ? 'undo' : 'migration'} stopped after ${row.statementsDone} of ${row.statementsTotal} statements; anything those created is still in the database`,
          });
          continue;
        }
        const m = this.#byVersion.get(row.version);
        if (m && !m.repeatable && !matchesRecorded(this.#set, m, row.checksum)) {
          changes.push({ kind: 'realign', version: row.version, checksum: this.#checksum(m), script: m.up.file });
          actions.push({
            version: row.version,
            action: 'realigned-checksum',
            detail: `${m.up.file} accepted as applied`,
          });
        }
      }
      await this.#history.repair(app, changes);
      return { actions };
    });
  }
}
