/**
 * dcn listen: what the command is, its flags, help and examples. Its handler, ./listen.ts,
 * loads engine modules, so it lives apart and is imported only when the command runs
 * (program.ts): listing every command for `dcn --help` then loads none of them.
 */
import { ENV_NAMES } from '../../config/settings.js';
import { command } from '../command-registry.js';
import { COMMON, type FlagsOf } from '../options.js';
import { settingOptions } from '../setting-options.js';

export const LISTEN = {
  ...COMMON,
  port: { flags: '--port <n>', description: 'port (default 8080; 0 picks a free one)' },
  host: {
    flags: '--host <address>',
    description: `address to bind (default 127.0.0.1; beyond loopback, set ${ENV_NAMES.callbackToken} or it warns)`,
  },
  path: {
    flags: '--path <path>',
    description: 'notification path (default /phpcache/dropResults.php, as in the article)',
  },
  cacheDir: {
    flags: '--cache-dir <dir>',
    description:
      "the application's result cache directory (default ./dcn-cache; created if missing, must be writable, and empty or already a dcn cache)",
  },
  map: {
    flags: '--map <TABLE=function>',
    description:
      'which cached function a table drops: function(order) for ?order_no=…, function(...keys) for ?key=…&key=…; repeatable, added to ORDERS=getOrderFields and ORDER_ITEMS=getOrderItems (TABLE=- leaves a table out, e.g. --map ORDERS=-)',
    repeatable: true,
  },
  refresh: {
    flags: '--refresh <module>',
    description: 'module exporting those functions: compute a dropped result again at once',
  },
  lifetime: { flags: '--lifetime <seconds>', description: 'lifetime of refreshed results (default 3600)' },
  keepCache: {
    flags: '--keep-cache',
    description:
      'keep the cached results at start (default: drop those of the mapped functions once: notifications sent while no listener answered are lost); with --bus nothing is kept: a cache drops all it holds when it subscribes',
  },
  ...settingOptions('listen'),
} as const;
export type ListenFlags = FlagsOf<typeof LISTEN>;

export const LISTEN_COMMAND = command({
  name: 'listen',
  description: 'serve the URL the database calls for each change, and drop the cached results it names',
  examples: [
    'dcn listen --port 8080 --cache-dir /var/cache/orders',
    'dcn listen --map ORDERS=getOrderFields --refresh ./dist/order-queries.js --json',
  ],
  options: LISTEN,
  ndjson: true,
});
