/**
 * The command registry: declares every command and flag and maps them to typed options.
 * Handlers are imported only when their command runs, so `dcn --help` loads commander and
 * nothing else.
 */
import { Command, Option } from 'commander';
import { DcnError, EXIT_CODES, usageError } from '../errors.js';
import type { CommandInfo } from './commands/completion.js';
import type { CommandContext } from './context.js';
import {
  COMMON,
  COMPLETION,
  DEREGISTER,
  DOCTOR,
  ENABLE_REG,
  LISTEN,
  LOG_PRUNE,
  MIGRATE_BASELINE,
  MIGRATE_DOWN,
  MIGRATE_NEW,
  MIGRATE_PLAN,
  MIGRATE_REPAIR,
  MIGRATE_STATUS,
  MIGRATE_UP,
  MIGRATE_VALIDATE,
  REGISTER,
  REGS,
  REPLAY,
  TAIL,
  WATCH,
  type FlagsOf,
  type OptionGroup,
} from './options.js';
import type { Output } from './output.js';

/** A command module: `run` does the work and returns data; `print` renders it for people. */
export interface CommandModule<F, R> {
  // properties, not methods: TypeScript then checks a command's flags strictly against its options
  readonly run: (flags: F, ctx: CommandContext, out: Output) => Promise<R>;
  readonly print: (result: R, out: Output, flags: F) => void;
}

/** With --json, a command that prints NDJSON lines as it goes: its closing document is one line too ('rows-only': none), and so is an error. */
type Ndjson = boolean | 'rows-only';

