import { describe, expect, it } from 'vitest';
import { splitScript } from '../../src/script/split.js';
import { renderScript } from '../../src/script/substitute.js';
import { DcnError } from '../../src/errors.js';

const render = (text: string, vars: Record<string, string> = {}) =>
  renderScript(splitScript(text, 's.sql'), vars).statements.map((s) => s.sql);

describe('renderScript', () => {
  it('substitutes &name and &&name from configuration, case-insensitively', () => {
    expect(render('GRANT CHANGE NOTIFICATION TO &App_User;\nGRANT x TO &&APP_USER;', { app_user: 'OE' })).toEqual([
      'GRANT CHANGE NOTIFICATION TO OE',
      'GRANT x TO OE',
    ]);
  });

  it('ends a name at a period, which is dropped (&name.suffix)', () => {
    expect(render('CREATE TABLE &t._LOG (x NUMBER);', { t: 'DCN' })).toEqual(['CREATE TABLE DCN_LOG (x NUMBER)']);
  });

  it('takes DEFINE from that line on, over configuration', () => {
    expect(render("SELECT '&v' FROM dual;\nDEFINE v = later\nSELECT '&v' FROM dual;", { v: 'config' })).toEqual([
      "SELECT 'config' FROM dual",
      "SELECT 'later' FROM dual",
    ]);
  });

  it('honours SET DEFINE OFF and ON, and another prefix', () => {
    const text =
      "SET DEFINE OFF\nSELECT 'a&b' FROM dual;\nSET DEFINE ON\nSELECT '&x' FROM dual;\nSET DEFINE ^\nSELECT '^x &y' FROM dual;";
    expect(render(text, { x: '1' })).toEqual([
      "SELECT 'a&b' FROM dual",
      "SELECT '1' FROM dual",
      "SELECT '1 &y' FROM dual",
    ]);
  });

  it('does not substitute again inside a value (a URL with & stays as given)', () => {
    expect(render("SELECT '&url' FROM dual;", { url: 'http://h/x?a=1&b=2' })).toEqual([
      "SELECT 'http://h/x?a=1&b=2' FROM dual",
    ]);
  });

  it('leaves & not followed by a name alone', () => {
    expect(render("SELECT 'a & b' FROM dual;")).toEqual(["SELECT 'a & b' FROM dual"]);
  });

  it('rejects undefined variables with every name and the first place, before anything runs', () => {
    let error: DcnError | undefined;
    try {
      render('SELECT 1 FROM dual;\nSELECT\n  &missing, &other FROM dual;\nUNDEFINE known\nSELECT &known FROM dual;', {
        known: 'k',
      });
    } catch (err) {
      error = err as DcnError;
    }
    expect(error?.code).toBe('script_invalid');
    expect(error?.message).toBe('s.sql:3: substitution variables &missing, &other, &known are not defined');
    expect(error?.hint).toMatch(/--define missing=/);
    expect(error?.meta.places).toEqual([
      { name: 'missing', file: 's.sql', line: 3 },
      { name: 'other', file: 's.sql', line: 3 },
      { name: 'known', file: 's.sql', line: 5 },
    ]);
  });
});
