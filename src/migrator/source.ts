/**
 * Loads migrations from a directory: Flyway-style `V<version>__<description>.sql` with an
 * optional undo `U<version>__<description>.sql`, and repeatable `R__<description>.sql` scripts
 * (applied after the versioned ones, and again whenever their rendered text changes), each a
 * SQL*Plus script with an optional header line `-- dcn: profile=admin` among its leading comments.
 */
import { join, resolve } from 'node:path';
import { DcnError } from '../errors.js';
import { isTrue } from '../script/substitute.js';
import { nodeFs, readMigrationFile, type SourceFs } from './migration-file.js';
import { lazyScript, loadScript, type IncludeSource, type MigrationScript } from './migration-script.js';

export interface Migration {
  /** Normalised version: dot-separated whole numbers, e.g. "1", "2.1"; R__<description> for a repeatable one. */
  readonly version: string;
  /** An R__ script: no version, no undo, applied again when its rendered text changes. */
  readonly repeatable?: boolean;
  readonly description: string;
  readonly up: MigrationScript;
  readonly down?: MigrationScript;
}

const FILE_PATTERN = /^([VU])(\d+(?:[._]\d+)*)__([A-Za-z0-9][A-Za-z0-9_.-]*)\.sql$/;
/** The description also names its history row (version R__<description>, at most 50 bytes). */
const REPEATABLE_PATTERN = /^R__([A-Za-z0-9][A-Za-z0-9_.-]{0,46})\.sql$/;
/** Starts like a migration: V, U or R, then a digit, _ - . or a blank, or a word and "__" (Vx__a.sql). */
const LOOKS_LIKE_MIGRATION = /^[VvUuRr](?:[\d_.\- ]|[^_]*__)/;
export function isRepeatableVersion(version: string): boolean {
  return version.startsWith('R__');
}

/** How messages name a migration: V3, or R__sendNotification. */
export function migrationLabel(version: string): string {
  return isRepeatableVersion(version) ? version : `V${version}`;
}

