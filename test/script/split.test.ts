import { describe, expect, it } from 'vitest';
import { splitScript, statementsOf } from '../../src/script/split.js';
import { DcnError } from '../../src/errors.js';

const split = (text: string) => statementsOf(splitScript(text, 'test.sql'));
const sqls = (text: string) => split(text).map((s) => s.sql);

function splitError(text: string): DcnError {
  try {
    splitScript(text, 'test.sql');
  } catch (err) {
    expect(err).toBeInstanceOf(DcnError);
    return err as DcnError;
  }
  throw new Error('expected the script to be rejected');
}

describe('splitScript: SQL statements', () => {
  it('ends SQL at ; and drops the terminator', () => {
    expect(sqls('CREATE TABLE a (x NUMBER);\nINSERT INTO a VALUES (1);\n')).toEqual([
      'CREATE TABLE a (x NUMBER)',
      'INSERT INTO a VALUES (1)',
    ]);
  });

  it('ends SQL at a line holding only /', () => {
    expect(sqls('SELECT 1\n  FROM dual\n/\nSELECT 2 FROM dual;')).toEqual([
      'SELECT 1\n  FROM dual',
      'SELECT 2 FROM dual',
    ]);
  });

  it('keeps ; inside string literals, quoted identifiers and comments', () => {
    const text = 'INSERT INTO t VALUES (\'a;b\', "x;y") -- not; here\n/* nor; here */;\nSELECT 1 FROM dual;';
    expect(sqls(text)).toEqual([
      'INSERT INTO t VALUES (\'a;b\', "x;y") -- not; here\n/* nor; here */',
      'SELECT 1 FROM dual',
    ]);
  });

  it("handles doubled quotes and q'[...]' literals in any case and with any delimiter", () => {
    const text =
      "SELECT 'it''s;' FROM dual;\nSELECT q'[a;b']' , Q'{c;d}', q'!e;f!', nq'<g;h>' FROM dual;\nSELECT 3 FROM dual;";
    expect(sqls(text)).toEqual([
      "SELECT 'it''s;' FROM dual",
      "SELECT q'[a;b']' , Q'{c;d}', q'!e;f!', nq'<g;h>' FROM dual",
      'SELECT 3 FROM dual',
    ]);
  });

  it("treats 'x'THEN without a space as the end of the literal (flyway#921)", () => {
    const text = "SELECT CASE WHEN a = 'x'THEN 1 END FROM t;\nSELECT 2 FROM dual;";
    expect(sqls(text)).toHaveLength(2);
  });

  it('does not take an identifier ending in q as a q-quote', () => {
    expect(sqls("SELECT seq||'a;b' FROM t;\nSELECT 1 FROM dual;")).toEqual([
      "SELECT seq||'a;b' FROM t",
      'SELECT 1 FROM dual',
    ]);
  });

  it('keeps blank lines inside a statement (as SET SQLBLANKLINES ON)', () => {
    expect(sqls('CREATE TABLE a (\n  x NUMBER,\n\n  y NUMBER\n);')).toEqual([
      'CREATE TABLE a (\n  x NUMBER,\n\n  y NUMBER\n)',
    ]);
  });

  it('reads CRLF scripts and a BOM, with / followed by trailing blanks (flyway#2530)', () => {
    const text = '\uFEFFCREATE TABLE a (x NUMBER);\r\nBEGIN\r\n  NULL;\r\nEND;\r\n/  \t\r\nSELECT 1 FROM dual;\r\n';
    const st = split(text);
    expect(st.map((s) => [s.sql, s.plsql, s.line])).toEqual([
      ['CREATE TABLE a (x NUMBER)', false, 1],
      ['BEGIN\r\n  NULL;\r\nEND;', true, 2],
      ['SELECT 1 FROM dual', false, 6],
    ]);
  });

  it('records the line and column of each statement', () => {
    const st = split('-- header\n\n  SELECT 1 FROM dual; SELECT 2 FROM dual;\nSELECT\n3 FROM dual;');
    expect(st.map((s) => [s.line, s.column])).toEqual([
      [3, 3],
      [3, 23],
      [4, 1],
    ]);
  });

  it('reads SET TRANSACTION and SET ROLE as SQL, not SQL*Plus SET', () => {
    expect(sqls('SET TRANSACTION READ ONLY;\nSET ROLE NONE;')).toEqual(['SET TRANSACTION READ ONLY', 'SET ROLE NONE']);
  });

  it('sends nothing for a lone ;', () => {
    expect(sqls(';\nSELECT 1 FROM dual;')).toEqual(['SELECT 1 FROM dual']);
  });
});

