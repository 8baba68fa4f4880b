/**
 * The run loop: runs queued migrations statement by statement, committing and recording each as
 * it completes (Oracle DDL commits implicitly, so the history must say exactly where a run
 * stopped), checks what PL/SQL compiled to, and on a failure records it and stops.
 */
import { DcnError } from '../errors.js';
import type { DbSession, ExecuteResult } from '../db/driver.js';
import { firstLine, isConnectionLost, oracleCode } from '../db/oracle-errors.js';
import type { Statement } from '../script/script-items.js';
import { batchAt, DDL } from './batches.js';
import { listInvalidObjects } from './invalid-objects.js';
import { compiledObjectOf, mapCompileErrors, type CompileErrorRow, type CompileProblem } from './compile-gate.js';
import type { HistoryTable } from './history.js';
import type { HistoryStore } from './history-store.js';
import { RunningHash, type Rendered } from './render.js';
import { migrationLabel, type Migration } from './source.js';
import type { Direction, MigrationEvent, MigrationRunResult, RunResult, SessionProvider } from './types.js';

/** A migration to run: from which statement, and for a repeatable one whether it ran before. */
export interface QueueItem {
  readonly migration: Migration;
  readonly from: number;
  readonly again?: boolean;
}

/** A run that stopped at a failure: the failure itself, and where every queued migration stands. */
export class RunFailedError extends DcnError {
  constructor(
    failure: DcnError,
    readonly results: readonly MigrationRunResult[],
  ) {
    super(failure.code, failure.message, {
      hint: failure.hint,
      remedies: failure.remedies,
      meta: failure.meta,
      cause: failure.cause,
    });
  }

  override jsonMeta(): Record<string, unknown> {
    return { ...this.meta, results: this.results };
  }
}

/**
 * A REVOKE of a privilege that is not there: ORA-01927 (an object privilege this user did not
 * grant) or ORA-01952 (a system privilege not granted); SQL Language Reference, REVOKE:
 * https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/REVOKE.html
 */
function isAlreadyRevoked(sql: string, err: unknown): boolean {
  const code = oracleCode(err);
  return /^\s*REVOKE\b/i.test(sql) && (code === 'ORA-01927' || code === 'ORA-01952');
}

function runName(m: Migration, direction: Direction): string {
  return direction === 'up'
    ? `${migrationLabel(m.version)} (${m.description})`
    : `the undo of ${migrationLabel(m.version)}`;
}

export interface RunLoopOptions {
  readonly history: HistoryStore;
  /** The engine's named queries: the compile gate reads the errors of what a statement compiled. */
  readonly queries: HistoryTable;
  readonly sessions: SessionProvider;
  readonly rendered: ReadonlyMap<string, Rendered>;
  readonly now: () => number;
  readonly emit: (event: MigrationEvent) => void;
}

export class RunLoop {
  constructor(private readonly opts: RunLoopOptions) {}

