import { runDoctor, type DoctorReport } from '../../doctor/doctor.js';
import type { CommandContext } from '../context.js';
import { runWatchDoctor } from '../../doctor/watch-doctor.js';
import { usageError } from '../../errors.js';
import { parseTables } from '../../registrations/registrations.js';
import { parseMap } from '../cache-setup.js';
import { connectionConfig, migrationSet, migrationSetConfig, watchSettings } from '../migration-setup.js';
import type { ConnectionConfig } from '../../config/resolve-config.js';
import { Migrator } from '../../migrator/migrator.js';
import type { Output } from '../output.js';
import type { DoctorFlags } from './doctor.command.js';
import { settingLines, settingRows, type SettingRow } from '../setting-sources.js';
import { withSessions } from '../with-sessions.js';

/** The report, with each setting's value and where it came from. */
type Report = DoctorReport & {
  readonly configFile: string | null;
  readonly environment: string | null;
  readonly settings: readonly SettingRow[];
};

function withSettings(report: DoctorReport, config: ConnectionConfig): Report {
  const settings = settingRows(config);
  return { ...report, configFile: config.configFile ?? null, environment: config.environment ?? null, settings };
}

/** One GET on a fresh connection (no pooled keep-alive socket), 5 s at most. */
async function probe(url: string): Promise<{ status?: number; error?: string }> {
  const { get } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

/** dcn doctor --watch: the chain dcn watch needs, and only that. */
async function runForWatch(flags: DoctorFlags, ctx: CommandContext): Promise<Report> {
  const settings = watchSettings(flags, ctx);
  const tables = parseTables(flags.table?.length ? flags.table : settings.orderTables);
  const functions = parseMap(flags.map);
  const config = connectionConfig(flags, ctx);
  const report = await withSessions(
    flags,
    ctx,
    (sessions) =>
      runWatchDoctor({
        connect: () => sessions.app(),
        who: `${config.user ?? '?'}@${config.connect ?? '?'}`,
        schema: (config.user ?? 'OE').toUpperCase(),
        tables,
        functions,
        orderTables: settings.orderTables,
        orderItemsKeyImmutable: settings.orderItemsKeyImmutable,
      }),
    config,
  );
  return withSettings(report, config);
}

export async function run(flags: DoctorFlags, ctx: CommandContext): Promise<Report> {
  if (flags.watch) return runForWatch(flags, ctx);
  if (flags.table !== undefined || flags.map !== undefined)
    throw usageError('--table and --map go with --watch', 'dcn doctor --watch --table OE.ORDERS');
  const logMaxRows = flags.logMaxRows === undefined ? undefined : Number(flags.logMaxRows);
  if (logMaxRows !== undefined && (!/^\d{1,12}$/.test(flags.logMaxRows!.trim()) || logMaxRows < 1))
    throw usageError(`--log-max-rows ${flags.logMaxRows} is not a number of rows`, 'e.g. --log-max-rows 5000000');
  const config = migrationSetConfig(flags, ctx);
  const v = config.variables;
  const { migrations } = migrationSet(config);
  const report = await withSessions(
    flags,
    ctx,
    async (sessions) => {
      const migrator = new Migrator({
        migrations,
        variables: v,
        historyTable: config.historyTable,
        lockTimeoutSeconds: 0,
        sessions,
      });
      return runDoctor({
        connect: () => sessions.app(),
        who: `${config.user ?? '?'}@${config.connect ?? '?'}`,
        schema: (config.user ?? v.app_schema ?? 'OE').toUpperCase(),
        callbackUrl: v.callback_url!,
        callbackHost: v.callback_host!,
        callbackPort: Number(v.callback_port),
        ordersTable: v.orders_table!,
        orderItemsTable: v.order_items_table!,
        migrator,
        probe: flags.probe ? probe : undefined,
        ...(logMaxRows !== undefined ? { logMaxRows } : {}),
      });
    },
    config,
  );
  return withSettings(report, config);
}

export function print(report: Report, out: Output): void {
  const c = out.color;
  const paint = { ok: c.green, warn: c.yellow, fail: c.red, skipped: c.dim };
  for (const line of settingLines(report, report.settings)) out.line(c.dim(line));
  out.line();
  for (const check of report.checks) {
    out.line(`${paint[check.status](check.status.padEnd(7))} ${check.id.padEnd(20)} ${check.summary}`);
    for (const d of check.details ?? []) out.line(c.dim(`${' '.repeat(29)}${d}`));
    if (check.fix && check.status !== 'ok') out.line(`${' '.repeat(29)}fix: ${check.fix}`);
  }
  const failed = report.checks.filter((x) => x.status === 'fail').length;
  const warned = report.checks.filter((x) => x.status === 'warn').length;
  out.line(
    failed
      ? c.red(`${failed} check(s) failed, ${warned} warning(s).`)
      : warned
        ? c.yellow(`No failures, ${warned} warning(s).`)
        : c.green('All checks passed.'),
  );
}
