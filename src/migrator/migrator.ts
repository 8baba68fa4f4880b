/**
 * The migration engine. It applies versioned SQL*Plus scripts through the Driver interface and
 * is honest about Oracle: DDL commits implicitly, so every statement is committed and recorded
 * as it completes, a failure leaves a history row saying exactly where it stopped, and nothing
 * runs again until the user resumes (--resume) or repairs. A lock held by a dedicated session
 * (a row lock, never committed) keeps two runs apart and dies with its session.
 *
 * The engine never prints and never exits: it returns results, emits events, and throws DcnError.
 */
import { DcnError, usageError } from '../errors.js';
import type { Binds, DbSession, ExecuteResult } from '../db/driver.js';
import { firstLine, isConnectionLost, oracleCode, statementError } from '../db/oracle-errors.js';
import type { Statement } from '../script/split.js';
import type { Variables } from '../script/substitute.js';
import { prefixHash, renderMigrations, repeatableOutdatedBy, type Rendered } from './render.js';
import { loadNamedQueries, type NamedQuery } from '../script/named-queries.js';
import { sqlPath } from '../paths.js';
import { compiledObjectOf, mapCompileErrors, type CompileErrorRow, type CompileProblem } from './compile-gate.js';
import { truncateBytes } from '../oracle/varchar.js';
import { compareVersions, isEnabled, isRepeatableVersion, migrationLabel, normaliseVersion, type Migration, type Profile } from './source.js';

export interface SessionProvider {
  /** The schema owner's session: app migrations and the history table. */
  app(): Promise<DbSession>;
  /** The DBA session, for migrations whose header says profile=admin. */
  admin(): Promise<DbSession>;
  /** A second app session that only holds the migration lock. */
  lock(): Promise<DbSession>;
}

/** outdated: a repeatable migration whose file or settings changed since it was applied. */
export type MigrationState = 'applied' | 'pending' | 'failed' | 'changed' | 'missing' | 'outdated';

export interface StatusEntry {
  readonly version: string;
  readonly description: string;
  readonly state: MigrationState;
  readonly script: string;
  readonly profile?: Profile;
  /** Checksum of the file (or, for a missing file, the recorded one). */
  readonly checksum: string;
  readonly recordedChecksum?: string;
  readonly appliedAt?: string;
  readonly appliedBy?: string;
  readonly durationMs?: number;
  readonly operation?: 'migrate' | 'undo' | 'baseline';
  readonly statementsDone?: number;
  readonly statementsTotal?: number;
  readonly error?: string;
  readonly hasUndo: boolean;
  /** Pending, but a higher version is already applied. */
  readonly outOfOrder?: boolean;
  /** An R__ script: applied after the versioned ones, and again when its rendered text changes. */
  readonly repeatable?: boolean;
  /** Why a repeatable migration is outdated: its file changed, or a setting it uses. */
  readonly outdatedBy?: 'file' | 'settings';
  /** The settings (substitution variables) the script uses. */
  readonly uses?: readonly string[];
  /** Of those, the ones whose value changed since it was applied (when the history can tell). */
  readonly changedSettings?: readonly string[];
}

export interface StatusResult {
  readonly historyTable: string;
  readonly historyExists: boolean;
  readonly migrations: readonly StatusEntry[];
}

export type Direction = 'up' | 'down';

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
  readonly invalidObjects: readonly { type: string; name: string }[];
  readonly compileWarnings: readonly CompileProblem[];
  readonly warnings: readonly string[];
}

export interface BaselineResult {
  /** Recorded as applied without running: their objects are there. */
  readonly baselined: readonly { version: string; description: string; objects: readonly string[] }[];
  /** Admin-profile migrations below the baseline: they give grants and ACEs, which dcn must know it gave; the next migrate runs them. */
  readonly deferred: readonly { version: string; description: string }[];
}

/** What a statement creates, as USER_OBJECTS names it; owner given only when the statement names one. */
const CREATES = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NO)?FORCE\s+)?(?:(?:NON)?EDITIONABLE\s+)?(?:GLOBAL\s+TEMPORARY\s+|UNIQUE\s+|BITMAP\s+)?(TABLE|VIEW|TYPE\s+BODY|TYPE|PROCEDURE|FUNCTION|PACKAGE\s+BODY|PACKAGE|SEQUENCE|TRIGGER|INDEX|SYNONYM)\s+(?:("?[\w$#]+"?)\s*\.\s*)?("?[\w$#]+"?)/i;

export interface RepairResult {
  readonly actions: readonly { version: string; action: 'removed-failed' | 'realigned-checksum'; detail: string }[];
}

/**
 * A REVOKE of a privilege that is not there: ORA-01927 (an object privilege this user did not
 * grant) or ORA-01952 (a system privilege not granted): shared/reference, corrections.
 */
