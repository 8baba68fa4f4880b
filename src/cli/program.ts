/**
 * The command registry: declares every command and flag and maps them to typed options.
 * Handlers are imported only when their command runs, so `dcn --help` loads commander and
 * nothing else.
 */
import { Command, Option } from 'commander';
import { DcnError, usageError } from '../errors.js';
import type { CommandContext } from './context.js';
import type { Output } from './output.js';

/** A command module: `run` does the work and returns data; `print` renders it for people. */
export interface CommandModule<F, R> {
  run(flags: F, ctx: CommandContext, out: Output): Promise<R>;
  print(result: R, out: Output, flags: F): void;
  /** With --json, the command prints NDJSON lines as it goes; its closing document is one line too ('rows-only': none). */
  readonly ndjson?: boolean | 'rows-only';
}

async function invoke<F extends { json?: boolean }, R>(ctx: CommandContext, flags: F, load: () => Promise<CommandModule<F, R>>): Promise<void> {
  const [mod, { Output }] = await Promise.all([load(), import('./output.js')]);
  const out = await Output.create(ctx, { json: flags.json });
  const result = await mod.run(flags, ctx, out);
  if (out.json) {
    if (mod.ndjson === 'rows-only') return;
    if (mod.ndjson) out.raw(`${JSON.stringify({ ok: true, ...(result as object) })}\n`);
    else out.document({ ok: true, ...(result as object) });
  } else mod.print(result, out, flags);
  // a result that says it is not ok (dcn doctor) ends with exit 1, after its report
  if ((result as { ok?: unknown }).ok === false) throw new DcnError('checks_failed', 'checks failed', { reported: true });
}

export interface CommonFlags {
  json?: boolean;
  verbose?: boolean;
  config?: string;
}

export interface ConnectionFlags {
  connect?: string;
  user?: string;
  adminUser?: string;
  adminPrivilege?: string;
  connectTimeout?: string;
  tnsAdmin?: string;
  passwordStdin?: boolean;
  adminPasswordStdin?: boolean;
}

export interface MigrationSetFlags {
  migrations?: string;
  historyTable?: string;
  define?: string[];
  schema?: string;
  ordersTable?: string;
  orderItemsTable?: string;
  callbackUrl?: string;
  httpTimeout?: string;
  withDemoSchema?: boolean;
}

export type MigrateFlags = CommonFlags & ConnectionFlags & MigrationSetFlags & { lockTimeout?: string };

const collect = (value: string, previous: string[] = []) => [...previous, value];

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print JSON on stdout: one document (tail and listen: one object per line)')
    .option('--verbose', 'show the driver error behind a failure')
    .option('--config <file>', 'config file (default: ./dcn.config.json; env DCN_CONFIG)');
}

function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--connect <string>', 'host:port/service, a tnsnames.ora alias or a descriptor (env DCN_CONNECT)')
    .option('--user <name>', 'schema owner for the app profile, e.g. OE (env DCN_USER)')
    .option('--admin-user <name>', 'DBA user for the admin profile (env DCN_ADMIN_USER)')
    .addOption(new Option('--admin-privilege <privilege>', 'connect the admin user AS SYSDBA etc. (env DCN_ADMIN_PRIVILEGE)').choices(['sysdba', 'sysoper', 'sysasm', 'sysbackup', 'sysdg', 'syskm', 'none']))
    .option('--connect-timeout <seconds>', 'give up connecting after this long (env DCN_CONNECT_TIMEOUT; default 10)')
    .option('--tns-admin <dir>', 'directory holding tnsnames.ora (env TNS_ADMIN)')
    .option('--password-stdin', 'read the app password from the first line of stdin (else DCN_PASSWORD, else a prompt)')
    .option('--admin-password-stdin', 'read the admin password from the first line of stdin (else DCN_ADMIN_PASSWORD, else a prompt)');
}

