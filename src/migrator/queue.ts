/**
 * What a run takes from the history: the queue of migrations migrate (or down) would run, in
 * order and from which statement, or the refusal it must give instead (a failed migration not
 * being resumed, changed or missing files, a new migration below an applied one, a missing undo
 * script). Pure: it reads history rows and the migration files, and runs nothing; the run and the
 * dry run share it.
 */
import { DcnError } from '../errors.js';
import type { HistoryRow } from './history.js';
import { prefixHash } from './render.js';
import type { QueueItem } from './run-loop.js';
import { compareVersions, isRepeatableVersion, migrationLabel, type Migration } from './source.js';
import { matchesRecorded, migrationStates, type MigrationSet, type StatusEntry } from './status.js';
import type { Direction } from './types.js';

export interface PlannedRun {
  readonly queue: QueueItem[];
  readonly warnings: string[];
  /** Whether the first item resumes a failed migration (or undo). */
  readonly resumed: boolean;
}

export class RunPlanner {
  constructor(
    private readonly opts: { readonly set: MigrationSet; readonly byVersion: ReadonlyMap<string, Migration> },
  ) {}

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

  /** What migrate runs, in order, from these history rows; throws where migrate refuses. Shared with the dry run. */
  up(
    rows: readonly HistoryRow[],
    options: { resume?: boolean; allowChanged?: boolean; outOfOrder?: boolean },
    to: string | undefined,
  ): PlannedRun {
    const warnings: string[] = [];
    const entries = migrationStates(this.opts.set, rows);
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
    const pending = this.opts.set.migrations.filter(
      (m) => !m.repeatable && stateOf(m) === 'pending' && (to === undefined || compareVersions(m.version, to) <= 0),
    );
    // after every versioned one, and not with --to: they may need the latest version of everything
    const repeatables =
      to !== undefined
        ? []
        : this.opts.set.migrations.filter(
            (m) => m.repeatable && (stateOf(m) === 'pending' || stateOf(m) === 'outdated'),
          );
    const queue: QueueItem[] = [
      ...(resume ? [resume] : []),
      ...pending.map((m) => ({ migration: m, from: 0 })),
      ...repeatables
        .filter((m) => m.version !== resume?.migration.version)
        .map((m) => ({ migration: m, from: 0, again: stateOf(m) === 'outdated' })),
    ];
    return { queue, warnings, resumed: resume !== undefined };
  }

  /** What down undoes, newest first, from these history rows; throws where down refuses. Shared with the dry run. */
  down(rows: readonly HistoryRow[], options: { steps?: number; resume?: boolean }, to: string | undefined): PlannedRun {
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
      if (!matchesRecorded(this.opts.set, m, row.checksum))
        warnings.push(
          `${migrationLabel(m.version)} changed since it was applied; undoing it with the current U script`,
        );
      queue.push({ migration: m, from: 0 });
    }
    return { queue, warnings, resumed: failed !== undefined };
  }

  #requireFile(row: HistoryRow): Migration {
    const m = this.opts.byVersion.get(row.version);
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
    const rendered = this.opts.set.rendered.get(row.version)!;
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
}
