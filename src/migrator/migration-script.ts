/**
 * One migration script: its `-- dcn:` header, its statements and client commands with its @ and
 * @@ includes expanded (as SQL*Plus would run them), and its checksum, which covers what it
 * includes.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { DcnError } from '../errors.js';
import type { ScriptItem } from '../script/script-items.js';
import { splitScript } from '../script/split.js';

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

/** SQL*Plus runs scripts nested at most 20 deep (SP2-0309); deeper, dcn would run what SQL*Plus refuses. */
const MAX_INCLUDE_DEPTH = 20;

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
export function lazyScript(
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