function migrationSetOptions(cmd: Command): Command {
  return cmd
    .option('--migrations <dir>', "directory of V<n>__<name>.sql files (env DCN_MIGRATIONS; default: dcn's built-in set)")
    .option('--history-table <name>', 'history table in the app schema (env DCN_HISTORY_TABLE; default DCN_SCHEMA_HISTORY)')
    .option('--define <name=value>', 'set a substitution variable (&name) for the scripts; repeatable', collect)
    .option('--schema <name>', 'schema that owns nfresults and the callback (env DCN_SCHEMA; default: the app user, else OE)')
    .option('--orders-table <name>', 'orders table in that schema (default ORDERS)')
    .option('--order-items-table <name>', 'order items table in that schema (default ORDER_ITEMS)')
    .option('--callback-url <url>', 'URL the database calls for each change (env DCN_CALLBACK_URL; default http://localhost:8080/phpcache/dropResults.php)')
    .option('--http-timeout <seconds>', 'transfer timeout of that call (env DCN_HTTP_TIMEOUT; default 5)')
    .option('--with-demo-schema', 'also create a minimal ORDERS/ORDER_ITEMS with the order 2408 (env DCN_DEMO_SCHEMA)');
}

function lockOption(cmd: Command): Command {
  return cmd.option('--lock-timeout <seconds>', 'wait this long for another run to release the lock (env DCN_LOCK_TIMEOUT; default 30; 0 = do not wait)');
}

function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/**
 * Options are attached to a command only when it is about to run (or show its help): building
 * every command's options up front would cost `dcn --help` and every command start-up time.
 */
const pendingOptions = new WeakMap<Command, (cmd: Command) => void>();

function attachOptions(cmd: Command): void {
  const configure = pendingOptions.get(cmd);
  if (configure) {
    pendingOptions.delete(cmd);
    configure(cmd);
  }
}

interface CommandSpec {
  readonly description: string;
  readonly argument?: readonly [string, string];
  readonly examples: readonly string[];
  readonly options: (cmd: Command) => Command;
  readonly action: (...args: never[]) => Promise<void>;
}

