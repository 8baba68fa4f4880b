/**
 * How a command is declared and run: its options attached only when it runs or shows its help
 * (so `dcn --help` builds none), its handler loaded only then, its result printed or sent as
 * JSON, and "did you mean" for a mistyped subcommand.
 */
import { Command, Option } from 'commander';
import { DcnError, EXIT_CODES, usageError } from '../errors.js';
import type { CommandContext } from './context.js';
import type { FlagsOf, OptionGroup } from './options.js';
import type { Output } from './output.js';

export interface OptionInfo {
  readonly flags: string;
  readonly long?: string;
  readonly short?: string;
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices?: readonly string[];
}

export interface CommandInfo {
  /** The words after dcn, e.g. ['migrate', 'down']; [] for dcn itself. */
  readonly path: readonly string[];
  readonly description: string;
  readonly options: readonly OptionInfo[];
  readonly subcommands: readonly { name: string; description: string }[];
}

/** A command module: `run` does the work and returns data; `print` renders it for people. */
export interface CommandModule<F, R> {
  // properties, not methods: TypeScript then checks a command's flags strictly against its options
  readonly run: (flags: F, ctx: CommandContext, out: Output) => Promise<R>;
  readonly print: (result: R, out: Output, flags: F) => void;
}

/** With --json, a command that prints NDJSON lines as it goes: its closing document is one line too ('rows-only': none), and so is an error. */
type Ndjson = boolean | 'rows-only';

export async function invoke<F extends object, R>(
  ctx: CommandContext,
  cmd: Command,
  given: F,
  load: () => Promise<CommandModule<F, R>>,
): Promise<void> {
  const ndjson = ndjsonCommands.get(cmd) ?? false;
  // -q and --color/--no-color before the command (dcn -q migrate) count as the command's own, which win
  const global = rootOf(cmd).opts<{ quiet?: boolean; color?: boolean }>();
  const own = given as { json?: boolean; quiet?: boolean; color?: boolean };
  const flags = { ...given, quiet: own.quiet ?? global.quiet, color: own.color ?? global.color };
  const [mod, { Output }] = await Promise.all([load(), import('./output.js')]);
  const out = await Output.create(ctx, { json: own.json, quiet: flags.quiet, color: flags.color });
  const result = await mod.run(flags, ctx, out);
  if (out.json) {
    if (ndjson === 'rows-only') return;
    if (ndjson) out.raw(`${JSON.stringify({ ok: true, ...(result as object) })}\n`);
    else out.document({ ok: true, ...(result as object) });
  } else if (!(out.quiet && summaryCommands.has(cmd) && !(flags as { dryRun?: boolean }).dryRun))
    mod.print(result, out, flags);
  // a result that says it is not ok (dcn doctor) ends with exit 1, after its report
  if ((result as { ok?: unknown }).ok === false)
    throw new DcnError('checks_failed', 'checks failed', { reported: true });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addOptions(cmd: Command, options: OptionGroup): Command {
  for (const spec of Object.values(options)) {
    const option = new Option(spec.flags, spec.description);
    if (spec.choices) option.choices(spec.choices);
    if (spec.repeatable) option.argParser(collect);
    if (spec.required) option.makeOptionMandatory();
    cmd.addOption(option);
    if (spec.negatable) cmd.addOption(new Option(spec.flags.replace(/^--/, '--no-'), `the opposite of ${spec.flags}`));
  }
  return cmd;
}

function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText(
    'after',
    `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`,
  );
}

/**
 * Options are attached to a command only when it is about to run (or show its help): building
 * every command's options up front would cost `dcn --help` and every command start-up time.
 */
const pendingOptions = new WeakMap<Command, (cmd: Command) => void>();

/** The command being run, per program: its options say whether --json and --verbose were given. */
const running = new WeakMap<Command, Command>();
const ndjsonCommands = new WeakMap<Command, Ndjson>();
/** Commands whose printed result is a summary of what they did: --quiet leaves it out. */
const summaryCommands = new WeakSet<Command>();

export function rootOf(cmd: Command): Command {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root;
}

/** Gives a command its options now, if they are still pending. */
function ensureOptions(cmd: Command): void {
  const configure = pendingOptions.get(cmd);
  if (configure) {
    pendingOptions.delete(cmd);
    configure(cmd);
  }
}

/** Every command, with all its options: what `dcn completion` writes a script from. */
export function describeCommands(cmd: Command, path: string[] = []): CommandInfo[] {
  ensureOptions(cmd);
  const options = [...cmd.options, new Option('-h, --help', 'display help for command')].map((o) => ({
    flags: o.flags,
    long: o.long,
    short: o.short,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
  }));
  const subcommands = cmd.commands.map((c) => ({ name: c.name(), description: c.description() }));
  return [
    { path, description: cmd.description(), options, subcommands },
    ...cmd.commands.flatMap((c) => describeCommands(c, [...path, c.name()])),
  ];
}

