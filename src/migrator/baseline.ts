/**
 * `dcn migrate baseline`: which migrations up to a version may be recorded as applied without
 * running them, because every table, index, procedure … they would create, and every column they
 * add, is already in the schema (USER_OBJECTS, USER_TAB_COLUMNS).
 */
import { DcnError } from '../errors.js';
import type { DbSession } from '../db/driver.js';
import type { Variables } from '../script/substitute.js';
import type { HistoryTable } from './history.js';
import type { HistoryStore } from './history-store.js';
import type { Rendered } from './render.js';
import { compareVersions, isEnabled, type Migration } from './source.js';
import type { BaselineResult } from './types.js';

/** What a statement creates, as USER_OBJECTS names it; owner given only when the statement names one. */
const CREATES =
  /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NO)?FORCE\s+)?(?:(?:NON)?EDITIONABLE\s+)?(?:GLOBAL\s+TEMPORARY\s+|UNIQUE\s+|BITMAP\s+)?(TABLE|VIEW|TYPE\s+BODY|TYPE|PROCEDURE|FUNCTION|PACKAGE\s+BODY|PACKAGE|SEQUENCE|TRIGGER|INDEX|SYNONYM)\s+(?:("?[\w$#]+"?)\s*\.\s*)?("?[\w$#]+"?)/i;
/** ALTER TABLE [schema.]table ADD (column type, …): the columns a migration adds. */
const ADDS_COLUMNS = /^\s*ALTER\s+TABLE\s+(?:("?[\w$#]+"?)\s*\.\s*)?("?[\w$#]+"?)\s+ADD\s*\(([\s\S]*)\)\s*;?\s*$/i;

/** The column names of an ADD list: the first word of each part between commas outside parentheses. */
function addedColumnNames(list: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (i === list.length || (c === ',' && depth === 0)) {
      const word = /^\s*("?[\w$#]+"?)/.exec(list.slice(start, i))?.[1];
      if (word) names.push(word);
      start = i + 1;
    }
  }
  return names;
}

interface BaselineContext {
  readonly migrations: readonly Migration[];
  readonly variables: Variables;
  readonly rendered: ReadonlyMap<string, Rendered>;
  readonly queries: HistoryTable;
  readonly history: HistoryStore;
}

/**
 * Records the versioned migrations up to `to` as applied, on an empty history, when the schema
 * holds what they create; else records nothing and names what is missing. Admin-profile
 * migrations are left for the next migrate.
 */
export async function recordBaseline(ctx: BaselineContext, app: DbSession, to: string): Promise<BaselineResult> {
  const upTo = ctx.migrations.filter(
    (m) => !m.repeatable && isEnabled(m, ctx.variables) && compareVersions(m.version, to) <= 0,
  );
  const schema = (ctx.variables.app_schema ?? '').toUpperCase();
  const present = new Set(
    (await ctx.queries.run(app, 'baseline.objects', {})).rows.map(
      (r) => `${String(r.OBJECT_TYPE)} ${String(r.OBJECT_NAME)}`,
    ),
  );
  // the columns, only when a migration adds some: a schema's column list can be long
  const addsColumns = upTo.some(
    (m) => m.up.profile !== 'admin' && ctx.rendered.get(m.version)!.up.some((st) => ADDS_COLUMNS.test(st.sql)),
  );
  if (addsColumns)
    for (const r of (await ctx.queries.run(app, 'baseline.columns', {})).rows)
      present.add(`COLUMN ${String(r.TABLE_NAME)}.${String(r.COLUMN_NAME)}`);
  const name = (ident: string) => (ident.startsWith('"') ? ident.slice(1, -1) : ident.toUpperCase());
  const baselined: { version: string; description: string; objects: string[]; m: Migration }[] = [];
  const deferred: { version: string; description: string }[] = [];
  const missing: string[] = [];
  for (const m of upTo) {
    if (m.up.profile === 'admin') {
      deferred.push({ version: m.version, description: m.description });
      continue;
    }
    const objects: string[] = [];
    for (const st of ctx.rendered.get(m.version)!.up) {
      const a = ADDS_COLUMNS.exec(st.sql);
      if (a && (a[1] === undefined || schema === '' || name(a[1]) === schema)) {
        for (const column of addedColumnNames(a[3]!)) {
          const object = `COLUMN ${name(a[2]!)}.${name(column)}`;
          objects.push(object);
          if (!present.has(object)) missing.push(`V${m.version} (${m.description}) adds ${object}: not in the schema`);
        }
        continue;
      }
      const c = CREATES.exec(st.sql);
      if (!c || (c[2] !== undefined && schema !== '' && name(c[2]) !== schema)) continue;
      const object = `${c[1]!.toUpperCase().replace(/\s+/, ' ')} ${name(c[3]!)}`;
      objects.push(object);
      if (!present.has(object)) missing.push(`V${m.version} (${m.description}) creates ${object}: not in the schema`);
    }
    baselined.push({ version: m.version, description: m.description, objects, m });
  }
  if (missing.length > 0) {
    throw new DcnError('not_found', `cannot baseline to V${to}: ${missing.join('; ')}`, {
      hint: 'create what is missing by hand, as the migration would, and baseline again; or baseline a lower version and let dcn migrate create the rest',
      meta: { missing },
    });
  }
  await ctx.history.baseline(
    app,
    baselined.map((b) => ({
      migration: b.m,
      checksum: ctx.rendered.get(b.version)!.checksum,
      statementsTotal: ctx.rendered.get(b.version)!.up.length,
    })),
  );
  return {
    baselined: baselined.map(({ version: v, description, objects }) => ({ version: v, description, objects })),
    deferred,
  };
}
