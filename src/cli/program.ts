/**
 * The command registry: declares every command and flag and maps them to typed options.
 * Handlers are imported only when their command runs, so `dcn --help` loads commander and
 * nothing else.
 */
import { Command } from 'commander';
import { EXIT_CODES } from '../errors.js';
import {
  addOptions,
  attachOptions,
  define,
  describeCommands,
  exitCodesHelp,
  invoke,
  unknownSubcommand,
} from './command-registry.js';
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
} from './options.js';

export { outputFlags } from './command-registry.js';

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
