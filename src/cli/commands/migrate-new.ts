/**
 * dcn migrate new NAME: writes the next migration file, numbered after the highest version in
 * the directory (V or U files), or a repeatable R__NAME.sql. A file is created only if it does
 * not exist (O_EXCL), so an existing migration is never overwritten.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DcnError, usageError } from '../../errors.js';
import { pseudoFilesystem } from '../../paths.js';
import type { CommandContext } from '../context.js';
import { migrationsDir } from '../migration-setup.js';
import type { Output } from '../output.js';
import type { MigrateNewFlags } from './migrate-new.command.js';

interface Written {
  readonly kind: 'versioned' | 'undo' | 'repeatable';
  readonly file: string;
  readonly path: string;
}

interface NewResult {
  readonly dir: string;
  readonly version?: string;
  readonly files: readonly Written[];
}

/** What a migration's file name allows after V<n>__ (as dcn reads migrations). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** A repeatable migration's history row holds R__<name> in 50 bytes. */
const REPEATABLE_NAME_MAX = 47;
const VERSIONED = /^[VU](\d+)(?:[._]\d+)*__.+\.sql$/;

function checkName(raw: string, repeatable: boolean): string {
  const name = raw.trim().replace(/\s+/g, '_');
  if (!NAME.test(name))
    throw usageError(
      `name '${raw}' cannot be part of a migration's file name`,
      'use letters, digits, _ . and -, starting with a letter or digit, e.g. add_orders_index',
    );
  if (repeatable && name.length > REPEATABLE_NAME_MAX)
    throw usageError(
      `name '${raw}' is ${name.length} characters: a repeatable migration's name is at most ${REPEATABLE_NAME_MAX} characters (its history row holds R__<name>)`,
      'shorten it',
    );
  return name;
}

function create(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw usageError(
        `${path} already exists: dcn never overwrites a migration`,
        'choose another name, or edit that file',
      );
    throw new DcnError('usage', `cannot write ${path}: ${(err as Error).message}`, {
      hint: 'check the migrations directory and its permissions',
      cause: err,
    });
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

const HOW = `-- A SQL*Plus script: end each SQL statement with ';' and each PL/SQL unit with a line holding '/'.
-- To run it on the admin connection, make the next line read: -- dcn: profile=admin
--
`;

export function run(flags: MigrateNewFlags & { name: string }, ctx: CommandContext): Promise<NewResult> {
  if (flags.undo && flags.repeatable)
    throw usageError('a repeatable migration has no undo script: give --undo or --repeatable, not both', 'drop --undo');
  const name = checkName(flags.name, flags.repeatable === true);
  const dir = migrationsDir(flags, ctx);
  if (dir === undefined) {
    throw usageError(
      'no migrations directory set: dcn does not add files to its built-in migrations',
      'name yours with --migrations DIR (or DCN_MIGRATIONS, or "migrations" in dcn.config.json)',
    );
  }
  const pseudo = pseudoFilesystem(resolve(ctx.cwd, dir));
  if (pseudo)
    throw usageError(
      `the migrations directory ${dir} is on ${pseudo.ancestor} (${pseudo.kind}), which is not storage`,
      'give a directory on a real filesystem (--migrations DIR, DCN_MIGRATIONS or "migrations" in dcn.config.json)',
    );
  mkdirSync(dir, { recursive: true });
  if (flags.repeatable) {
    const file = `R__${name}.sql`;
    create(
      join(dir, file),
      `-- ${file}: a repeatable migration, applied after the versioned ones and again whenever its text changes:\n-- write it so that it can run again (CREATE OR REPLACE …).\n${HOW}`,
    );
    return Promise.resolve({ dir, files: [{ kind: 'repeatable', file, path: join(dir, file) }] });
  }
  const highest = Math.max(
    0,
    ...readdirSync(dir)
      .map((f) => VERSIONED.exec(f)?.[1])
      .filter((v) => v !== undefined)
      .map(Number),
  );
  const version = String(highest + 1);
  const up = `V${version}__${name}.sql`;
  const files: Written[] = [{ kind: 'versioned', file: up, path: join(dir, up) }];
  create(join(dir, up), `-- ${up}\n${HOW}`);
  if (flags.undo) {
    const undo = `U${version}__${name}.sql`;
    try {
      create(join(dir, undo), `-- ${undo}: undoes ${up} (dcn migrate down), newest change first.\n${HOW}`);
    } catch (err) {
      // the V file was made a moment ago by this command: take it back, leaving nothing half-done
      rmSync(join(dir, up), { force: true });
      throw err;
    }
    files.push({ kind: 'undo', file: undo, path: join(dir, undo) });
  }
  return Promise.resolve({ dir, version, files });
}

export function print(result: NewResult, out: Output): void {
  for (const f of result.files) out.line(`Wrote ${f.path}`);
}
