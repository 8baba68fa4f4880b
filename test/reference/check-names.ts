/**
 * Finds the Oracle names a script relies on and reports each one the reference table
 * (oracle-names.ts) does not know: package members, named parameters, CHNF$ and XS$ types and
 * their attributes, UTL_HTTP.RESP fields, ACE privileges, dictionary views, USERENV parameters.
 */
import { ACE_PRIVILEGES, PACKAGES, TYPES, USERENV, VIEWS } from './oracle-names.js';

/** The script with literals and comments blanked out (same length, so offsets still hold). */
function codeOnly(text: string): string {
  return text.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, (m) =>
    m.startsWith("'") ? `'${' '.repeat(m.length - 2)}'` : ' '.repeat(m.length),
  );
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

export function checkOracleNames(text: string, file: string): string[] {
  const problems: string[] = [];
  const code = codeOnly(text);
  const report = (index: number, message: string) => problems.push(`${file}:${lineAt(text, index)}: ${message}`);
  const attrs = (type: string) => new Set(TYPES[type]!.attributes.map((a) => a.toUpperCase()));

  // package members
  for (const m of code.matchAll(
    /\b(DBMS_CHANGE_NOTIFICATION|DBMS_CQ_NOTIFICATION|DBMS_NETWORK_ACL_ADMIN|UTL_HTTP|UTL_URL|DBMS_UTILITY|DBMS_ASSERT|XS_ACL)\s*\.\s*([A-Za-z_][\w$#]*)/gi,
  )) {
    const pkg = m[1]!.toUpperCase();
    const member = m[2]!.toUpperCase();
    if (!(member in PACKAGES[pkg]!.members)) report(m.index, `${pkg}.${member} is not in the reference table`);
  }

  // types
  for (const m of code.matchAll(/\b(SYS\.CHNF\$_\w+|xs\$\w+)/gi)) {
    const type = m[1]!.toUpperCase();
    if (!(type in TYPES)) report(m.index, `type ${type} is not in the reference table`);
  }

  // named parameters, by the innermost call they stand in
  const stack: string[] = [];
  for (const m of code.matchAll(/([A-Za-z_][\w$#.]*)\s*\(|\(|\)|([A-Za-z_][\w$#]*)\s*=>/g)) {
    if (m[0].endsWith('(')) stack.push((m[1] ?? '').toUpperCase());
    else if (m[0] === ')') stack.pop();
    else {
      const call = stack.at(-1) ?? '';
      const param = m[2]!.toLowerCase();
      const [pkg, sub] = call.split('.');
      const params = sub ? PACKAGES[pkg!]?.parameters?.[sub] : undefined;
      if (params && !params.includes(param)) report(m.index, `${call} has no parameter ${param}`);
      if (call in TYPES && !attrs(call).has(param.toUpperCase())) report(m.index, `${call} has no attribute ${param}`);
    }
  }

  // attributes of variables declared with a CHNF$ type or UTL_HTTP.RESP
  const variables = new Map<string, string>();
  for (const m of code.matchAll(/\b([A-Za-z_]\w*)\s+(?:IN\s+)?(SYS\.CHNF\$_\w+|UTL_HTTP\.RESP)\b/gi))
    variables.set(m[1]!.toLowerCase(), m[2]!.toUpperCase());
  for (const m of code.matchAll(/\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)/g)) {
    const type = variables.get(m[1]!.toLowerCase());
    if (type && type in TYPES && !attrs(type).has(m[2]!.toUpperCase()))
      report(m.index, `${m[1]}.${m[2]}: ${type} has no attribute ${m[2]}`);
  }
  // the attribute is matched in a lookahead, so chains (a(i).row_desc_array(j).row_id) are all seen
  for (const m of code.matchAll(/\.\s*(table_desc_array|row_desc_array)\s*\([^()]*\)\s*(?=\.\s*([A-Za-z_]\w*))/gi)) {
    const type = m[1]!.toLowerCase() === 'table_desc_array' ? 'SYS.CHNF$_TDESC' : 'SYS.CHNF$_RDESC';
    if (!attrs(type).has(m[2]!.toUpperCase())) report(m.index, `${m[1]}(…).${m[2]}: ${type} has no attribute ${m[2]}`);
  }

  // ACE privileges (in literals, so read from the text)
  for (const m of text.matchAll(/xs\$name_list\s*\(([^)]*)\)/gi)) {
    for (const p of m[1]!.matchAll(/'([^']*)'/g))
      if (!(p[1]! in ACE_PRIVILEGES)) report(m.index, `ACE privilege '${p[1]}' is not in the reference table`);
  }

  // dictionary views and USERENV parameters
  for (const m of code.matchAll(/\bFROM\s+((?:v\$|user_|all_|dba_)\w+)/gi)) {
    if (!(m[1]!.toUpperCase() in VIEWS)) report(m.index, `view ${m[1]} is not in the reference table`);
  }
  for (const m of text.matchAll(/SYS_CONTEXT\s*\(\s*'USERENV'\s*,\s*'(\w+)'/gi)) {
    if (!USERENV.includes(m[1]!.toUpperCase()))
      report(m.index, `USERENV parameter ${m[1]} is not in the reference table`);
  }
  return problems;
}
