/**
 * The migration engine. It applies versioned SQL*Plus scripts through the Driver interface and
 * is honest about Oracle: DDL commits implicitly, so every statement is committed and recorded
 * as it completes, a failure leaves a history row saying exactly where it stopped, and nothing
 * runs again until the user resumes or repairs. A lock held by a dedicated session (a row lock,
 * never committed) keeps two runs apart and dies with its session.
 *
 * Its parts: history-store.ts (what it reads and records, and the lock; in Oracle's tables by
 * default, history.ts and lock.ts), status.ts (where each migration
 * stands, a pure function), run-loop.ts (running statements). This file decides what to run.
 * The engine never prints and never exits: it returns results, emits events, and throws DcnError.
 */
import { DcnError, usageError } from '../errors.js';
import type { DbSession } from '../db/driver.js';
import type { Variables } from '../script/substitute.js';
import type { NamedQuery } from '../script/named-queries.js';
import { HistoryTable, type HistoryRow } from './history.js';
import { dryRunPlan, type DryRunPlan } from './dry-run.js';
import { listInvalidObjects, recompileInvalid, type SchemaObject } from './invalid-objects.js';
import { OracleHistoryStore, type HistoryStore, type RepairChange } from './history-store.js';
import { prefixHash, renderMigrations, type Rendered } from './render.js';
import { RunFailedError, RunLoop, type QueueItem } from './run-loop.js';
import {
  compareVersions,
  isEnabled,
  isRepeatableVersion,
  migrationLabel,
  versionTarget,
  type Migration,
} from './source.js';
import { matchesRecorded, migrationStates, type MigrationSet, type StatusEntry, type StatusResult } from './status.js';
import type { BaselineResult, Direction, MigrationEvent, RepairResult, RunResult, SessionProvider } from './types.js';

/** What a statement creates, as USER_OBJECTS names it; owner given only when the statement names one. */
const CREATES =
  /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NO)?FORCE\s+)?(?:(?:NON)?EDITIONABLE\s+)?(?:GLOBAL\s+TEMPORARY\s+|UNIQUE\s+|BITMAP\s+)?(TABLE|VIEW|TYPE\s+BODY|TYPE|PROCEDURE|FUNCTION|PACKAGE\s+BODY|PACKAGE|SEQUENCE|TRIGGER|INDEX|SYNONYM)\s+(?:("?[\w$#]+"?)\s*\.\s*)?("?[\w$#]+"?)/i;
/** ALTER TABLE [schema.]table ADD (column type, …): the columns a migration adds. */
const ADDS_COLUMNS = /^\s*ALTER\s+TABLE\s+(?:("?[\w$#]+"?)\s*\.\s*)?("?[\w$#]+"?)\s+ADD\s*\(([\s\S]*)\)\s*;?\s*$/i;