  #statements(m: Migration, direction: Direction): readonly Statement[] {
    const rendered = this.opts.rendered.get(m.version)!;
    return direction === 'up' ? rendered.up : (rendered.down() ?? []);
  }

  async run(
    app: DbSession,
    direction: Direction,
    queue: readonly QueueItem[],
    warnings: string[],
    firstIsResume: boolean,
  ): Promise<RunResult> {
    const { history } = this.opts;
    // Connect the admin profile before anything runs: a missing admin user or a wrong password
    // must not leave a migration half-done and marked failed.
    if (queue.some(({ migration: m }) => (direction === 'up' ? m.up : m.down!).profile === 'admin'))
      await this.opts.sessions.admin();
    const results: MigrationRunResult[] = [];
    const compileWarnings: CompileProblem[] = [];
    for (let q = 0; q < queue.length; q++) {
      const { migration: m, from, again } = queue[q]!;
      const checksum = this.opts.rendered.get(m.version)!.checksum;
      const statements = this.#statements(m, direction);
      const resumed = q === 0 && firstIsResume;
      await history.begin(app, {
        migration: m,
        checksum,
        direction,
        statementsTotal: statements.length,
        mode: resumed ? 'resume' : direction === 'up' && !again ? 'new' : 'restart',
      });
      try {
        const durationMs = await this.#runScript(app, m, direction, statements, from, compileWarnings, warnings);
        await history.finish(app, m.version, direction, durationMs);
        this.opts.emit({ type: 'migration-done', version: m.version, direction, durationMs });
        results.push({
          version: m.version,
          description: m.description,
          direction,
          status: 'success',
          durationMs,
          statementsDone: statements.length,
          statementsTotal: statements.length,
          ...(resumed ? { resumedFrom: from + 1 } : {}),
        });
      } catch (err) {
        if (!(err instanceof DcnError)) throw err;
        const done = Number(err.meta.statementsDone ?? from);
        results.push({
          version: m.version,
          description: m.description,
          direction,
          status: 'failed',
          statementsDone: done,
          statementsTotal: statements.length,
        });
        for (const rest of queue.slice(q + 1)) {
          results.push({
            version: rest.migration.version,
            description: rest.migration.description,
            direction,
            status: 'not-executed',
            statementsDone: 0,
            statementsTotal: this.#statements(rest.migration, direction).length,
          });
        }
        throw new RunFailedError(err, results);
      }
    }
    const invalidObjects = queue.length > 0 ? await listInvalidObjects(this.opts.queries, app) : [];
    return { direction, results, invalidObjects, compileWarnings, warnings };
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
    const { history, now, emit } = this.opts;
    const script = direction === 'up' ? m.up : m.down!;
    const session = script.profile === 'admin' ? await this.opts.sessions.admin() : app;
    const started = now();
    emit({
      type: 'migration-start',
      version: m.version,
      description: m.description,
      direction,
      profile: script.profile,
      statements: statements.length,
      ...(from > 0 ? { resumeFrom: from + 1 } : {}),
    });
    const doneHash = new RunningHash(statements, from);
    // the hash after statement k, computed once, in order, as batches and single runs ask for it
    const hashes = new Map<number, string>();
    /** Statements before this index, in a batch that failed, run one by one. */
    let singlyUntil = -1;
    const hashAfter = (k: number): string => {
      let hash = hashes.get(k);
      if (hash === undefined) hashes.set(k, (hash = doneHash.add(statements[k]!)));
      return hash;
    };
    for (let i = from; i < statements.length; i++) {
      const batch =
        session !== app ? 0 : i < singlyUntil ? Math.min(batchAt(statements, i), 1) : batchAt(statements, i);
      if (batch > 1) {
        const t0 = now();
        try {
          await this.#runStatements(app, m, statements.slice(i, i + batch), i + batch, hashAfter);
        } catch (err) {
          if (err instanceof DcnError) throw err;
          // the batch was rolled back whole: run its statements one by one, which stops at the
          // failed one with its own error, file and line, after recording those before it
          await app.rollback().catch(() => undefined);
          singlyUntil = i + batch;
          i--;
          continue;
        }
        for (let k = i; k < i + batch; k++) {
          emit({
            type: 'statement-done',
            version: m.version,
            index: k + 1,
            line: statements[k]!.line,
            file: statements[k]!.file,
            durationMs: k === i + batch - 1 ? Math.round(now() - t0) : 0,
          });
          hashes.delete(k);
        }
        i += batch - 1;
        continue;
      }
      const st = statements[i]!;
      const t0 = now();
      const progress = { version: m.version, statementsDone: i + 1, doneHash: hashAfter(i) };
      let problem: DcnError | undefined;
      let recorded = false;
      try {
        if (batch === 1) {
          // one round trip: the statement and its progress
          await this.#runStatements(app, m, [st], i + 1, hashAfter);
          recorded = true;
        } else {
          const result = await session.execute(st.sql);
          problem = await this.#compileCheck(session, st, result, m, direction, i, statements.length, compileWarnings);
          // Oracle commits DDL itself, before and after it: a COMMIT would be one more round trip
          if (!problem && !DDL.test(st.sql)) await session.commit();
        }
      } catch (err) {
        if (err instanceof DcnError) throw err;
        await session.rollback().catch(() => undefined);
        if (direction === 'down' && isAlreadyRevoked(st.sql, err)) {
          // GRANT is not reference-counted: a DBA may have taken it back already. Its undo is done.
          notes.push(
            `${st.file}:${st.line}: ${firstLine(st.sql)} — already gone (${firstLine(err)}); nothing to revoke`,
          );
        } else problem = statementFailure(err, m, direction, st, i, statements.length);
      }
      if (problem) {
        const durationMs = Math.round(now() - started);
        await history.fail(app, m.version, problem.message, durationMs);
        emit({ type: 'migration-failed', version: m.version, direction, durationMs, error: problem.message });
        Object.assign(problem.meta, { statementsDone: i, statementsTotal: statements.length });
        throw problem;
      }
      if (!recorded) await history.recordProgress(app, progress);
      hashes.delete(i);
      emit({
        type: 'statement-done',
        version: m.version,
        index: i + 1,
        line: st.line,
        file: st.file,
        durationMs: Math.round(now() - t0),
      });
    }
    return Math.round(now() - started);
  }

  /** Statements and their progress in one round trip: `done` statements of the script are then done. */
  async #runStatements(
    app: DbSession,
    m: Migration,
    batch: readonly Statement[],
    done: number,
    hashAfter: (k: number) => string,
  ): Promise<void> {
    // the hashes in order: each one extends the one before
    let doneHash = '';
    for (let k = done - batch.length; k < done; k++) doneHash = hashAfter(k);
    await this.opts.history.runWithProgress(
      app,
      batch.map((st) => st.sql),
      { version: m.version, statementsDone: done, doneHash },
    );
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
    const { rows } = await this.opts.queries.run(session, 'compile.errors', {
      owner: object.owner ?? null,
      name: object.name,
      type: object.type,
    });
    const problems = mapCompileErrors(
      st,
      object,
      rows.map((r): CompileErrorRow => ({
        line: Number(r.LINE),
        position: Number(r.POSITION),
        text: String(r.TEXT),
        attribute: String(r.ATTRIBUTE),
      })),
    );
    const errors = problems.filter((p) => p.severity === 'error');
    compileWarnings.push(...problems.filter((p) => p.severity === 'warning'));
    if (errors.length === 0 && !(result.warning && problems.length === 0)) return undefined;
    const listed =
      errors.length > 0
        ? errors.map((e) => `  ${e.file}:${e.line}:${e.column}: ${e.text}`).join('\n')
        : `  ${st.file}:${st.line}: ${result.warning!.message}`;
    return new DcnError(
      'compile_error',
      `${runName(m, direction)}: ${object.type} ${object.owner ? `${object.owner}.` : ''}${object.name} was created with compilation errors (statement ${index + 1} of ${total}):\n${listed}`,
      {
        hint: 'fix the errors and resume; the statement runs again from the start',
        remedies: [{ kind: 'resume', direction }],
        meta: {
          version: m.version,
          direction,
          object: { type: object.type, owner: object.owner, name: object.name },
          errors,
        },
      },
    );
  }
}

function statementFailure(
  err: unknown,
  m: Migration,
  direction: Direction,
  st: Statement,
  index: number,
  total: number,
): DcnError {
  const code = oracleCode(err);
  const lost = isConnectionLost(err);
  return new DcnError(
    lost ? 'connection_failed' : code === 'ORA-01031' ? 'privilege_missing' : 'migration_failed',
    `${runName(m, direction)} failed at statement ${index + 1} of ${total}, ${st.file}:${st.line}: ${firstLine(err)}`,
    {
      hint:
        (code === 'ORA-01031'
          ? 'the connected user lacks a privilege: run the migration on the admin profile (-- dcn: profile=admin) or grant it; then '
          : '') + 'statements before it are applied. Fix the script and resume, or repair to forget this attempt',
      remedies: [{ kind: 'resume', direction }, { kind: 'repair' }],
      meta: { version: m.version, direction, file: st.file, line: st.line, statement: index + 1, oracleCode: code },
      cause: err,
    },
  );
}
