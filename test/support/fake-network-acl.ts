/**
 * The FAKE's reading of dcn's network-ACE blocks (R__00_network_acl, and U1's block that removes
 * what R__00 listed). It carries them out as their SQL reads: the WHERE conditions over
 * DBA_HOST_ACES and the list table, the comparisons of the IFs and RETURNs, the host, port and
 * principal literals. A block whose shape it cannot read fails the test; it never guesses.
 *
 * Oracle facts it relies on (PL/SQL Packages and Types Reference, DBMS_NETWORK_ACL_ADMIN,
 * https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/DBMS_NETWORK_ACL_ADMIN.html): an ACE is
 * (host, lower_port, upper_port, principal, privilege, grant type); APPEND_HOST_ACE and
 * REMOVE_HOST_ACE add and remove exactly that entry; DBA_HOST_ACES lists them; the principal is
 * case-sensitive and stored upper-case for an unquoted user name.
 */

export interface HostAce {
  host: string;
  lower: number;
  upper: number;
  principal: string;
  privilege: string;
}

/** What the blocks touch: the ACEs, the list table dcn keeps of the ACEs it appended, and tables. */
export interface AclState {
  readonly hostAces: HostAce[];
  /** Rows of the list table, as "host:port". */
  readonly givenAces: Set<string>;
  hasTable(name: string): boolean;
  createTable(name: string): void;
}

type Value = string | number;

function unreadable(what: string): never {
  throw new Error(`the fake cannot read ${what}`);
}

/** One operand of a condition: a column of the row, a variable, a literal, LOWER()/UPPER() of one. */
function operand(text: string, row: Readonly<Record<string, Value>>, vars: Readonly<Record<string, Value>>): Value {
  const t = text.trim();
  const fn = /^(LOWER|UPPER)\((.+)\)$/i.exec(t);
  if (fn) {
    const v = String(operand(fn[2]!, row, vars));
    return fn[1]!.toUpperCase() === 'LOWER' ? v.toLowerCase() : v.toUpperCase();
  }
  const literal = /^'((?:[^']|'')*)'$/.exec(t);
  if (literal) return literal[1]!.replace(/''/g, "'");
  if (/^\d+$/.test(t)) return Number(t);
  const name = t.toLowerCase();
  if (name in row) return row[name]!;
  if (name in vars) return vars[name]!;
  return unreadable(`'${t}' in a condition`);
}

/** A WHERE of ANDs (and ORs, without parentheses) of =, != and <> comparisons. */
function whereHolds(
  where: string,
  row: Readonly<Record<string, Value>>,
  vars: Readonly<Record<string, Value>> = {},
): boolean {
  return where.split(/\s+OR\s+/i).some((conjunction) =>
    conjunction.split(/\s+AND\s+/i).every((term) => {
      const m = /^\s*(.+?)\s*(!=|<>|=)\s*(.+?)\s*$/.exec(term);
      if (!m) return unreadable(`the condition '${term.trim()}'`);
      const equal = String(operand(m[1]!, row, vars)) === String(operand(m[3]!, row, vars));
      return m[2] === '=' ? equal : !equal;
    }),
  );
}

/** "x > 0" as PL/SQL compares a count. */
function compares(count: number, op: string, n: number): boolean {
  const r = {
    '>=': count >= n,
    '>': count > n,
    '=': count === n,
    '<>': count !== n,
    '!=': count !== n,
    '<': count < n,
    '<=': count <= n,
  }[op];
  return r ?? unreadable(`the comparison '${op}'`);
}

/** DBA_HOST_ACES as rows (every ACE dcn or a DBA makes in the fake is a GRANT). */
function aceRows(state: AclState): Record<string, Value>[] {
  return state.hostAces.map((a) => ({
    host: a.host,
    lower_port: a.lower,
    upper_port: a.upper,
    principal: a.principal,
    privilege: a.privilege,
    grant_type: 'GRANT',
  }));
}

function listRows(state: AclState): Record<string, Value>[] {
  return [...state.givenAces].map((k) => {
    const at = k.lastIndexOf(':');
    return { host: k.slice(0, at), port: Number(k.slice(at + 1)) };
  });
}

