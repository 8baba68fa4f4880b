import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../src/migrator/history.js';
import { renderMigrations } from '../../src/migrator/render.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { migrationStates, type MigrationSet } from '../../src/migrator/status.js';

/** A migration set from files, and history rows written by hand: no session, no fake. */
function setOf(files: Record<string, string>, variables: Record<string, string> = {}): MigrationSet {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-status-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const migrations = loadMigrations(dir);
  return { migrations, rendered: renderMigrations(migrations, variables), variables };
}

function row(set: MigrationSet, version: string, over: Partial<HistoryRow> = {}): HistoryRow {
  const m = set.migrations.find((x) => x.version === version);
  return {
    rank: 1,
    version,
    description: m?.description ?? 'gone',
    script: m?.up.file ?? `V${version}__gone.sql`,
    checksum: m ? set.rendered.get(version)!.checksum : 'f'.repeat(64),
    profile: 'app',
    operation: 'migrate',
    statementsDone: 1,
    statementsTotal: 1,
    doneHash: null,
    success: true,
    errorText: null,
    installedBy: 'OE',
    installedOn: new Date(Date.UTC(2026, 11, 2)),
    executionMs: 5,
    ...over,
  };
}

const FILES = {
  'V1__a.sql': 'CREATE TABLE a (x NUMBER);\n',
  'V2__b.sql': 'CREATE TABLE b (x NUMBER);\n',
  'V3__c.sql': 'CREATE TABLE c (x NUMBER);\n',
  'R__view.sql': 'CREATE OR REPLACE VIEW v AS SELECT * FROM &tbl;\n',
};

describe('migrationStates, a pure function of files and history rows', () => {
  it('names each state: applied, pending, failed, changed, missing, outdated, and out of order', () => {
    const set = setOf(FILES, { tbl: 'A' });
    const later = setOf(FILES, { tbl: 'B' });
    const rows = [
      row(set, '1', { checksum: '0'.repeat(64) }),
      row(set, '3'),
      row(set, 'R__view'),
      row(set, '4', { success: false, errorText: 'ORA-00942' }),
    ];
    const states = migrationStates(later, rows);
    expect(states.map((e) => [e.version, e.state, e.outOfOrder ?? false])).toEqual([
      ['1', 'changed', false],
      ['2', 'pending', true],
      ['3', 'applied', false],
      ['4', 'failed', false],
      ['R__view', 'outdated', false],
    ]);
    expect(states.find((e) => e.version === 'R__view')).toMatchObject({
      outdatedBy: 'settings',
      changedSettings: ['tbl'],
      uses: ['tbl'],
    });
    expect(states.find((e) => e.version === '3')).toMatchObject({
      appliedAt: '2026-12-02T00:00:00.000Z',
      appliedBy: 'OE',
      durationMs: 5,
    });
  });

  it('an applied row without its file is missing; a file accepted by an earlier checksum is applied', () => {
    const set = setOf({ 'V1__a.sql': '-- dcn: accepts=' + 'a'.repeat(64) + '\nCREATE TABLE a (x NUMBER);\n' });
    const states = migrationStates(set, [row(set, '1', { checksum: 'a'.repeat(64) }), row(set, '7')]);
    expect(states.map((e) => [e.version, e.state])).toEqual([
      ['1', 'applied'],
      ['7', 'missing'],
    ]);
  });
});
