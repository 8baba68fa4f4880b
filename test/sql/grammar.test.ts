/**
 * Every statement dcn's engine can send, and every statement of a plan, parses under a real
 * third-party Oracle PL/SQL grammar.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadNamedQueries } from '../../src/script/named-queries.js';
import { sqlPath } from '../../src/paths.js';
import { buildPlan } from '../../src/migrator/plan.js';
import { loadMigrations } from '../../src/migrator/source.js';
import { syntaxErrors } from '../support/plsql-grammar.js';

const VARIABLES = {
  history_table: 'DCN_SCHEMA_HISTORY',
  lock_wait: 'WAIT 30',
  version: '2.1',
  description: 'create log',
  script: 'V2_1__create_log.sql',
  checksum: 'a'.repeat(64),
  profile: 'app',
  statements_total: '3',
  done_hash: 'b'.repeat(64),
  object_owner: '',
  object_name: 'SENDNOTIFICATION',
  object_type: 'PROCEDURE',
  // sql/registrations: what dcn writes there itself
  table_binds: ':table_1, :table_2',
  qosflags: 'DBMS_CHANGE_NOTIFICATION.QOS_RELIABLE + DBMS_CHANGE_NOTIFICATION.QOS_ROWIDS',
  operations: 'DBMS_CHANGE_NOTIFICATION.ALL_OPERATIONS',
  // sql/watch: names dcn read from the dictionary, quoted
  table: '"HR"."JOB_HISTORY"',
  key_list: 'TO_CHAR(t."EMPLOYEE_ID") AS k1, TO_CHAR(t."START_DATE") AS k2',
  rowid_binds: ':r1, :r2, :r3',
};

describe.each([
  ['migrator', 'history.sql'],
  ['migrator', 'invalid-objects.sql'],
  ['migrator', 'dry-run.sql'],
  ['registrations', 'registrations.sql'],
  ['doctor', 'doctor.sql'],
  ['replay', 'replay.sql'],
  ['watch', 'watch.sql'],
])('sql/%s/%s', (dir, file) => {
  const queries = loadNamedQueries(sqlPath(dir, file));
  for (const name of queries.names()) {
    it(`${name} parses`, () => {
      expect(syntaxErrors(queries.render(name, VARIABLES))).toEqual([]);
    });
  }
});

describe('sql/migrator/history.sql', () => {
  const queries = loadNamedQueries(sqlPath('migrator', 'history.sql'));
  it('holds the queries the engine uses', () => {
    expect(queries.names()).toEqual(
      expect.arrayContaining([
        'history.create',
        'lock.create',
        'lock.acquire',
        'history.insert',
        'compile.errors',
        'plan.record',
        'plan.compile-gate',
      ]),
    );
  });
  it('parses NOWAIT and another history table name too', () => {
    expect(
      syntaxErrors(queries.render('lock.acquire', { ...VARIABLES, lock_wait: 'NOWAIT', history_table: 'MY$HIST' })),
    ).toEqual([]);
  });
  it('the grammar check itself rejects broken SQL', () => {
    expect(syntaxErrors({ sql: 'SELECT FROM WHERE', plsql: false })).not.toEqual([]);
    expect(syntaxErrors({ sql: 'BEGIN x := ; END;', plsql: true })).not.toEqual([]);
  });
});

describe('the plan of the fixture migrations', () => {
  const plan = buildPlan({
    migrations: loadMigrations(join(import.meta.dirname, '..', 'fixtures', 'basic')),
    variables: { app_user: 'OE' },
    historyTable: 'DCN_SCHEMA_HISTORY',
  });
  for (const m of plan.migrations) {
    for (const st of m.statements) {
      it(`${st.file}:${st.line} parses`, () => {
        expect(syntaxErrors(st)).toEqual([]);
      });
    }
  }
});

describe('the real-Oracle suite helpers', () => {
  it('create and drop the scratch schema with statements that parse', async () => {
    const { scratchSchemaStatements, dropSchemaBlock } = await import('../oracle/helpers.js');
    for (const sql of scratchSchemaStatements('DCN_SCRATCH', 'Dcn_scratch_1'))
      expect(syntaxErrors({ sql, plsql: false })).toEqual([]);
    expect(syntaxErrors({ sql: dropSchemaBlock('DCN_SCRATCH'), plsql: true })).toEqual([]);
  });

  it('make and drop a table readable only through a role with statements that parse', async () => {
    const { roleOnlyTableStatements, dropRoleOnlyTableBlock } = await import('../oracle/helpers.js');
    for (const sql of roleOnlyTableStatements('DCN_SCRATCH_RO', 'DCN_SCRATCH_READER', 'DCN_SCRATCH'))
      expect(syntaxErrors({ sql, plsql: sql.startsWith('BEGIN') }), sql).toEqual([]);
    expect(syntaxErrors({ sql: dropRoleOnlyTableBlock('DCN_SCRATCH_RO', 'DCN_SCRATCH_READER'), plsql: true })).toEqual(
      [],
    );
    expect(() => roleOnlyTableStatements('x; DROP USER sys', 'r', 'g')).toThrow(/not a plain Oracle identifier/);
  });

  it('refuse a scratch user name that is not a plain identifier', async () => {
    const { scratchSchemaStatements } = await import('../oracle/helpers.js');
    expect(() => scratchSchemaStatements('x; DROP USER sys', 'p')).toThrow(/not a plain Oracle identifier/);
  });
});
