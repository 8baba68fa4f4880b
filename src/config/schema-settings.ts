/**
 * The settings of dcn's built-in migrations, validated and turned into the substitution variables
 * the scripts use. Each value reaches PL/SQL as text inside the scripts, so each is checked here,
 * before anything runs: identifiers are plain Oracle identifiers, the URL has no quote, space or
 * control character, the token and timeout are narrow.
 */
import { DcnError } from '../errors.js';
import { DEFAULTS, SCHEMA_DEFAULTS, SETTINGS, settingLabel } from './settings.js';
import { isReservedWord, isUnquotedName } from '../oracle/identifiers.js';
import { withoutPassword } from '../redact.js';

export interface SchemaSettingsInput {
  /** The app schema: owner of nfresults and the procedures, grantee of the grants. */
  readonly schema?: string;
  readonly user?: string;
  readonly ordersTable?: string;
  readonly orderItemsTable?: string;
  readonly callbackUrl?: string;
  readonly callbackToken?: string;
  readonly httpTimeout?: string;
  readonly demoSchema?: string;
  /** yes: an item never moves to another order, so an UPDATE of ORDER_ITEMS names its order. */
  readonly orderItemsKeyImmutable?: string;
  /** batch: one call per table per notification; per-key: the article's call per order. */
  readonly callbackCalls?: string;
}

/** The variables the built-in migrations use, and the setting each comes from (for messages). */
const SCHEMA_VARIABLES: Readonly<Record<string, string>> = {
  app_schema: `${settingLabel('schema')}; default: the app user, else ${SCHEMA_DEFAULTS.schema}`,
  orders_table: settingLabel('ordersTable'),
  order_items_table: settingLabel('orderItemsTable'),
  callback_url: settingLabel('callbackUrl'),
  callback_host: settingLabel('callbackUrl'),
  callback_port: settingLabel('callbackUrl'),
  callback_token: settingLabel('callbackToken'),
  http_timeout: settingLabel('httpTimeout'),
  demo_schema: settingLabel('demoSchema'),
  order_items_key_immutable: settingLabel('orderItemsKeyImmutable'),
  callback_calls: settingLabel('callbackCalls'),
};

function bad(setting: string, value: string, rule: string, example: string): DcnError {
  // a control character would print as a second line of the message
  return new DcnError(
    'config_invalid',
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    `${setting}: '${value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}' ${rule}`,
    { hint: `e.g. ${example}`, meta: { setting } },
  );
}

/** The orders and order items tables alone (dcn register: they keep the article's route). */
export function orderTables(input: { ordersTable?: string; orderItemsTable?: string }): string[] {
  const tables = [
    identifier('ordersTable', input.ordersTable ?? SCHEMA_DEFAULTS.ordersTable),
    identifier('orderItemsTable', input.orderItemsTable ?? SCHEMA_DEFAULTS.orderItemsTable),
  ];
  checkOrderTablesDiffer(tables[0]!, tables[1]!);
  return tables;
}

/**
 * One table as both would make the callback read each change as an order and as an order item;
 * one named like dcn's own objects would have dcn's callback and grants aimed at dcn's tables.
 */
function checkOrderTablesDiffer(orders: string, orderItems: string): void {
  for (const [setting, table, example] of [
    ['ordersTable', orders, 'ORDERS'],
    ['orderItemsTable', orderItems, 'ORDER_ITEMS'],
  ] as const) {
    if (!DCN_OBJECTS.includes(table)) continue;
    throw new DcnError(
      'config_invalid',
      `${setting} ${table} would be dcn's own ${table}: dcn creates it, and its changes are no application's`,
      {
        hint: `name the application's table, e.g. --${setting === 'ordersTable' ? 'orders-table' : 'order-items-table'} ${example}`,
        meta: { setting },
      },
    );
  }
  if (orders !== orderItems) return;
  throw new DcnError(
    'config_invalid',
    `ordersTable and orderItemsTable both name ${orders}: the callback would treat each change as an order's and as an order item's`,
    {
      hint: 'name two tables, e.g. --orders-table ORDERS --order-items-table ORDER_ITEMS',
      meta: { setting: 'orderItemsTable' },
    },
  );
}

/** What the built-in migrations create in the schema: no other setting may name one of them. */
const DCN_OBJECTS: readonly string[] = [
  'NFRESULTS',
  'RDESC_TAB',
  'SENDNOTIFICATION',
  'ORDERS_NF_CALLBACK',
  'DCN_ROUTES',
  'DCN_GIVEN_ACES',
  'DCN_HELD_BEFORE',
];

/**
 * The history table (and its _LOCK table) must be neither one of dcn's own objects nor one of
 * the orders tables: dcn migrate creates it only "if missing", and would then read and write
 * rows of a table that is not a history.
 */
