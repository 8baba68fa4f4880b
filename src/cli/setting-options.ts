/**
 * What an option is, and the types of the flags a command receives from its options; and the
 * options of dcn's settings, made from the settings' records (config/settings.ts).
 */
import { SETTINGS, settingRecord, settingRecords, type CommandName, type SettingName } from '../config/settings.js';

export interface OptionSpec {
  /** As commander takes them: '--lock-timeout <seconds>', '-n, --lines <n>', '--json'. */
  readonly flags: string;
  readonly description: string;
  /** Given more than once, collected into a list. */
  readonly repeatable?: true;
  readonly choices?: readonly string[];
  readonly required?: true;
  /** Also takes --no-<name>, which sets it to false. */
  readonly negatable?: true;
}

export type OptionGroup = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { repeatable: true }
  ? string[]
  : S extends { flags: `${string}<${string}>` }
    ? S extends { choices: readonly (infer C)[] }
      ? C
      : string
    : boolean;

/** The flags a command receives, typed by its options: optional unless the option is required. */
export type FlagsOf<G extends OptionGroup> = {
  -readonly [K in keyof G as G[K] extends { required: true } ? K : never]: ValueOf<G[K]>;
} & {
  -readonly [K in keyof G as G[K] extends { required: true } ? never : K]?: ValueOf<G[K]>;
};

type Records = typeof SETTINGS;

/** A setting's option, typed from its record: its flags' text decides the value's type. */
type SettingOption<K extends SettingName> = {
  readonly flags: Records[K] extends { flags: infer F } ? F : never;
  readonly description: string;
} & (Records[K] extends {
  choices: infer C;
}
  ? { readonly choices: C }
  : unknown) &
  (Records[K] extends { repeatable: true } ? { readonly repeatable: true } : unknown);

/** The key commander gives a setting's flag. */
type FlagKey<K extends SettingName> = Records[K] extends { flagKey: infer F extends string } ? F : K;

/** The options of the settings whose records name the command (C: a command; any for every one). */
export type SettingOptions<C extends CommandName> = {
  readonly [
    K in SettingName as Records[K] extends { flags: string; commands: readonly (infer N)[] }
      ? C extends N
        ? FlagKey<K>
        : never
      : never
  ]: SettingOption<K>;
};

/** A setting's flag help: its record's help, then its environment variable and default. */
export function settingDescription(name: SettingName): string {
  const r = settingRecord(name);
  const fallback = r.defaultText ?? (r.default === undefined ? undefined : String(r.default));
  const notes = [r.env && `env ${r.env}`, fallback && `default ${fallback.replace(/`/g, '')}`, r.helpTail].filter(
    Boolean,
  );
  return notes.length ? `${r.help} (${notes.join('; ')})` : r.help;
}

function settingOption(name: SettingName): OptionSpec {
  const r = settingRecord(name);
  return {
    flags: r.flags!,
    description: settingDescription(name),
    ...(r.choices ? { choices: r.choices } : {}),
    ...(r.repeatable ? { repeatable: r.repeatable } : {}),
  };
}

// every command's definition asks at start-up, `dcn --help` included: list the records once
let records: ReturnType<typeof settingRecords> | undefined;

/** The setting flags a command takes, from the settings' records, in their order. */
export function settingOptions<C extends CommandName>(command: C): SettingOptions<C> {
  return Object.fromEntries(
    (records ??= settingRecords())
      .filter(([, r]) => r.flags !== undefined && (r.commands as readonly string[]).includes(command))
      .map(([name, r]) => [r.flagKey ?? name, settingOption(name)]),
  ) as SettingOptions<C>;
}