/** The exit codes as --help lists them, from the one table that owns them. */
export function exitCodesHelp(): string {
  const byExit = new Map<number, string[]>([[0, ['success']]]);
  for (const [code, exit] of Object.entries(EXIT_CODES)) byExit.set(exit, [...(byExit.get(exit) ?? []), code]);
  const lines = [...byExit]
    .sort(([a], [b]) => a - b)
    .map(([exit, codes]) => `  ${String(exit).padEnd(3)}${codes.join(', ')}`);
  return `\nExit codes (with --json, error.code names which):\n${lines.join('\n')}\n`;
}

export function attachOptions(cmd: Command): void {
  running.set(rootOf(cmd), cmd);
  ensureOptions(cmd);
}

/**
 * What a command is, as data: its name, help and options. Each command's definition sits in
 * commands/<name>.command.ts, next to its handler in commands/<name>.ts; program.ts lists the
 * definitions with a lazy import of each handler, so listing them loads no handler.
 */
export interface CommandDefinition<G extends OptionGroup = OptionGroup> {
  readonly name: string;
  readonly description: string;
  /** A positional argument: its usage, its help, and the flag its value is handed over as. */
  readonly argument?: readonly [usage: string, help: string, flag: string];
  readonly examples: readonly string[];
  readonly options: G;
  /** Anything beyond the options (passThroughOptions, …). */
  readonly configure?: (cmd: Command) => Command;
  readonly ndjson?: Ndjson;
  /** What it prints at the end sums up what it did: --quiet leaves that out. */
  readonly summary?: true;
  /** Flags the handler receives beyond those given, made from the program (dcn completion: the commands). */
  readonly extraFlags?: (cmd: Command) => object;
}

/** A command's definition, typed by its options (the handler's flags are checked against them). */
export function command<G extends OptionGroup>(definition: CommandDefinition<G>): CommandDefinition<G> {
  return definition;
}

/** Edit distance, for "did you mean": two words one typo apart are 1 or 2 apart. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // a swap of two neighbours (stauts) counts as one
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

export function unknownSubcommand(parent: string, word: string, known: readonly string[]): DcnError {
  const near = known
    .filter((k) => distance(word.toLowerCase(), k) <= 2)
    .sort((x, y) => distance(word.toLowerCase(), x) - distance(word.toLowerCase(), y));
  return usageError(
    `unknown command '${word}' for dcn ${parent}${near.length ? `: did you mean ${near[0]}?` : ''}`,
    `dcn ${parent} takes: ${known.join(', ')} (or no command: apply pending migrations)`,
  );
}

export function define<G extends OptionGroup, F extends FlagsOf<G>, R>(
  ctx: CommandContext,
  parent: Command,
  spec: CommandDefinition<G>,
  load: () => Promise<CommandModule<F, R>>,
  /** Checks before the handler loads (dcn migrate: a word left over names a mistyped subcommand). */
  check?: (cmd: Command) => void,
): Command {
  const cmd = parent
    .command(spec.name)
    .description(spec.description)
    .usage(spec.argument ? `[options] ${spec.argument[0]}` : '[options]');
  if (spec.argument) cmd.argument(spec.argument[0], spec.argument[1]);
  cmd.action((...args: unknown[]) => {
    const flags = args.at(-2) as FlagsOf<G>;
    check?.(cmd);
    const given = {
      ...flags,
      ...(spec.argument ? { [spec.argument[2]]: args[0] } : {}),
      ...spec.extraFlags?.(cmd),
    } as F;
    return invoke(ctx, cmd, given, load);
  });
  if (spec.ndjson) ndjsonCommands.set(cmd, spec.ndjson);
  if (spec.summary) summaryCommands.add(cmd);
  pendingOptions.set(cmd, (c) =>
    example((spec.configure ?? ((x: Command) => x))(addOptions(c, spec.options)), ...spec.examples),
  );
  return cmd;
}

/**
 * --json and --verbose as commander parsed them for the command being run, also when parsing
 * failed on a later argument (so `dcn migrate plan --json --bogus` still answers in JSON).
 */
export function outputFlags(program: Command): { json: boolean; verbose: boolean; ndjson: boolean; color?: boolean } {
  const cmd = running.get(program) ?? program;
  const opts = cmd.opts<{ json?: boolean; verbose?: boolean; color?: boolean }>();
  return {
    json: opts.json === true,
    verbose: opts.verbose === true,
    ndjson: ndjsonCommands.has(cmd),
    color: opts.color ?? program.opts<{ color?: boolean }>().color,
  };
}
