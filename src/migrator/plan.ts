/**
 * `dcn migrate plan`: what `dcn migrate` would run on a fresh schema, with no database, as data:
 * each migration's statements with their file and line, and the history rows `dcn migrate` would
 * write. plan-script.ts writes it as a SQL*Plus script.
 */
import type { Statement } from '../script/script-items.js';
import type { Variables } from '../script/substitute.js';
import { renderMigrations } from './render.js';
import type { Profile } from './migration-script.js';
import { compareVersions, isEnabled, versionTarget, type Migration } from './source.js';

export interface PlannedStatement {
  readonly file: string;
  readonly line: number;
  readonly plsql: boolean;
  readonly sql: string;
}

export interface PlannedMigration {
  readonly version: string;
  /** An R__ script: in a plan for a fresh schema it runs once, after the versioned ones. */
  readonly repeatable?: boolean;
  readonly description: string;
  readonly script: string;
  readonly profile: Profile;
  readonly checksum: string;
  readonly statements: readonly PlannedStatement[];
  /** A dry run on a live database: a failed migration resumed at this statement (1-based); `statements` are those from it on. */
  readonly resumeFrom?: number;
  /** A dry run: its history row exists (resumed, a repeatable one again: updated) or goes (an undo: deleted). */
  readonly record?: 'update' | 'delete';
  /** The script's whole statement count and hash, when `statements` are not all of it. */
  readonly statementsTotal?: number;
  readonly doneHash?: string;
}

export interface Plan {
  readonly historyTable: string;
  readonly migrations: readonly PlannedMigration[];
  /** A dry run of migrate down: the repeatable migrations whose rows it deletes after undoing (the next migrate applies them again). */
  readonly forget?: readonly string[];
}

export interface PlanOptions {
  readonly migrations: readonly Migration[];
  readonly variables?: Variables;
  readonly historyTable: string;
  readonly to?: string;
}

export function buildPlan(options: PlanOptions): Plan {
  const to =
    options.to === undefined
      ? undefined
      : versionTarget(
          options.to,
          options.migrations.filter((m) => !m.repeatable).map((m) => m.version),
          'to',
        );
  const rendered = renderMigrations(options.migrations, options.variables);
  const migrations = options.migrations
    // with --to, as in dcn migrate, the repeatable ones wait for every version
    .filter(
      (m) =>
        isEnabled(m, options.variables ?? {}) &&
        (to === undefined ? true : !m.repeatable && compareVersions(m.version, to) <= 0),
    )
    .map((m) => ({
      version: m.version,
      ...(m.repeatable ? { repeatable: true } : {}),
      description: m.description,
      script: m.up.file,
      profile: m.up.profile,
      checksum: rendered.get(m.version)!.checksum,
      statements: rendered
        .get(m.version)!
        .up.map((s: Statement) => ({ file: s.file, line: s.line, plsql: s.plsql, sql: s.sql })),
    }));
  return { historyTable: options.historyTable, migrations };
}
