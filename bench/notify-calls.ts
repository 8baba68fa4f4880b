// One notification naming K changed orders: how many HTTP calls, COMMITs and log rows the
// callback makes, on the driver fake (its PL/SQL carried out by test/support/callback-model.ts),
// for callbackCalls=batch (the default) and per-key (the article's contract); and what those
// calls cost the database's job against dcn listen over loopback HTTP: per-key as UTL_HTTP makes
// them without persistent connections (a new TCP connection each), batch as the callback makes
// them (one kept-alive connection for the notification).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../src/cache/result-cache.js';
import { startListener } from '../src/listener/listener.js';
import { planFor } from '../test/support/builtin-settings.js';
import { notifyOrders, type CallbackCall } from '../test/support/callback-model.js';
import { FakeDatabase } from '../test/support/fake-oracle.js';

export interface NotificationCount {
  readonly keys: number;
  readonly mode: 'batch' | 'per-key';
  readonly calls: number;
  readonly commits: number;
  readonly logRows: number;
  readonly bodyBytes: number;
  readonly callList: CallbackCall[];
}

export function count(keys: number, mode: 'batch' | 'per-key'): NotificationCount {
  const statements = planFor({ callbackCalls: mode }).migrations.flatMap((m) => m.statements);
  const callback = statements.find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql;
  const send = statements.find((s) => /PROCEDURE sendNotification/i.test(s.sql))!.sql;
  const db = new FakeDatabase();
  const orders = Array.from({ length: keys }, (_, i) => String(2408 + i));
  const cost = notifyOrders(callback, send, db, 'ORDERS', orders);
  if (db.nfresults.length !== cost.logRows)
    throw new Error('the fake logged another number of rows than the calls made');
  return {
    keys,
    mode,
    calls: cost.calls.length,
    commits: cost.commits,
    logRows: db.nfresults.length,
    bodyBytes: cost.calls.reduce((n, c) => n + (c.body ? Buffer.byteLength(c.body) : 0), 0),
    callList: cost.calls,
  };
}

/** The calls of one notification sent to a real dcn listen, one after another as the job sends them; ms. */
export async function timeCalls(calls: CallbackCall[], keepAlive: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-notify-'));
  const cache = new ResultCache({ dir });
  const listener = await startListener({ cache, port: 0, token: 'tok' });
  const base = new URL(listener.url);
  const agent = new Agent({ keepAlive, maxSockets: 1 });
  const one = (c: CallbackCall) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(c.url.replace('http://localhost:8080', `http://${base.host}`));
      const headers: Record<string, string> = {
        'x-dcn-token': 'tok',
        ...(c.body !== undefined
          ? { 'content-type': 'text/plain; charset=us-ascii', 'content-length': String(Buffer.byteLength(c.body)) }
          : {}),
      };
      const req = request(
        { host: u.hostname, port: u.port, path: u.pathname + u.search, method: c.method, headers, agent },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
  // the cache's store is created by the first drop; not part of the notification
  await one(calls[0]!);
  const t0 = performance.now();
  for (const c of calls) {
    const status = await one(c);
    if (status !== 200 && status !== 404) throw new Error(`listener answered ${status}`);
  }
  const ms = performance.now() - t0;
  agent.destroy();
  await listener.close();
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}
