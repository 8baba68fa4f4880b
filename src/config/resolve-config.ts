/**
 * Resolves dcn's settings in one place: command-line flag > environment (DCN_*) > the config
 * file's named environment (--env NAME or DCN_ENV) > the config file's top level (dcn.config.json,
 * or --config PATH) > default. Passwords are not settings: they come only from
 * the environment, --password-stdin or a prompt (see cli/secrets.ts), never from a file or a flag.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DcnError } from '../errors.js';
import type { AdminPrivilege } from '../db/driver.js';
import { isUnquotedName } from '../oracle/identifiers.js';
import { parseBusUrl } from '../cache/bus.js';
import {
  ADMIN_PRIVILEGES,
  DEFAULTS,
  ENVIRONMENT_ENV_NAME,
  SETTINGS,
  longFlag,
  settingRecord,
  settingRecords,
  type SettingName,
} from './settings.js';
import {
  checkCallbackToken,
  checkHistoryTable,
  checkSchemaVariables,
  orderItemsKeyImmutable,
  orderTables,
  schemaVariables,
} from './schema-settings.js';

/** environment: the config file's named environment; file: its top level. */
export type Source = 'flag' | 'env' | 'environment' | 'file' | 'default';

/**
 * Flags as the CLI parsed them, by setting name; undefined means "not given". A yes/no flag
 * (--with-demo-schema) is 'yes' when given.
 */
export type ConfigFlags = { readonly [K in Exclude<SettingName, 'define'>]?: string } & {
  /** --define name=value, repeatable. */
  readonly define?: readonly string[];
};

/** What every command that connects uses: where to, as whom, how long to wait. */
export interface ConnectionConfig {
  readonly connect?: string;
  readonly user?: string;
  readonly adminUser?: string;
  readonly adminPrivilege?: AdminPrivilege;
  readonly connectTimeoutSeconds: number;
  readonly tnsAdmin?: string;
  readonly configFile?: string;
  /** The config file's environment in use (--env, DCN_ENV). */
  readonly environment?: string;
  /** Where each setting read came from, for `--verbose` and tests. */
  readonly sources: Readonly<Record<string, Source>>;
}

/** What the migrate commands, plan and doctor use besides the connection. */
export interface MigrationSetConfig extends ConnectionConfig {
  /** Absolute path; undefined means the migrations built into dcn. */
  readonly migrationsDir?: string;
  readonly historyTable: string;
  readonly lockTimeoutSeconds: number;
  /**
   * Substitution variables: those of the built-in migrations (from their settings), then the
   * config file's "variables", then --define on top; checked again after merging.
   */
  readonly variables: Readonly<Record<string, string>>;
}

/** The config file's keys, from the settings' records. */
const FILE_KEYS = new Set(settingRecords().flatMap(([name, r]) => (r.fileKey === false ? [] : [r.fileKey ?? name])));

export interface ResolveInput {
  readonly flags: ConfigFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly readFile?: (path: string) => string;
}

type Setting = Exclude<SettingName, 'define' | 'config' | 'env'>;

/** Where a setting came from, for a message that must not show its value. */
function sourceName(key: Setting, source: Source | undefined): string {
  if (source === 'flag') return longFlag(key) ?? key;
  if (source === 'env') return settingRecord(key).env ?? key;
  if (source === 'environment') return `"${key}" in the config file's environment`;
  return `"${key}" in the config file`;
}

function invalid(message: string, hint: string): DcnError {
  return new DcnError('config_invalid', message, { hint });
}

