/**
 * Every statement `dcn migrate plan` can produce from the built-in migrations parses under the
 * antlr4ts-sql Oracle PL/SQL grammar: for the default settings and for other ones.
 */
import { describe, expect, it } from 'vitest';
import { planFor, SETTINGS } from '../support/builtin-settings.js';
import { syntaxErrors } from '../support/plsql-grammar.js';

describe.each(Object.entries(SETTINGS))('the built-in plan with %s settings', (_name, flags) => {
  const plan = planFor(flags);
  it('has the migrations in order', () => {
    const repeatable = ['R__00_network_acl', 'R__01_sendNotification', 'R__02_orders_nf_callback'];
    expect(plan.migrations.map((m) => m.version)).toEqual(
      flags.demoSchema
        ? ['1', '2', '3', '4', '5', '6', '7', '8', ...repeatable]
        : ['1', '2', '3', '4', '5', '7', '8', ...repeatable],
    );
  });
  for (const m of plan.migrations) {
    for (const st of m.statements) {
      it(`${st.file}:${st.line} parses`, () => {
        expect(syntaxErrors(st)).toEqual([]);
      });
    }
  }
});
