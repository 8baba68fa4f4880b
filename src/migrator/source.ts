/**
 * Loads migrations from a directory: Flyway-style `V<version>__<description>.sql` with an
 * optional undo `U<version>__<description>.sql`, and repeatable `R__<description>.sql` scripts
 * (applied after the versioned ones, and again whenever their rendered text changes), each a
 * SQL*Plus script with an optional header line `-- dcn: profile=admin` among its leading comments.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { DcnError } from '../errors.js';
import type { ScriptItem } from '../script/script-items.js';
import { splitScript } from '../script/split.js';
import { isTrue } from '../script/substitute.js';

export type Profile = 'app' | 'admin';

export interface MigrationScript {
  readonly file: string;
  readonly path: string;
  readonly checksum: string;
  readonly profile: Profile;
  /** Run only when this substitution variable is true (yes, true, 1, on): an optional migration. */
  readonly when?: string;
  /** Checksums of earlier texts of this script that count as applied (`-- dcn: accepts=…`). */
  readonly accepts?: readonly string[];
  readonly items: readonly ScriptItem[];
}

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
/** SQL*Plus runs scripts nested at most 20 deep (SP2-0309); deeper, dcn would run what SQL*Plus refuses. */
const MAX_INCLUDE_DEPTH = 20;

export function isRepeatableVersion(version: string): boolean {
  return version.startsWith('R__');
}

/** How messages name a migration: V3, or R__sendNotification. */
export function migrationLabel(version: string): string {
  return isRepeatableVersion(version) ? version : `V${version}`;
}

/**
 * The same checksum from the file's bytes, without decoding and re-encoding them (a fifth of the
 * cost of planning a large file): when they are valid UTF-8 with no byte-order mark and no CR,
 * the normalised text's UTF-8 is those very bytes. Otherwise undefined: use checksumOf(text).
 */
export function checksumOfBytes(bytes: Buffer): string | undefined {
  if (bytes.includes(0x0d) || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) || !isUtf8(bytes))
    return undefined;
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checksum of a script, independent of line endings and a byte-order mark. */
export function checksumOf(text: string): string {
  const normalised = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  return createHash('sha256').update(normalised, 'utf8').digest('hex');
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

/** The lines up to the first that is neither empty nor a comment: all a header can be in. */
function leadingLines(text: string): string[] {
  const lines: string[] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(start, end).replace(/\r$/, '');
    lines.push(line);
    const trimmed = line.trim();
    if (nl === -1 || (trimmed !== '' && !trimmed.startsWith('--'))) break;
    start = nl + 1;
  }
  return lines;
}

/** Reads the `-- dcn: key=value …` header among a script's leading comment lines. */
export function parseHeader(text: string, file: string): { profile: Profile; when?: string; accepts?: string[] } {
  let profile: Profile = 'app';
  let when: string | undefined;
  const accepts: string[] = [];
  const lines = leadingLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) break;
    const m = /^--\s*dcn:\s*(.*)$/i.exec(line);
    if (!m) continue;
    for (const pair of m[1]!.split(/[\s,]+/).filter(Boolean)) {
      const kv = /^([a-z-]+)=(\S+)$/i.exec(pair);
      const where = `${file}:${i + 1}`;
      if (!kv) {
        throw new DcnError('script_invalid', `${where}: header entry '${pair}' is not key=value`, {
          hint: 'write the header as: -- dcn: profile=admin',
        });
      }
      const key = kv[1]!.toLowerCase();
      const value = kv[2]!.toLowerCase();
      if (key === 'when') {
        if (!/^[a-z_][a-z0-9_]*$/.test(value))
          throw new DcnError('script_invalid', `${where}: when= takes a variable name, not '${kv[2]}'`);
        when = value;
        continue;
      }
      if (key === 'accepts') {
        if (!/^[0-9a-f]{64}$/.test(value))
          throw new DcnError(
            'script_invalid',
            `${where}: accepts= takes the SHA-256 checksum of an earlier text of the script, not '${kv[2]}'`,
          );
        accepts.push(value);
        continue;
      }
      if (key !== 'profile') {
        throw new DcnError('script_invalid', `${where}: unknown header key '${kv[1]}'`, {
          hint: 'the header knows: profile=app|admin, when=<variable>, accepts=<checksum>',
        });
      }
      if (value !== 'app' && value !== 'admin') {
        throw new DcnError('script_invalid', `${where}: profile must be app or admin, not '${kv[2]}'`);
      }
      profile = value;
    }
  }
  return { profile, when, ...(accepts.length > 0 ? { accepts } : {}) };
}