/** The call to APPEND_HOST_ACE or REMOVE_HOST_ACE in `sql`, with its arguments read against `vars`. */
function aceCall(sql: string, proc: 'APPEND' | 'REMOVE', vars: Readonly<Record<string, Value>>): HostAce {
  const call = new RegExp(
    String.raw`DBMS_NETWORK_ACL_ADMIN\.${proc}_HOST_ACE\(\s*host\s*=>\s*([^,]+),\s*lower_port\s*=>\s*([^,]+),\s*upper_port\s*=>\s*([^,]+),\s*ace\s*=>\s*xs\$ace_type\(privilege_list\s*=>\s*xs\$name_list\('(\w+)'\),\s*principal_name\s*=>\s*'([^']+)',\s*principal_type\s*=>\s*xs_acl\.ptype_db\)`,
    'i',
  ).exec(sql);
  if (!call) return unreadable(`the ${proc}_HOST_ACE call`);
  return {
    host: String(operand(call[1]!, {}, vars)),
    lower: Number(operand(call[2]!, {}, vars)),
    upper: Number(operand(call[3]!, {}, vars)),
    privilege: call[4]!.toUpperCase(),
    principal: call[5]!,
  };
}

function sameAce(a: HostAce, b: HostAce): boolean {
  return (
    a.host.toLowerCase() === b.host.toLowerCase() &&
    a.lower === b.lower &&
    a.upper === b.upper &&
    a.principal === b.principal &&
    a.privilege === b.privilege
  );
}

function append(state: AclState, ace: HostAce): void {
  if (!state.hostAces.some((a) => sameAce(a, ace))) state.hostAces.push(ace);
}

function remove(state: AclState, ace: HostAce): void {
  const i = state.hostAces.findIndex((a) => sameAce(a, ace));
  if (i !== -1) state.hostAces.splice(i, 1);
}

/** "SELECT COUNT(*) INTO v FROM dba_tables WHERE …": whether the table it names is there. */
function dbaTablesCount(sql: string, variable: string, state: AclState): number {
  const q = new RegExp(String.raw`SELECT COUNT\(\*\) INTO ${variable} FROM dba_tables WHERE (.+?);`, 'i').exec(sql);
  if (!q) return unreadable(`the dba_tables query of ${variable}`);
  const table = /table_name = '(\w+)'/i.exec(q[1]!)?.[1];
  if (!table || !/\bowner = '\w+'/i.test(q[1]!)) return unreadable('which table dba_tables is asked for');
  return state.hasTable(table) ? 1 : 0;
}

/** The list table a block names (OWNER.NAME or NAME), upper-case, without its owner. */
function tableName(ref: string): string {
  return ref.split('.').at(-1)!.toUpperCase();
}

/**
 * Carries out one of dcn's network-ACE blocks; undefined when `sql` is none of them. The changes
 * are made at once: the engine commits each statement, and so does the plan script.
 */
