import { describe, expect, it } from 'vitest';
import { resolveMigrationSetConfig, type ConfigFlags } from '../../src/config/resolve-config.js';
import { orderTables } from '../../src/config/schema-settings.js';
import { DcnError } from '../../src/errors.js';

const FILE = JSON.stringify({
  connect: 'file-host:1521/FILEPDB',
  user: 'FILE_USER',
  connectTimeout: 30,
  lockTimeout: 5,
  historyTable: 'file_history',
  migrations: 'db/migrations',
  variables: { app_user: 'FROM_FILE' },
});

/** `file` null: there is no config file. */
function resolveWith(flags: ConfigFlags, env: Record<string, string>, file: string | null = FILE) {
  return resolveMigrationSetConfig({
    flags,
    env,
    cwd: '/work/app',
    readFile: (p) => {
      if (file === null || !p.endsWith('.json')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return file;
    },
  });
}

describe('resolveMigrationSetConfig precedence: flag > environment > config file > default', () => {
  it.each([
    // setting, flags, env, expected value, expected source
    ['connect', { connect: 'flag-host/PDB' }, { DCN_CONNECT: 'env-host/PDB' }, 'flag-host/PDB', 'flag'],
    ['connect', {}, { DCN_CONNECT: 'env-host/PDB' }, 'env-host/PDB', 'env'],
    ['connect', {}, {}, 'file-host:1521/FILEPDB', 'file'],
    ['connect', {}, { DCN_CONNECT: '' }, 'file-host:1521/FILEPDB', 'file'],
    ['user', { user: 'OE' }, { DCN_USER: 'HR' }, 'OE', 'flag'],
    ['user', {}, { DCN_USER: 'HR' }, 'HR', 'env'],
    ['user', {}, {}, 'FILE_USER', 'file'],
    ['adminUser', {}, { DCN_ADMIN_USER: 'SYSTEM' }, 'SYSTEM', 'env'],
    ['adminUser', {}, {}, undefined, 'default'],
    ['adminPrivilege', { adminPrivilege: 'sysdba' }, { DCN_ADMIN_PRIVILEGE: 'sysoper' }, 'sysdba', 'flag'],
    ['adminPrivilege', {}, { DCN_ADMIN_PRIVILEGE: 'SYSDBA' }, 'sysdba', 'env'],
    ['adminPrivilege', {}, { DCN_ADMIN_PRIVILEGE: 'none' }, undefined, 'env'],
    ['connectTimeoutSeconds', { connectTimeout: '3' }, { DCN_CONNECT_TIMEOUT: '4' }, 3, 'flag'],
    ['connectTimeoutSeconds', {}, { DCN_CONNECT_TIMEOUT: '4' }, 4, 'env'],
    ['connectTimeoutSeconds', {}, {}, 30, 'file'],
    ['lockTimeoutSeconds', { lockTimeout: '0' }, {}, 0, 'flag'],
    ['lockTimeoutSeconds', {}, { DCN_LOCK_TIMEOUT: '60' }, 60, 'env'],
    ['historyTable', {}, {}, 'FILE_HISTORY', 'file'],
    ['historyTable', { historyTable: 'my_hist' }, {}, 'MY_HIST', 'flag'],
    ['migrationsDir', {}, {}, '/work/app/db/migrations', 'file'],
    ['migrationsDir', {}, { DCN_MIGRATIONS: 'other' }, '/work/app/other', 'env'],
    ['tnsAdmin', {}, { TNS_ADMIN: '/etc/oracle' }, '/etc/oracle', 'env'],
  ])('%s from %j and %j is %j (%s)', (setting, flags, env, expected, source) => {
    const config = resolveWith(flags as ConfigFlags, env as Record<string, string>);
    expect((config as unknown as Record<string, unknown>)[setting]).toEqual(expected);
    const key =
      (
        {
          connectTimeoutSeconds: 'connectTimeout',
          lockTimeoutSeconds: 'lockTimeout',
          migrationsDir: 'migrations',
        } as Record<string, string>
      )[setting] ?? setting;
    expect(config.sources[key]).toBe(source);
  });

  it('uses the defaults with no flag, environment or file', () => {
    const config = resolveWith({}, {}, null);
    expect(config).toMatchObject({
      connectTimeoutSeconds: 10,
      lockTimeoutSeconds: 30,
      historyTable: 'DCN_SCHEMA_HISTORY',
      migrationsDir: undefined,
      variables: {},
    });
    expect(config.configFile).toBeUndefined();
  });

  it('puts --define over the config file variables', () => {
    expect(resolveWith({ define: ['app_user=OE', 'URL=http://h/x?a=1&b=2'] }, {}).variables).toMatchObject({
      app_user: 'OE',
      url: 'http://h/x?a=1&b=2',
    });
    expect(resolveWith({}, {}).variables).toMatchObject({ app_user: 'FROM_FILE' });
  });

  it('reads the file named by --config or DCN_CONFIG, relative to the working directory', () => {
    const seen: string[] = [];
    resolveMigrationSetConfig({
      flags: { config: 'conf/dcn.json' },
      env: {},
      cwd: '/w',
      readFile: (p) => (seen.push(p), '{}'),
    });
    resolveMigrationSetConfig({
      flags: {},
      env: { DCN_CONFIG: '/abs/x.json' },
      cwd: '/w',
      readFile: (p) => (seen.push(p), '{}'),
    });
    expect(seen).toEqual(['/w/conf/dcn.json', '/abs/x.json']);
  });
});

describe('resolveMigrationSetConfig rejects bad values, naming the setting', () => {
  const error = (f: () => unknown): DcnError => {
    try {
      f();
    } catch (err) {
      return err as DcnError;
    }
    throw new Error('expected an error');
  };
  it.each([
    [{ connectTimeout: '0' }, {}, FILE, /connect timeout must be a whole number of seconds from 1 to 600/],
    [{}, { DCN_CONNECT_TIMEOUT: '10s' }, FILE, /connect timeout .* not '10s'/],
    [{ lockTimeout: '-1' }, {}, FILE, /lock timeout/],
    [{ adminPrivilege: 'root' }, {}, FILE, /admin privilege 'root' is not one of/],
    [{ historyTable: 'dcn-history' }, {}, FILE, /history table 'dcn-history' is not a plain Oracle identifier/],
    [{ historyTable: 'x"; DROP TABLE t; --' }, {}, FILE, /not a plain Oracle identifier/],
    [{ define: ['novalue'] }, {}, FILE, /--define novalue: expected name=value/],
    [{}, {}, '{"connect": "h/p", "password": "secret"}', /does not read passwords from files/],
    [{}, {}, '{"conect": "h/p"}', /unknown setting "conect"/],
    [{}, {}, '{not json', /is not valid JSON/],
    [{}, {}, '[1]', /must hold a JSON object/],
    [{}, {}, '{"variables": {"a-b": "x"}}', /variable name "a-b" is not valid/],
    [{}, {}, '{"variables": {"a": "x\\ny"}}', /cannot span lines/],
    [{ config: 'missing.json' }, {}, null, /cannot read the config file \/work\/app\/missing\.json/],
  ])('%j %j %j', (flags, env, file, message) => {
    const err = error(() => resolveWith(flags as ConfigFlags, env as Record<string, string>, file as string | null));
    expect(err).toBeInstanceOf(DcnError);
    expect(['config_invalid', 'usage']).toContain(err.code);
    expect(err.message).toMatch(message);
    expect(err.hint).toBeTruthy();
  });
});

describe('settings of the built-in migrations', () => {
  it('default to the article: OE (or the app user), ORDERS, ORDER_ITEMS, the dropResults.php URL', () => {
    expect(resolveWith({}, {}, null).variables).toEqual({
      app_schema: 'OE',
      orders_table: 'ORDERS',
      order_items_table: 'ORDER_ITEMS',
      callback_url: 'http://localhost:8080/phpcache/dropResults.php',
      callback_host: 'localhost',
      callback_port: '8080',
      callback_token: '',
      http_timeout: '5',
      demo_schema: 'no',
      order_items_key_immutable: 'no',
      callback_calls: 'batch',
    });
    expect(resolveWith({ user: 'scott' }, {}, null).variables.app_schema).toBe('SCOTT');
  });

  it('take flag > environment > file, and derive the ACL host and port from the URL', () => {
    const file = JSON.stringify({ schema: 'hr', callbackUrl: 'http://file-host/x', demoSchema: true, httpTimeout: 9 });
    const v = resolveWith(
      { callbackUrl: 'https://[::1]/cb?tenant=a&x=1' },
      { DCN_SCHEMA: 'sales', DCN_CALLBACK_TOKEN: 'abc.DEF_123~-' },
      file,
    ).variables;
    expect(v).toMatchObject({
      app_schema: 'SALES',
      callback_url: 'https://[::1]/cb?tenant=a&x=1',
      callback_host: '::1',
      callback_port: '443',
      callback_token: 'abc.DEF_123~-',
      http_timeout: '9',
      demo_schema: 'yes',
    });
    expect(resolveWith({ demoSchema: 'yes' }, {}, null).variables.demo_schema).toBe('yes');
  });

  it('upper-case unquoted names from every source, --define and the file\'s "variables" too (Oracle stores them so)', () => {
    expect(
      resolveWith({ define: ['app_schema=dcn_scratch', 'orders_table=orders'] }, {}, null).variables,
    ).toMatchObject({ app_schema: 'DCN_SCRATCH', orders_table: 'ORDERS' });
    expect(
      resolveWith({}, {}, JSON.stringify({ variables: { order_items_table: 'line_items' } })).variables
        .order_items_table,
    ).toBe('LINE_ITEMS');
  });

  const rejects = (flags: ConfigFlags, env: Record<string, string>, message: RegExp) => {
    let err: DcnError | undefined;
    try {
      resolveWith(flags, env, null);
    } catch (e) {
      err = e as DcnError;
    }
    expect(err?.code).toBe('config_invalid');
    expect(err?.message).toMatch(message);
  };

  it.each([
    [{ schema: 'oe; drop user sys' }, {}, /^schema: 'oe; drop user sys' is not a plain Oracle identifier/],
    [{ schema: '"OE"' }, {}, /^schema: .*not a plain Oracle identifier/],
    [{ ordersTable: '1ORDERS' }, {}, /^ordersTable: /],
    [{ orderItemsTable: 'ORDER-ITEMS' }, {}, /^orderItemsTable: /],
    [{ callbackUrl: "http://h/x'||evil||'" }, {}, /^callbackUrl: .*without quotes, spaces/],
    [{ callbackUrl: 'http://h/a b' }, {}, /without quotes, spaces/],
    [{ callbackUrl: 'ftp://h/x' }, {}, /must use http or https/],
    [{ callbackUrl: 'http://user:pw@h/x' }, {}, /must not hold a user, password/],
    [{ callbackUrl: 'not a url' }, {}, /without quotes, spaces/],
    [{ callbackUrl: 'nourl' }, {}, /is not a URL/],
    [{}, { DCN_CALLBACK_TOKEN: "x' OR 1=1" }, /^callbackToken: must be at most 128/],
    [{ httpTimeout: '0' }, {}, /^httpTimeout: '0' must be a whole number of seconds from 1 to 300/],
    [{ httpTimeout: '5s' }, {}, /^httpTimeout: /],
    [{ define: ['callback_url=http://h/x y'] }, {}, /callback_url \(callbackUrl/],
    [{ define: ['app_schema=a.b'] }, {}, /app_schema \(schema/],
  ])('rejects %j %j', (flags, env, message) => rejects(flags as ConfigFlags, env as Record<string, string>, message));
});

describe('inputs that used to slip through', () => {
  const refused = (flags: ConfigFlags, env: Record<string, string>, file: string | null = null) => {
    try {
      resolveWith(flags, env, file);
    } catch (e) {
      return e as DcnError;
    }
    throw new Error('expected a refusal');
  };

  it('refuses a password in the user or connect setting, and never prints it', () => {
    for (const [flags, env, where] of [
      [{}, { DCN_USER: 'OE/s3cret' }, 'DCN_USER'],
      [{ user: 'OE/s3cret' }, {}, '--user'],
      [{}, { DCN_ADMIN_USER: 'system/s3cret' }, 'DCN_ADMIN_USER'],
      [{}, { DCN_CONNECT: 'scott/s3cret@db:1521/svc' }, 'DCN_CONNECT'],
    ] as const) {
      const e = refused(flags, env);
      expect(e.code).toBe('config_invalid');
      expect(e.message).toContain(where);
      expect(JSON.stringify({ message: e.message, hint: e.hint, meta: e.meta })).not.toContain('s3cret');
    }
    // a full descriptor may hold an @ elsewhere; host:port/service has none
    expect(resolveWith({}, { DCN_CONNECT: 'db:1521/svc' }, null).connect).toBe('db:1521/svc');
  });

  it('reads a config file that starts with a UTF-8 byte-order mark', () => {
    expect(resolveWith({}, {}, `\uFEFF${FILE}`).connect).toBe('file-host:1521/FILEPDB');
  });

  it('refuses a demo-schema value that is neither yes nor no, from the environment and the file', () => {
    expect(refused({}, { DCN_DEMO_SCHEMA: 'banana' }).message).toMatch(/demoSchema: 'banana' is not yes or no/);
    expect(refused({}, {}, JSON.stringify({ demoSchema: 'banana' })).code).toBe('config_invalid');
    for (const [value, expected] of [
      ['yes', 'yes'],
      ['ON', 'yes'],
      ['0', 'no'],
      ['false', 'no'],
    ]) {
      expect(resolveWith({}, { DCN_DEMO_SCHEMA: value! }, null).variables.demo_schema, value).toBe(expected);
    }
  });

  it('refuses a reserved word as a table or schema name, as dcn register does', () => {
    expect(refused({ ordersTable: 'SELECT' } as ConfigFlags, {}).message).toMatch(
      /ordersTable: 'SELECT' is a word Oracle reserves/,
    );
    expect(refused({}, { DCN_SCHEMA: 'table' }).code).toBe('config_invalid');
  });

  it('normalises the callback URL once, so the ACE and the URL name one host; refuses no host and port 0', () => {
    const url = (u: string) => resolveWith({ callbackUrl: u } as ConfigFlags, {}, null).variables;
    expect(url('http://ex%41mple.com/p')).toMatchObject({
      callback_url: 'http://example.com/p',
      callback_host: 'example.com',
      callback_port: '80',
    });
    expect(url('http://münchen.de:8080/p')).toMatchObject({
      callback_url: 'http://xn--mnchen-3ya.de:8080/p',
      callback_host: 'xn--mnchen-3ya.de',
    });
    expect(url('HTTP://App:80/p')).toMatchObject({
      callback_url: 'http://app/p',
      callback_host: 'app',
      callback_port: '80',
    });
    expect(refused({ callbackUrl: 'http:///p' } as ConfigFlags, {}).message).toMatch(/has no host/);
    expect(refused({ callbackUrl: 'http://h:0/p' } as ConfigFlags, {}).message).toMatch(/port 0/);
  });
});

describe('a callback URL given as a variable', () => {
  it('brings its own host and port to the ACE, unless they are given as variables too', () => {
    const vars = (define: string[], file: string | null = null) =>
      resolveWith({ define } as ConfigFlags, {}, file).variables;
    expect(vars(['callback_url=http://Other.example:9999/cb'])).toMatchObject({
      callback_url: 'http://other.example:9999/cb',
      callback_host: 'other.example',
      callback_port: '9999',
    });
    expect(vars([], JSON.stringify({ variables: { callback_url: 'https://app.example/cb' } }))).toMatchObject({
      callback_host: 'app.example',
      callback_port: '443',
    });
    expect(vars(['callback_url=http://a.example.com/cb', 'callback_host=*.example.com'])).toMatchObject({
      callback_host: '*.example.com',
      callback_port: '80',
    });
  });
});

describe('settings that cannot work together', () => {
  const refusal = (flags: ConfigFlags, env: Record<string, string> = {}): DcnError => {
    try {
      resolveWith(flags, env, null);
    } catch (err) {
      return err as DcnError;
    }
    throw new Error('expected an error');
  };

  it('refuses one table as both the orders and the order items table, however it is given', () => {
    for (const [flags, env] of [
      [{ ordersTable: 'items', orderItemsTable: 'ITEMS' }, {}],
      [{ orderItemsTable: 'orders' }, {}],
      [{ define: ['order_items_table=ORDERS'] }, {}],
      [{}, { DCN_ORDERS_TABLE: 'ORDER_ITEMS' }],
    ] as const) {
      const error = refusal(flags, env);
      expect(error.code).toBe('config_invalid');
      expect(error.message).toMatch(
        /^ordersTable and orderItemsTable both name (ITEMS|ORDERS|ORDER_ITEMS): the callback would treat each change as an order's and as an order item's$/,
      );
    }
  });

  it("refuses an orders or order items table named like dcn's own objects, however it is given", () => {
    const cases = [
      [{ ordersTable: 'nfresults' }, 'ordersTable NFRESULTS'],
      [{ orderItemsTable: 'NFRESULTS' }, 'orderItemsTable NFRESULTS'],
      [{ orderItemsTable: 'dcn_routes' }, 'orderItemsTable DCN_ROUTES'],
      [{ ordersTable: 'RDESC_TAB' }, 'ordersTable RDESC_TAB'],
      [{ ordersTable: 'SENDNOTIFICATION' }, 'ordersTable SENDNOTIFICATION'],
      [{ ordersTable: 'ORDERS_NF_CALLBACK' }, 'ordersTable ORDERS_NF_CALLBACK'],
      [{ define: ['orders_table=nfresults'] }, 'ordersTable NFRESULTS'],
    ] as const;
    for (const [flags, what] of cases) {
      const error = refusal(flags as ConfigFlags);
      expect(error.code).toBe('config_invalid');
      expect(error.message).toBe(
        `${what} would be dcn's own ${what.split(' ')[1]}: dcn creates it, and its changes are no application's`,
      );
    }
    expect(refusal({ orderItemsTable: 'NFRESULTS' }).hint).toBe(
      "name the application's table, e.g. --order-items-table ORDER_ITEMS",
    );
    // register and watch read the two tables alone
    expect(() => orderTables({ ordersTable: 'DCN_ROUTES' })).toThrow(
      "ordersTable DCN_ROUTES would be dcn's own DCN_ROUTES",
    );
    // the history table and its lock table are dcn's too
    expect(refusal({ ordersTable: 'DCN_SCHEMA_HISTORY' }).message).toMatch(
      /the history table DCN_SCHEMA_HISTORY would be the orders table/,
    );
    expect(refusal({ orderItemsTable: 'DCN_SCHEMA_HISTORY_LOCK' }).message).toMatch(
      /with its lock table DCN_SCHEMA_HISTORY_LOCK\) would be the order items table/,
    );
  });

  it("refuses a history table named like dcn's own objects, an orders table, or whose lock table would be one", () => {
    expect(refusal({ historyTable: 'nfresults' }).message).toBe(
      "the history table NFRESULTS would be dcn's own NFRESULTS",
    );
    expect(refusal({ historyTable: 'DCN_ROUTES' }).message).toBe(
      "the history table DCN_ROUTES would be dcn's own DCN_ROUTES",
    );
    expect(refusal({ historyTable: 'ORDERS' }).message).toBe(
      'the history table ORDERS would be the orders table (ordersTable) ORDERS',
    );
    expect(refusal({ historyTable: 'ORDER_ITEMS' }).message).toMatch(/would be the order items table/);
    expect(refusal({ historyTable: 'T', ordersTable: 'T_LOCK' }).message).toBe(
      'the history table T (with its lock table T_LOCK) would be the orders table (ordersTable) T_LOCK',
    );
    expect(refusal({ historyTable: 'NFRESULTS' }).hint).toMatch(
      /leave the history table setting out \(default DCN_SCHEMA_HISTORY\)/,
    );
    expect(resolveWith({ historyTable: 'app_history' }, {}, null).historyTable).toBe('APP_HISTORY');
  });

  it('refuses a connect string that names no database (no host, no alias)', () => {
    for (const connect of ['/', '//', ':1521/FREEPDB1', '/FREEPDB1', 'tcp://:1521/X']) {
      const error = refusal({ connect });
      expect(error.code, connect).toBe('config_invalid');
      expect(error.message, connect).toBe(
        'the connect setting (--connect) names no database: it has no host and no alias',
      );
      expect(error.hint).toMatch(
        /name the database: host:port\/service \(e\.g\. db\.example\.com:1521\/FREEPDB1\), a tnsnames\.ora alias/,
      );
    }
    for (const connect of [
      'db',
      'db:1521/FREEPDB1',
      '//db/FREEPDB1',
      'tcps://db:2484/X',
      '[::1]:1521/X',
      '10.0.0.5/X',
      'my_alias',
    ]) {
      expect(resolveWith({ connect }, {}, null).connect, connect).toBe(connect);
    }
  });

  it("keeps a connect descriptor over several lines for the driver, and reads 'SYS as sysdba'", () => {
    const descriptor =
      '(DESCRIPTION=\n  (ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))\n  (CONNECT_DATA=(SERVICE_NAME=X)))';
    expect(resolveWith({ connect: descriptor }, {}, null).connect).toBe(descriptor);
    expect(refusal({ connect: '(DESCRIPTION=\u0000)' }).message).toMatch(
      /connect setting \(--connect\) holds a control character/,
    );
    expect(resolveWith({ adminUser: 'SYS as SYSDBA' }, {}, null)).toMatchObject({
      adminUser: 'SYS',
      adminPrivilege: 'sysdba',
    });
    expect(resolveWith({ adminUser: 'c##dba' }, { DCN_ADMIN_PRIVILEGE: 'sysdg' }, null)).toMatchObject({
      adminUser: 'c##dba',
      adminPrivilege: 'sysdg',
    });
    expect(refusal({ adminUser: 'SYS as superuser' }).message).toMatch(
      /adminUser setting \(--admin-user\) holds a blank/,
    );
    expect(refusal({ user: 'OE\tx' }).message).toMatch(
      /user setting \(--user\) holds a blank or a control character: it names one database user/,
    );
  });
});