/** Where a script's @ and @@ includes are read from. */
export interface IncludeSource {
  /** `@file` is relative to this directory; `@@file` to the including script's. */
  readonly migrationsDir: string;
  readonly read: (path: string) => string | Buffer;
}

/**
 * Replaces each @/@@/START item with the included script's items (recursively), keeping each
 * statement's own file and line. Returns the checksum parts of what was included, in order.
 */
function expandIncludes(
  items: readonly ScriptItem[],
  path: string,
  source: IncludeSource | undefined,
  stack: readonly string[],
): { items: ScriptItem[]; parts: string[] } {
  if (!items.some((i) => i.kind === 'include')) return { items: items as ScriptItem[], parts: [] };
  const out: ScriptItem[] = [];
  const parts: string[] = [];
  for (const item of items) {
    if (item.kind !== 'include') {
      out.push(item);
      continue;
    }
    const where = `${item.file}:${item.line}`;
    const spelled = `@${item.nested ? '@' : ''}${item.target}`;
    if (!source)
      throw new DcnError('script_invalid', `${where}: ${spelled}: includes are read only from a migrations directory`);
    const target = resolve(item.nested ? dirname(path) : source.migrationsDir, item.target);
    const name = relative(source.migrationsDir, target) || target;
    if (name === target || name.startsWith('..') || isAbsolute(name)) {
      throw new DcnError(
        'script_invalid',
        `${where}: ${spelled} is outside the migrations directory (${target}): the migration set would not hold all it runs`,
        {
          hint: 'copy it into the migrations directory, or link it from there, and include it by that name',
        },
      );
    }
    if (stack.length > MAX_INCLUDE_DEPTH) {
      throw new DcnError(
        'script_invalid',
        `${where}: ${spelled} nests includes ${stack.length} deep: SQL*Plus runs at most ${MAX_INCLUDE_DEPTH} nested scripts`,
        {
          hint: 'include the deeper scripts from a shallower one',
        },
      );
    }
    if (stack.includes(target)) {
      throw new DcnError(
        'script_invalid',
        `${where}: ${spelled} includes itself: ${[...stack, target].map((p) => relative(source.migrationsDir, p)).join(' → ')}`,
        { hint: 'break the cycle of includes' },
      );
    }
    let content: string | Buffer;
    try {
      content = source.read(target);
    } catch (err) {
      const code = ((err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException)).code;
      if (code === 'ENOENT') {
        throw new DcnError('script_invalid', `${where}: ${spelled}: no such file (${target})`, {
          hint: item.nested
            ? '@@ is relative to the including script'
            : '@ is relative to the migrations directory; @@ to the including script',
        });
      }
      throw err;
    }
    const text = typeof content === 'string' ? content : content.toString('utf8');
    const inner = expandIncludes(splitScript(text, name), target, source, [...stack, target]);
    out.push(...inner.items);
    parts.push(`${name}\u0000${checksumOf(text)}`, ...inner.parts);
  }
  return { items: out, parts };
}

/**
 * A script from its text, or from its file's bytes (read once, checksummed without a copy), its
 * includes expanded. The checksum covers what it includes: a change there is a change of it.
 */
