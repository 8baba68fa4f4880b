/**
 * Where each migration stands, from the history rows and the files: a pure function of the two,
 * with no session and no fake needed to test it.
 */
import type { HistoryRow } from './history.js';
import { toIso } from './history.js';
import { repeatableOutdatedBy, type Rendered } from './render.js';
import type { Profile } from './migration-script.js';
import { compareVersions, isEnabled, isRepeatableVersion, type Migration } from './source.js';
import type { Variables } from '../script/substitute.js';

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

export interface MigrationSet {
  readonly migrations: readonly Migration[];
  readonly rendered: ReadonlyMap<string, Rendered>;
  readonly variables?: Variables;
}

/** Is the recorded checksum this script's, or one of the earlier texts it accepts? */
export function matchesRecorded(set: MigrationSet, m: Migration, recorded: string): boolean {
  return recorded === set.rendered.get(m.version)!.checksum || (m.up.accepts ?? []).includes(recorded);
}

function recorded(row: HistoryRow) {
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

/** Every migration's state: the files' in version order, then the repeatable ones, with rows whose file is gone among them. */
export function migrationStates(set: MigrationSet, rows: readonly HistoryRow[]): StatusEntry[] {
  const byVersion = new Map(rows.map((r) => [r.version, r]));
  const files = new Set(set.migrations.map((m) => m.version));
  const entries: StatusEntry[] = [];
  const appliedVersions = rows.filter((r) => r.success && !isRepeatableVersion(r.version)).map((r) => r.version);
  const highestApplied = appliedVersions.sort(compareVersions).at(-1);
  // an admin migration a baseline left for the next run is not out of order below the baselined ones
  const highestRun = rows
    .filter((r) => r.success && !isRepeatableVersion(r.version) && r.operation !== 'baseline')
    .map((r) => r.version)
    .sort(compareVersions)
    .at(-1);
  for (const m of set.migrations) {
    const row = byVersion.get(m.version);
    const rendered = set.rendered.get(m.version)!;
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
      if (!isEnabled(m, set.variables ?? {})) continue;
      const above = m.up.profile === 'admin' ? highestRun : highestApplied;
      const outOfOrder = !m.repeatable && above !== undefined && compareVersions(m.version, above) < 0;
      entries.push({ ...base, state: 'pending', ...(outOfOrder ? { outOfOrder } : {}) });
      continue;
    }
    if (m.repeatable) {
      const outdated = repeatableOutdatedBy(row.checksum, rendered.checksum, rendered.uses);
      const state: MigrationState = !row.success ? 'failed' : outdated ? 'outdated' : 'applied';
      const why =
        row.success && outdated
          ? {
              outdatedBy: outdated.by,
              ...(outdated.by === 'settings' && outdated.settings ? { changedSettings: outdated.settings } : {}),
            }
          : {};
      entries.push({ ...base, ...recorded(row), state, ...why });
      continue;
    }
    const state: MigrationState = !row.success
      ? 'failed'
      : !matchesRecorded(set, m, row.checksum)
        ? 'changed'
        : 'applied';
    entries.push({ ...base, ...recorded(row), state });
  }
  for (const row of rows) {
    if (files.has(row.version)) continue;
    entries.push({
      version: row.version,
      description: row.description,
      script: row.script,
      checksum: row.checksum,
      profile: row.profile,
      hasUndo: false,
      ...recorded(row),
      state: row.success ? 'missing' : 'failed',
      ...(isRepeatableVersion(row.version) ? { repeatable: true } : {}),
    });
  }
  // versioned in version order, then the repeatable ones by name
  const versioned = entries.filter((e) => !e.repeatable).sort((a, b) => compareVersions(a.version, b.version));
  const repeatable = entries.filter((e) => e.repeatable).sort((a, b) => (a.version < b.version ? -1 : 1));
  return [...versioned, ...repeatable];
}