async function invoke<F extends { json?: boolean; quiet?: boolean; color?: boolean }, R>(
  ctx: CommandContext,
  cmd: Command,
  given: F,
  load: () => Promise<CommandModule<F, R>>,
): Promise<void> {
  const ndjson = ndjsonCommands.get(cmd) ?? false;
  // -q and --color/--no-color before the command (dcn -q migrate) count as the command's own, which win
  const global = rootOf(cmd).opts<{ quiet?: boolean; color?: boolean }>();
  const flags = { ...given, quiet: given.quiet ?? global.quiet, color: given.color ?? global.color };
  const [mod, { Output }] = await Promise.all([load(), import('./output.js')]);
  const out = await Output.create(ctx, { json: flags.json, quiet: flags.quiet, color: flags.color });
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

function addOptions(cmd: Command, options: OptionGroup): Command {
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

function rootOf(cmd: Command): Command {
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
function describeCommands(cmd: Command, path: string[] = []): CommandInfo[] {
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
function exitCodesHelp(): string {
  const byExit = new Map<number, string[]>([[0, ['success']]]);
  for (const [code, exit] of Object.entries(EXIT_CODES)) byExit.set(exit, [...(byExit.get(exit) ?? []), code]);
  const lines = [...byExit]
    .sort(([a], [b]) => a - b)
    .map(([exit, codes]) => `  ${String(exit).padEnd(3)}${codes.join(', ')}`);
  return `\nExit codes (with --json, error.code names which):\n${lines.join('\n')}\n`;
}

function attachOptions(cmd: Command): void {
  running.set(rootOf(cmd), cmd);
  ensureOptions(cmd);
}

interface CommandSpec<G extends OptionGroup, A extends unknown[] = []> {
  readonly description: string;
  readonly argument?: readonly [string, string];
  readonly examples: readonly string[];
  readonly options: G;
  /** Anything beyond the options (passThroughOptions, …). */
  readonly configure?: (cmd: Command) => Command;
  readonly ndjson?: Ndjson;
  /** What it prints at the end sums up what it did: --quiet leaves that out. */
  readonly summary?: true;
  readonly action: (...args: [...A, FlagsOf<G>, Command]) => Promise<void>;
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

function unknownSubcommand(parent: string, word: string, known: readonly string[]): DcnError {
  const near = known
    .filter((k) => distance(word.toLowerCase(), k) <= 2)
    .sort((x, y) => distance(word.toLowerCase(), x) - distance(word.toLowerCase(), y));
  return usageError(
    `unknown command '${word}' for dcn ${parent}${near.length ? `: did you mean ${near[0]}?` : ''}`,
    `dcn ${parent} takes: ${known.join(', ')} (or no command: apply pending migrations)`,
  );
}

function define<G extends OptionGroup, A extends unknown[] = []>(
  parent: Command,
  name: string,
  spec: CommandSpec<G, A>,
): Command {
  const cmd = parent
    .command(name)
    .description(spec.description)
    .usage(spec.argument ? `[options] ${spec.argument[0]}` : '[options]');
  if (spec.argument) cmd.argument(spec.argument[0], spec.argument[1]);
  cmd.action(spec.action as (...args: unknown[]) => Promise<void>);
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

export function createProgram(ctx: CommandContext, version: string): Command {
  const program = new Command('dcn')
    .description('Set up and operate Oracle Database Change Notification: migrations, registrations, notification log.')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    .helpCommand(false)
    .addHelpText('after', exitCodesHelp())
    .hook('preSubcommand', (_parent, sub) => attachOptions(sub));
  addOptions(program, { quiet: COMMON.quiet, color: COMMON.color });

  const migrate = define(program, 'migrate', {
    description: 'apply pending migrations (subcommands: status, validate, down, plan, repair, new, baseline)',
    examples: [
      'DCN_CONNECT=localhost:1521/FREEPDB1 DCN_USER=OE DCN_PASSWORD=… dcn migrate',
      'dcn migrate --to 3 --json',
      'dcn migrate --dry-run > next.sql   # what it would run on this database; changes nothing',
    ],
    options: MIGRATE_UP,
    summary: true,
    configure: (c) => c.passThroughOptions(),
    action: (flags, cmd) => {
      // `dcn migrate stauts` reaches migrate itself with a word left over: name the subcommand meant
      if (cmd.args.length > 0) {
        // passThroughOptions left the words after the unknown one unparsed: --json among them still asks for JSON
        if (cmd.args.includes('--json')) cmd.setOptionValue('json', true);
        throw unknownSubcommand(
          'migrate',
          cmd.args[0]!,
          cmd.commands.map((c) => c.name()),
        );
      }
      return invoke(ctx, cmd, flags, () => import('./commands/migrate-up.js'));
    },
  })
    .allowExcessArguments(true)
    .hook('preSubcommand', (_parent, sub) => attachOptions(sub));

  define(migrate, 'status', {
    description: 'show every migration: applied, pending, outdated, failed, changed or missing',
    examples: ['dcn migrate status'],
    options: MIGRATE_STATUS,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/migrate-status.js')),
  });

  define(migrate, 'validate', {
    description: `a CI gate: exit ${EXIT_CODES.validation_failed} when a migration is pending, changed, missing, failed or out of order, naming each (reads only: no lock)`,
    examples: [
      'dcn migrate validate',
      'dcn migrate validate --allow-pending --json   # before a deploy: only drift fails',
    ],
    options: MIGRATE_VALIDATE,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/migrate-validate.js')),
  });

  define(migrate, 'down', {
    description:
      'undo applied migrations with their U scripts, newest first (default: the last one); asks first, or needs --yes off a terminal',
    examples: [
      'dcn migrate down --steps 2',
      'dcn migrate down --to 0 --yes   # in a script: no terminal to ask on',
      'dcn migrate down --to 2 --dry-run   # the undo script, run nothing',
    ],
    options: MIGRATE_DOWN,
    summary: true,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/migrate-down.js')),
  });

  define(migrate, 'plan', {
    description: 'print the SQL*Plus script that `dcn migrate` would run on a fresh schema (no database needed)',
    examples: [
      'dcn migrate plan --out plan.sql && sqlplus oe@localhost:1521/FREEPDB1 @plan.sql',
      'dcn migrate plan --json | jq ".migrations[].statements | length"',
    ],
    options: MIGRATE_PLAN,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/migrate-plan.js')),
  });

  define(migrate, 'repair', {
    description:
      'forget failed attempts and accept changed files as applied (drops nothing); asks first, or needs --yes off a terminal',
    examples: ['dcn migrate repair', 'dcn migrate repair --yes --json'],
    options: MIGRATE_REPAIR,
    summary: true,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/migrate-repair.js')),
  });

  define(migrate, 'baseline', {
    description:
      'record migrations up to --version as applied without running them, when their objects are already there',
    examples: ['dcn migrate baseline --version 3', 'dcn migrate baseline --version 3 --json'],
    options: MIGRATE_BASELINE,
    summary: true,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/migrate-baseline.js')),
  });

  define<typeof MIGRATE_NEW, [string]>(migrate, 'new', {
    description:
      'write the next migration file, V<n>__<name>.sql, numbered after the highest version present (never overwrites)',
    argument: ['<name>', 'what it does, e.g. add_orders_index (spaces become _)'],
    examples: [
      'dcn migrate new add_orders_index --undo',
      'dcn migrate new order_views --repeatable --migrations db/migrations',
    ],
    options: MIGRATE_NEW,
    action: (name: string, flags, cmd) =>
      invoke(ctx, cmd, { ...flags, name }, () => import('./commands/migrate-new.js')),
  });

  define(program, 'register', {
    description: 'create a registration: the database calls the callback when these tables change',
    examples: [
      'dcn register --table OE.ORDERS --table OE.ORDER_ITEMS',
      'REGID=$(dcn register --table OE.ORDERS --quiet)',
      'dcn register --table ORDERS --qos reliable,rowids --operations insert,update,delete --dry-run',
    ],
    options: REGISTER,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/register.js')),
  });

  define<typeof ENABLE_REG, [string | undefined]>(program, 'enable-reg', {
    description: 'add tables to an existing registration (ENABLE_REG)',
    argument: ['[regid]', 'the registration to add tables to (dcn regs shows them)'],
    examples: [
      'dcn enable-reg 41 --table OE.ORDER_ITEMS',
      'dcn enable-reg --callback orders_nf_callback --table OE.ORDER_ITEMS',
    ],
    options: ENABLE_REG,
    summary: true,
    action: (regid: string | undefined, flags, cmd) =>
      invoke(ctx, cmd, { ...flags, regid }, () => import('./commands/enable-reg.js')),
  });

  define(program, 'regs', {
    description: 'list registrations: tables, callback, QoS, operations, timeout',
    examples: ['dcn regs', 'dcn regs --json | jq ".registrations[].regid"'],
    options: REGS,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/regs.js')),
  });

  define<typeof DEREGISTER, [string[]]>(program, 'deregister', {
    description: 'remove registrations (DEREGISTER)',
    argument: ['[regids...]', 'registrations to remove'],
    examples: ['dcn deregister 41', 'dcn deregister --callback orders_nf_callback --yes'],
    options: DEREGISTER,
    summary: true,
    action: (regids: string[], flags, cmd) =>
      invoke(ctx, cmd, { ...flags, regids }, () => import('./commands/deregister.js')),
  });

  define(program, 'tail', {
    description: 'print the notification log (nfresults): the last rows, and with -f the new ones as they come',
    examples: [
      'dcn tail',
      'dcn tail -f --table ORDERS --since 10m',
      'dcn tail --errors --json | jq .error',
      'dcn tail --table EMPLOYEES --key 7 --status failed --until 1h',
    ],
    options: TAIL,
    ndjson: 'rows-only',
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/tail.js')),
  });

  define(program, 'replay', {
    description: 'send again, oldest first, the notifications whose calls failed (listener down), each once',
    examples: ['dcn replay --since 1h --dry-run', 'dcn replay --table ORDERS --json'],
    options: REPLAY,
    summary: true,
    ndjson: true,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/replay.js')),
  });

  const log = program
    .command('log')
    .description('look after the notification log (subcommand: prune)')
    .helpCommand(false)
    .hook('preSubcommand', (_parent, sub) => attachOptions(sub));
  define(log, 'prune', {
    description: 'delete the log rows older than a time, in batches, one commit per batch',
    examples: ['dcn log prune --older-than 30d --dry-run', 'dcn log prune --older-than 30d --keep-failed'],
    options: LOG_PRUNE,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/log-prune.js')),
  });

  define(program, 'doctor', {
    description:
      'check the whole chain: connection, grants, job queue, network ACL, objects, registration, history, last notifications',
    examples: ['dcn doctor', 'dcn doctor --probe --json'],
    options: DOCTOR,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/doctor.js')),
  });

  define(program, 'listen', {
    description: 'serve the URL the database calls for each change, and drop the cached results it names',
    examples: [
      'dcn listen --port 8080 --cache-dir /var/cache/orders',
      'dcn listen --map ORDERS=getOrderFields --refresh ./dist/order-queries.js --json',
    ],
    options: LISTEN,
    ndjson: true,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/listen.js')),
  });

  define(program, 'watch', {
    description:
      "subscribe to the tables' changes from here (no UTL_HTTP, no ACL, no open port) and drop the cached results they name",
    examples: [
      'dcn watch --table OE.ORDERS --table OE.ORDER_ITEMS --cache-dir /var/cache/orders',
      'dcn watch --table HR.EMPLOYEES --map EMPLOYEES=getEmployee --json',
    ],
    options: WATCH,
    ndjson: true,
    action: (flags, cmd) => invoke(ctx, cmd, flags, () => import('./commands/watch.js')),
  });

  define<typeof COMPLETION, [string]>(program, 'completion', {
    description: 'print a completion script for bash, zsh or fish, made from these very commands and flags',
    argument: ['<shell>', 'bash, zsh or fish'],
    examples: [
      'dcn completion bash > /etc/bash_completion.d/dcn',
      'dcn completion zsh > "${fpath[1]}/_dcn"',
      'dcn completion fish > ~/.config/fish/completions/dcn.fish',
    ],
    options: COMPLETION,
    action: (shell: string, flags, cmd) =>
      invoke(
        ctx,
        cmd,
        { ...flags, shell, commands: () => describeCommands(program) },
        () => import('./commands/completion.js'),
      ),
  });

  // `dcn help <command>`: commander's own help command would show a command before its options exist
  program
    .command('help')
    .argument('[command...]', 'the command')
    .description('display help for a command')
    .action((names: string[]) => {
      let cmd: Command = program;
      for (const name of names) {
        const sub = cmd.commands.find((c) => c.name() === name);
        if (!sub) cmd.error(`error: unknown command '${names.join(' ')}'`, { code: 'commander.unknownCommand' });
        else {
          attachOptions(sub);
          cmd = sub;
        }
      }
      cmd.help();
    });

  return program;
}