export function loadScript(
  path: string,
  file: string,
  source: string | Buffer,
  includes?: IncludeSource,
): MigrationScript {
  const text = typeof source === 'string' ? source : source.toString('utf8');
  const own = (typeof source === 'string' ? undefined : checksumOfBytes(source)) ?? checksumOf(text);
  const { profile, when, accepts } = parseHeader(text, file);
  const expanded = expandIncludes(splitScript(text, file), resolve(path), includes, [resolve(path)]);
  const checksum =
    expanded.parts.length === 0
      ? own
      : createHash('sha256')
          .update([own, ...expanded.parts].join('\n'))
          .digest('hex');
  return {
    file,
    path,
    checksum,
    profile,
    ...(when ? { when } : {}),
    ...(accepts ? { accepts } : {}),
    items: expanded.items,
  };
}

/**
 * An undo script, read and split on first use: `migrate` and `plan` never need them. A broken
 * undo script is then reported when it is needed (by `migrate down`), not before.
 */
function lazyScript(
  path: string,
  file: string,
  readFile: (p: string) => string | Buffer,
  includes?: IncludeSource,
): MigrationScript {
  let loaded: MigrationScript | undefined;
  const load = () => (loaded ??= loadScript(path, file, readFile(path), includes));
  return {
    file,
    path,
    get checksum() {
      return load().checksum;
    },
    get profile() {
      return load().profile;
    },
    get when() {
      return load().when;
    },
    get items() {
      return load().items;
    },
  };
}

export interface SourceFs {
  readdir(dir: string): string[];
  /** The file's text, or its bytes (decoded as UTF-8 here). */
  readFile(path: string): string | Buffer;
}

const nodeFs: SourceFs = {
  readdir: (dir) => readdirSync(dir),
  readFile: (path) => readFileSync(path),
};

/** The byte offset of the first byte that is not UTF-8, or -1. */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i;
    const c =
      n === 0
        ? b
        : n === 1
          ? ((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f)
          : n === 2
            ? ((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f)
            : ((b & 0x07) << 18) |
              ((bytes[i + 1]! & 0x3f) << 12) |
              ((bytes[i + 2]! & 0x3f) << 6) |
              (bytes[i + 3]! & 0x3f);
    if ((n === 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n === 3 && (c < 0x10000 || c > 0x10ffff)))
      return i;
    i += n + 1;
  }
  return -1;
}

/**
 * A migration file's content: a directory with a migration's name, or bytes that are not UTF-8
 * (a Latin-1 "café" would become U+FFFD in the plan and in the database), are refused.
 */
function looksUtf16(content: Buffer): boolean {
  if (
    content.length >= 2 &&
    ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff))
  )
    return true;
  const sample = content.subarray(0, 512);
  let nuls = 0;
  for (const b of sample) if (b === 0) nuls++;
  return sample.length >= 4 && nuls * 3 >= sample.length;
}

function readMigrationFile(fs: SourceFs, path: string): string | Buffer {
  let content: string | Buffer;
  try {
    content = fs.readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EISDIR')
      throw new DcnError('script_invalid', `${path} is a directory, not a migration file`, {
        hint: 'rename the directory, or move it out of the migrations directory',
        cause,
      });
    throw new DcnError('script_invalid', `cannot read ${path}: ${(cause as Error).message}`, {
      hint: 'check the file and its permissions',
      cause,
    });
  }
  // a UTF-16 file (as Windows editors save "Unicode"): its byte-order mark, or a NUL in every other
  // byte (ASCII text in UTF-16 is valid UTF-8, NULs and all)
  if (typeof content !== 'string' && looksUtf16(content)) {
    throw new DcnError('script_invalid', `${path} is UTF-16, not UTF-8`, {
      hint: 'save the file as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)',
    });
  }
  if (typeof content !== 'string' && !isUtf8(content)) {
    const at = firstInvalidUtf8(content);
    throw new DcnError(
      'script_invalid',
      `${path}: byte ${at} (line ${content.subarray(0, at).toString('latin1').split('\n').length}) is not UTF-8`,
      {
        hint: 'save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)',
      },
    );
  }
  return content;
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