export function checkHistoryTable(historyTable: string, variables: Readonly<Record<string, string>>): void {
  const taken = new Map<string, string>(DCN_OBJECTS.map((name) => [name, `dcn's own ${name}`]));
  if (variables.orders_table !== undefined)
    taken.set(variables.orders_table, `the orders table (ordersTable) ${variables.orders_table}`);
  if (variables.order_items_table !== undefined)
    taken.set(variables.order_items_table, `the order items table (orderItemsTable) ${variables.order_items_table}`);
  for (const name of [historyTable, `${historyTable}_LOCK`]) {
    const what = taken.get(name);
    if (what === undefined) continue;
    throw new DcnError(
      'config_invalid',
      `the history table ${historyTable}${name === historyTable ? '' : ` (with its lock table ${name})`} would be ${what}`,
      {
        hint: `leave the history table setting out (default ${DEFAULTS.historyTable}), or name a table of its own`,
        meta: { setting: 'historyTable' },
      },
    );
  }
}

/** The orderItemsKeyImmutable setting alone (dcn watch decides as the callback does). */
export function orderItemsKeyImmutable(value: string | undefined): boolean {
  return yesNo('orderItemsKeyImmutable', value);
}

function identifier(setting: string, value: string): string {
  if (!isUnquotedName(value)) {
    throw bad(
      setting,
      value,
      'is not a plain Oracle identifier (a letter, then letters, digits, _, $ or #; no quotes)',
      'OE or ORDER_ITEMS',
    );
  }
  // the same rule as dcn register's table names: unquoted, a reserved word is a syntax error
  if (isReservedWord(value))
    throw bad(setting, value, 'is a word Oracle reserves, which cannot name an object unquoted', 'OE or ORDER_ITEMS');
  return value.toUpperCase();
}

/**
 * How the callback calls the listener: batch (one POST per table per notification, which dcn
 * listen accepts) or per-key (the article's GET ?order_no=…&table=… per order, what its
 * dropResults.php reads). The callback compares it with 'batch': anything else must be refused
 * here, not read as per-key in silence.
 */
function callbackCalls(setting: string, value: string): string {
  const v = value.trim().toLowerCase();
  if (!(SETTINGS.callbackCalls.values as readonly string[]).includes(v))
    throw bad(
      setting,
      value,
      'is neither batch nor per-key',
      "batch (dcn listen), or per-key (the article's dropResults.php)",
    );
  return v;
}

/** yes/no settings: a value that is neither is an error, never a silent no. */
function yesNo(setting: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (/^(1|true|yes|on)$/i.test(value.trim())) return true;
  if (/^(0|false|no|off)$/i.test(value.trim())) return false;
  throw bad(setting, value, 'is not yes or no', 'yes, no, true, false, 1, 0, on or off');
}