function readConfigFile(
  path: string,
  explicit: boolean,
  readFile: (p: string) => string,
): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalid(`cannot read the config file ${path}`, 'check the path given to --config (or DCN_CONFIG)');
  }
  let parsed: unknown;
  try {
    // an editor's UTF-8 byte-order mark is not part of the JSON
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw invalid(`${path} is not valid JSON: ${(err as Error).message}`, 'fix the file, or remove it');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid(`${path} must hold a JSON object`, 'e.g. {"connect": "localhost:1521/FREEPDB1", "user": "OE"}');
  }
  checkKeys(parsed, path);
  const environments = (parsed as Record<string, unknown>).environments;
  if (environments !== undefined) {
    const valid = (v: unknown): v is Record<string, unknown> =>
      v !== null && typeof v === 'object' && !Array.isArray(v);
    if (!valid(environments) || !Object.values(environments).every(valid)) {
      throw invalid(
        `${path}: "environments" must be an object of name: {settings}`,
        'e.g. "environments": {"ci": {"connect": "ci-db:1521/CIPDB"}}',
      );
    }
    // every environment is checked, not only the one in use: a typo in "prod" shows in CI
    for (const [name, settings] of Object.entries(environments))
      checkKeys(settings as object, `${path}: environment "${name}"`, true);
  }
  return parsed as Record<string, unknown>;
}

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A value as a message may show it: a control character would print as a line of its own. */
function printable(value: string): string {
  return value.replace(new RegExp(CONTROL.source, 'g'), '?');
}

function checkKeys(settings: object, where: string, inEnvironment = false): void {
  for (const key of Object.keys(settings)) {
    if (/password/i.test(key)) {
      throw invalid(
        `${where}: "${key}" — dcn does not read passwords from files`,
        'remove it and set DCN_PASSWORD / DCN_ADMIN_PASSWORD, or use --password-stdin',
      );
    }
    if (!FILE_KEYS.has(key) || (inEnvironment && key === 'environments')) {
      throw invalid(
        `${where}: unknown setting "${key}"`,
        `known settings: ${[...FILE_KEYS].filter((k) => !inEnvironment || k !== 'environments').join(', ')}`,
      );
    }
  }
}

function wholeSeconds(name: string, value: string, [min, max]: readonly [number, number]): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw invalid(
      `${name} must be a whole number of seconds from ${min} to ${max}, not '${printable(value)}'`,
      `e.g. ${name}=${Math.max(min, 10)}`,
    );
  }
  return Number(value);
}

/** A plain (unquoted) Oracle identifier, returned in upper case. */
export function simpleIdentifier(setting: string, value: string): string {
  // 123: the lock table's name, the history table's with _LOCK appended, stays within 128
  if (isUnquotedName(value, 128) && value.length > 123) {
    throw invalid(
      `${setting} '${value}' is ${value.length} characters: at most 123, since the lock table's name appends _LOCK to it`,
      'choose a shorter name',
    );
  }
  if (!isUnquotedName(value, 123)) {
    throw invalid(
      `${setting} '${printable(value)}' is not a plain Oracle identifier`,
      'use a letter then letters, digits, _, $ or # (at most 123 characters)',
    );
  }
  return value.toUpperCase();
}

function parseDefine(entry: string): [string, string] {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
  if (!m)
    throw new DcnError('usage', `--define ${entry}: expected name=value`, {
      hint: 'e.g. --define callback_url=http://app:8080/phpcache/dropResults.php',
    });
  checkVariableValue(`--define ${m[1]}`, m[2]!);
  return [m[1]!.toLowerCase(), m[2]!];
}

function checkVariableValue(where: string, value: string): void {
  if (/[\r\n]/.test(value)) throw invalid(`${where}: a substitution value cannot span lines`, 'put it on one line');
  // a tab is text; any other control character has no place in a script
  if (CONTROL.test(value.replace(/\t/g, ' ')))
    throw invalid(`${where}: a substitution value cannot hold a control character`, 'remove it');
}

/** The config file as one command reads it: its path, its contents and the environment in use. */
interface LoadedConfig {
  readonly filePath: string;
  readonly file: Record<string, unknown> | undefined;
  /** The named environment in use, and its settings. */
  readonly environment: { readonly name: string; readonly settings: Record<string, unknown> } | undefined;
}

