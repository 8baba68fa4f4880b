/**
 * What the engine needs of its history: read it, take the lock, and record each migration as it
 * starts, progresses, fails and ends. The engine decides what to run from the rows it reads and
 * says what happened through these calls; how it is kept is the store's business. Two stores:
 * the Oracle tables (OracleHistoryStore, here), and an in-memory one (memory-history.ts) with
 * which the engine's decisions are tested apart from the SQL that records them.
 *
 * Each call that writes is one unit the engine relies on: when it returns, what it wrote is
 * committed, because Oracle commits DDL implicitly and the history must say exactly where a run
 * stopped.
 */
import type { DbSession } from '../db/driver.js';
import { truncateBytes } from '../oracle/varchar.js';
import type { HistoryRow, HistoryTable } from './history.js';
import { withMigrationLock } from './lock.js';
import type { Migration } from './source.js';
import type { Direction, MigrationEvent, SessionProvider } from './types.js';

/** A migration about to run, as begin() records it. */
export interface MigrationStart {
  readonly migration: Migration;
  readonly checksum: string;
  readonly direction: Direction;
  readonly statementsTotal: number;
  /**
   * 'new': no row yet (a pending migration); 'restart': its row starts again from statement 0 (an
   * outdated repeatable, an undo); 'resume': its row keeps the statements it recorded as done.
   */
  readonly mode: 'new' | 'restart' | 'resume';
}

/** Where a running migration stands: `statementsDone` statements of its script, whose hash is `doneHash`. */
export interface Progress {
  readonly version: string;
  readonly statementsDone: number;
  readonly doneHash: string;
}

export interface BaselineEntry {
  readonly migration: Migration;
  readonly checksum: string;
  readonly statementsTotal: number;
}

export type RepairChange =
  | { readonly kind: 'delete'; readonly version: string }
  | { readonly kind: 'realign'; readonly version: string; readonly checksum: string; readonly script: string };

export interface HistoryStore {
  /** The rows, oldest first, or undefined when there is no history yet; takes no lock and creates nothing. */
  peek(app: DbSession): Promise<HistoryRow[] | undefined>;
  /** Runs fn holding the migration lock, after creating the history when it is missing. */
  withLock<T>(fn: (app: DbSession) => Promise<T>): Promise<T>;
  /** The rows, oldest first (under the lock). */
  read(app: DbSession): Promise<HistoryRow[]>;
  begin(app: DbSession, start: MigrationStart): Promise<void>;
  /**
   * Runs statements (one DDL statement, or consecutive DML) on `app` and records `progress` with
   * them, in one round trip: applied together or, on an error, neither; the error is the failed
   * statement's own.
   */
  runWithProgress(app: DbSession, statements: readonly string[], progress: Progress): Promise<void>;
  /** Records progress after a statement that ran on its own. */
  recordProgress(app: DbSession, progress: Progress): Promise<void>;
  fail(app: DbSession, version: string, errorText: string, executionMs: number): Promise<void>;
  /** A migration applied (its row marked done), or undone (its row removed). */
  finish(app: DbSession, version: string, direction: Direction, executionMs: number): Promise<void>;
  /** Removes these rows (the repeatables after an undo); nothing when the list is empty. */
  forget(app: DbSession, versions: readonly string[]): Promise<void>;
  /** Records migrations as applied without running them. */
  baseline(app: DbSession, entries: readonly BaselineEntry[]): Promise<void>;
  /** Removes failed rows and accepts changed files, in the order given. */
  repair(app: DbSession, changes: readonly RepairChange[]): Promise<void>;
}

export interface OracleHistoryOptions {
  readonly table: HistoryTable;
  readonly sessions: SessionProvider;
  readonly lockTimeoutSeconds: number;
  readonly holder?: string;
  readonly now: () => number;
  readonly emit: (event: MigrationEvent) => void;
}

/**
 * The history in Oracle tables (sql/migrator/history.sql), whose columns bound the description
 * (200 bytes) and the error text (4000 bytes). Each write is its statement and a
 * COMMIT, and a statement with its progress is one anonymous block: the round trips a migration
 * costs are counted in bench/migrate-rounds.ts.
 */