describe('splitScript: PL/SQL units', () => {
  it('keeps ; inside PL/SQL and ends at the / line, keeping END;', () => {
    const text = 'CREATE OR REPLACE PROCEDURE p AS\n  v NUMBER;\nBEGIN\n  v := 1;\nEND;\n/\n';
    expect(split(text)).toEqual([
      {
        kind: 'statement',
        sql: 'CREATE OR REPLACE PROCEDURE p AS\n  v NUMBER;\nBEGIN\n  v := 1;\nEND;',
        plsql: true,
        file: 'test.sql',
        line: 1,
        column: 1,
      },
    ]);
  });

  it.each([
    ['DECLARE\n  x NUMBER;\nBEGIN NULL; END;'],
    ['BEGIN\n  NULL;\nEND;'],
    ['<<outer>>\nBEGIN NULL; END;'],
    ['CREATE FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;'],
    ['CREATE OR REPLACE EDITIONABLE PACKAGE pk AS\n  PROCEDURE p;\nEND;'],
    [
      'CREATE OR REPLACE NONEDITIONABLE PACKAGE BODY pk AS\n  PROCEDURE p IS BEGIN NULL; END;\nBEGIN\n  NULL; -- init section (flyway#2783)\nEND;',
    ],
    ['CREATE OR REPLACE TYPE rdesc_tab AS TABLE OF SYS.CHNF$_RDESC;'],
    ['CREATE TYPE BODY t AS MEMBER FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END; END;'],
    ['CREATE OR REPLACE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  :new.id := 1;\nEND;'],
    ['CREATE OR REPLACE\n  PROCEDURE split_header AS BEGIN NULL; END;'],
    ['WITH FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;\nSELECT f FROM dual'],
    ['CREATE OR REPLACE PACKAGE pk ACCESSIBLE BY (PACKAGE other) AS\n  PROCEDURE p;\nEND pk;'],
  ])('recognises %j as PL/SQL', (unit) => {
    const st = split(`${unit}\n/\nSELECT 1 FROM dual;`);
    expect(st).toHaveLength(2);
    expect(st[0]).toMatchObject({ sql: unit, plsql: true });
    expect(st[1]).toMatchObject({ sql: 'SELECT 1 FROM dual', plsql: false });
  });

  it('drops a comment before a unit, and still sees the unit as PL/SQL', () => {
    expect(split('/* leading comment */ BEGIN NULL; END;\n/')).toMatchObject([
      { sql: 'BEGIN NULL; END;', plsql: true, line: 1, column: 23 },
    ]);
  });

  it('does not end PL/SQL at a division, even at the start of a line (flyway#2493, liquibase#2688)', () => {
    const unit = 'CREATE FUNCTION half(n NUMBER) RETURN NUMBER IS\nBEGIN\n  RETURN n\n    / 2;\nEND;';
    expect(sqls(`${unit}\n/`)).toEqual([unit]);
  });

  it('does not end PL/SQL at a / line inside a multi-line literal or comment', () => {
    const unit = "BEGIN\n  x := 'a\n/\nb';\n  /* c\n/\n  */\nEND;";
    expect(sqls(`${unit}\n/`)).toEqual([unit]);
  });

  it('keeps a -- comment line followed by a / line (liquibase#3536: -- comments keep their newline)', () => {
    const unit = 'BEGIN\n  NULL; -- done';
    expect(sqls(`${unit}\n/\n`)).toEqual([unit]);
  });

  it('keeps &, ? and : in PL/SQL text untouched (binds are not rewritten, knex#2519)', () => {
    const unit = "BEGIN\n  u := 'http://h/p?order_no=1&table=T'; x := :b;\nEND;";
    expect(sqls(`${unit}\n/`)).toEqual([unit]);
  });

  it('translates EXEC into an anonymous block', () => {
    expect(split("EXEC dbms_output.put_line('hi');\nexecute p(1)")).toMatchObject([
      { sql: "BEGIN dbms_output.put_line('hi'); END;", plsql: true, line: 1 },
      { sql: 'BEGIN p(1); END;', plsql: true, line: 2 },
    ]);
  });
});

