/**
 * The SQL*Plus script of a plan (`dcn migrate plan`, and `--dry-run`), which SQL*Plus and SQLcl
 * run unchanged with @file: values already substituted, SET DEFINE OFF so '&' in them stays
 * literal, a CONNECT line where a migration switches profile, and the same history rows that
 * `dcn migrate` writes. Every value it writes outside the migrations' own statements is checked
 * for its place first.
 */
import type { AdminPrivilege } from '../db/driver.js';
import { sqlPath } from '../paths.js';
import { loadNamedQueries } from '../script/named-queries.js';
import { DcnError } from '../errors.js';
import { isUnquotedName } from '../oracle/identifiers.js';
import { compiledObjectOf } from './compile-gate.js';
import { prefixHash } from './render.js';
import { migrationLabel } from './source.js';
import type { Plan, PlannedStatement } from './plan.js';
export interface ScriptOptions {
  readonly dcnVersion: string;
  readonly source: string;
  /** When known, CONNECT lines name them; otherwise SQL*Plus's own _USER/_CONNECT_IDENTIFIER are used. */
  readonly connect?: string;
  readonly adminUser?: string;
  readonly adminPrivilege?: AdminPrivilege;
  /** The schema the migrations are rendered for: the script stops unless it runs as that user. */
  readonly schema?: string;
  /** `dcn migrate [down] --dry-run`: the script is what migrate would run on the database whose history was read. */
  readonly dryRun?: 'up' | 'down';
}

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const UNSAFE_IN_COMMENT = /[\u0000-\u001f\u007f-\u009f&]/g;

/**
 * Text for a `--` comment line of the script: a newline would end the comment and make the rest
 * a SQL*Plus command, and the header stands before SET DEFINE OFF, where '&' would prompt.
 */
