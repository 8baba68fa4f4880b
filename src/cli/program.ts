/**
 * The list of dcn's commands: each one's definition (commands/<name>.command.ts) and the
 * handler it runs, imported only when it runs, so `dcn --help` loads commander and the
 * definitions and nothing else.
 */
import { Command } from 'commander';
import { addOptions, attachOptions, define, exitCodesHelp, unknownSubcommand } from './command-registry.js';
import type { CommandContext } from './context.js';
import { COMPLETION_COMMAND } from './commands/completion.command.js';
import { DEREGISTER_COMMAND } from './commands/deregister.command.js';
import { DOCTOR_COMMAND } from './commands/doctor.command.js';
import { ENABLE_REG_COMMAND } from './commands/enable-reg.command.js';
import { LISTEN_COMMAND } from './commands/listen.command.js';
import { LOG_PRUNE_COMMAND } from './commands/log-prune.command.js';
import { MIGRATE_BASELINE_COMMAND } from './commands/migrate-baseline.command.js';
import { MIGRATE_DOWN_COMMAND } from './commands/migrate-down.command.js';
import { MIGRATE_NEW_COMMAND } from './commands/migrate-new.command.js';
import { MIGRATE_PLAN_COMMAND } from './commands/migrate-plan.command.js';
import { MIGRATE_REPAIR_COMMAND } from './commands/migrate-repair.command.js';
import { MIGRATE_STATUS_COMMAND } from './commands/migrate-status.command.js';
import { MIGRATE_UP_COMMAND } from './commands/migrate-up.command.js';
import { MIGRATE_VALIDATE_COMMAND } from './commands/migrate-validate.command.js';
import { REGISTER_COMMAND } from './commands/register.command.js';
import { REGS_COMMAND } from './commands/regs.command.js';
import { REPLAY_COMMAND } from './commands/replay.command.js';
import { TAIL_COMMAND } from './commands/tail.command.js';
import { WATCH_COMMAND } from './commands/watch.command.js';
import { COMMON } from './options.js';

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

  // `dcn migrate` is a command with subcommands, not a parent with a default subcommand
  // (commander's isDefault): with a default one, `dcn migrate --help` would list none of its
  // options, and a mistyped `dcn migrate stauts` would reach it as an excess argument.
  const migrate = define(
    ctx,
    program,
    MIGRATE_UP_COMMAND,
    () => import('./commands/migrate-up.js'),
    (cmd) => {
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
    },
  )
    .allowExcessArguments(true)
    .hook('preSubcommand', (_parent, sub) => attachOptions(sub));
  define(ctx, migrate, MIGRATE_STATUS_COMMAND, () => import('./commands/migrate-status.js'));
  define(ctx, migrate, MIGRATE_VALIDATE_COMMAND, () => import('./commands/migrate-validate.js'));
  define(ctx, migrate, MIGRATE_DOWN_COMMAND, () => import('./commands/migrate-down.js'));
  define(ctx, migrate, MIGRATE_PLAN_COMMAND, () => import('./commands/migrate-plan.js'));
  define(ctx, migrate, MIGRATE_REPAIR_COMMAND, () => import('./commands/migrate-repair.js'));
  define(ctx, migrate, MIGRATE_BASELINE_COMMAND, () => import('./commands/migrate-baseline.js'));
  define(ctx, migrate, MIGRATE_NEW_COMMAND, () => import('./commands/migrate-new.js'));

  define(ctx, program, REGISTER_COMMAND, () => import('./commands/register.js'));
  define(ctx, program, ENABLE_REG_COMMAND, () => import('./commands/enable-reg.js'));
  define(ctx, program, REGS_COMMAND, () => import('./commands/regs.js'));
  define(ctx, program, DEREGISTER_COMMAND, () => import('./commands/deregister.js'));
  define(ctx, program, TAIL_COMMAND, () => import('./commands/tail.js'));
  define(ctx, program, REPLAY_COMMAND, () => import('./commands/replay.js'));

  const log = program
    .command('log')
    .description('look after the notification log (subcommand: prune)')
    .helpCommand(false)
    .hook('preSubcommand', (_parent, sub) => attachOptions(sub));
  define(ctx, log, LOG_PRUNE_COMMAND, () => import('./commands/log-prune.js'));

  define(ctx, program, DOCTOR_COMMAND, () => import('./commands/doctor.js'));
  define(ctx, program, LISTEN_COMMAND, () => import('./commands/listen.js'));
  define(ctx, program, WATCH_COMMAND, () => import('./commands/watch.js'));
  define(ctx, program, COMPLETION_COMMAND, () => import('./commands/completion.js'));

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