/** Edit distance, for "did you mean": two words one typo apart are 1 or 2 apart. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // a swap of two neighbours (stauts) counts as one
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

function unknownSubcommand(parent: string, word: string, known: readonly string[]): DcnError {
  const near = known.filter((k) => distance(word.toLowerCase(), k) <= 2).sort((x, y) => distance(word.toLowerCase(), x) - distance(word.toLowerCase(), y));
  return usageError(`unknown command '${word}' for dcn ${parent}${near.length ? `: did you mean ${near[0]}?` : ''}`, `dcn ${parent} takes: ${known.join(', ')} (or no command: apply pending migrations)`);
}

function define(parent: Command, name: string, spec: CommandSpec): Command {
  const cmd = parent.command(name).description(spec.description).usage(spec.argument ? `[options] ${spec.argument[0]}` : '[options]');
  if (spec.argument) cmd.argument(spec.argument[0], spec.argument[1]);
  cmd.action(spec.action as (...args: unknown[]) => Promise<void>);
  pendingOptions.set(cmd, (c) => example(spec.options(c), ...spec.examples));
  return cmd;
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
    .hook('preSubcommand', (_parent, sub) => attachOptions(sub));

  const migrate = define(program, 'migrate', {
    description: 'apply pending migrations (subcommands: status, down, plan, repair, baseline)',
    examples: ['DCN_CONNECT=localhost:1521/FREEPDB1 DCN_USER=OE DCN_PASSWORD=… dcn migrate', 'dcn migrate --to 3 --json'],
    options: (c) =>
      lockOption(migrationSetOptions(connectionOptions(commonOptions(c))))
        .option('--to <version>', 'apply up to and including this version')
        .option('--resume', 'continue a failed migration from the statement that failed, after fixing it')
        .option('--allow-changed', 'run even though applied migrations changed since they ran')
        .option('--out-of-order', 'also apply new migrations whose version is below one already applied')
        .passThroughOptions(),
    action: (flags: MigrateFlags & { to?: string; resume?: boolean; allowChanged?: boolean; outOfOrder?: boolean }, cmd: Command) => {
      // `dcn migrate stauts` reaches migrate itself with a word left over: name the subcommand meant
      if (cmd.args.length > 0) throw unknownSubcommand('migrate', cmd.args[0]!, cmd.commands.map((c) => c.name()));
      return invoke(ctx, flags, () => import('./commands/migrate-up.js'));
    },
  })
    .allowExcessArguments(true)
    .hook('preSubcommand', (_parent, sub) => attachOptions(sub));

  define(migrate, 'status', {
    description: 'show every migration: applied, pending, outdated, failed, changed or missing',
    examples: ['dcn migrate status'],
    options: (c) => migrationSetOptions(connectionOptions(commonOptions(c))),
    action: (flags: MigrateFlags) => invoke(ctx, flags, () => import('./commands/migrate-status.js')),
  });

  define(migrate, 'down', {
    description: 'undo applied migrations with their U scripts, newest first (default: the last one)',
    examples: ['dcn migrate down --steps 2', 'dcn migrate down --to 0'],
    options: (c) =>
      lockOption(migrationSetOptions(connectionOptions(commonOptions(c))))
        .option('--to <version>', 'undo every migration above this version (0 = all)')
        .option('--steps <n>', 'undo this many migrations')
        .option('--resume', 'continue a failed undo from the statement that failed, after fixing it'),
    action: (flags: MigrateFlags & { to?: string; steps?: string; resume?: boolean }) => invoke(ctx, flags, () => import('./commands/migrate-down.js')),
  });

  define(migrate, 'plan', {
    description: 'print the SQL*Plus script that `dcn migrate` would run on a fresh schema (no database needed)',
    examples: ['dcn migrate plan --out plan.sql && sqlplus oe@localhost:1521/FREEPDB1 @plan.sql', 'dcn migrate plan --json | jq ".migrations[].statements | length"'],
    options: (c) =>
      migrationSetOptions(commonOptions(c))
        .option('--to <version>', 'plan up to and including this version')
        .option('--out <file>', 'write the script to a file instead of stdout')
        .option('--connect <string>', 'name this connect string in CONNECT lines (env DCN_CONNECT)')
        .option('--admin-user <name>', 'name this user in CONNECT lines for admin migrations (env DCN_ADMIN_USER)')
        .addOption(new Option('--admin-privilege <privilege>', 'AS SYSDBA etc. in those CONNECT lines (env DCN_ADMIN_PRIVILEGE)').choices(['sysdba', 'sysoper', 'sysasm', 'sysbackup', 'sysdg', 'syskm', 'none'])),
    action: (flags: CommonFlags & MigrationSetFlags & { to?: string; out?: string; connect?: string; adminUser?: string; adminPrivilege?: string }) =>
      invoke(ctx, flags, () => import('./commands/migrate-plan.js')),
  });

  define(migrate, 'repair', {
    description: 'forget failed attempts and accept changed files as applied (drops nothing)',
    examples: ['dcn migrate repair'],
    options: (c) => lockOption(migrationSetOptions(connectionOptions(commonOptions(c)))),
    action: (flags: MigrateFlags) => invoke(ctx, flags, () => import('./commands/migrate-repair.js')),
  });

  define(migrate, 'baseline', {
    description: 'record migrations up to --version as applied without running them, when their objects are already there',
    examples: ['dcn migrate baseline --version 3', 'dcn migrate baseline --version 3 --json'],
    options: (c) => lockOption(migrationSetOptions(connectionOptions(commonOptions(c)))).requiredOption('--version <version>', 'the last migration whose objects were made without dcn'),
    action: (flags: MigrateFlags & { version: string }) => invoke(ctx, flags, () => import('./commands/migrate-baseline.js')),
  });

  define(program, 'register', {
    description: 'create a registration: the database calls the callback when these tables change',
    examples: [
      'dcn register --table OE.ORDERS --table OE.ORDER_ITEMS',
      'REGID=$(dcn register --table OE.ORDERS --quiet)',
      'dcn register --table ORDERS --qos reliable,rowids --operations insert,update,delete --dry-run',
    ],
    options: (c) =>
      connectionOptions(commonOptions(c))
        .option('--table <name>', 'TABLE or SCHEMA.TABLE to register; repeatable (one registration covers them all)', collect)
        .option('--callback <procedure>', 'PL/SQL procedure Oracle calls (default orders_nf_callback)')
        .option('--qos <names>', 'comma-separated: reliable, rowids, dereg-nfy (default reliable,rowids; query and best-effort are refused: the callback handles object changes only)', collect)
        .option('--operations <names>', 'comma-separated: insert, update, delete, alter, drop, or all (default all)', collect)
        .option('--timeout <seconds>', 'remove the registration after this long (default 0: never)')
        .option('--dry-run', 'print the PL/SQL and binds it would run, without connecting')
        .option('--quiet', 'print only the new registration id'),
    action: (flags: object) => invoke(ctx, flags, () => import('./commands/register.js')),
  });

  define(program, 'enable-reg', {
    description: 'add tables to an existing registration (ENABLE_REG)',
    argument: ['[regid]', 'the registration to add tables to (dcn regs shows them)'],
    examples: ['dcn enable-reg 41 --table OE.ORDER_ITEMS', 'dcn enable-reg --callback orders_nf_callback --table OE.ORDER_ITEMS'],
    options: (c) =>
      connectionOptions(commonOptions(c))
        .option('--table <name>', 'TABLE or SCHEMA.TABLE to add; repeatable', collect)
        .option('--callback <procedure>', 'find the registration by its callback instead of a REGID')
        .option('--dry-run', 'print the PL/SQL and binds it would run, without connecting'),
    action: (regid: string | undefined, flags: object) => invoke(ctx, { ...flags, regid }, () => import('./commands/enable-reg.js')),
  });

  define(program, 'regs', {
    description: 'list registrations: tables, callback, QoS, operations, timeout',
    examples: ['dcn regs', 'dcn regs --json | jq ".registrations[].regid"'],
    options: (c) => connectionOptions(commonOptions(c)).option('--all', "every user's registrations (admin profile, DBA_CHANGE_NOTIFICATION_REGS)"),
    action: (flags: object) => invoke(ctx, flags, () => import('./commands/regs.js')),
  });

  define(program, 'deregister', {
    description: 'remove registrations (DEREGISTER)',
    argument: ['[regids...]', 'registrations to remove'],
    examples: ['dcn deregister 41', 'dcn deregister --callback orders_nf_callback --yes'],
    options: (c) =>
      connectionOptions(commonOptions(c))
        .option('--callback <procedure>', 'remove every registration that uses this callback')
        .option('--all', 'remove all your registrations')
        .option('--yes', 'do not ask (needed to remove more than one when not on a terminal)')
        .option('--dry-run', 'print the PL/SQL and binds it would run, without connecting'),
    action: (regids: string[], flags: object) => invoke(ctx, { ...flags, regids }, () => import('./commands/deregister.js')),
  });

  define(program, 'tail', {
    description: 'print the notification log (nfresults): the last rows, and with -f the new ones as they come',
    examples: ['dcn tail', 'dcn tail -f --table ORDERS --since 10m', 'dcn tail --errors --json | jq .error'],
    options: (c) =>
      connectionOptions(commonOptions(c))
        .option('-n, --lines <n>', 'how many of the last rows to print first (default 20)')
        .option('-f, --follow', 'keep printing new rows until interrupted')
        .option('--interval <seconds>', 'how often to look for new rows when following (default 1)')
        .option('--table <name>', 'only this table (ORDERS, ORDER_ITEMS, …)')
        .option('--order <n>', 'only this order')
        .option('--since <when>', 'only rows since a duration ago (10m, 2h, 1d) or a time (2026-11-26T10:00)')
        .option('--errors', 'only failed calls'),
    action: (flags: object) => invoke(ctx, flags, () => import('./commands/tail.js')),
  });

  define(program, 'doctor', {
    description: 'check the whole chain: connection, grants, job queue, network ACL, objects, registration, history, last notifications',
    examples: ['dcn doctor', 'dcn doctor --probe --json'],
    options: (c) =>
      migrationSetOptions(connectionOptions(commonOptions(c))).option('--probe', 'also check that the callback URL answers (from where dcn runs)'),
    action: (flags: object) => invoke(ctx, flags, () => import('./commands/doctor.js')),
  });

  define(program, 'listen', {
    description: 'serve the URL the database calls for each change, and drop the cached results it names',
    examples: ['dcn listen --port 8080 --cache-dir /var/cache/orders', 'dcn listen --map ORDERS=getOrderFields --refresh ./dist/order-queries.js --json'],
    options: (c) =>
      commonOptions(c)
        .option('--port <n>', 'port (default 8080; 0 picks a free one)')
        .option('--host <address>', 'address to bind (default 127.0.0.1; beyond loopback, set DCN_CALLBACK_TOKEN or it warns)')
        .option('--path <path>', 'notification path (default /phpcache/dropResults.php, as in the article)')
        .option('--cache-dir <dir>', "the application's result cache directory (default ./dcn-cache; created if missing, must be writable)")
        .option('--map <TABLE=function>', 'which cached function a table drops; repeatable (default ORDERS=getOrderFields, ORDER_ITEMS=getOrderItems)', collect)
        .option('--refresh <module>', 'module exporting those functions: compute a dropped result again at once')
        .option('--lifetime <seconds>', 'lifetime of refreshed results (default 3600)'),
    action: (flags: object) => invoke(ctx, flags, () => import('./commands/listen.js')),
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