function isAlreadyRevoked(sql: string, err: unknown): boolean {
  const code = oracleCode(err);
  return /^\s*REVOKE\b/i.test(sql) && (code === 'ORA-01927' || code === 'ORA-01952');
}

export type MigrationEvent =
  | { type: 'lock-acquired'; waitedMs: number }
  | { type: 'migration-start'; version: string; description: string; direction: Direction; profile: Profile; statements: number; resumeFrom?: number }
  | { type: 'statement-done'; version: string; index: number; line: number; file: string; durationMs: number }
  | { type: 'migration-done'; version: string; direction: Direction; durationMs: number }
  | { type: 'migration-failed'; version: string; direction: Direction; durationMs: number; error: string };

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
}

/** A migration to run: from which statement, and for a repeatable one whether it ran before. */
interface QueueItem {
  readonly migration: Migration;
  readonly from: number;
  readonly again?: boolean;
}

interface HistoryRow {
  readonly rank: number;
  readonly version: string;
  readonly description: string;
  readonly script: string;
  readonly checksum: string;
  readonly profile: Profile;
  readonly operation: 'migrate' | 'undo' | 'baseline';
  readonly statementsDone: number;
  readonly statementsTotal: number;
  readonly doneHash: string | null;
  readonly success: boolean;
  readonly errorText: string | null;
  readonly installedBy: string;
  readonly installedOn: unknown;
  readonly executionMs: number | null;
}

const LOCK_BUSY = new Set(['ORA-30006', 'ORA-00054']);

function toIso(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  return undefined;
}

export class Migrator {
  readonly #opts: MigratorOptions;
  readonly #rendered: Map<string, Rendered>;
  readonly #byVersion: Map<string, Migration>;
  readonly #queries = new Map<string, NamedQuery>();
  readonly #queryVariables: Variables;
  readonly #now: () => number;

  constructor(options: MigratorOptions) {
    this.#opts = options;
    this.#now = options.now ?? (() => performance.now());
    this.#rendered = renderMigrations(options.migrations, options.variables);
    this.#byVersion = new Map(options.migrations.map((m) => [m.version, m]));
    const wait = options.lockTimeoutSeconds <= 0 ? 'NOWAIT' : `WAIT ${Math.floor(options.lockTimeoutSeconds)}`;
    this.#queryVariables = { history_table: options.historyTable, lock_wait: wait };
  }

  /** The engine's own SQL, by name (for tests and the plan). */
  query(name: string): NamedQuery {
    let q = this.#queries.get(name);
    if (!q) {
      q = loadNamedQueries(sqlPath('migrator', 'history.sql')).render(name, this.#queryVariables);
      this.#queries.set(name, q);
    }
    return q;
  }

  async #run(session: DbSession, name: string, binds: Binds = {}): Promise<ExecuteResult> {
    const q = this.query(name);
    try {
      return await session.execute(q.sql, binds, { name });
    } catch (err) {
      throw statementError(err, `dcn query ${name}`);
    }
  }

