/**
 * dcn watch: what the command is, its flags, help and examples. Its handler, ./watch.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { command } from '../command-registry.js';
import { COMMON, APP_PASSWORD, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';
import { LISTEN } from './listen.command.js';

export const WATCH = {
  ...COMMON,
  ...settingOptions('watch'),
  ...APP_PASSWORD,
  table: { flags: '--table <name>', description: 'TABLE or SCHEMA.TABLE to watch; repeatable', repeatable: true },
  cacheDir: LISTEN.cacheDir,
  map: LISTEN.map,
  timeout: {
    flags: '--timeout <seconds>',
    description:
      'the database drops the subscription after this long unless renewed (default 300): one left by a killed watch goes away; renewed at half of it, and at least every 300 s',
  },
  checkInterval: {
    flags: '--check-interval <seconds>',
    description: 'how often the notification channel and the connection are checked (default 10)',
  },
  metricsPort: {
    flags: '--metrics-port <n>',
    description: 'serve /metrics (Prometheus) and /healthz on this port (default: none; 0 picks a free one)',
  },
  metricsHost: { flags: '--metrics-host <address>', description: 'address the metrics port binds (default 127.0.0.1)' },
} as const;
export type WatchFlags = FlagsOf<typeof WATCH>;

export const WATCH_COMMAND = command({
  name: 'watch',
  description:
    "subscribe to the tables' changes from here (no UTL_HTTP, no ACL, no open port) and drop the cached results they name",
  examples: [
    'dcn watch --table OE.ORDERS --table OE.ORDER_ITEMS --cache-dir /var/cache/orders',
    'dcn watch --table HR.EMPLOYEES --map EMPLOYEES=getEmployee --json',
  ],
  options: WATCH,
  ndjson: true,
});