/** Is an optional migration switched on by the variables? Migrations without when= always are. */
export function isEnabled(m: Migration, variables: Readonly<Record<string, string>>): boolean {
  if (m.up.when === undefined) return true;
  return isTrue(variables[m.up.when]);
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function normaliseVersion(raw: string): string {
  return raw
    .replace(/_/g, '.')
    .split('.')
    .map((part) => String(Number(part)))
    .join('.');
}

/**
 * A target version as given (3, 2.1, 2_1), normalised, and checked against the migrations' own:
 * `option` names the engine option it came in, which the CLI words as its flag.
 */
export function versionTarget(
  raw: string,
  versions: readonly string[],
  option: 'to' | 'version',
  allowZero = false,
): string {
  const meta = { option, value: raw };
  if (!/^\d+([._]\d+)*$/.test(raw))
    throw new DcnError('usage', 'that is not a version', { hint: 'give a version such as 3 or 2.1', meta });
  const v = normaliseVersion(raw);
  if (allowZero && v === '0') return v;
  if (!versions.includes(v)) {
    throw new DcnError('usage', 'there is no migration with that version', {
      hint: `known versions: ${versions.join(', ') || 'none'}${allowZero ? ', or 0 for all' : ''}`,
      meta,
    });
  }
  return v;
}

/**
 * A migration that runs nothing is a mistake (an empty file, one saved before it was written),
 * unless it is a version kept for the databases that applied an earlier text (accepts=).
 */
function withStatements(script: MigrationScript, path: string): MigrationScript {
  if (script.accepts === undefined && !script.items.some((item) => item.kind === 'statement')) {
    throw new DcnError('script_invalid', `${path} has no statement to run`, {
      hint: 'remove the file, or write the statements it should run (a version kept only for the history of databases that applied an earlier text says so with -- dcn: accepts=<checksum of that text>)',
    });
  }
  return script;
}

/** A file name as a message shows it: a control character (a newline, an escape sequence) written as \uXXXX, never sent to the terminal. */
function withoutControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Loads and splits every migration in `dir`, sorted by version. Throws on a malformed set. */
export function loadMigrations(dir: string, fs: SourceFs = nodeFs): Migration[] {
  let names: string[];
  try {
    names = fs.readdir(dir);
  } catch (cause) {
    throw new DcnError('config_invalid', `cannot read the migrations directory ${dir}`, {
      hint: 'point the migrations setting at a directory of V<n>__<name>.sql files',
      remedies: [{ kind: 'migrations-dir' }],
      cause,
    });
  }
  const includes: IncludeSource = { migrationsDir: resolve(dir), read: (p) => readMigrationFile(fs, p) };
  const ups = new Map<string, { version: string; raw: string; description: string; file: string }>();
  const downs = new Map<string, string>();
  const repeatables: Migration[] = [];
  for (const name of names.sort()) {
    if (!name.toLowerCase().endsWith('.sql') && !LOOKS_LIKE_MIGRATION.test(name)) continue;
    const r = REPEATABLE_PATTERN.exec(name);
    if (r) {
      const path = join(dir, name);
      repeatables.push({
        version: `R__${r[1]}`,
        repeatable: true,
        description: r[1]!.replace(/_/g, ' '),
        up: withStatements(loadScript(path, name, readMigrationFile(fs, path), includes), path),
      });
      continue;
    }
    const m = FILE_PATTERN.exec(name);
    if (!m) {
      if (LOOKS_LIKE_MIGRATION.test(name)) {
        throw new DcnError('script_invalid', `${withoutControls(join(dir, name))}: not a migration file name`, {
          hint: 'name migrations V<version>__<description>.sql, undo scripts U<version>__<description>.sql and repeatable ones R__<description>.sql (capital V/U/R, two underscores; a repeatable script has no version and no undo)',
        });
      }
      continue;
    }
    // each part must stay an exact number: past 15 digits two versions could compare as one
    if (m[2]!.split(/[._]/).some((part) => part.replace(/^0+(?=\d)/, '').length > 15)) {
      throw new DcnError(
        'script_invalid',
        `${withoutControls(join(dir, name))}: a part of version ${m[2]} has more than 15 digits`,
        {
          hint: 'number versions with at most 15 digits per part (1, 2, 2.1, or a date such as 20261203)',
        },
      );
    }
    // versions compare as numbers, so V1, V1.0 and V1_0_0 are one version: one key for all
    const version = normaliseVersion(m[2]!);
    const key = version.replace(/(\.0)+$/, '');
    const target = m[1] === 'V' ? ups : downs;
    const previous = m[1] === 'V' ? ups.get(key)?.file : downs.get(key);
    if (previous !== undefined) {
      throw new DcnError('script_invalid', `two ${m[1]} scripts for version ${key}: ${previous} and ${name}`, {
        hint: 'give each migration its own version number (versions compare as numbers: 1, 1.0 and 1_0 are one version)',
      });
    }
    if (target === ups) ups.set(key, { version, raw: m[2]!, description: m[3]!.replace(/_/g, ' '), file: name });
    else downs.set(key, name);
  }
  for (const [key, file] of downs) {
    if (!ups.has(key)) {
      const version = key;
      throw new DcnError('script_invalid', `${file} undoes version ${version}, but there is no V${version}__*.sql`, {
        hint: 'rename the undo script to match its migration, or remove it',
      });
    }
  }
  const migrations: Migration[] = [];
  for (const [key, up] of ups) {
    const upPath = join(dir, up.file);
    const downFile = downs.get(key);
    migrations.push({
      version: up.version,
      description: up.description,
      up: withStatements(loadScript(upPath, up.file, readMigrationFile(fs, upPath), includes), upPath),
      down:
        downFile === undefined
          ? undefined
          : lazyScript(join(dir, downFile), downFile, (p) => readMigrationFile(fs, p), includes),
    });
  }
  // versioned in version order, then the repeatable ones by name (the order they are applied in)
  return [...migrations.sort((a, b) => compareVersions(a.version, b.version)), ...repeatables];
}
