/**
 * Each setting picked by precedence: command-line flag > environment (DCN_*) > the config file's
 * named environment > the config file's top level > default, remembering where each came from.
 */
import { dirname, resolve } from 'node:path';
import { checkVariableValue, invalid, printable, type LoadedConfig, type ResolveInput } from './config-file.js';
import { longFlag, settingRecord, type SettingName } from './settings.js';

/** environment: the config file's named environment; file: its top level. */
export type Source = 'flag' | 'env' | 'environment' | 'file' | 'default';

export type Setting = Exclude<SettingName, 'define' | 'config' | 'env'>;

/** Where a setting came from, for a message that must not show its value. */
export function sourceName(key: Setting, source: Source | undefined): string {
  if (source === 'flag') return longFlag(key) ?? key;
  if (source === 'env') return settingRecord(key).env ?? key;
  if (source === 'environment') return `"${key}" in the config file's environment`;
  return `"${key}" in the config file`;
}

export function wholeSeconds(name: string, value: string, [min, max]: readonly [number, number]): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw invalid(
      `${name} must be a whole number of seconds from ${min} to ${max}, not '${printable(value)}'`,
      `e.g. ${name}=${Math.max(min, 10)}`,
    );
  }
  return Number(value);
}

/** Each setting picked by precedence as it is asked for, from a config file already read. */
export class SettingsReader {
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