export function runNetworkAclBlock(sql: string, state: AclState): { ok: true } | undefined {
  if (/EXECUTE IMMEDIATE 'CREATE TABLE [\w.]+dcn_given_aces/i.test(sql)) return createList(sql, state);
  if (/FUNCTION ace_there/i.test(sql)) return followUrl(sql, state);
  if (/BULK COLLECT INTO l_hosts, l_ports/i.test(sql)) return removeListed(sql, state);
  return undefined;
}

/** R__00's first block: the list is made; on a dcn 0.1 database the ACE dcn 0.1 appended goes on it. */
function createList(sql: string, state: AclState): { ok: true } {
  const create = /EXECUTE IMMEDIATE 'CREATE TABLE ([\w.]+) \(/i.exec(sql)!;
  const name = tableName(create[1]!);
  if (state.hasTable(name)) {
    if (!/IF SQLCODE != -955 THEN RAISE; END IF;/i.test(sql))
      throw Object.assign(new Error('ORA-00955: name is already used by an existing object'), { code: 'ORA-00955' });
    return { ok: true };
  }
  if (!/\bhost VARCHAR2\(\d+\) +NOT NULL,\s+port NUMBER\(\d+\) +NOT NULL/i.test(sql))
    unreadable('the columns of the list');
  state.createTable(name);
  const guard =
    /IF (l_\w+) (=|<>|!=|>|>=) (\d+) THEN\s+EXECUTE IMMEDIATE 'INSERT INTO ([\w.]+) \(host, port\)\s+SELECT DISTINCT host, lower_port FROM dba_host_aces\s+WHERE ([\s\S]+?)'\s+USING '([^']*)', (\d+), (\d+);/i.exec(
      sql,
    );
  if (!guard) return unreadable("the list's first rows");
  const [, variable, op, n, into, where, host, port1, port2] = guard as unknown as string[];
  if (!compares(dbaTablesCount(sql, variable!, state), op!, Number(n))) return { ok: true };
  if (tableName(into!) !== name) unreadable('which table the first rows go into');
  // positional binds, in the order they appear: :host, :port, :port
  const order = [...where!.matchAll(/:(\w+)/g)].map((m) => m[1]!.toLowerCase());
  const values = [host!, Number(port1), Number(port2)];
  if (order.length !== values.length) return unreadable('the binds of the first rows');
  const binds = Object.fromEntries(order.map((b, i) => [`:${b}`, values[i]!]));
  const bound = where!.replace(/:(\w+)/g, (m) =>
    typeof binds[m.toLowerCase()] === 'number' ? String(binds[m.toLowerCase()]) : `'${binds[m.toLowerCase()]}'`,
  );
  for (const row of aceRows(state))
    if (whereHolds(bound.replace(/''/g, "'"), row)) state.givenAces.add(`${row.host}:${row.lower_port}`);
  return { ok: true };
}

/** ace_there(host, port) as the block's function reads. */
function aceThereOf(sql: string, state: AclState): (host: Value, port: Value) => boolean {
  const fn =
    /FUNCTION ace_there \((\w+) VARCHAR2, (\w+) PLS_INTEGER\) RETURN BOOLEAN IS[\s\S]*?SELECT COUNT\(\*\) INTO l_count FROM dba_host_aces\s+WHERE ([\s\S]+?);\s+RETURN l_count (>=|>|=|<>) (\d+);/i.exec(
      sql,
    );
  if (!fn) return unreadable('ace_there');
  const [, hostParam, portParam, where, op, n] = fn as unknown as string[];
  return (host, port) =>
    compares(
      aceRows(state).filter((row) =>
        whereHolds(where!, row, { [hostParam!.toLowerCase()]: host, [portParam!.toLowerCase()]: port }),
      ).length,
      op!,
      Number(n),
    );
}

