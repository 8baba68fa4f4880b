/**
 * The command registry: declares every command and flag and maps them to typed options.
 * Handlers are imported only when their command runs, so `dcn --help` loads commander and
 * nothing else.
 */
import { Command, Option } from 'commander';
import type { CommandContext } from './context.js';
import type { Output } from './output.js';

/** A command module: `run` does the work and returns data; `print` renders it for people. */
export interface CommandModule<F, R> {
  run(flags: F, ctx: CommandContext, out: Output): Promise<R>;
  print(result: R, out: Output, flags: F): void;
}

async function invoke<F extends { json?: boolean }, R>(ctx: CommandContext, flags: F, load: () => Promise<CommandModule<F, R>>): Promise<void> {
  const [mod, { Output }] = await Promise.all([load(), import('./output.js')]);
  const out = await Output.create(ctx, { json: flags.json });
  const result = await mod.run(flags, ctx, out);
  if (out.json) out.document({ ok: true, ...(result as object) });
  else mod.print(result, out, flags);
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
    .option('--json', 'print one JSON document on stdout')
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
    .enablePositionalOptions();

  const migrate = example(
    lockOption(migrationSetOptions(connectionOptions(commonOptions(program.command('migrate')))))
      .description('apply pending migrations (subcommands: status, down, plan, repair)')
      .option('--to <version>', 'apply up to and including this version')
      .option('--resume', 'continue a failed migration from the statement that failed, after fixing it')
      .option('--allow-changed', 'run even though applied migrations changed since they ran')
      .passThroughOptions()
      .action((flags: MigrateFlags & { to?: string; resume?: boolean; allowChanged?: boolean }) => invoke(ctx, flags, () => import('./commands/migrate-up.js'))),
    'DCN_CONNECT=localhost:1521/FREEPDB1 DCN_USER=OE DCN_PASSWORD=… dcn migrate',
    'dcn migrate --to 3 --json',
  );

  example(
    migrationSetOptions(connectionOptions(commonOptions(migrate.command('status'))))
      .description('show every migration: applied, pending, failed, changed or missing')
      .action((flags: MigrateFlags) => invoke(ctx, flags, () => import('./commands/migrate-status.js'))),
    'dcn migrate status',
  );

  example(
    lockOption(migrationSetOptions(connectionOptions(commonOptions(migrate.command('down')))))
      .description("undo applied migrations with their U scripts, newest first (default: the last one)")
      .option('--to <version>', 'undo every migration above this version (0 = all)')
      .option('--steps <n>', 'undo this many migrations')
      .option('--resume', 'continue a failed undo from the statement that failed, after fixing it')
      .action((flags: MigrateFlags & { to?: string; steps?: string; resume?: boolean }) => invoke(ctx, flags, () => import('./commands/migrate-down.js'))),
    'dcn migrate down --steps 2',
    'dcn migrate down --to 0',
  );

  example(
    migrationSetOptions(commonOptions(migrate.command('plan')))
      .description('print the SQL*Plus script that `dcn migrate` would run on a fresh schema (no database needed)')
      .option('--to <version>', 'plan up to and including this version')
      .option('--out <file>', 'write the script to a file instead of stdout')
      .option('--connect <string>', 'name this connect string in CONNECT lines (env DCN_CONNECT)')
      .option('--admin-user <name>', 'name this user in CONNECT lines for admin migrations (env DCN_ADMIN_USER)')
      .addOption(new Option('--admin-privilege <privilege>', 'AS SYSDBA etc. in those CONNECT lines (env DCN_ADMIN_PRIVILEGE)').choices(['sysdba', 'sysoper', 'sysasm', 'sysbackup', 'sysdg', 'syskm', 'none']))
      .action((flags: CommonFlags & MigrationSetFlags & { to?: string; out?: string; connect?: string; adminUser?: string; adminPrivilege?: string }) => invoke(ctx, flags, () => import('./commands/migrate-plan.js'))),
    'dcn migrate plan --out plan.sql && sqlplus oe@localhost:1521/FREEPDB1 @plan.sql',
    'dcn migrate plan --json | jq ".migrations[].statements | length"',
  );

  example(
    lockOption(migrationSetOptions(connectionOptions(commonOptions(migrate.command('repair')))))
      .description('forget failed attempts and accept changed files as applied (drops nothing)')
      .action((flags: MigrateFlags) => invoke(ctx, flags, () => import('./commands/migrate-repair.js'))),
    'dcn migrate repair',
  );

  return program;
}
