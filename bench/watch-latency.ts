// dcn watch: from a notification's arrival to its drop completed, in process, on the fake of
// node-oracledb's subscribe() and a real ResultCache on disk; and the heap over 1,000,000
// notifications. The fake delivers a change on the next turn of the event loop (setImmediate), as
// a socket read would; the time runs from the delivery (the callback's call) to the drop event.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ResultCache } from '../src/cache/result-cache.js';
import { parseQualifiedName } from '../src/oracle/identifiers.js';
import { Watch } from '../src/watch/watch.js';
import { FakeDatabase } from '../test/support/fake-oracle.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const UPDATE = 4;
const ORDERS = 1000;

export interface WatchCost {
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly samples: number };
  readonly flood: { readonly notifications: number; readonly seconds: number; readonly heapMiB: readonly number[] };
}

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function measure(samples = 10_000, flood = 1_000_000): Promise<WatchCost> {
  const db = new FakeDatabase();
  db.grants.add('OE CHANGE NOTIFICATION');
  db.objects.set('TABLE ORDERS', {
    type: 'TABLE',
    name: 'ORDERS',
    owner: 'OE',
    status: 'VALID',
    columns: ['ORDER_ID'],
    primaryKey: ['ORDER_ID'],
  });
  db.tableRows.set(
    'OE.ORDERS',
    Array.from({ length: ORDERS }, (_, i) => ({ ROWID: `AAAR${i}`, ORDER_ID: 3000 + i })),
  );
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-watch-'));
  const cache = new ResultCache({ dir });
  const stop = new AbortController();
  let delivered = 0n;
  let waiting: ((at: bigint) => void) | undefined;
  let dropped = 0;
  const watch = new Watch({
    connect: async () => db.connect('OE'),
    tables: [parseQualifiedName('ORDERS')],
    functions: { ORDERS: 'getOrderFields' },
    orderTables: ['ORDERS', 'ORDER_ITEMS'],
    cache,
    timeoutSeconds: 86_400,
    checkSeconds: 3600,
    name: 'bench',
    signal: stop.signal,
    onEvent: (e) => {
      if (e.action !== 'dropped') return;
      dropped++;
      waiting?.(process.hrtime.bigint());
    },
  });
  const done = watch.run();
  while (db.subscriptions.size === 0) await new Promise((r) => setTimeout(r, 1));
  const sub = [...db.subscriptions.values()][0]!;
  // time from the callback's call: wrap it
  const callback = sub.callback;
  (sub as { callback: typeof callback }).callback = (m) => {
    delivered = process.hrtime.bigint();
    callback(m);
  };

  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const drop = new Promise<bigint>((r) => (waiting = r));
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: `AAAR${i % ORDERS}` }]);
    const at = await drop;
    times.push(Number(at - delivered) / 1e6);
    if (i % 1000 === 0) db.log.length = 0;
  }
  waiting = undefined;
  times.sort((a, b) => a - b);

  const heap: number[] = [heapMiB()];
  const start = process.hrtime.bigint();
  const batch = 1000;
  for (let sent = 0; sent < flood; sent += batch) {
    const target = dropped + batch;
    for (let i = 0; i < batch; i++)
      db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: `AAAR${(sent + i) % ORDERS}` }]);
    while (dropped < target) await new Promise((r) => setImmediate(r));
    db.log.length = 0; // the fake's statement log: not dcn's memory
    if ((sent + batch) % (flood / 10) === 0) heap.push(heapMiB());
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  stop.abort();
  await done;
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    latencyMs: { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]!, samples },
    flood: { notifications: flood, seconds, heapMiB: heap },
  };
}