/** R__00's second block: what dcn appended for another host or port goes; the callback's is appended. */
function followUrl(sql: string, state: AclState): { ok: true } {
  const host = /c_host CONSTANT VARCHAR2\(\d+\) := LOWER\('([^']+)'\);/i.exec(sql)?.[1]?.toLowerCase();
  const port = /c_port CONSTANT PLS_INTEGER\s+:= (\d+);/i.exec(sql)?.[1];
  if (host === undefined || port === undefined) return unreadable("the callback's host and port");
  const vars = { c_host: host, c_port: Number(port) };
  const aceThere = aceThereOf(sql, state);
  const loop =
    /FOR (\w+) IN \(SELECT host, port FROM ([\w.]+) WHERE (.+?)\) LOOP\s+IF (NOT )?ace_there\(\1\.host, \1\.port\) THEN\s+([\s\S]+?)\s+END IF;\s+END LOOP;\s+DELETE FROM ([\w.]+) WHERE (.+?);/i.exec(
      sql,
    );
  if (!loop) return unreadable('the loop over what dcn appended before');
  const [, record, list, which, not, removal, deleteFrom, deleteWhere] = loop as unknown as string[];
  if (!state.hasTable(tableName(list!)))
    throw Object.assign(new Error('ORA-00942: table or view does not exist'), { code: 'ORA-00942' });
  if (tableName(deleteFrom!) !== tableName(list!)) unreadable('which table the loop deletes from');
  for (const stale of listRows(state).filter((row) => whereHolds(which!, row, vars))) {
    const staleVars = {
      ...vars,
      [`${record!.toLowerCase()}.host`]: stale.host!,
      [`${record!.toLowerCase()}.port`]: stale.port!,
    };
    if (aceThere(stale.host!, stale.port!) !== Boolean(not)) remove(state, aceCall(removal!, 'REMOVE', staleVars));
  }
  for (const row of listRows(state))
    if (whereHolds(deleteWhere!, row, vars)) state.givenAces.delete(`${row.host}:${row.port}`);
  const listed =
    /SELECT COUNT\(\*\) INTO (l_\w+) FROM ([\w.]+)( WHERE .+?)?;\s+IF \1 (=|<>|>|>=) (\d+) AND (NOT )?ace_there\(c_host, c_port\) THEN\s+([\s\S]+?)\s+INSERT INTO ([\w.]+) \((\w+), (\w+)\) VALUES \((\w+), (\w+)\);\s+END IF;/i.exec(
      sql,
    );
  if (!listed) return unreadable("the append of the callback's ACE");
  const [, , countFrom, countWhere, op, n, not2, appendCall, into, col1, col2, val1, val2] =
    listed as unknown as string[];
  const count = listRows(state).filter(
    (row) => !countWhere || whereHolds(countWhere.replace(/^ WHERE /i, ''), row, vars),
  ).length;
  if (tableName(countFrom!) !== tableName(list!) || tableName(into!) !== tableName(list!))
    unreadable('which table the append counts and fills');
  if (compares(count, op!, Number(n)) && aceThere(host, Number(port)) !== Boolean(not2)) {
    append(state, aceCall(appendCall!, 'APPEND', vars));
    const row: Record<string, Value> = {
      [col1!.toLowerCase()]: operand(val1!, {}, vars),
      [col2!.toLowerCase()]: operand(val2!, {}, vars),
    };
    if (row.host === undefined || row.port === undefined) unreadable('the columns of the list row');
    state.givenAces.add(`${row.host}:${row.port}`);
  }
  return { ok: true };
}

/** U1's block: every ACE on the list goes; without the list (and without V1's), dcn 0.1's. */
function removeListed(sql: string, state: AclState): { ok: true } {
  const select = /EXECUTE IMMEDIATE 'SELECT host, port FROM ([\w.]+)' BULK COLLECT INTO l_hosts, l_ports;/i.exec(sql);
  if (!select) return unreadable("U1's read of the list");
  let entries: { host: Value; port: Value }[];
  if (state.hasTable(tableName(select[1]!))) entries = listRows(state) as { host: Value; port: Value }[];
  else {
    const handler = /WHEN OTHERS THEN\s+IF SQLCODE != -942 THEN RAISE; END IF;\s+([\s\S]+?)\s+END;\s+FOR i IN/i.exec(
      sql,
    );
    if (!handler) throw Object.assign(new Error('ORA-00942: table or view does not exist'), { code: 'ORA-00942' });
    const fallback =
      /IF (l_\w+) (=|<>|>|>=) (\d+) THEN\s+l_hosts := t_hosts\('([^']+)'\);\s+l_ports := t_ports\((\d+)\);\s+END IF;/i.exec(
        handler[1]!,
      );
    if (!fallback) return unreadable("U1's dcn 0.1 case");
    entries = compares(dbaTablesCount(handler[1]!, fallback[1]!, state), fallback[2]!, Number(fallback[3]))
      ? [{ host: fallback[4]!, port: Number(fallback[5]) }]
      : [];
  }
  const loop =
    /FOR i IN 1 \.\. l_hosts\.COUNT LOOP\s+SELECT COUNT\(\*\) INTO (l_\w+) FROM dba_host_aces\s+WHERE ([\s\S]+?);\s+IF \1 (>=|>|=|<>) (\d+) THEN\s+([\s\S]+?)\s+END IF;\s+END LOOP;/i.exec(
      sql,
    );
  if (!loop) return unreadable("U1's loop over the listed ACEs");
  const [, , where, op, n, removal] = loop as unknown as string[];
  for (const e of entries) {
    const vars = { 'l_hosts(i)': e.host, 'l_ports(i)': e.port };
    const there = aceRows(state).filter((row) => whereHolds(where!, row, vars)).length;
    if (compares(there, op!, Number(n))) remove(state, aceCall(removal!, 'REMOVE', vars));
  }
  return { ok: true };
}
