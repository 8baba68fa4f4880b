/**
 * Checks SQL and PL/SQL with a real third-party Oracle grammar (antlr4ts-sql's PlSqlParser, from
 * the grammars-v4 project). Each statement is given with the terminator SQL*Plus would need.
 */
import { antlr4tsSQL, SQLDialect } from 'antlr4ts-sql';

const parser = new antlr4tsSQL(SQLDialect.PLSQL);

export function syntaxErrors(statement: { sql: string; plsql: boolean }): string[] {
  const errors: string[] = [];
  const listener = {
    syntaxError: (_r: unknown, _s: unknown, line: number, column: number, message: string) => {
      errors.push(`${line}:${column} ${message.length > 160 ? `${message.slice(0, 160)}…` : message}`);
    },
  };
  const text = statement.plsql ? `${statement.sql}\n/\n` : `${statement.sql};\n`;
  const p = parser.getParser(parser.getTokens(text, [listener]), [listener]);
  parser.getParseTree(p);
  return errors;
}
