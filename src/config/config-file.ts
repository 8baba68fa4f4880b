/**
 * The config file (dcn.config.json, or --config PATH): read, parsed and checked once per command,
 * with the named environment in use (--env NAME or DCN_ENV). Passwords are not settings: a key
 * that names one is refused, never read.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DcnError } from '../errors.js';
import { DEFAULTS, ENVIRONMENT_ENV_NAME, SETTINGS, settingRecords, type SettingName } from './settings.js';

/**
 * Flags as the CLI parsed them, by setting name; undefined means "not given". A yes/no flag
 * (--with-demo-schema) is 'yes' when given.
 */
export type ConfigFlags = { readonly [K in Exclude<SettingName, 'define'>]?: string } & {
  /** --define name=value, repeatable. */
  readonly define?: readonly string[];
};

export interface ResolveInput {
  readonly flags: ConfigFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly readFile?: (path: string) => string;
}

/** The config file's keys, from the settings' records. */
const FILE_KEYS = new Set(settingRecords().flatMap(([name, r]) => (r.fileKey === false ? [] : [r.fileKey ?? name])));

export function invalid(message: string, hint: string): DcnError {
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
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A value as a message may show it: a control character would print as a line of its own. */
export function printable(value: string): string {
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

export function checkVariableValue(where: string, value: string): void {
  if (/[\r\n]/.test(value)) throw invalid(`${where}: a substitution value cannot span lines`, 'put it on one line');
  // a tab is text; any other control character has no place in a script
  if (CONTROL.test(value.replace(/\t/g, ' ')))
    throw invalid(`${where}: a substitution value cannot hold a control character`, 'remove it');
}

/** The config file as one command reads it: its path, its contents and the environment in use. */
export interface LoadedConfig {
  readonly filePath: string;
  readonly file: Record<string, unknown> | undefined;
  /** The named environment in use, and its settings. */
  readonly environment: { readonly name: string; readonly settings: Record<string, unknown> } | undefined;
}

export function loadConfig(input: ResolveInput): LoadedConfig {
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