/** http(s) URL of the listener, host and port split out for the network ACL. */
function parseCallbackUrl(setting: string, given: string): { url: string; host: string; port: string } {
  // checked as given, shown without its password: a refused URL must not print it
  const value = withoutPassword(given);
  const EXAMPLE = 'http://10.0.0.5:8080/phpcache/dropResults.php';
  const refuse = (rule: string) => bad(setting, value, rule, EXAMPLE);
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (given.length > 2000 || /[\s'"`\\<>{}|^]/.test(given) || /[\u0000-\u001f\u007f]/.test(given)) {
    throw refuse('must be an http(s) URL without quotes, spaces or control characters');
  }
  let parsed: URL;
  try {
    parsed = new URL(given);
  } catch {
    throw refuse('is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw refuse('must use http or https');
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.hash !== '') {
    throw refuse('must not hold a user, password or #fragment');
  }
  // "http:///p" parses as the host "p": an empty host is refused, not guessed
  if (!/^https?:\/\/[^/?#]/i.test(given) || parsed.hostname === '') {
    throw refuse('has no host');
  }
  if (parsed.port === '0') throw refuse('names port 0, where nothing can listen');
  // The URL as WHATWG normalises it (percent-encoded host decoded, an IDN in punycode, the
  // default port left out): the ACE is made for this host, so the procedures call this URL.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port !== '' ? parsed.port : parsed.protocol === 'https:' ? '443' : '80';
  return { url: parsed.href, host, port };
}

/** Validated substitution variables for the built-in migrations. */
export function schemaVariables(input: SchemaSettingsInput): Record<string, string> {
  const schema =
    input.schema ?? (input.user !== undefined && isUnquotedName(input.user) ? input.user : SCHEMA_DEFAULTS.schema);
  const callback = parseCallbackUrl('callbackUrl', input.callbackUrl ?? SCHEMA_DEFAULTS.callbackUrl);
  const token = input.callbackToken ?? '';
  checkCallbackToken(token);
  const timeout = input.httpTimeout ?? SCHEMA_DEFAULTS.httpTimeout;
  const [min, max] = SETTINGS.httpTimeout.range;
  if (!/^\d+$/.test(timeout) || Number(timeout) < min || Number(timeout) > max) {
    throw bad('httpTimeout', timeout, `must be a whole number of seconds from ${min} to ${max}`, '5');
  }
  return {
    app_schema: identifier('schema', schema),
    orders_table: identifier('ordersTable', input.ordersTable ?? SCHEMA_DEFAULTS.ordersTable),
    order_items_table: identifier('orderItemsTable', input.orderItemsTable ?? SCHEMA_DEFAULTS.orderItemsTable),
    callback_url: callback.url,
    callback_host: callback.host,
    callback_port: callback.port,
    callback_token: token,
    http_timeout: String(Number(timeout)),
    demo_schema: yesNo('demoSchema', input.demoSchema) ? 'yes' : 'no',
    order_items_key_immutable: yesNo('orderItemsKeyImmutable', input.orderItemsKeyImmutable) ? 'yes' : 'no',
    callback_calls: callbackCalls('callbackCalls', input.callbackCalls ?? SCHEMA_DEFAULTS.callbackCalls),
  };
}

/**
 * Checks the built-in variables again after --define and "variables" are laid over them, so no
 * route lets an unchecked value into the scripts, and upper-cases the unquoted names, as Oracle
 * stores them: app_schema=dcn_scratch must name the user DCN_SCRATCH in the ACE and the callback.
 */
export function checkSchemaVariables(
  variables: Record<string, string>,
  overridden: ReadonlySet<string> = new Set(),
): void {
  const v = variables;
  for (const name of ['app_schema', 'orders_table', 'order_items_table']) {
    if (v[name] !== undefined) v[name] = identifier(`${name} (${SCHEMA_VARIABLES[name]})`, v[name]!);
  }
  if (v.callback_url !== undefined) {
    const callback = parseCallbackUrl(`callback_url (${SCHEMA_VARIABLES.callback_url})`, v.callback_url);
    // a URL given as a variable brings its own host and port, or the ACE would be for the
    // default URL's host while the procedures call this one (ORA-24247); a host or port given
    // as a variable too (a wildcard ACE, say) is left as given
    v.callback_url = callback.url;
    if (overridden.has('callback_url')) {
      if (!overridden.has('callback_host')) v.callback_host = callback.host;
      if (!overridden.has('callback_port')) v.callback_port = callback.port;
    }
  }
  if (v.callback_host !== undefined && !/^[A-Za-z0-9.:*-]{1,255}$/.test(v.callback_host)) {
    throw bad('callback_host', v.callback_host, 'is not a host name or address', '10.0.0.5');
  }
  // the callback compares it with 'yes': anything else given by name must not mean no in silence
  if (v.order_items_key_immutable !== undefined)
    v.order_items_key_immutable = yesNo(
      `order_items_key_immutable (${SCHEMA_VARIABLES.order_items_key_immutable})`,
      v.order_items_key_immutable,
    )
      ? 'yes'
      : 'no';
  if (v.callback_calls !== undefined)
    v.callback_calls = callbackCalls(`callback_calls (${SCHEMA_VARIABLES.callback_calls})`, v.callback_calls);
  for (const name of ['callback_port', 'http_timeout']) {
    if (v[name] !== undefined && !/^\d{1,5}$/.test(v[name]!))
      throw bad(name, v[name]!, 'must be a whole number', '8080');
  }
  if (v.callback_token !== undefined) checkCallbackToken(v.callback_token, 'callback_token');
  if (v.orders_table !== undefined && v.order_items_table !== undefined)
    checkOrderTablesDiffer(v.orders_table, v.order_items_table);
}

/** The token the callback sends in X-Dcn-Token: it goes into a header and a PL/SQL literal. Never printed. */
export function checkCallbackToken(token: string, setting = 'callbackToken'): void {
  if (!/^[A-Za-z0-9._~-]{0,128}$/.test(token)) {
    throw new DcnError('config_invalid', `${setting}: must be at most 128 letters, digits, or . _ ~ -`, {
      hint: 'generate one with: openssl rand -hex 32',
      meta: { setting },
    });
  }
}

/**
 * dcn creates its objects in the schema of the user it connects as, while the grants, the
 * network ACE and the callback's table names follow the schema setting: the two must be one user.
 */
export function checkSchemaIsUser(variables: Readonly<Record<string, string>>, user: string | undefined): void {
  const schema = variables.app_schema;
  if (user === undefined || schema === undefined || !isUnquotedName(user) || user.toUpperCase() === schema) return;
  throw new DcnError(
    'config_invalid',
    `schema ${schema} is not the connecting user ${user.toUpperCase()}: the objects would be created in ${user.toUpperCase()}'s schema while the grants, the network ACE and the callback name ${schema}`,
    {
      hint: `connect as ${schema} (DCN_USER), or leave the schema setting out: it defaults to the connecting user`,
      meta: { setting: 'schema' },
    },
  );
}
