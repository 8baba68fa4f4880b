/** Rendering migrations into the statements that run, shared by the engine and the plan. */
import { createHash } from 'node:crypto';
import type { Statement } from '../script/script-items.js';
import { renderScript, type Variables } from '../script/substitute.js';
import type { Migration } from './source.js';

export interface Rendered {
  readonly up: readonly Statement[];
  /**
   * The undo script's statements, rendered on first use: only `migrate down` needs them, so a
   * broken U script does not stop migrate, status or doctor.
   */
  down(): readonly Statement[] | undefined;
  /** The configuration variables the V or R script uses. */
  readonly uses: readonly string[];
  /**
   * What the history records of the script: the file's checksum for a versioned migration; for a
   * repeatable one, see repeatableChecksum.
   */
  readonly checksum: string;
}

/** How many settings a repeatable script's checksum fingerprints one by one (4 hex digits each). */
const FINGERPRINTED_SETTINGS = 8;

/**
 * A repeatable script's history checksum (at most 64 characters, the column's size): 16 hex
 * digits of the file's hash, 16 of the rendered statements' hash, then 4 per setting it uses
 * (in name order, when it uses at most 8). A change of the file or of a setting makes the script
 * outdated; the parts tell status which one, and which settings. A fingerprint is 16 bits of a
 * hash of the value, so it shows that a value changed without showing the value.
 */
function repeatableChecksum(
  fileChecksum: string,
  statements: readonly Statement[],
  uses: readonly string[],
  variables: Variables,
): string {
  const settings =
    uses.length <= FINGERPRINTED_SETTINGS
      ? uses.map((name) => settingFingerprint(name, variables[name] ?? '')).join('')
      : '';
  return `${fileChecksum.slice(0, 16)}${renderedHash(statements).slice(0, 16)}${settings}`;
}

function settingFingerprint(name: string, value: string): string {
  return createHash('sha256').update(name).update('\0').update(value).digest('hex').slice(0, 4);
}

/** Why a repeatable script's recorded checksum is not today's: undefined when it is. */
export function repeatableOutdatedBy(
  recorded: string,
  current: string,
  uses: readonly string[],
): { by: 'file' } | { by: 'settings'; settings?: string[] } | undefined {
  if (recorded === current) return undefined;
  if (recorded.slice(0, 16) !== current.slice(0, 16)) return { by: 'file' };
  // the same file: the settings' fingerprints say which changed, when both runs recorded them
  if (recorded.length !== current.length || current.length === 32) return { by: 'settings' };
  const settings = uses.filter(
    (_, i) => recorded.slice(32 + 4 * i, 36 + 4 * i) !== current.slice(32 + 4 * i, 36 + 4 * i),
  );
  return { by: 'settings', ...(settings.length > 0 ? { settings } : {}) };
}

/** The hash of what runs: every rendered statement. */
function renderedHash(statements: readonly Statement[]): string {
  return prefixHash(statements, statements.length);
}

/** Hash of the first `count` statements: lets --resume prove the part already run is unchanged. */
export function prefixHash(statements: readonly Pick<Statement, 'sql'>[], count: number): string {
  const h = createHash('sha256');
  for (let i = 0; i < count; i++) h.update(statements[i]!.sql).update('\0');
  return h.digest('hex');
}

/**
 * prefixHash of a growing prefix, kept as it grows: each statement is hashed once, so recording
 * the hash after each of N statements costs O(N) in all, not O(N²) (the digests are the same).
 */
export class RunningHash {
  readonly #hash = createHash('sha256');

  /** Starts with the first `count` statements already hashed (a resumed run). */
  constructor(statements: readonly Pick<Statement, 'sql'>[] = [], count = 0) {
    for (let i = 0; i < count; i++) this.#hash.update(statements[i]!.sql).update('\0');
  }

  /** Adds the next statement; returns prefixHash of the statements so far. */
  add(statement: Pick<Statement, 'sql'>): string {
    this.#hash.update(statement.sql).update('\0');
    // a copy is finished, the running state goes on
    return this.#hash.copy().digest('hex');
  }
}

/** Renders every statement of every migration (undo scripts on first use); throws before any connection on a bad script. */
export function renderMigrations(migrations: readonly Migration[], variables: Variables = {}): Map<string, Rendered> {
  const out = new Map<string, Rendered>();
  for (const m of migrations) {
    const up = renderScript(m.up.items, variables);
    let down: readonly Statement[] | undefined;
    out.set(m.version, {
      up: up.statements,
      down: () => (down ??= m.down ? renderScript(m.down.items, variables).statements : undefined),
      uses: up.uses,
      checksum: m.repeatable ? repeatableChecksum(m.up.checksum, up.statements, up.uses, variables) : m.up.checksum,
    });
  }
  return out;
}