function loadConfig(input: ResolveInput): LoadedConfig {
  const { flags, env, cwd } = input;
  const configPath = flags.config ?? env[SETTINGS.config.env];
  const explicit = configPath !== undefined && configPath !== '';
  const filePath = resolve(cwd, explicit ? configPath : DEFAULTS.configFile);
  const file = readConfigFile(filePath, explicit, input.readFile ?? ((p: string) => readFileSync(p, 'utf8')));
  return { filePath, file, environment: environmentOf(input, filePath, file) };
}

function environmentOf(
  input: ResolveInput,
  filePath: string,
  file: Record<string, unknown> | undefined,
): LoadedConfig['environment'] {
  const { flags, env } = input;
  const fromEnv = env[ENVIRONMENT_ENV_NAME];
  const name = flags.env ?? (fromEnv === '' ? undefined : fromEnv);
  if (name === undefined) return undefined;
  const given = flags.env !== undefined ? '--env' : ENVIRONMENT_ENV_NAME;
  if (file === undefined)
    throw invalid(
      `${given === '--env' ? `--env ${name}` : `${given}=${name}`}: there is no config file (${filePath}) to name environments in`,
      'create it with an "environments" object, or point --config (DCN_CONFIG) at it',
    );
  const environments = (file.environments ?? {}) as Record<string, Record<string, unknown>>;
  if (!Object.hasOwn(environments, name)) {
    const known = Object.keys(environments);
    throw invalid(
      `environment '${name}' (${given}) is not in ${filePath}: ${known.length ? `it names ${known.join(', ')}` : 'it has no "environments"'}`,
      'give one of those, or add it under "environments"',
    );
  }
  return { name, settings: environments[name]! };
}

/** Each setting picked by precedence as it is asked for, from a config file already read. */
class SettingsReader {
  readonly sources: Record<string, Source> = {};
  readonly filePath: string;
  readonly file: Record<string, unknown> | undefined;
  readonly environment: LoadedConfig['environment'];

  constructor(
    readonly input: ResolveInput,
    loaded: LoadedConfig,
  ) {
    this.filePath = loaded.filePath;
    this.file = loaded.file;
    this.environment = loaded.environment;
  }

  /** One setting, by precedence. Empty environment values count as unset. */
  pick(key: Setting): string | undefined {
    const flag = (this.input.flags as Record<string, unknown>)[key];
    if (typeof flag === 'string') {
      this.sources[key] = 'flag';
      return flag;
    }
    const envName = settingRecord(key).env;
    const fromEnv = envName === undefined ? undefined : this.input.env[envName];
    if (fromEnv !== undefined && fromEnv !== '') {
      this.sources[key] = 'env';
      return fromEnv;
    }
    for (const [source, settings] of [
      ['environment', this.environment?.settings],
      ['file', this.file],
    ] as const) {
      const fromFile = settings?.[key];
      if (fromFile === undefined || fromFile === null) continue;
      if (typeof fromFile !== 'string' && typeof fromFile !== 'number' && typeof fromFile !== 'boolean') {
        throw invalid(
          `${this.filePath}: "${key}"${source === 'environment' ? ` in environment "${this.environment!.name}"` : ''} must be a string, a number or true/false`,
          'fix the config file',
        );
      }
      this.sources[key] = source;
      return String(fromFile);
    }
    this.sources[key] = 'default';
    return undefined;
  }

  /** A relative path in the config file is relative to that file, like tsconfig.json's. */
  path(key: Setting, value: string | undefined): string | undefined {
    const inFile = this.sources[key] === 'file' || this.sources[key] === 'environment';
    return value === undefined ? undefined : resolve(inFile ? dirname(this.filePath) : this.input.cwd, value);
  }

  /** The config file's "variables", checked: the top level's, then the environment's over them. */
  fileVariables(): Record<string, string> {
    const variables: Record<string, string> = {};
    for (const fileVariables of [this.file?.variables, this.environment?.settings.variables])
      this.#addVariables(variables, fileVariables);
    return variables;
  }