describe('splitScript: SQL*Plus commands', () => {
  it('skips the harmless ones, by their abbreviations too', () => {
    const text = [
      'REM a remark',
      'PROMPT creating;',
      'pro short',
      'SET ECHO ON',
      'SET SERVEROUTPUT ON SIZE UNLIMITED',
      'SPOOL out.log',
      'SHOW ERRORS',
      'sho err',
      'WHENEVER SQLERROR EXIT SQL.SQLCODE',
      'COLUMN x FORMAT a10',
      'SELECT 1 FROM dual;',
      'SPOOL OFF',
    ].join('\n');
    const items = splitScript(text, 'test.sql');
    expect(items.filter((i) => i.kind === 'statement')).toHaveLength(1);
    expect(items.filter((i) => i.kind === 'skipped').map((i) => (i.kind === 'skipped' ? i.command : ''))).toEqual([
      'REMARK',
      'PROMPT',
      'PROMPT',
      'SET',
      'SET',
      'SPOOL',
      'SHOW',
      'SHOW',
      'WHENEVER',
      'COLUMN',
      'SPOOL',
    ]);
  });

  it('reads DEFINE, UNDEFINE and SET DEFINE', () => {
    const items = splitScript(
      'DEFINE url = "http://h/x?a=1"\nDEF n=5\nUNDEFINE n\nSET DEFINE OFF\nSET DEFINE ON\nSET DEFINE ^\nSET SCAN OFF',
      't.sql',
    );
    expect(items.filter((i) => i.kind !== 'skipped')).toEqual([
      { kind: 'define', name: 'url', value: 'http://h/x?a=1', line: 1 },
      { kind: 'define', name: 'n', value: '5', line: 2 },
      { kind: 'undefine', names: ['n'], line: 3 },
      { kind: 'set-define', enabled: false, line: 4 },
      { kind: 'set-define', enabled: true, line: 5 },
      { kind: 'set-define', enabled: true, prefix: '^', line: 6 },
      { kind: 'set-define', enabled: false, line: 7 },
    ]);
  });

  it('stops at EXIT, as SQL*Plus does', () => {
    expect(sqls('SELECT 1 FROM dual;\nEXIT\nSELECT 2 FROM dual;')).toEqual(['SELECT 1 FROM dual']);
  });

  it('recognises commands only where a statement can start', () => {
    // "set" inside an UPDATE is SQL
    expect(sqls('UPDATE t\nSET x = 1;')).toEqual(['UPDATE t\nSET x = 1']);
  });

  it('reads @file, @@file and START file as includes (expanded when migrations load; test/migrator/source.test.ts)', () => {
    const items = splitScript('SELECT 1 FROM dual;\n@other\n@@sub/x.sql\nSTA more.sql\n', 'test.sql');
    expect(items.filter((i) => i.kind === 'include')).toEqual([
      { kind: 'include', target: 'other.sql', nested: false, file: 'test.sql', line: 2 },
      { kind: 'include', target: 'sub/x.sql', nested: true, file: 'test.sql', line: 3 },
      { kind: 'include', target: 'more.sql', nested: false, file: 'test.sql', line: 4 },
    ]);
  });

  it.each([
    ['@other.sql x', /parameters to an included script are not supported/],
    ['@@', /names no script/],
    ['START', /names no script/],
    ['!ls', /cannot be run by dcn/],
    ['CONNECT sys/x AS SYSDBA', /profile=admin/],
    ['HOST rm -rf /', /cannot be run by dcn/],
    ['ACCEPT x PROMPT "x?"', /cannot be run by dcn/],
    ['VARIABLE v NUMBER', /cannot be run by dcn/],
    ['WHENEVER SQLERROR CONTINUE', /always stops/],
    ['SET SQLTERMINATOR !', /cannot follow/],
    ['SET ESCAPE \\', /cannot follow/],
    ['SET DEFINE', /needs ON, OFF/],
  ])('rejects %j with the file and line', (command, message) => {
    const err = splitError(`SELECT 1 FROM dual;\n${command}\n`);
    expect(err.code).toBe('script_invalid');
    expect(err.message).toMatch(/^test\.sql:2: /);
    expect(`${err.message} ${err.hint}`).toMatch(message);
  });
});

