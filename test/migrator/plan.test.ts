/**
 * The plan is a script SQL*Plus runs as dcn migrate would: what SQL*Plus would read otherwise
 * (it does not parse literals or comments while it collects a statement) is refused with
 * file:line, and CRLF files give a plan without a CR.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DcnError } from '../../src/errors.js';
import { buildPlan } from '../../src/migrator/plan.js';
import { renderPlanScript } from '../../src/migrator/plan-script.js';
import { loadMigrations } from '../../src/migrator/source.js';

function planOf(text: string, variables: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-plan-'));
  writeFileSync(join(dir, 'V1__x.sql'), text);
  const migrations = loadMigrations(dir);
  return renderPlanScript(buildPlan({ migrations, variables, historyTable: 'DCN_SCHEMA_HISTORY' }), {
    dcnVersion: '0',
    source: dir,
  });
}

function refusal(text: string, variables: Record<string, string> = {}): DcnError {
  try {
    planOf(text, variables);
  } catch (err) {
    return err as DcnError;
  }
  throw new Error('expected a refusal');
}

describe('migrate plan refuses what SQL*Plus would read otherwise, with file:line', () => {
  it.each([
    [
      "a '/' line in a SQL literal",
      "SELECT 1 FROM dual;\nINSERT INTO t VALUES ('a\n/\nb');\n",
      3,
      /a line holding only '\/' inside the statement .*SQL\*Plus would run the statement up to there/,
    ],
    [
      "a '/' line with blanks in a PL/SQL literal",
      "BEGIN\n  x := 'a\n  /  \n';\nEND;\n/\n",
      3,
      /a line holding only '\/'/,
    ],
    ["a '/' line in a comment", 'CREATE TABLE t (\n  a NUMBER /* x\n/\n*/\n);\n', 3, /a line holding only '\/'/],
    [
      "a '.' line",
      "INSERT INTO t VALUES ('a\n.\nHOST rm -rf ~\n');\n",
      2,
      /a line holding only '\.' inside the statement: SQL\*Plus would end the statement there without running it/,
    ],
    [
      "a line starting with '#'",
      "BEGIN\n  x := 'a\n #host id\n';\nEND;\n/\n",
      3,
      /a line starting with '#' inside the statement: SQL\*Plus would run the line as a SQL\*Plus command/,
    ],
    [
      "a SQL line ending in ';' in a literal",
      "INSERT INTO t VALUES ('a;\nb');\n",
      1,
      /a line of the SQL statement ends with ';' \(in a literal or a comment\): SQL\*Plus would end the statement there/,
    ],
    ["a SQL line ending in ';' in a comment", 'CREATE TABLE t ( -- the table;\n  a NUMBER\n);\n', 1, /ends with ';'/],
    [
      'a line longer than 2,499 bytes',
      `SELECT 1 FROM dual;\nSELECT '${'x'.repeat(2500)}' FROM dual;\n`,
      2,
      /the line is 2519 bytes long: SQL\*Plus reads at most 2499 bytes a line and would drop it \(SP2-0027\)/,
    ],
    [
      'a line of 2,499 bytes in multibyte characters',
      `SELECT '${'é'.repeat(1245)}' FROM dual;\n`,
      1,
      /the line is 2509 bytes long/,
    ],
  ])('%s', (_name, text, line, why) => {
    const error = refusal(text);
    expect(error.code).toBe('script_invalid');
    expect(error.message).toMatch(new RegExp(`^V1__x\\.sql:${line}: `));
    expect(error.message).toMatch(why);
    expect(error.hint).toMatch(/move|break/);
  });

  it('refuses a substituted value that makes a line SQL*Plus would read otherwise, at its line', () => {
    expect(refusal("INSERT INTO t VALUES ('a\n&v\nb');\n", { v: '/' }).message).toMatch(
      /^V1__x\.sql:2: a line holding only '\/'/,
    );
  });

  it('writes what SQL*Plus reads the same way: a line of 2,499 bytes, ; and / inside a line, ; at the end of a PL/SQL line', () => {
    const longest = `SELECT '${'x'.repeat(2499 - "SELECT '' FROM dual;".length)}' FROM dual`;
    const plan = planOf(`${longest};\nINSERT INTO t VALUES ('a;b', 'x / y');\nBEGIN\n  x := 'a;\n b';\nEND;\n/\n`);
    expect(plan).toContain(`${longest};\n`);
    expect(plan).toContain("BEGIN\n  x := 'a;\n b';\nEND;\n/\n");
  });

  it('writes a CRLF file with LF line ends: no CR inside a PL/SQL unit of the plan', () => {
    const crlf =
      'CREATE TABLE t (\r\n  a NUMBER\r\n);\r\nCREATE OR REPLACE PROCEDURE p AS\r\nBEGIN\r\n  NULL;\r\nEND;\r\n/\r\n';
    const plan = planOf(crlf);
    expect(plan).not.toContain('\r');
    expect(plan).toContain('CREATE OR REPLACE PROCEDURE p AS\nBEGIN\n  NULL;\nEND;\n/\n');
    expect(plan).toContain('CREATE TABLE t (\n  a NUMBER\n);\n');
    // the history row records what dcn migrate records for the file: the same checksum as LF
    const checksum = /'([0-9a-f]{64})', 'app'/.exec(plan)![1];
    expect(planOf(crlf.replace(/\r/g, ''))).toContain(`'${checksum}', 'app'`);
  });
});