  #addVariables(variables: Record<string, string>, fileVariables: unknown): void {
    if (fileVariables === undefined) return;
    if (fileVariables === null || typeof fileVariables !== 'object' || Array.isArray(fileVariables)) {
      throw invalid(
        `${this.filePath}: "variables" must be an object of name: value`,
        'e.g. "variables": {"app_schema": "OE"}',
      );
    }
    for (const [name, value] of Object.entries(fileVariables)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw invalid(`${this.filePath}: variable name "${name}" is not valid`, 'use letters, digits and _');
      if (typeof value !== 'string' && typeof value !== 'number')
        throw invalid(`${this.filePath}: variable "${name}" must be a string or number`, 'fix the config file');
      checkVariableValue(`${this.filePath}: variable "${name}"`, String(value));
      variables[name.toLowerCase()] = String(value);
    }
  }
}

function connectionPart(reader: SettingsReader): ConnectionConfig {
  const connect = reader.pick('connect');
  const user = reader.pick('user');
  const adminUser = reader.pick('adminUser');
  const sources = reader.sources;
  // SQL*Plus habits: "scott/tiger" as the user, "scott/tiger@db/svc" as the connect string. The
  // value holds a password: refused without ever being printed.
  for (const [key, value] of [
    ['user', user],
    ['adminUser', adminUser],
  ] as const) {
    if (value?.includes('/')) {
      throw invalid(
        `the ${key} setting (${sourceName(key, sources[key])}) holds a password (user/password): dcn takes passwords only from ${key === 'user' ? 'DCN_PASSWORD or --password-stdin' : 'DCN_ADMIN_PASSWORD or --admin-password-stdin'}`,
        `set it to the user name alone, e.g. OE`,
      );
    }
  }
  if (connect !== undefined && connect.includes('@') && !/^\s*\(/.test(connect)) {
    throw invalid(
      `the connect setting (${sourceName('connect', sources.connect)}) holds a user or password (user/password@…): it names the database only`,
      'write it as host:port/service or a tnsnames.ora alias; set the user with DCN_USER and the password with DCN_PASSWORD',
    );
  }
  // a port no socket can use is said here, before a password is asked for or the driver loads
  const port =
    connect === undefined
      ? undefined
      : (/\(\s*PORT\s*=\s*(\d+)\s*\)/i.exec(connect) ??
          /^\s*(?:[a-z]+:\/\/|\/\/)?(?:\[[^\]]*\]|[^\s:/()]+):(\d+)(?:[/?:\s]|$)/i.exec(connect))?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw invalid(
      `the connect setting (${sourceName('connect', sources.connect)}) names port ${port}, which is not a TCP port (1 to 65535)`,
      'the listener port is usually 1521, e.g. db.example.com:1521/FREEPDB1',
    );
  }
  checkConnectSetting(connect, sourceName('connect', sources.connect));
  if (user !== undefined) checkUserSetting(user, `the user setting (${sourceName('user', sources.user)})`);
  const privilegeRaw = reader.pick('adminPrivilege');
  let adminPrivilege: AdminPrivilege | undefined;
  if (privilegeRaw !== undefined && privilegeRaw.toLowerCase() !== 'none') {
    const p = privilegeRaw.toLowerCase() as AdminPrivilege;
    if (!ADMIN_PRIVILEGES.includes(p))
      throw invalid(
        `admin privilege '${privilegeRaw}' is not one of ${ADMIN_PRIVILEGES.join(', ')}, none`,
        'e.g. --admin-privilege sysdba for SYS',
      );
    adminPrivilege = p;
  }
  const admin =
    adminUser === undefined
      ? undefined
      : adminUserSetting(adminUser, adminPrivilege, sourceName('adminUser', sources.adminUser));
  const timeoutRaw = reader.pick('connectTimeout');
  return {
    connect,
    user,
    adminUser: admin?.user,
    adminPrivilege: admin?.privilege ?? adminPrivilege,
    connectTimeoutSeconds:
      timeoutRaw === undefined
        ? DEFAULTS.connectTimeoutSeconds
        : wholeSeconds('connect timeout', timeoutRaw, SETTINGS.connectTimeout.range),
    tnsAdmin: reader.path('tnsAdmin', reader.pick('tnsAdmin')),
    configFile: reader.file === undefined ? undefined : reader.filePath,
    environment: reader.environment?.name,
    sources,
  };
}

