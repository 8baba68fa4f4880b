/**
 * Every table, view and column dcn's SQL names resolves: against the tables dcn creates itself,
 * or the dictionary views of the reference table (check-columns.ts says what it reads).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInMigrationsDir, sqlPath } from '../../src/paths.js';
import { COLUMNS as TAIL_COLUMNS } from '../../src/tail/tail.js';
import { catalogOf, checkColumns } from './check-columns.js';

function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true } as { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => join(dir, f));
}

const files = [...sqlFiles(builtInMigrationsDir()), ...sqlFiles(sqlPath())];
const catalog = catalogOf(files.map((f) => readFileSync(f, 'utf8')));

describe('every column dcn names exists', () => {
  it('knows the tables dcn creates, with their columns', () => {
    expect([...catalog.get('DCN_SCHEMA_HISTORY')!]).toContain('SUCCESS');
    expect([...catalog.get('DCN_SCHEMA_HISTORY_LOCK')!]).toEqual(['ID', 'HOLDER', 'HOLDER_SID', 'ACQUIRED_ON']);
    expect([...catalog.get('DCN_GIVEN_ACES')!]).toEqual(['HOST', 'PORT']);
    expect([...catalog.get('NFRESULTS')!]).toEqual(
      expect.arrayContaining([
        'ID',
        'OPERDATE',
        'TBLNAME',
        'ORDER_ID',
        'STATUS_CODE',
        'RSLT_MSG',
        'ERROR_TEXT',
        'REGID',
      ]),
    );
  });
  it('src/tail reads columns nfresults has (its query is built in TypeScript, not in sql/)', () => {
    expect(TAIL_COLUMNS.filter((c) => !catalog.get('NFRESULTS')!.has(c))).toEqual([]);
  });
  for (const file of files) {
    it(file.replace(/.*\/(migrations|sql)\//, '$1/'), () => {
      expect(checkColumns(readFileSync(file, 'utf8'), file, catalog)).toEqual([]);
    });
  }
});

describe('the check itself', () => {
  it('reports a misspelt column in an INSERT, an UPDATE, a qualified name and a single-table SELECT, with its line', () => {
    const broken = [
      'INSERT INTO &history_table (installed_rank, versoin) VALUES (1, 2);',
      'UPDATE &history_table SET sucess = 1 WHERE version = :v;',
      'SELECT h.checksum, h.chekcsum FROM &history_table h;',
      'SELECT privilege, grantee, admin FROM dba_sys_privs WHERE grantee = :g;',
      "BEGIN EXECUTE IMMEDIATE 'DELETE FROM &app_schema..dcn_given_aces WHERE hots = :h'; END;",
      'SELECT l_count, installed_by FROM &history_table ORDER BY installed_on;',
    ].join('\n');
    expect(checkColumns(broken, 'broken.sql', catalog)).toEqual([
      'broken.sql:1: DCN_SCHEMA_HISTORY has no column versoin (INSERT)',
      'broken.sql:2: DCN_SCHEMA_HISTORY has no column sucess (UPDATE … SET)',
      'broken.sql:3: DCN_SCHEMA_HISTORY has no column chekcsum (h.chekcsum)',
      'broken.sql:4: DBA_SYS_PRIVS has no column admin',
      'broken.sql:5: DCN_GIVEN_ACES has no column hots',
    ]);
  });
});
