/**
 * A history kept in memory: the engine's decisions (what to run, from where, what to refuse)
 * tested, or tried, apart from the SQL that records them in Oracle. It keeps the rules the
 * Oracle tables keep (one row per version, a rank in order of recording, the lock held by one
 * run at a time); what the SQL itself means is tested on the driver fake.
 */
import { DcnError } from '../errors.js';
import type { DbSession } from '../db/driver.js';
import type { HistoryRow } from './history.js';
import type { BaselineEntry, HistoryStore, MigrationStart, Progress, RepairChange } from './history-store.js';
import type { Direction, SessionProvider } from './types.js';

type Row = { -readonly [K in keyof HistoryRow]: HistoryRow[K] };

export class InMemoryHistoryStore implements HistoryStore {
  /** undefined until the first locked run creates the history, as the Oracle tables are created. */
  #rows: Row[] | undefined;
  #locked = false;
  #rank = 0;

  /**
   * `rows`: a history to start from (rows whose rank is 0 are ranked in the order given).
   * `user`: who installs, as Oracle's USER would say.
   */
  constructor(
    private readonly sessions: Pick<SessionProvider, 'app'>,
    rows?: readonly HistoryRow[],
    private readonly user = 'DCN',
  ) {
    if (rows) {
      this.#rows = rows.map((r) => ({ ...r, rank: r.rank || ++this.#rank }));
      this.#rank = Math.max(0, ...this.#rows.map((r) => r.rank));
    }
  }

  /** The rows as recorded now, copies. */
  rows(): HistoryRow[] | undefined {
    return this.#rows?.map((r) => ({ ...r }));
  }

  async peek(): Promise<HistoryRow[] | undefined> {
    return this.rows();
  }

  async withLock<T>(fn: (app: DbSession) => Promise<T>): Promise<T> {
    if (this.#locked) {
      throw new DcnError('lock_held', 'the migration lock is held by another run in this process', {
        hint: 'let that run finish',
      });
    }
    this.#locked = true;
    try {
      const app = await this.sessions.app();
      this.#rows ??= [];
      return await fn(app);
    } finally {
      this.#locked = false;
    }
  }

  async read(): Promise<HistoryRow[]> {
    return this.rows() ?? [];
  }

  async begin(_app: DbSession, start: MigrationStart): Promise<void> {
    const { migration: m, checksum, direction, statementsTotal, mode } = start;
    if (mode === 'new') {
      if (this.#find(m.version, false)) throw new Error(`history: V${m.version} is recorded already`);
      this.#all().push({
        rank: ++this.#rank,
        version: m.version,
        description: m.description,
        script: m.up.file,
        checksum,
        profile: m.up.profile,
        operation: 'migrate',
        statementsDone: 0,
        statementsTotal,
        doneHash: null,
        success: false,
        errorText: null,
        installedBy: this.user,
        installedOn: new Date(),
        executionMs: null,
      });
      return;
    }
    const row = this.#find(m.version)!;
    Object.assign(row, {
      checksum,
      script: m.up.file,
      operation: direction === 'up' ? 'migrate' : 'undo',
      statementsTotal,
      success: false,
      errorText: null,
    });
    if (mode === 'restart') Object.assign(row, { statementsDone: 0, doneHash: null });
  }

  /** Runs the statements on `app`; the progress is recorded only when every one of them ran. */
  async runWithProgress(app: DbSession, statements: readonly string[], progress: Progress): Promise<void> {
    for (const sql of statements) await app.execute(sql);
    await this.recordProgress(app, progress);
  }

  async recordProgress(_app: DbSession, progress: Progress): Promise<void> {
    Object.assign(this.#find(progress.version)!, {
      statementsDone: progress.statementsDone,
      doneHash: progress.doneHash,
    });
  }

  async fail(_app: DbSession, version: string, errorText: string, executionMs: number): Promise<void> {
    Object.assign(this.#find(version)!, { success: false, errorText, executionMs });
  }

  async finish(_app: DbSession, version: string, direction: Direction, executionMs: number): Promise<void> {
    if (direction === 'down') return this.#delete(version);
    Object.assign(this.#find(version)!, {
      success: true,
      errorText: null,
      executionMs,
      installedOn: new Date(),
      installedBy: this.user,
    });
  }

  async forget(_app: DbSession, versions: readonly string[]): Promise<void> {
    for (const version of versions) this.#delete(version);
  }

  async baseline(_app: DbSession, entries: readonly BaselineEntry[]): Promise<void> {
    for (const { migration: m, checksum, statementsTotal } of entries) {
      if (this.#find(m.version, false)) throw new Error(`history: V${m.version} is recorded already`);
      this.#all().push({
        rank: ++this.#rank,
        version: m.version,
        description: m.description,
        script: m.up.file,
        checksum,
        profile: m.up.profile,
        operation: 'baseline',
        statementsDone: 0,
        statementsTotal,
        doneHash: null,
        success: true,
        errorText: null,
        installedBy: this.user,
        installedOn: new Date(),
        executionMs: null,
      });
    }
  }

  async repair(_app: DbSession, changes: readonly RepairChange[]): Promise<void> {
    for (const c of changes) {
      if (c.kind === 'delete') this.#delete(c.version);
      else Object.assign(this.#find(c.version)!, { checksum: c.checksum, script: c.script });
    }
  }

  #all(): Row[] {
    if (!this.#rows) throw new Error('history: written before a locked run created it');
    return this.#rows;
  }

  /** The row of a version; a write to a version with no row is the engine's bug, as an UPDATE of no row would hide it. */
  #find(version: string, required = true): Row | undefined {
    const row = this.#all().find((r) => r.version === version);
    if (!row && required) throw new Error(`history: no row for V${version}`);
    return row;
  }

  #delete(version: string): void {
    const rows = this.#all();
    const at = rows.findIndex((r) => r.version === version);
    if (at < 0) throw new Error(`history: no row for V${version}`);
    rows.splice(at, 1);
  }
}
