import { describe, expect, it } from 'vitest';
import { compiledObjectOf, mapCompileErrors } from '../../src/migrator/compile-gate.js';
import type { Statement } from '../../src/script/script-items.js';

const st = (sql: string, line = 10, column = 1): Statement => ({ sql, plsql: true, file: 'V4__x.sql', line, column });

describe('compiledObjectOf', () => {
  it.each([
    [
      'CREATE OR REPLACE PROCEDURE sendNotification(x NUMBER) AS BEGIN NULL; END;',
      'PROCEDURE',
      undefined,
      'SENDNOTIFICATION',
    ],
    ['CREATE OR REPLACE EDITIONABLE PACKAGE BODY "oe".pk AS END;', 'PACKAGE BODY', 'oe', 'PK'],
    ['create type rdesc_tab as table of sys.chnf$_rdesc;', 'TYPE', undefined, 'RDESC_TAB'],
    ['CREATE OR REPLACE FORCE VIEW v AS SELECT 1 x FROM dual', 'VIEW', undefined, 'V'],
    ['CREATE TRIGGER "MixedCase" BEFORE INSERT ON t BEGIN NULL; END;', 'TRIGGER', undefined, 'MixedCase'],
    ['-- comment\nCREATE FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;', 'FUNCTION', undefined, 'F'],
  ])('finds the object of %j', (sql, type, owner, name) => {
    expect(compiledObjectOf(st(sql))).toMatchObject({ type, owner, name });
  });

  it.each(['CREATE TABLE t (x NUMBER)', 'BEGIN NULL; END;', 'CREATE INDEX i ON t (x)', 'DROP PROCEDURE p'])(
    'ignores %j',
    (sql) => {
      expect(compiledObjectOf(st(sql))).toBeUndefined();
    },
  );
});

describe('mapCompileErrors', () => {
  it('maps ALL_ERRORS line/position to file:line:column', () => {
    // the source (line 1 in ALL_ERRORS) starts at "PROCEDURE", on the statement's second line
    const s = st('CREATE OR REPLACE\n  PROCEDURE p AS\nBEGIN\n  x := 1;\nEND;', 10, 1);
    const o = compiledObjectOf(s)!;
    expect(
      mapCompileErrors(s, o, [
        { line: 1, position: 13, text: 'PLS-1', attribute: 'ERROR' },
        { line: 3, position: 3, text: 'PLS-00201: identifier X must be declared', attribute: 'ERROR' },
        { line: 3, position: 3, text: 'PLW-1', attribute: 'WARNING' },
      ]),
    ).toEqual([
      { file: 'V4__x.sql', line: 11, column: 15, text: 'PLS-1', severity: 'error' },
      { file: 'V4__x.sql', line: 13, column: 3, text: 'PLS-00201: identifier X must be declared', severity: 'error' },
      { file: 'V4__x.sql', line: 13, column: 3, text: 'PLW-1', severity: 'warning' },
    ]);
  });

  it('counts a one-line header from the type keyword, and a statement not in column 1', () => {
    const s = st('CREATE OR REPLACE PROCEDURE p AS BEGIN x := 1; END;', 5, 4);
    const o = compiledObjectOf(s)!;
    // "PROCEDURE" is at index 18 of the statement, which starts at column 4: column 22
    expect(mapCompileErrors(s, o, [{ line: 1, position: 25, text: 'e', attribute: 'ERROR' }])[0]).toMatchObject({
      line: 5,
      column: 46,
    });
  });

  it("numbers a trigger's lines from its PL/SQL block", () => {
    const s = st('CREATE TRIGGER t\n  BEFORE INSERT ON x\n  FOR EACH ROW\nBEGIN\n  bad;\nEND;', 20);
    const o = compiledObjectOf(s)!;
    expect(mapCompileErrors(s, o, [{ line: 2, position: 3, text: 'e', attribute: 'ERROR' }])[0]).toMatchObject({
      line: 24,
      column: 3,
    });
  });
});