/** The column names of an ADD list: the first word of each part between commas outside parentheses. */
function addedColumnNames(list: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (i === list.length || (c === ',' && depth === 0)) {
      const word = /^\s*("?[\w$#]+"?)/.exec(list.slice(start, i))?.[1];
      if (word) names.push(word);
      start = i + 1;
    }
  }
  return names;
}

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
      direction === 'up' ? this.#upQueue(rows, options, to) : this.#downQueue(rows, options, to);
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

  // ---------------------------------------------------------------- checks

  #target(to: string | undefined, option: 'to' | 'version', allowZero: boolean): string | undefined {
    return to === undefined ? undefined : versionTarget(to, [...this.#byVersion.keys()], option, allowZero);
  }

  #blockedError(row: HistoryRow): DcnError {
    const where = `statement ${row.statementsDone + 1} of ${row.statementsTotal}`;
    const what =
      row.operation === 'undo'
        ? `the undo of ${migrationLabel(row.version)}`
        : `${migrationLabel(row.version)} (${row.description})`;
    return new DcnError('history_blocked', `${what} failed at ${where}${row.errorText ? `: ${row.errorText}` : ''}`, {
      hint: `statements before it are applied (Oracle commits DDL). Fix the script and resume from ${where}, or repair to forget the failed attempt (drop what it created first)`,
      remedies: [{ kind: 'resume', direction: row.operation === 'undo' ? 'down' : 'up' }, { kind: 'repair' }],
      meta: {
        version: row.version,
        operation: row.operation,
        statementsDone: row.statementsDone,
        statementsTotal: row.statementsTotal,
      },
    });
  }

  #checkDrift(entries: readonly StatusEntry[], allowChanged: boolean, warnings: string[]): void {
    // a repeatable script that is gone leaves its objects as they are; it blocks nothing
    const changed = entries.filter((e) => e.state === 'changed' || (e.state === 'missing' && !e.repeatable));
    if (changed.length === 0) return;
    const list = changed.map(
      (e) =>
        `${migrationLabel(e.version)} ${e.state === 'missing' ? `(${e.script}: file missing)` : `(${e.script} changed since it was applied)`}`,
    );
    if (allowChanged) {
      warnings.push(...list.map((l) => `applied migration differs: ${l}`));
      return;
    }
    throw new DcnError('migration_changed', `applied migrations differ from their files: ${list.join('; ')}`, {
      hint: 'restore the files as they were applied, put the change in a new migration, run anyway, or repair to accept the files as they are',
      remedies: [{ kind: 'allow-changed' }, { kind: 'repair' }],
      meta: { migrations: changed.map((e) => ({ version: e.version, state: e.state, script: e.script })) },
    });
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
      const { queue, warnings, resumed } = this.#upQueue(rows, options, to);
      const result = await this.#runLoop.run(app, 'up', queue, warnings, resumed);
      return this.#recompile(app, result, options.failOnInvalid ?? false);
    });
  }

  /** What migrate runs, in order, from these history rows; throws where migrate refuses. Shared with the dry run. */
  #upQueue(
    rows: readonly HistoryRow[],
    options: { resume?: boolean; allowChanged?: boolean; outOfOrder?: boolean },
    to: string | undefined,
  ): { queue: QueueItem[]; warnings: string[]; resumed: boolean } {
    const warnings: string[] = [];
    const entries = migrationStates(this.#set, rows);
    const failed = rows.find((r) => !r.success);
    let resume: QueueItem | undefined;
    if (failed) {
      if (!options.resume || failed.operation === 'undo') throw this.#blockedError(failed);
      resume = { migration: this.#requireFile(failed), from: this.#resumePoint(failed, 'up') };
    } else if (options.resume) {
      warnings.push('nothing to resume: no migration failed');
    }
    this.#checkDrift(entries, options.allowChanged ?? false, warnings);
    const outOfOrder = entries.filter((e) => e.outOfOrder && (to === undefined || compareVersions(e.version, to) <= 0));
    if (outOfOrder.length > 0) {
      const which = `V${outOfOrder.map((e) => e.version).join(', V')}`;
      if (!options.outOfOrder) {
        throw new DcnError(
          'out_of_order',
          `${which} ${outOfOrder.length > 1 ? 'are' : 'is'} new but a higher version is already applied`,
          {
            hint: 'give the new migration a version above the last applied one, or apply it where it stands (if it does not depend on what the higher versions did)',
            remedies: [{ kind: 'out-of-order' }],
            meta: { versions: outOfOrder.map((e) => e.version) },
          },
        );
      }
      warnings.push(`${which}: applied out of order, below a higher version already applied`);
    }
    const stateOf = (m: Migration) => entries.find((e) => e.version === m.version)?.state;
    const pending = this.#opts.migrations.filter(
      (m) => !m.repeatable && stateOf(m) === 'pending' && (to === undefined || compareVersions(m.version, to) <= 0),
    );
    // after every versioned one, and not with --to: they may need the latest version of everything
    const repeatables =
      to !== undefined
        ? []
        : this.#opts.migrations.filter((m) => m.repeatable && (stateOf(m) === 'pending' || stateOf(m) === 'outdated'));
    const queue: QueueItem[] = [
      ...(resume ? [resume] : []),
      ...pending.map((m) => ({ migration: m, from: 0 })),
      ...repeatables
        .filter((m) => m.version !== resume?.migration.version)
        .map((m) => ({ migration: m, from: 0, again: stateOf(m) === 'outdated' })),
    ];
    return { queue, warnings, resumed: resume !== undefined };
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
      const { queue, warnings, resumed } = this.#downQueue(rows, options, to);
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

  /** What down undoes, newest first, from these history rows; throws where down refuses. Shared with the dry run. */
  #downQueue(
    rows: readonly HistoryRow[],
    options: { steps?: number; resume?: boolean },
    to: string | undefined,
  ): { queue: QueueItem[]; warnings: string[]; resumed: boolean } {
    const warnings: string[] = [];
    const failed = rows.find((r) => !r.success);
    const queue: QueueItem[] = [];
    if (failed) {
      if (!options.resume || failed.operation !== 'undo') throw this.#blockedError(failed);
      queue.push({ migration: this.#requireFile(failed), from: this.#resumePoint(failed, 'down') });
    } else if (options.resume) {
      warnings.push('nothing to resume: no undo failed');
    }
    const applied = rows
      .filter((r) => r.success && !isRepeatableVersion(r.version))
      .sort((a, b) => compareVersions(b.version, a.version));
    const chosen =
      to !== undefined
        ? applied.filter((r) => compareVersions(r.version, to) > 0)
        : failed
          ? []
          : applied.slice(0, options.steps ?? 1);
    for (const row of chosen) {
      const m = this.#requireFile(row);
      if (!m.down) {
        throw new DcnError(
          'script_invalid',
          `${migrationLabel(m.version)} (${m.description}) has no undo script, so dcn cannot take it back`,
          {
            hint: `add U${m.version}__${m.up.file.replace(/^V[^_]+__/, '')} next to ${m.up.file}; nothing was undone`,
          },
        );
      }
      if (!matchesRecorded(this.#set, m, row.checksum))
        warnings.push(
          `${migrationLabel(m.version)} changed since it was applied; undoing it with the current U script`,
        );
      queue.push({ migration: m, from: 0 });
    }
    return { queue, warnings, resumed: failed !== undefined };
  }

  #requireFile(row: HistoryRow): Migration {
    const m = this.#byVersion.get(row.version);
    if (!m) {
      throw new DcnError(
        'migration_changed',
        `${migrationLabel(row.version)} is in the history table but ${row.script} is not in the migrations directory`,
        {
          hint: 'restore the file, or point the migrations setting at the right directory',
          remedies: [{ kind: 'migrations-dir' }],
        },
      );
    }
    return m;
  }

  #resumePoint(row: HistoryRow, direction: Direction): number {
    const rendered = this.#rendered.get(row.version)!;
    const statements = direction === 'up' ? rendered.up : rendered.down();
    if (!statements)
      throw new DcnError(
        'script_invalid',
        `the undo script of ${migrationLabel(row.version)} is gone; it cannot be resumed`,
        { hint: 'restore it, or repair', remedies: [{ kind: 'repair' }] },
      );
    const done = row.statementsDone;
    if (done > statements.length || (done > 0 && row.doneHash !== prefixHash(statements, done))) {
      throw new DcnError(
        'history_blocked',
        `cannot resume ${migrationLabel(row.version)}: the ${done} statement(s) that already ran are not the same in the file any more`,
        {
          hint: 'only change the failed statement and those after it; or undo by hand and repair',
          remedies: [{ kind: 'repair' }],
        },
      );
    }
    return done;
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
      const upTo = this.#opts.migrations.filter(
        (m) => !m.repeatable && isEnabled(m, this.#opts.variables ?? {}) && compareVersions(m.version, to) <= 0,
      );
      const schema = (this.#opts.variables?.app_schema ?? '').toUpperCase();
      const present = new Set(
        (await this.#queries.run(app, 'baseline.objects', {})).rows.map(
          (r) => `${String(r.OBJECT_TYPE)} ${String(r.OBJECT_NAME)}`,
        ),
      );
      // the columns, only when a migration adds some: a schema's column list can be long
      const addsColumns = upTo.some(
        (m) => m.up.profile !== 'admin' && this.#rendered.get(m.version)!.up.some((st) => ADDS_COLUMNS.test(st.sql)),
      );
      if (addsColumns)
        for (const r of (await this.#queries.run(app, 'baseline.columns', {})).rows)
          present.add(`COLUMN ${String(r.TABLE_NAME)}.${String(r.COLUMN_NAME)}`);
      const name = (ident: string) => (ident.startsWith('"') ? ident.slice(1, -1) : ident.toUpperCase());
      const baselined: { version: string; description: string; objects: string[]; m: Migration }[] = [];
      const deferred: { version: string; description: string }[] = [];
      const missing: string[] = [];
      for (const m of upTo) {
        if (m.up.profile === 'admin') {
          deferred.push({ version: m.version, description: m.description });
          continue;
        }
        const objects: string[] = [];
        for (const st of this.#rendered.get(m.version)!.up) {
          const a = ADDS_COLUMNS.exec(st.sql);
          if (a && (a[1] === undefined || schema === '' || name(a[1]) === schema)) {
            for (const column of addedColumnNames(a[3]!)) {
              const object = `COLUMN ${name(a[2]!)}.${name(column)}`;
              objects.push(object);
              if (!present.has(object))
                missing.push(`V${m.version} (${m.description}) adds ${object}: not in the schema`);
            }
            continue;
          }
          const c = CREATES.exec(st.sql);
          if (!c || (c[2] !== undefined && schema !== '' && name(c[2]) !== schema)) continue;
          const object = `${c[1]!.toUpperCase().replace(/\s+/, ' ')} ${name(c[3]!)}`;
          objects.push(object);
          if (!present.has(object))
            missing.push(`V${m.version} (${m.description}) creates ${object}: not in the schema`);
        }
        baselined.push({ version: m.version, description: m.description, objects, m });
      }
      if (missing.length > 0) {
        throw new DcnError('not_found', `cannot baseline to V${to}: ${missing.join('; ')}`, {
          hint: 'create what is missing by hand, as the migration would, and baseline again; or baseline a lower version and let dcn migrate create the rest',
          meta: { missing },
        });
      }
      await this.#history.baseline(
        app,
        baselined.map((b) => ({
          migration: b.m,
          checksum: this.#checksum(b.m),
          statementsTotal: this.#rendered.get(b.version)!.up.length,
        })),
      );
      return {
        baselined: baselined.map(({ version: v, description, objects }) => ({ version: v, description, objects })),
        deferred,
      };
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
