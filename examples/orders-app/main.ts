/**
 * Runs the example: `npm run example` (after `npm install`), with DCN_CONNECT, DCN_USER and
 * DCN_PASSWORD set for the schema that owns ORDERS and ORDER_ITEMS (e.g. after
 * `dcn migrate --with-demo-schema` and `dcn register --table ORDERS --table ORDER_ITEMS`).
 * PORT (default 8080), HOST (default 127.0.0.1; 0.0.0.0 lets a database in a container reach it)
 * and DCN_CACHE_DIR (default ./dcn-cache) are optional.
 */
import oracledb from 'oracledb';
import { ResultCache } from '../../src/index.js';
import { createOrdersApp } from './app.js';
import { oracleQueries } from './queries.js';

const { DCN_CONNECT, DCN_USER, DCN_PASSWORD } = process.env;
if (!DCN_CONNECT || !DCN_USER || !DCN_PASSWORD) {
  process.stderr.write('Set DCN_CONNECT, DCN_USER and DCN_PASSWORD to the schema that owns ORDERS and ORDER_ITEMS.\n');
  process.exit(2);
}
const pool = await oracledb.createPool({
  connectString: DCN_CONNECT,
  user: DCN_USER,
  password: DCN_PASSWORD,
  connectTimeout: 10,
  poolMax: 4,
});
const cache = new ResultCache({ dir: process.env.DCN_CACHE_DIR ?? 'dcn-cache' });
const app = createOrdersApp({
  cache,
  queries: oracleQueries(pool, oracledb),
  token: process.env.DCN_CALLBACK_TOKEN || undefined,
  onNotification: (e) =>
    process.stdout.write(`${e.time} ${e.status} ${e.table ?? ''} ${e.order ?? '(all)'} ${e.action}\n`),
  onError: (ref, err) => process.stderr.write(`error ${ref}: ${err instanceof Error ? err.message : String(err)}\n`),
});
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
app.listen(port, host, () =>
  process.stdout.write(
    `Orders at http://${host}:${port}/?order_no=2408 (the database calls /phpcache/dropResults.php)\n`,
  ),
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => app.close(() => void pool.close(0).then(() => process.exit(0))));
}