function commentSafe(text: string): string {
  return text.replace(UNSAFE_IN_COMMENT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What SQL*Plus reads as one word of CONNECT user@connect: no blank (it splits there), no quote, no '&' (the line substitutes). */
const CONNECT_IDENTIFIER = /^[A-Za-z0-9_.:/\-()=[\],?%+#$~*]+$/;
const NAME = '(?:[A-Za-z][A-Za-z0-9_$#]*|"[^"\\s&\'@/;]+")';
const CONNECT_USER = new RegExp(`^${NAME}(?:\\[${NAME}\\])?$`);

function notInScript(setting: string, why: string, hint: string): DcnError {
  return new DcnError(
    'config_invalid',
    `the ${setting} setting cannot be written into the plan's CONNECT lines: ${why}`,
    { hint, meta: { setting } },
  );
}

/**
 * Checks every value the script writes outside the migrations' own statements, for its place,
 * before anything is written: a plan is never left half-written by a bad value.
 */
export function checkPlanScript(plan: Plan, options: ScriptOptions): void {
  if (!isUnquotedName(plan.historyTable))
    throw new DcnError('config_invalid', 'the history table is not a plain Oracle identifier', {
      hint: 'e.g. DCN_SCHEMA_HISTORY',
      meta: { setting: 'historyTable' },
    });
  if (options.schema !== undefined && !isUnquotedName(options.schema))
    throw new DcnError('config_invalid', 'the schema is not a plain Oracle identifier', {
      hint: 'e.g. OE',
      meta: { setting: 'schema' },
    });
  for (const m of plan.migrations) for (const st of m.statements) checkStatementForSqlPlus(st);
  if (!plan.migrations.some((m) => m.profile === 'admin')) return;
  if (options.connect !== undefined && !CONNECT_IDENTIFIER.test(options.connect)) {
    throw notInScript(
      'connect',
      "SQL*Plus splits CONNECT at a blank, reads '&' as a substitution variable and stops at a quote",
      'give the plan a tnsnames.ora alias, or host:port/service (a descriptor without blanks): dcn migrate plan --connect ALIAS',
    );
  }
  // a SQL*Plus command line ending in '-' goes on at the next line (SQL*Plus User's Guide: "Continuing a Long SQL*Plus Command")
  if (options.connect?.endsWith('-'))
    throw notInScript(
      'connect',
      "it ends with '-', which makes SQL*Plus read the next line as part of the CONNECT line",
      'give the plan a tnsnames.ora alias, or the connect string without the trailing -',
    );
  if (options.adminUser !== undefined && !CONNECT_USER.test(options.adminUser)) {
    throw notInScript(
      'adminUser',
      "it is not one user name (a plain or \"quoted\" name without blanks, quotes, '&' or ';')",
      'e.g. --admin-user SYS --admin-privilege sysdba',
    );
  }
}

/** SQL*Plus reads at most 2,499 bytes a line (SP2-0027: Input is too long (> 2499 characters) - line ignored). */
const SQLPLUS_MAX_LINE_BYTES = 2499;

/** A statement's text as the plan writes it: CRLF (or a lone CR) files give '\n' line ends. */
function planText(sql: string): string {
  return sql.includes('\r') ? sql.replace(/\r\n?/g, '\n') : sql;
}

function byteLength(line: string): number {
  return line.length * 3 <= SQLPLUS_MAX_LINE_BYTES ? line.length : Buffer.byteLength(line);
}

/**
 * Refuses, with file:line, a statement SQL*Plus would read otherwise than dcn migrate runs it.
 * SQL*Plus does not parse literals or comments while it collects a statement: a line holding
 * only '/' runs what it has so far, one holding only '.' ends the statement unrun (SET
 * BLOCKTERMINATOR), a line starting with '#' is run as a SQL*Plus command (SET SQLPREFIX), and a
 * line of a SQL statement ending in ';' ends it. A longer line than SQL*Plus reads is dropped.
 * (SQL*Plus User's Guide and Reference: "Placing Comments in Scripts", SET, "SQL*Plus Limits".)
 */
function checkStatementForSqlPlus(st: PlannedStatement): void {
  const text = planText(st.sql);
  const refuse = (offset: number, why: string, hint: string): never => {
    throw new DcnError('script_invalid', `${st.file}:${st.line + offset}: ${why}`, {
      hint,
      meta: { file: st.file, line: st.line + offset },
    });
  };
  let lineNo = 0;
  for (let start = 0; start <= text.length; lineNo++) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(start, end);
    // the plan appends ';' to the last line of a SQL statement
    if (byteLength(line) + (nl === -1 ? 1 : 0) > SQLPLUS_MAX_LINE_BYTES) {
      refuse(
        lineNo,
        `the line is ${byteLength(line)} bytes long: SQL*Plus reads at most ${SQLPLUS_MAX_LINE_BYTES} bytes a line and would drop it (SP2-0027)`,
        'break the line (outside string literals), or build a long literal with || from shorter ones',
      );
    }
    if (lineNo > 0) {
      const trimmed = line.trim();
      if (trimmed === '/')
        refuse(
          lineNo,
          "a line holding only '/' inside the statement (in a literal or a comment): SQL*Plus would run the statement up to there",
          "move the '/' onto a line with other text, or write it as CHR(47) in the literal",
        );
      if (trimmed === '.')
        refuse(
          lineNo,
          "a line holding only '.' inside the statement: SQL*Plus would end the statement there without running it",
          "move the '.' onto a line with other text",
        );
      if (trimmed.startsWith('#'))
        refuse(
          lineNo,
          "a line starting with '#' inside the statement: SQL*Plus would run the line as a SQL*Plus command (SET SQLPREFIX)",
          "move the '#' off the start of the line",
        );
    }
    if (!st.plsql && nl !== -1 && line.trimEnd().endsWith(';')) {
      refuse(
        lineNo,
        "a line of the SQL statement ends with ';' (in a literal or a comment): SQL*Plus would end the statement there",
        "move the ';' off the end of the line",
      );
    }
    if (nl === -1) break;
    start = nl + 1;
  }
}

/** Ends a statement for SQL*Plus: ';' after SQL, a '/' line after PL/SQL (and after SQL ending in a comment). */
function terminated(st: PlannedStatement): string {
  const sql = planText(st.sql);
  const lastLine = sql.slice(sql.lastIndexOf('\n') + 1);
  return st.plsql || lastLine.includes('--') ? `${sql}\n/` : `${sql};`;
}

/** How every plan dcn writes begins: what proves a file at --out is a plan dcn may replace. */
export const PLAN_HEADER = '-- dcn migrate plan: ';

/** The SQL*Plus script of a plan, as one string. */
export function renderPlanScript(plan: Plan, options: ScriptOptions): string {
  checkPlanScript(plan, options);
  let script = '';
  writePlanScript(plan, options, (text) => {
    script += text;
  });
  return script;
}

/**
 * The SQL*Plus script of a plan, handed to `write` piece by piece: a plan of a large migration
 * is written without ever being one string (bench/RESULTS.md). Call checkPlanScript first.
 */
export function writePlanScript(plan: Plan, options: ScriptOptions, write: (text: string) => void): void {
  const queries = loadNamedQueries(sqlPath('migrator', 'history.sql'));
  const createHistory = queries.render('history.create', { history_table: plan.historyTable }).sql;
  // each line is written with its newline as it is made
  const out = {
    push(...lines: string[]): void {
      for (const line of lines) write(`${line}\n`);
    },
  };
  const needsAdmin = plan.migrations.some((m) => m.profile === 'admin');
  const connect = options.connect ?? '&dcn_connect';
  const admin = options.adminUser ?? '&&dcn_admin_user';
  const as = options.adminPrivilege ? ` AS ${options.adminPrivilege.toUpperCase()}` : '';

  const command =
    options.dryRun === undefined
      ? 'dcn migrate plan'
      : `dcn migrate${options.dryRun === 'down' ? ' down' : ''} --dry-run`;
  out.push(
    `${options.dryRun === undefined ? PLAN_HEADER : `-- ${command}: `}${plan.migrations.length} migration(s) from ${commentSafe(options.source)}`,
    `-- Written by dcn ${options.dcnVersion}. Run it as the schema owner: sqlplus <user>@<connect> @plan.sql`,
    options.dryRun === undefined
      ? '-- It assumes no migration has been applied yet. Values are already substituted.'
      : `-- What dcn migrate${options.dryRun === 'down' ? ' down' : ''} would run on the database whose history it read, as that history stood (it takes no lock: another run may change it). Values are already substituted.`,
    'SET DEFINE OFF',
    'SET SQLBLANKLINES ON',
    // FAILURE, not SQL.SQLCODE: exit codes wrap modulo 256, and ORA-01792 would exit 0.
    'WHENEVER SQLERROR EXIT FAILURE',
    'WHENEVER OSERROR EXIT FAILURE',
    '',
  );
  if (options.schema !== undefined) {
    // The objects go to the schema of whoever runs the script; grants, the ACE and the callback
    // name options.schema. They must be the same user, or nothing would work together.
    out.push(
      `-- Run as ${options.schema}: the objects are created in the connected user's schema.`,
      'BEGIN',
      `  IF USER <> '${options.schema}' THEN`,
      `    RAISE_APPLICATION_ERROR(-20000, 'dcn: run this script as ${options.schema} (the schema setting), not as ' || USER);`,
      '  END IF;',
      'END;',
      '/',
      '',
    );
  }
  if (needsAdmin) {
    out.push(
      '-- Remember who runs this script, to CONNECT back after the admin migrations.',
      'SET DEFINE ON',
      'DEFINE dcn_app_user = "&_USER"',
      ...(options.connect === undefined ? ['DEFINE dcn_connect = "&_CONNECT_IDENTIFIER"'] : []),
      'SET DEFINE OFF',
      '',
    );
  }
  // WHENEVER SQLERROR does not trap a failed CONNECT (an SQL*Plus command): the script would run
  // on, "Not connected" (SP2-0640), and still say it applied everything. So after each CONNECT a
  // query sets dcn_unless_connected to a harmless PROMPT; when it could not run, the variable is
  // still EXIT FAILURE, and the line that holds only the variable stops the script.
  const connectLine = (user: string, suffix: string) => [
    'SET DEFINE ON',
    `CONNECT ${user}@${connect}${suffix}`,
    'DEFINE dcn_unless_connected = "EXIT FAILURE"',
    'COLUMN dcn_connected NEW_VALUE dcn_unless_connected NOPRINT',
    "SELECT 'PROMPT dcn: connected as ' || USER AS dcn_connected FROM dual;",
    '&dcn_unless_connected',
    'SET DEFINE OFF',
  ];
  out.push(
    `-- dcn history table ${plan.historyTable}, created if missing`,
    'DECLARE',
    '  n NUMBER;',
    'BEGIN',
    `  SELECT COUNT(*) INTO n FROM user_tables WHERE table_name = '${plan.historyTable}';`,
    '  IF n = 0 THEN',
    `    EXECUTE IMMEDIATE q'~${createHistory}~';`,
    '  END IF;',
    'END;',
    '/',
    '',
  );
  // The compile gate is rendered once, with markers where the object goes: rendering the named
  // query for each of thousands of procedures was a fifth of a large plan (bench/RESULTS.md).
  const MARK = { owner: '\u0001owner\u0001', name: '\u0001name\u0001', type: '\u0001type\u0001' };
  const gateTemplate = `${queries.render('plan.compile-gate', { object_owner: MARK.owner, object_name: MARK.name, object_type: MARK.type }).sql}\n/`;
  const gateFor = (object: { owner?: string; name: string; type: string }) =>
    gateTemplate
      .replaceAll(MARK.owner, (object.owner ?? '').replace(/'/g, "''"))
      .replaceAll(MARK.name, object.name.replace(/'/g, "''"))
      .replaceAll(MARK.type, object.type);
  const dryRunQueries = loadNamedQueries(sqlPath('migrator', 'dry-run.sql'));
  for (const m of plan.migrations) {
    const what = m.record === 'delete' ? `undo of ${migrationLabel(m.version)}` : migrationLabel(m.version);
    out.push(
      `-- ${what}: ${m.description} (${m.script}${m.profile === 'admin' ? ', admin profile' : ''}${m.repeatable ? ', repeatable' : ''})`,
    );
    if (m.resumeFrom !== undefined)
      out.push(
        `-- resumed at statement ${m.resumeFrom} of ${m.statementsTotal ?? m.statements.length}: the statements before it are applied`,
      );
    if (m.profile === 'admin') out.push(...connectLine(admin, as));
    for (const st of m.statements) {
      write(`-- ${commentSafe(st.file)}:${st.line}\n${terminated(st)}\n`);
      const object = compiledObjectOf({ sql: st.sql, column: 1 });
      if (object) write(`${gateFor(object)}\n`);
    }
    if (m.profile === 'admin') out.push(...connectLine('&dcn_app_user', ''));
    const record = (m.record === undefined ? queries : dryRunQueries).render(
      m.record === 'delete' ? 'plan.forget' : m.record === 'update' ? 'plan.record-again' : 'plan.record',
      {
        history_table: plan.historyTable,
        version: m.version,
        description: m.description.replace(/'/g, "''"),
        script: m.script.replace(/'/g, "''"),
        checksum: m.checksum,
        profile: m.profile,
        statements_total: String(m.statementsTotal ?? m.statements.length),
        done_hash: m.doneHash ?? prefixHash(m.statements, m.statements.length),
      },
    );
    out.push(`${record.sql};`, 'COMMIT;', '');
  }
  if (plan.forget !== undefined && plan.forget.length > 0) {
    out.push('-- the repeatable migrations may use what was undone: the next dcn migrate applies them again');
    for (const version of plan.forget)
      out.push(
        `${dryRunQueries.render('plan.forget', { history_table: plan.historyTable, version: version.replace(/'/g, "''") }).sql};`,
      );
    out.push('COMMIT;', '');
  }
  if (options.dryRun === 'up') {
    out.push('-- then, as dcn migrate does, the INVALID objects of the schema are compiled once (none: nothing to do)');
    out.push(
      `${loadNamedQueries(sqlPath('migrator', 'invalid-objects.sql')).render('objects.recompile', {}).sql}\n/`,
      '',
    );
  }
  out.push(`PROMPT dcn: ${plan.migrations.length} migration(s) ${options.dryRun === 'down' ? 'undone' : 'applied'}`);
}