describe('splitScript: scripts SQL*Plus would not run as written', () => {
  it('rejects a / after a statement ended by ; (SQL*Plus would run it twice)', () => {
    const err = splitError('INSERT INTO t VALUES (1);\n/\n');
    expect(err.message).toMatch(/test\.sql:2: .*second time/);
  });

  it('rejects a / after a PL/SQL unit already ended', () => {
    expect(splitError('BEGIN NULL; END;\n/\n/\n').message).toMatch(/test\.sql:3:/);
  });

  it('rejects a / with nothing before it', () => {
    expect(splitError('/\n').message).toMatch(/nothing to run/);
  });

  it('rejects a PL/SQL unit with no / line (END;/ on one line, liquibase#1879)', () => {
    const err = splitError('BEGIN\n  NULL;\nEND;/\n');
    expect(err.message).toMatch(/test\.sql:1: the PL\/SQL unit starting at line 1 is not ended/);
  });

  it('rejects a package spec followed by its body without a / between them (flyway#3828)', () => {
    const err = splitError(
      'CREATE PACKAGE pk AS\n  PROCEDURE p;\nEND;\nCREATE PACKAGE BODY pk AS\n  PROCEDURE p IS BEGIN NULL; END;\nEND;\n/\n',
    );
    expect(err.message).toMatch(/test\.sql:4: a CREATE statement starts inside the PL\/SQL unit that begins at line 1/);
  });

  it('rejects SQL with no terminator at the end of the script', () => {
    expect(splitError('SELECT 1 FROM dual;\nSELECT 2\nFROM dual').message).toMatch(
      /test\.sql:2: the statement starting at line 2 is not ended/,
    );
  });

  it.each([
    ["SELECT 'abc FROM dual;", /string literal is never closed/],
    ["SELECT q'[abc FROM dual;", /literal is never closed/],
    ['SELECT 1 /* FROM dual;', /comment \/\* is never closed/],
    ['SELECT "abc FROM dual;', /quoted identifier is never closed/],
  ])('rejects %j', (text, message) => {
    expect(splitError(text).message).toMatch(message);
  });
});

describe('splitScript: speed-critical shapes', () => {
  it('splits a script of many statements in order', () => {
    const parts = Array.from({ length: 500 }, (_, i) =>
      i % 2 ? `INSERT INTO t VALUES (${i});` : `BEGIN p(${i}); END;\n/`,
    );
    const st = split(parts.join('\n'));
    expect(st).toHaveLength(500);
    expect(st[499]!.sql).toBe('INSERT INTO t VALUES (499)');
    expect(st[498]!.line).toBe(748); // 249 pairs of 3 lines before it
  });
});

describe('splitScript: PL/SQL detection edge cases', () => {
  it.each([
    ['CREATE OR REPLACE AND COMPILE JAVA SOURCE NAMED "Hello" AS public class Hello {};', true],
    ['CREATE /* c */ OR -- c\n REPLACE PROCEDURE p AS BEGIN NULL; END;', true],
    ['create or replace editionable trigger t before insert on x begin null; end;', true],
    ['CREATE TABLE procedure_log (x NUMBER);', false],
    ['CREATE OR REPLACE VIEW v AS SELECT 1 x FROM dual;', false],
    ['BEGINNING_TABLE_SCAN;', false],
    ['DECLARED_NAME;', false],
  ])('%j is PL/SQL: %s', (text, plsql) => {
    const items = splitScript(plsql ? `${text}\n/\n` : text, 't.sql');
    expect(items).toMatchObject([{ kind: 'statement', plsql }]);
  });

  it('does not take words that merely start like commands as commands', () => {
    expect(sqls('SETTINGS_UPDATE;\nPROMPTLY;\nDEFAULTS;')).toEqual(['SETTINGS_UPDATE', 'PROMPTLY', 'DEFAULTS']);
  });
});