/**
 * The connect string: a host:port/service or an alias holds no blank or control character; a
 * descriptor, (DESCRIPTION=…), may span lines as in tnsnames.ora, but holds no other control
 * character. Its value is not shown: a newline in it would print as a second line.
 */
function checkConnectSetting(connect: string | undefined, source: string): void {
  if (connect === undefined) return;
  const descriptor = /^\s*\(/.test(connect);
  if (descriptor ? CONTROL.test(connect.replace(/[\t\r\n]/g, ' ')) : /\s/.test(connect) || CONTROL.test(connect)) {
    throw invalid(
      `the connect setting (${source}) holds ${descriptor ? 'a control character' : 'a blank or a control character'}`,
      'write it as host:port/service, a tnsnames.ora alias or a (DESCRIPTION=…) descriptor, on one line',
    );
  }
  // '/', '//', ':1521/X': no host and no alias, so no database ("CONNECT SYS@/" in a plan)
  if (!descriptor && !/^(?:\[[^\]]+\]|[A-Za-z0-9_])/.test(connect.replace(/^(?:[a-z][a-z0-9+.-]*:)?\/\//i, ''))) {
    throw invalid(
      `the connect setting (${source}) names no database: it has no host and no alias`,
      'name the database: host:port/service (e.g. db.example.com:1521/FREEPDB1), a tnsnames.ora alias or a (DESCRIPTION=…) descriptor',
    );
  }
}

/** A user name: one word (a plain or "quoted" name, proxy[user] allowed), no blank, no control character. */
function checkUserSetting(user: string, what: string): void {
  if (user === '' || /\s/.test(user) || CONTROL.test(user)) {
    throw invalid(
      `${what} holds ${user === '' ? 'nothing' : 'a blank or a control character'}: it names one database user`,
      'e.g. OE, or SYS with --admin-privilege sysdba',
    );
  }
}

/**
 * The admin user, as SQL*Plus users write it too: "SYS as sysdba" is the user SYS and the
 * privilege sysdba, unless the privilege setting says otherwise.
 */
function adminUserSetting(
  value: string,
  privilege: AdminPrivilege | undefined,
  source: string,
): { user: string; privilege?: AdminPrivilege } {
  const as = /^\s*(\S+)\s+as\s+(\S+)\s*$/i.exec(value);
  if (as !== null && ADMIN_PRIVILEGES.includes(as[2]!.toLowerCase() as AdminPrivilege)) {
    const named = as[2]!.toLowerCase() as AdminPrivilege;
    if (privilege !== undefined && privilege !== named) {
      throw invalid(
        `the adminUser setting (${source}) says AS ${named.toUpperCase()} while the admin privilege setting says ${privilege}`,
        `set the user alone (e.g. ${as[1]}) and the privilege with --admin-privilege (DCN_ADMIN_PRIVILEGE)`,
      );
    }
    checkUserSetting(as[1]!, `the adminUser setting (${source})`);
    return { user: as[1]!, privilege: named };
  }
  checkUserSetting(value, `the adminUser setting (${source})`);
  return { user: value };
}

/** The settings of a command that connects and uses no migrations (regs, tail, register …). */
export function resolveConnectionConfig(input: ResolveInput): ConnectionConfig {
  return new CommandConfig(input).connection();
}

/** The settings of the migrate commands, plan and doctor: the connection and the migration set. */
function migrationSetPart(reader: SettingsReader): MigrationSetConfig {
  const connection = connectionPart(reader);
  const lockRaw = reader.pick('lockTimeout');
  const migrations = reader.pick('migrations');
  const historyRaw = reader.pick('historyTable');

  const variables: Record<string, string> = schemaVariables({
    schema: reader.pick('schema'),
    user: connection.user,
    ordersTable: reader.pick('ordersTable'),
    orderItemsTable: reader.pick('orderItemsTable'),
    callbackUrl: reader.pick('callbackUrl'),
    callbackToken: reader.pick('callbackToken'),
    httpTimeout: reader.pick('httpTimeout'),
    demoSchema: reader.pick('demoSchema'),
    orderItemsKeyImmutable: reader.pick('orderItemsKeyImmutable'),
    callbackCalls: reader.pick('callbackCalls'),
  });
  /** The variables set by name (config file "variables", --define), over the settings. */
  const overridden = new Set<string>();
  for (const [name, value] of Object.entries(reader.fileVariables())) {
    variables[name] = value;
    overridden.add(name);
  }
  for (const entry of reader.input.flags.define ?? []) {
    const [name, value] = parseDefine(entry);
    variables[name] = value;
    overridden.add(name);
  }
  checkSchemaVariables(variables, overridden);
  const historyTable = historyRaw === undefined ? DEFAULTS.historyTable : simpleIdentifier('history table', historyRaw);
  checkHistoryTable(historyTable, variables);

  return {
    ...connection,
    migrationsDir: reader.path('migrations', migrations),
    historyTable,
    lockTimeoutSeconds:
      lockRaw === undefined
        ? DEFAULTS.lockTimeoutSeconds
        : wholeSeconds('lock timeout', lockRaw, SETTINGS.lockTimeout.range),
    variables,
  };
}

/** The migrations directory setting alone (dcn migrate new): undefined means dcn's built-in set. */
function migrationsDirPart(reader: SettingsReader): string | undefined {
  return reader.path('migrations', reader.pick('migrations'));
}

/** The orders and order items table settings alone: dcn register and enable-reg route them the article's way. */
function orderTablesPart(reader: SettingsReader): string[] {
  return orderTables({ ordersTable: reader.pick('ordersTable'), orderItemsTable: reader.pick('orderItemsTable') });
}

/** The cache bus of dcn listen and dcn watch, checked. */
export interface BusSettings {
  readonly url: string;
  readonly channel: string;
  /** What a drop waits for: every live member's acknowledgement, or only Redis taking it. */
  readonly acks: 'applied' | 'published';
}

/** The cache bus of dcn listen and dcn watch: its URL, checked, its channel and what a drop waits for. */
function busPart(reader: SettingsReader): BusSettings | undefined {
  const url = reader.pick('bus');
  if (url === undefined || url === '') return undefined;
  try {
    parseBusUrl(url);
  } catch (err) {
    throw new DcnError('usage', (err as Error).message, {
      hint: 'e.g. redis://cache.internal:6379/0, or rediss://user:password@host for TLS',
    });
  }
  const channel = reader.pick('busChannel') ?? SETTINGS.busChannel.default;
  if (!/^[\w:.-]{1,100}$/.test(channel)) {
    throw new DcnError(
      'usage',
      `${sourceName('busChannel', reader.sources.busChannel)}: ${channel === '' ? 'an empty name' : channel} is not a channel name (1 to 100 letters, digits, _ : . -)`,
      { hint: 'e.g. dcn:orders' },
    );
  }
  const acks = reader.pick('busAcks') ?? SETTINGS.busAcks.default;
  if (!(SETTINGS.busAcks.values as readonly string[]).includes(acks)) {
    throw new DcnError(
      'usage',
      `${sourceName('busAcks', reader.sources.busAcks)} ${printable(acks)}: expected ${SETTINGS.busAcks.values.join(' or ')}`,
      {
        hint: 'applied: a drop (and a 200 from dcn listen) means every live cache on the bus dropped the result; published: only that Redis took the drop',
      },
    );
  }
  return { url, channel, acks: acks as BusSettings['acks'] };
}

/** What dcn watch reads beyond the connection: the orders tables and whether items move between orders. */
function watchPart(reader: SettingsReader): { orderTables: string[]; orderItemsKeyImmutable: boolean } {
  return {
    orderTables: orderTables({
      ordersTable: reader.pick('ordersTable'),
      orderItemsTable: reader.pick('orderItemsTable'),
    }),
    orderItemsKeyImmutable: orderItemsKeyImmutable(reader.pick('orderItemsKeyImmutable')),
  };
}

/**
 * The one setting `dcn listen` uses: the token the callback sends (DCN_CALLBACK_TOKEN,
 * "callbackToken", or "variables": {"callback_token": …} in the config file, which wins as it
 * does for the migrations). Nothing else is read, so nothing else can stop the listener.
 */
function callbackTokenPart(reader: SettingsReader): string | undefined {
  const fromVariables = reader.fileVariables().callback_token;
  const token = fromVariables ?? reader.pick('callbackToken');
  if (token !== undefined) checkCallbackToken(token, fromVariables === undefined ? 'callbackToken' : 'callback_token');
  return token === '' ? undefined : token;
}

/**
 * The configuration of one command: the config file is read and parsed once, when the command
 * first asks; each part it uses is resolved from that (a part it does not use is never checked,
 * so a bad DCN_HTTP_TIMEOUT stops dcn migrate, not dcn listen).
 */
export class CommandConfig {
  readonly #input: ResolveInput;
  readonly #loaded: LoadedConfig;

  constructor(input: ResolveInput) {
    this.#input = input;
    this.#loaded = loadConfig(input);
  }

  /** A reader of its own for each part: each part's sources say where its own settings came from. */
  #reader(): SettingsReader {
    return new SettingsReader(this.#input, this.#loaded);
  }

  /** The settings of a command that connects and uses no migrations (regs, tail, register …). */
  connection(): ConnectionConfig {
    return connectionPart(this.#reader());
  }

  /** The settings of the migrate commands, plan and doctor: the connection and the migration set. */
  migrationSet(): MigrationSetConfig {
    return migrationSetPart(this.#reader());
  }

  /** The migrations directory alone (dcn migrate new): undefined means dcn's built-in set. */
  migrationsDir(): string | undefined {
    return migrationsDirPart(this.#reader());
  }

  /** The orders and order items tables alone: dcn register and enable-reg route them the article's way. */
  orderTables(): string[] {
    return orderTablesPart(this.#reader());
  }

  /** The cache bus of dcn listen and dcn watch, if one is configured. */
  bus(): BusSettings | undefined {
    return busPart(this.#reader());
  }

  /** What dcn watch reads beyond the connection. */
  watch(): { orderTables: string[]; orderItemsKeyImmutable: boolean } {
    return watchPart(this.#reader());
  }

  /** The callback token dcn listen requires. */
  callbackToken(): string | undefined {
    return callbackTokenPart(this.#reader());
  }
}

/** The settings of the migrate commands, plan and doctor (one resolution: see CommandConfig). */
export function resolveMigrationSetConfig(input: ResolveInput): MigrationSetConfig {
  return new CommandConfig(input).migrationSet();
}

export function resolveMigrationsDir(input: ResolveInput): string | undefined {
  return new CommandConfig(input).migrationsDir();
}

export function resolveOrderTables(input: ResolveInput): string[] {
  return new CommandConfig(input).orderTables();
}

export function resolveBus(input: ResolveInput): BusSettings | undefined {
  return new CommandConfig(input).bus();
}

export function resolveWatchSettings(input: ResolveInput): { orderTables: string[]; orderItemsKeyImmutable: boolean } {
  return new CommandConfig(input).watch();
}

export function resolveCallbackToken(input: ResolveInput): string | undefined {
  return new CommandConfig(input).callbackToken();
}