export class OracleHistoryStore implements HistoryStore {
  readonly #table: HistoryTable;

  constructor(private readonly opts: OracleHistoryOptions) {
    this.#table = opts.table;
  }

  async peek(app: DbSession): Promise<HistoryRow[] | undefined> {
    return (await this.#table.exists(app)) ? await this.#table.read(app) : undefined;
  }

  withLock<T>(fn: (app: DbSession) => Promise<T>): Promise<T> {
    const o = this.opts;
    return withMigrationLock(
      {
        history: this.#table,
        sessions: o.sessions,
        lockTimeoutSeconds: o.lockTimeoutSeconds,
        holder: o.holder,
        now: o.now,
        emit: o.emit,
      },
      fn,
    );
  }

  read(app: DbSession): Promise<HistoryRow[]> {
    return this.#table.read(app);
  }

  async begin(app: DbSession, start: MigrationStart): Promise<void> {
    const { migration: m, checksum, direction, statementsTotal, mode } = start;
    if (mode === 'new') {
      await this.#table.run(app, 'history.insert', {
        version: m.version,
        description: truncateBytes(m.description, 200),
        script: m.up.file,
        checksum,
        profile: m.up.profile,
        operation: 'migrate',
        statements_total: statementsTotal,
      });
    } else {
      await this.#table.run(app, 'history.restart', {
        version: m.version,
        checksum,
        script: m.up.file,
        operation: direction === 'up' ? 'migrate' : 'undo',
        statements_total: statementsTotal,
      });
      if (mode === 'restart')
        await this.#table.run(app, 'history.progress', { version: m.version, statements_done: 0, done_hash: null });
    }
    await app.commit();
  }

  /** Run directly, not through HistoryTable.run: an error is the statement's own, not dcn's query's. */
  async runWithProgress(app: DbSession, statements: readonly string[], progress: Progress): Promise<void> {
    const template = this.#table.query('history.run-statements').sql;
    const binds: Record<string, string | number> = {
      version: progress.version,
      statements_done: progress.statementsDone,
      done_hash: progress.doneHash,
    };
    const lines = statements.map((sql, k) => {
      binds[`s${k + 1}`] = sql;
      return `  EXECUTE IMMEDIATE :s${k + 1};`;
    });
    await app.execute(template.replace('  EXECUTE IMMEDIATE :s1;', lines.join('\n')), binds, {
      name: 'history.run-statements',
    });
  }

  async recordProgress(app: DbSession, progress: Progress): Promise<void> {
    await this.#table.run(app, 'history.progress', {
      version: progress.version,
      statements_done: progress.statementsDone,
      done_hash: progress.doneHash,
    });
    await app.commit();
  }

  async fail(app: DbSession, version: string, errorText: string, executionMs: number): Promise<void> {
    await this.#table.run(app, 'history.fail', {
      version,
      error_text: truncateBytes(errorText, 4000),
      execution_ms: executionMs,
    });
    await app.commit();
  }

  async finish(app: DbSession, version: string, direction: Direction, executionMs: number): Promise<void> {
    if (direction === 'up') await this.#table.run(app, 'history.succeed', { version, execution_ms: executionMs });
    else await this.#table.run(app, 'history.delete', { version });
    await app.commit();
  }

  async forget(app: DbSession, versions: readonly string[]): Promise<void> {
    for (const version of versions) await this.#table.run(app, 'history.delete', { version });
    if (versions.length > 0) await app.commit();
  }

  async baseline(app: DbSession, entries: readonly BaselineEntry[]): Promise<void> {
    for (const { migration: m, checksum, statementsTotal } of entries) {
      await this.#table.run(app, 'history.baseline', {
        version: m.version,
        description: truncateBytes(m.description, 200),
        script: m.up.file,
        checksum,
        profile: m.up.profile,
        statements_total: statementsTotal,
      });
    }
    await app.commit();
  }

  async repair(app: DbSession, changes: readonly RepairChange[]): Promise<void> {
    for (const c of changes) {
      if (c.kind === 'delete') await this.#table.run(app, 'history.delete', { version: c.version });
      else
        await this.#table.run(app, 'history.realign', { version: c.version, checksum: c.checksum, script: c.script });
    }
    await app.commit();
  }
}