  #emit(event: MigrationEvent): void {
    this.#opts.onEvent?.(event);
  }

  // ---------------------------------------------------------------- history

  async #historyExists(app: DbSession): Promise<boolean> {
    const r = await this.#run(app, 'table.exists', { table_name: this.#opts.historyTable });
    return r.rows.length > 0;
  }

  async #ensureTables(app: DbSession): Promise<void> {
    const create = async (table: string, createName: string, seed?: string) => {
      const r = await this.#run(app, 'table.exists', { table_name: table });
      if (r.rows.length > 0) return;
      try {
        await app.execute(this.query(createName).sql, {}, { name: createName });
      } catch (err) {
        if (oracleCode(err) === 'ORA-00955') return; // a concurrent run created it first
        throw statementError(err, `creating ${table}`);
      }
      if (seed) {
        try {
          await app.execute(this.query(seed).sql, {}, { name: seed });
          await app.commit();
        } catch (err) {
          if (oracleCode(err) !== 'ORA-00001') throw statementError(err, `seeding ${table}`);
          await app.rollback();
        }
      }
    };
    await create(this.#opts.historyTable, 'history.create');
    await create(`${this.#opts.historyTable}_LOCK`, 'lock.create', 'lock.seed');
  }

  async #readHistory(app: DbSession): Promise<HistoryRow[]> {
    const r = await this.#run(app, 'history.select');
    return r.rows.map((row) => ({
      rank: Number(row.INSTALLED_RANK),
      version: String(row.VERSION),
      description: String(row.DESCRIPTION),
      script: String(row.SCRIPT),
      checksum: String(row.CHECKSUM),
      profile: row.PROFILE === 'admin' ? 'admin' : 'app',
      operation: row.OPERATION === 'undo' ? 'undo' : row.OPERATION === 'baseline' ? 'baseline' : 'migrate',
      statementsDone: Number(row.STATEMENTS_DONE),
      statementsTotal: Number(row.STATEMENTS_TOTAL),
      doneHash: row.DONE_HASH == null ? null : String(row.DONE_HASH),
      success: Number(row.SUCCESS) === 1,
      errorText: row.ERROR_TEXT == null ? null : String(row.ERROR_TEXT),
      installedBy: String(row.INSTALLED_BY),
      installedOn: row.INSTALLED_ON,
      executionMs: row.EXECUTION_MS == null ? null : Number(row.EXECUTION_MS),
    }));
  }

  // ---------------------------------------------------------------- lock

  async #withLock<T>(fn: (app: DbSession) => Promise<T>): Promise<T> {
    const app = await this.#opts.sessions.app();
    await this.#ensureTables(app);
    const lock = await this.#opts.sessions.lock();
    const sidRow = (await this.#run(lock, 'lock.session-id')).rows[0];
    const sid = sidRow?.SID == null ? null : Number(sidRow.SID);
    const started = this.#now();
    let locked: ExecuteResult;
    try {
      locked = await lock.execute(this.query('lock.acquire').sql, {}, { name: 'lock.acquire' });
    } catch (err) {
      if (LOCK_BUSY.has(oracleCode(err) ?? '')) throw await this.#lockHeldError(app, err);
      throw statementError(err, 'taking the migration lock');
    }
    // FOR UPDATE of a row that is not there locks nothing: two runs would go on together
    if (locked.rows.length !== 1) {
      throw new DcnError('internal', `the migration lock row (id 1) is missing from ${this.#opts.historyTable}_LOCK, so no lock could be taken`, {
        hint: `drop ${this.#opts.historyTable}_LOCK when no dcn migrate runs: the next run creates and seeds it again`,
      });
    }
    this.#emit({ type: 'lock-acquired', waitedMs: Math.round(this.#now() - started) });
    try {
      await this.#run(app, 'lock.record-holder', { holder: this.#opts.holder ?? 'dcn', holder_sid: sid });
      await app.commit();
      return await fn(app);
    } finally {
      // Rolling back ends the lock session's transaction, which releases the row lock.
      await lock.rollback().catch(() => undefined);
    }
  }

  async #lockHeldError(app: DbSession, cause: unknown): Promise<DcnError> {
    let who = 'another session';
    const meta: Record<string, unknown> = { waitedSeconds: this.#opts.lockTimeoutSeconds };
    try {
      const row = (await this.#run(app, 'lock.read-holder')).rows[0];
      if (row?.HOLDER != null) {
        const since = toIso(row.ACQUIRED_ON);
        who = `${row.HOLDER} (Oracle session SID ${row.HOLDER_SID ?? '?'}${since ? `, since ${since}` : ''})`;
        Object.assign(meta, { holder: row.HOLDER, holderSid: row.HOLDER_SID, since });
      }
    } catch {
      // the holder row is a courtesy; the lock error is what matters
    }
    const waited = this.#opts.lockTimeoutSeconds <= 0 ? 'did not wait (--lock-timeout 0)' : `waited ${this.#opts.lockTimeoutSeconds} s`;
    return new DcnError('lock_held', `the migration lock is held by ${who}; ${waited}`, {
      hint: 'let that run finish, or wait longer with --lock-timeout SECONDS; if its session is gone, Oracle has already released the lock',
      meta,
      cause,
    });
  }

  // ---------------------------------------------------------------- status

  /** The checksum the history holds for a script as it is now (see Rendered.checksum). */
  #checksum(m: Migration): string {
    return this.#rendered.get(m.version)!.checksum;
  }

  /** Is the recorded checksum this script's, or one of the earlier texts it accepts? */
  #matches(m: Migration, recorded: string): boolean {
    return recorded === this.#checksum(m) || (m.up.accepts ?? []).includes(recorded);
  }

  #analyse(rows: readonly HistoryRow[]): StatusEntry[] {
    const byVersion = new Map(rows.map((r) => [r.version, r]));
    const entries: StatusEntry[] = [];
    const appliedVersions = rows.filter((r) => r.success && !isRepeatableVersion(r.version)).map((r) => r.version);
    const highestApplied = appliedVersions.sort(compareVersions).at(-1);
    // an admin migration a baseline left for the next run is not out of order below the baselined ones
    const highestRun = rows.filter((r) => r.success && !isRepeatableVersion(r.version) && r.operation !== 'baseline').map((r) => r.version).sort(compareVersions).at(-1);
    for (const m of this.#opts.migrations) {
      const row = byVersion.get(m.version);
      const rendered = this.#rendered.get(m.version)!;
      const base = {
        version: m.version,
        description: m.description,
        script: m.up.file,
        profile: m.up.profile,
        checksum: rendered.checksum,
        hasUndo: m.down !== undefined,
        ...(m.repeatable ? { repeatable: true, uses: rendered.uses } : {}),
      };
      if (!row) {
        // an optional migration that is switched off and was never applied is not part of the set
        if (!isEnabled(m, this.#opts.variables ?? {})) continue;
        const above = m.up.profile === 'admin' ? highestRun : highestApplied;
        const outOfOrder = !m.repeatable && above !== undefined && compareVersions(m.version, above) < 0;
        entries.push({ ...base, state: 'pending', ...(outOfOrder ? { outOfOrder } : {}) });
        continue;
      }
      if (m.repeatable) {
        const outdated = repeatableOutdatedBy(row.checksum, rendered.checksum, rendered.uses);
        const state: MigrationState = !row.success ? 'failed' : outdated ? 'outdated' : 'applied';
        const why = row.success && outdated ? { outdatedBy: outdated.by, ...(outdated.by === 'settings' && outdated.settings ? { changedSettings: outdated.settings } : {}) } : {};
        entries.push({ ...base, ...this.#recorded(row), state, ...why });
        continue;
      }
      const state: MigrationState = !row.success ? 'failed' : !this.#matches(m, row.checksum) ? 'changed' : 'applied';
      entries.push({ ...base, ...this.#recorded(row), state });
    }
    for (const row of rows) {
      if (this.#byVersion.has(row.version)) continue;
      entries.push({
        version: row.version,
        description: row.description,
        script: row.script,
        checksum: row.checksum,
        profile: row.profile,
        hasUndo: false,
        ...this.#recorded(row),
        state: row.success ? 'missing' : 'failed',
        ...(isRepeatableVersion(row.version) ? { repeatable: true } : {}),
      });
    }
    // versioned in version order, then the repeatable ones by name
    const versioned = entries.filter((e) => !e.repeatable).sort((a, b) => compareVersions(a.version, b.version));
    const repeatable = entries.filter((e) => e.repeatable).sort((a, b) => (a.version < b.version ? -1 : 1));
    return [...versioned, ...repeatable];
  }

  #recorded(row: HistoryRow) {
    return {
      recordedChecksum: row.checksum,
      appliedAt: toIso(row.installedOn),
      appliedBy: row.installedBy,
      durationMs: row.executionMs ?? undefined,
      operation: row.operation,
      statementsDone: row.statementsDone,
      statementsTotal: row.statementsTotal,
      error: row.errorText ?? undefined,
    };
  }

  /** Reads the history without locking or creating anything. */
  async status(): Promise<StatusResult> {
    const app = await this.#opts.sessions.app();
    const exists = await this.#historyExists(app);
    const rows = exists ? await this.#readHistory(app) : [];
    return { historyTable: this.#opts.historyTable, historyExists: exists, migrations: this.#analyse(rows) };
  }

  // ---------------------------------------------------------------- checks

  #checkTarget(to: string | undefined, allowZero: boolean, option = '--to'): string | undefined {
    if (to === undefined) return undefined;
    if (!/^\d+([._]\d+)*$/.test(to)) throw usageError(`${option} ${to} is not a version`, 'give a version such as 3 or 2.1');
    const v = normaliseVersion(to);
    if (allowZero && v === '0') return v;
    if (!this.#byVersion.has(v)) {
      throw usageError(`${option} ${to}: there is no migration with that version`, `known versions: ${[...this.#byVersion.keys()].join(', ') || 'none'}${allowZero ? ', or 0 for all' : ''}`);
    }
    return v;
  }

  #failedRow(rows: readonly HistoryRow[]): HistoryRow | undefined {
    return rows.find((r) => !r.success);
  }

  #blockedError(row: HistoryRow): DcnError {
    const direction = row.operation === 'undo' ? 'down ' : '';
    const where = `statement ${row.statementsDone + 1} of ${row.statementsTotal}`;
    const what = row.operation === 'undo' ? `the undo of ${migrationLabel(row.version)}` : `${migrationLabel(row.version)} (${row.description})`;
    return new DcnError('history_blocked', `${what} failed at ${where}${row.errorText ? `: ${row.errorText}` : ''}`, {
      hint:
        `statements before it are applied (Oracle commits DDL). Fix the script and run \`dcn migrate ${direction}--resume\` to continue from ${where}, ` +
        'or run `dcn migrate repair` to forget the failed attempt (drop what it created first)',
      meta: { version: row.version, operation: row.operation, statementsDone: row.statementsDone, statementsTotal: row.statementsTotal },
    });
  }

  #checkDrift(entries: readonly StatusEntry[], allowChanged: boolean, warnings: string[]): void {
    // a repeatable script that is gone leaves its objects as they are; it blocks nothing
    const changed = entries.filter((e) => e.state === 'changed' || (e.state === 'missing' && !e.repeatable));
    if (changed.length === 0) return;
    const list = changed.map((e) => `${migrationLabel(e.version)} ${e.state === 'missing' ? `(${e.script}: file missing)` : `(${e.script} changed since it was applied)`}`);
    if (allowChanged) {
      warnings.push(...list.map((l) => `applied migration differs: ${l}`));
      return;
    }
    throw new DcnError('migration_changed', `applied migrations differ from their files: ${list.join('; ')}`, {
      hint: 'restore the files as they were applied, put the change in a new migration, or pass --allow-changed (or run `dcn migrate repair` to accept the files as they are)',
      meta: { migrations: changed.map((e) => ({ version: e.version, state: e.state, script: e.script })) },
    });
  }

  // ---------------------------------------------------------------- run

  async #session(profile: Profile, app: DbSession): Promise<DbSession> {
    return profile === 'admin' ? this.#opts.sessions.admin() : app;
  }

  /**
   * Runs statements [from, end) of one script, committing and recording each as it completes.
   * Throws a migration_failed or compile_error DcnError after recording where it stopped.
   */
  async #runScript(
    app: DbSession,
    m: Migration,
    direction: Direction,
    statements: readonly Statement[],
    from: number,
    compileWarnings: CompileProblem[],
    notes: string[],
  ): Promise<number> {
    const script = direction === 'up' ? m.up : m.down!;
    const session = await this.#session(script.profile, app);
    const started = this.#now();
    this.#emit({ type: 'migration-start', version: m.version, description: m.description, direction, profile: script.profile, statements: statements.length, ...(from > 0 ? { resumeFrom: from + 1 } : {}) });
    for (let i = from; i < statements.length; i++) {
      const st = statements[i]!;
      const t0 = this.#now();
      let problem: DcnError | undefined;
      try {
        const result = await session.execute(st.sql);
        problem = await this.#compileCheck(session, st, result, m, direction, i, statements.length, compileWarnings);
        if (!problem) await session.commit();
      } catch (err) {
        if (err instanceof DcnError) throw err;
        await session.rollback().catch(() => undefined);
        if (direction === 'down' && isAlreadyRevoked(st.sql, err)) {
          // GRANT is not reference-counted: a DBA may have taken it back already. Its undo is done.
          notes.push(`${st.file}:${st.line}: ${firstLine(st.sql)} — already gone (${firstLine(err)}); nothing to revoke`);
        } else problem = this.#statementFailure(err, m, direction, st, i, statements.length);
      }
      if (problem) {
        const durationMs = Math.round(this.#now() - started);
        await this.#run(app, 'history.fail', { version: m.version, error_text: truncateBytes(problem.message, 4000), execution_ms: durationMs });
        await app.commit();
        this.#emit({ type: 'migration-failed', version: m.version, direction, durationMs, error: problem.message });
        Object.assign(problem.meta, { statementsDone: i, statementsTotal: statements.length });
        throw problem;
      }
      await this.#run(app, 'history.progress', { version: m.version, statements_done: i + 1, done_hash: prefixHash(statements, i + 1) });
      await app.commit();
      this.#emit({ type: 'statement-done', version: m.version, index: i + 1, line: st.line, file: st.file, durationMs: Math.round(this.#now() - t0) });
    }
    return Math.round(this.#now() - started);
  }

  #statementFailure(err: unknown, m: Migration, direction: Direction, st: Statement, index: number, total: number): DcnError {
    const code = oracleCode(err);
    const name = direction === 'up' ? `${migrationLabel(m.version)} (${m.description})` : `the undo of ${migrationLabel(m.version)}`;
    const resume = direction === 'up' ? 'dcn migrate --resume' : 'dcn migrate down --resume';
    const lost = isConnectionLost(err);
    return new DcnError(lost ? 'connection_failed' : code === 'ORA-01031' ? 'privilege_missing' : 'migration_failed', `${name} failed at statement ${index + 1} of ${total}, ${st.file}:${st.line}: ${firstLine(err)}`, {
      hint:
        (code === 'ORA-01031' ? 'the connected user lacks a privilege: run the migration on the admin profile (-- dcn: profile=admin) or grant it; then ' : '') +
        `statements before it are applied. Fix the script and run \`${resume}\`, or \`dcn migrate repair\` to forget this attempt`,
      meta: { version: m.version, direction, file: st.file, line: st.line, statement: index + 1, oracleCode: code },
      cause: err,
    });
  }

  async #compileCheck(
    session: DbSession,
    st: Statement,
    result: ExecuteResult,
    m: Migration,
    direction: Direction,
    index: number,
    total: number,
    compileWarnings: CompileProblem[],
  ): Promise<DcnError | undefined> {
    const object = compiledObjectOf(st);
    if (!object) return undefined;
    const { rows } = await this.#run(session, 'compile.errors', { owner: object.owner ?? null, name: object.name, type: object.type });
    const problems = mapCompileErrors(
      st,
      object,
      rows.map((r): CompileErrorRow => ({ line: Number(r.LINE), position: Number(r.POSITION), text: String(r.TEXT), attribute: String(r.ATTRIBUTE) })),
    );
    const errors = problems.filter((p) => p.severity === 'error');
    compileWarnings.push(...problems.filter((p) => p.severity === 'warning'));
    if (errors.length === 0 && !(result.warning && problems.length === 0)) return undefined;
    const name = direction === 'up' ? `${migrationLabel(m.version)} (${m.description})` : `the undo of ${migrationLabel(m.version)}`;
    const listed = errors.length > 0 ? errors.map((e) => `  ${e.file}:${e.line}:${e.column}: ${e.text}`).join('\n') : `  ${st.file}:${st.line}: ${result.warning!.message}`;
    return new DcnError('compile_error', `${name}: ${object.type} ${object.owner ? `${object.owner}.` : ''}${object.name} was created with compilation errors (statement ${index + 1} of ${total}):\n${listed}`, {
      hint: `fix the errors and run \`dcn migrate ${direction === 'down' ? 'down ' : ''}--resume\`; the statement runs again from the start`,
      meta: { version: m.version, direction, object: { type: object.type, owner: object.owner, name: object.name }, errors },
    });
  }

  async #invalidObjects(app: DbSession): Promise<{ type: string; name: string }[]> {
    const r = await this.#run(app, 'objects.invalid');
    return r.rows.map((row) => ({ type: String(row.OBJECT_TYPE), name: String(row.OBJECT_NAME) }));
  }

  /** Applies pending migrations up to `to` (all when undefined). */
  async migrate(options: { to?: string; resume?: boolean; allowChanged?: boolean; outOfOrder?: boolean } = {}): Promise<RunResult> {
    const to = this.#checkTarget(options.to, false);
    return this.#withLock(async (app) => {
      const rows = await this.#readHistory(app);
      const warnings: string[] = [];
      const entries = this.#analyse(rows);
      const failed = this.#failedRow(rows);
      let resume: QueueItem | undefined;
      if (failed) {
        if (!options.resume || failed.operation === 'undo') throw this.#blockedError(failed);
        resume = { migration: this.#requireFile(failed), from: this.#resumePoint(failed, 'up') };
      } else if (options.resume) {
        warnings.push('--resume: no failed migration to resume');
      }
      this.#checkDrift(entries, options.allowChanged ?? false, warnings);
      const outOfOrder = entries.filter((e) => e.outOfOrder && (to === undefined || compareVersions(e.version, to) <= 0));
      if (outOfOrder.length > 0) {
        const which = `V${outOfOrder.map((e) => e.version).join(', V')}`;
        if (!options.outOfOrder) {
          throw new DcnError('out_of_order', `${which} ${outOfOrder.length > 1 ? 'are' : 'is'} new but a higher version is already applied`, {
            hint: 'give the new migration a version above the last applied one, or apply it where it stands with the out-of-order option (if it does not depend on what the higher versions did)',
            meta: { versions: outOfOrder.map((e) => e.version) },
          });
        }
        warnings.push(`${which}: applied out of order, below a higher version already applied`);
      }
      const stateOf = (m: Migration) => entries.find((e) => e.version === m.version)?.state;
      const pending = this.#opts.migrations.filter((m) => !m.repeatable && stateOf(m) === 'pending' && (to === undefined || compareVersions(m.version, to) <= 0));
      // after every versioned one, and not with --to: they may need the latest version of everything
      const repeatables = to !== undefined ? [] : this.#opts.migrations.filter((m) => m.repeatable && (stateOf(m) === 'pending' || stateOf(m) === 'outdated'));
      const queue: QueueItem[] = [
        ...(resume ? [resume] : []),
        ...pending.map((m) => ({ migration: m, from: 0 })),
        ...repeatables.filter((m) => m.version !== resume?.migration.version).map((m) => ({ migration: m, from: 0, again: stateOf(m) === 'outdated' })),
      ];
      return this.#execute(app, 'up', queue, warnings, resume !== undefined);
    });
  }

  /** Undoes applied migrations: the last `steps` (default 1), or all above version `to` ("0" = all). */
  async down(options: { to?: string; steps?: number; resume?: boolean } = {}): Promise<RunResult> {
    if (options.to !== undefined && options.steps !== undefined) throw usageError("can't give --to and --steps together", 'use one of them');
    if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) throw usageError(`--steps ${options.steps} is not a whole number of 1 or more`);
    const to = this.#checkTarget(options.to, true);
    return this.#withLock(async (app) => {
      const rows = await this.#readHistory(app);
      const warnings: string[] = [];
      const failed = this.#failedRow(rows);
      const queue: { migration: Migration; from: number }[] = [];
      if (failed) {
        if (!options.resume || failed.operation !== 'undo') throw this.#blockedError(failed);
        queue.push({ migration: this.#requireFile(failed), from: this.#resumePoint(failed, 'down') });
      } else if (options.resume) {
        warnings.push('--resume: no failed undo to resume');
      }
      const applied = rows.filter((r) => r.success && !isRepeatableVersion(r.version)).sort((a, b) => compareVersions(b.version, a.version));
      const chosen = to !== undefined ? applied.filter((r) => compareVersions(r.version, to) > 0) : failed ? [] : applied.slice(0, options.steps ?? 1);
      for (const row of chosen) {
        const m = this.#requireFile(row);
        if (!m.down) {
          throw new DcnError('script_invalid', `${migrationLabel(m.version)} (${m.description}) has no undo script, so dcn cannot take it back`, {
            hint: `add U${m.version}__${m.up.file.replace(/^V[^_]+__/, '')} next to ${m.up.file}; nothing was undone`,
          });
        }
        if (!this.#matches(m, row.checksum)) warnings.push(`${migrationLabel(m.version)} changed since it was applied; undoing it with the current U script`);
        queue.push({ migration: m, from: 0 });
      }
      const result = await this.#execute(app, 'down', queue, warnings, failed !== undefined);
      // What the repeatable scripts made may depend on what was undone, and the U scripts drop
      // what they own: each is applied again by the next migrate.
      const forget = result.results.some((r) => r.status === 'success') ? rows.filter((r) => isRepeatableVersion(r.version) && r.success) : [];
      for (const r of forget) await this.#run(app, 'history.delete', { version: r.version });
      if (forget.length > 0) await app.commit();
      return result;
    });
  }

  #requireFile(row: HistoryRow): Migration {
    const m = this.#byVersion.get(row.version);
    if (!m) {
      throw new DcnError('migration_changed', `${migrationLabel(row.version)} is in the history table but ${row.script} is not in the migrations directory`, {
        hint: 'restore the file, or check --migrations points at the right directory',
      });
    }
    return m;
  }

  #resumePoint(row: HistoryRow, direction: Direction): number {
    const rendered = this.#rendered.get(row.version)!;
    const statements = direction === 'up' ? rendered.up : rendered.down;
    if (!statements) throw new DcnError('script_invalid', `the undo script of ${migrationLabel(row.version)} is gone; it cannot be resumed`, { hint: 'restore it, or run `dcn migrate repair`' });
    const done = row.statementsDone;
    if (done > statements.length || (done > 0 && row.doneHash !== prefixHash(statements, done))) {
      throw new DcnError('history_blocked', `cannot resume ${migrationLabel(row.version)}: the ${done} statement(s) that already ran are not the same in the file any more`, {
        hint: 'only change the failed statement and those after it; or undo by hand and run `dcn migrate repair`',
      });
    }
    return done;
  }

  async #execute(app: DbSession, direction: Direction, queue: readonly QueueItem[], warnings: string[], firstIsResume: boolean): Promise<RunResult> {
    // Connect the admin profile before anything runs: a missing admin user or a wrong password
    // must not leave a migration half-done and marked failed.
    if (queue.some(({ migration: m }) => (direction === 'up' ? m.up : m.down!).profile === 'admin')) await this.#opts.sessions.admin();
    const results: MigrationRunResult[] = [];
    const compileWarnings: CompileProblem[] = [];
    for (let q = 0; q < queue.length; q++) {
      const { migration: m, from, again } = queue[q]!;
      const rendered = this.#rendered.get(m.version)!;
      const statements = direction === 'up' ? rendered.up : rendered.down!;
      const resumed = q === 0 && firstIsResume;
      if (direction === 'up' && !resumed && !again) {
        await this.#run(app, 'history.insert', { version: m.version, description: truncateBytes(m.description, 200), script: m.up.file, checksum: this.#checksum(m), profile: m.up.profile, operation: 'migrate', statements_total: statements.length });
      } else {
        await this.#run(app, 'history.restart', { version: m.version, checksum: this.#checksum(m), script: m.up.file, operation: direction === 'up' ? 'migrate' : 'undo', statements_total: statements.length });
        if (!resumed) await this.#run(app, 'history.progress', { version: m.version, statements_done: 0, done_hash: null });
      }
      await app.commit();
      try {
        const durationMs = await this.#runScript(app, m, direction, statements, from, compileWarnings, warnings);
        if (direction === 'up') await this.#run(app, 'history.succeed', { version: m.version, execution_ms: durationMs });
        else await this.#run(app, 'history.delete', { version: m.version });
        await app.commit();
        this.#emit({ type: 'migration-done', version: m.version, direction, durationMs });
        results.push({ version: m.version, description: m.description, direction, status: 'success', durationMs, statementsDone: statements.length, statementsTotal: statements.length, ...(resumed ? { resumedFrom: from + 1 } : {}) });
      } catch (err) {
        if (err instanceof DcnError) {
          const done = Number(err.meta.statementsDone ?? from);
          results.push({ version: m.version, description: m.description, direction, status: 'failed', statementsDone: done, statementsTotal: statements.length });
          for (const rest of queue.slice(q + 1)) {
            const r = this.#rendered.get(rest.migration.version)!;
            results.push({ version: rest.migration.version, description: rest.migration.description, direction, status: 'not-executed', statementsDone: 0, statementsTotal: (direction === 'up' ? r.up : r.down ?? []).length });
          }
          err.meta.results = results;
        }
        throw err;
      }
    }
    const invalidObjects = queue.length > 0 ? await this.#invalidObjects(app) : [];
    return { direction, results, invalidObjects, compileWarnings, warnings };
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
    const to = this.#checkTarget(version, false, '--version')!;
    if (this.#byVersion.get(to)!.repeatable) throw usageError(`${version} is a repeatable migration: baseline takes a version`);
    return this.#withLock(async (app) => {
      const rows = await this.#readHistory(app);
      if (rows.length > 0) {
        throw usageError(`${this.#opts.historyTable} already holds ${rows.length} row(s): baseline is for a database dcn has not migrated yet`, 'use dcn migrate status to see what is recorded');
      }
      const upTo = this.#opts.migrations.filter((m) => !m.repeatable && isEnabled(m, this.#opts.variables ?? {}) && compareVersions(m.version, to) <= 0);
      const schema = (this.#opts.variables?.app_schema ?? '').toUpperCase();
      const present = new Set((await this.#run(app, 'baseline.objects', {})).rows.map((r) => `${String(r.OBJECT_TYPE)} ${String(r.OBJECT_NAME)}`));
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
          const c = CREATES.exec(st.sql);
          if (!c || (c[2] !== undefined && schema !== '' && name(c[2]) !== schema)) continue;
          const object = `${c[1]!.toUpperCase().replace(/\s+/, ' ')} ${name(c[3]!)}`;
          objects.push(object);
          if (!present.has(object)) missing.push(`V${m.version} (${m.description}) creates ${object}: not in the schema`);
        }
        baselined.push({ version: m.version, description: m.description, objects, m });
      }
      if (missing.length > 0) {
        throw new DcnError('not_found', `cannot baseline to V${to}: ${missing.join('; ')}`, {
          hint: 'create what is missing by hand, as the migration would, and baseline again; or baseline a lower version and let dcn migrate create the rest',
          meta: { missing },
        });
      }
      for (const b of baselined) {
        await this.#run(app, 'history.baseline', { version: b.version, description: truncateBytes(b.description, 200), script: b.m.up.file, checksum: this.#checksum(b.m), profile: b.m.up.profile, statements_total: this.#rendered.get(b.version)!.up.length });
      }
      await app.commit();
      return { baselined: baselined.map(({ version: v, description, objects }) => ({ version: v, description, objects })), deferred };
    });
  }

  /** Forgets failed attempts and accepts changed files as applied. */
  async repair(): Promise<RepairResult> {
    return this.#withLock(async (app) => {
      const rows = await this.#readHistory(app);
      const actions: { version: string; action: 'removed-failed' | 'realigned-checksum'; detail: string }[] = [];
      for (const row of rows) {
        if (!row.success) {
          await this.#run(app, 'history.delete', { version: row.version });
          actions.push({ version: row.version, action: 'removed-failed', detail: `${row.operation === 'undo' ? 'undo' : 'migration'} stopped after ${row.statementsDone} of ${row.statementsTotal} statements; anything those created is still in the database` });
          continue;
        }
        const m = this.#byVersion.get(row.version);
        if (m && !m.repeatable && !this.#matches(m, row.checksum)) {
          await this.#run(app, 'history.realign', { version: row.version, checksum: this.#checksum(m), script: m.up.file });
          actions.push({ version: row.version, action: 'realigned-checksum', detail: `${m.up.file} accepted as applied` });
        }
      }
      await app.commit();
      return { actions };
    });
  }
}
