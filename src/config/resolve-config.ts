/**
 * Resolves dcn's settings in one place: command-line flag > environment (DCN_*) > the config
 * file's named environment (--env NAME or DCN_ENV) > the config file's top level (dcn.config.json,
 * or --config PATH) > default. Passwords are not settings: they come only from
 * the environment, --password-stdin or a prompt (see cli/secrets.ts), never from a file or a flag.
 */
import { DcnError } from '../errors.js';
import { isUnquotedName } from '../oracle/identifiers.js';
import { parseBusUrl } from '../cache/bus.js';
import {
  checkVariableValue,
  invalid,
  loadConfig,
  printable,
  type LoadedConfig,
  type ResolveInput,
} from './config-file.js';
import { connectionPart, type ConnectionConfig } from './connection-settings.js';
import { SettingsReader, sourceName, wholeSeconds } from './settings-reader.js';
import { DEFAULTS, SETTINGS } from './settings.js';
import {
  checkCallbackToken,
  checkHistoryTable,
  checkSchemaVariables,
  orderItemsKeyImmutable,
  orderTables,
  schemaVariables,
} from './schema-settings.js';

export type { ConfigFlags, ResolveInput } from './config-file.js';
export type { ConnectionConfig } from './connection-settings.js';
export type { Source } from './settings-reader.js';

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
/** How a result cache keeps its entries (the library's store option). */
export type CacheStore = 'files' | 'lmdb';

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

/** The store of the cache dcn listen and dcn watch drop from: the application's, or the directory is refused. */
function cacheStorePart(reader: SettingsReader): CacheStore {
  const store = reader.pick('cacheStore') ?? SETTINGS.cacheStore.default;
  if (!(SETTINGS.cacheStore.values as readonly string[]).includes(store))
    throw new DcnError(
      'usage',
      `${sourceName('cacheStore', reader.sources.cacheStore)} ${printable(store)}: expected ${SETTINGS.cacheStore.values.join(' or ')}`,
      { hint: 'the store the application opens its ResultCache with (its store option; files when it gives none)' },
    );
  return store as CacheStore;
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

  /** The store of the cache dcn listen and dcn watch drop from. */
  cacheStore(): CacheStore {
    return cacheStorePart(this.#reader());
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
