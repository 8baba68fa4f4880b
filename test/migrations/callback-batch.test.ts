/**
 * One call per table per notification (callbackCalls=batch, the default), and the article's one
 * call per order (callbackCalls=per-key), as the PL/SQL says: the fake does not run PL/SQL, so
 * the few statements that decide the calls are carried out from their text (test/support/
 * callback-model.ts, which refuses a statement it does not understand) and the rest is checked
 * for its shape, as plsql-semantics.test.ts does.
 */
import { describe, expect, it } from 'vitest';
import { planFor } from '../support/builtin-settings.js';
import { notifyOrders } from '../support/callback-model.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { parseBatch } from '../../src/listener/callback-request.js';

const sqlOf = (flags: Parameters<typeof planFor>[0]) => {
  const statements = planFor(flags).migrations.flatMap((m) => m.statements);
  return {
    callback: statements.find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql,
    send: statements.find((s) => /PROCEDURE sendNotification/i.test(s.sql))!.sql,
    keyValuesBytes: Number(
      /ALTER TABLE nfresults ADD \(key_values VARCHAR2\((\d+)\)\)/.exec(statements.map((s) => s.sql).join('\n'))![1],
    ),
  };
};
/** K orders of the demo's size (2408 and on). */
const orders = (k: number) => Array.from({ length: k }, (_, i) => String(2408 + i));

function notify(k: number, flags: Parameters<typeof planFor>[0] = {}) {
  const { callback, send } = sqlOf(flags);
  const db = new FakeDatabase();
  const cost = notifyOrders(callback, send, db, 'ORDERS', orders(k));
  return { ...cost, db };
}

describe('a notification of K changed orders', () => {
  it('batch (default): one POST per table, one log row and one COMMIT per call; K = 1,000 needs 4 calls, cut where the log row is full', () => {
    const counts = [1, 100, 1000].map((k) => {
      const { calls, commits, logRows, db } = notify(k);
      return { k, calls: calls.length, commits, logRows, rows: db.nfresults.length };
    });
    expect(counts).toEqual([
      { k: 1, calls: 1, commits: 1, logRows: 1, rows: 1 },
      { k: 100, calls: 1, commits: 1, logRows: 1, rows: 1 },
      // 1,000 lines of "order_no=NNNN" are 13,999 bytes: 4 batches of at most 4,000
      { k: 1000, calls: 4, commits: 4, logRows: 4, rows: 4 },
    ]);
  });

  it('per-key (the article): one GET ?order_no=N&table=ORDERS per order, a log row and a COMMIT each', () => {
    const counts = [1, 100, 1000].map((k) => {
      const { calls, commits, logRows } = notify(k, { callbackCalls: 'per-key' });
      return { k, calls: calls.length, commits, logRows };
    });
    expect(counts).toEqual([1, 100, 1000].map((k) => ({ k, calls: k, commits: k, logRows: k })));
    expect(notify(1, { callbackCalls: 'per-key' }).calls).toEqual([
      { method: 'GET', url: 'http://localhost:8080/phpcache/dropResults.php?order_no=2408&table=ORDERS' },
    ]);
  });

  it('every order is in exactly one batch, each batch fits its log row whole, and the listener reads it back', () => {
    const { calls, db } = notify(1000);
    const { keyValuesBytes } = sqlOf({});
    const seen: string[] = [];
    for (const [i, call] of calls.entries()) {
      expect(call).toMatchObject({
        method: 'POST',
        url: 'http://localhost:8080/phpcache/dropResults.php?table=ORDERS',
      });
      expect(Buffer.byteLength(call.body!)).toBeLessThanOrEqual(keyValuesBytes);
      // logged whole: dcn replay sends the same call again
      expect(db.nfresults[i]).toMatchObject({ OPERATION: 'batch', KEY_VALUES: call.body, ORDER_ID: null });
      const parsed = parseBatch(call.body!, 6);
      if ('error' in parsed) throw new Error(parsed.error);
      for (const e of parsed.entries) seen.push((e as { order: string }).order);
    }
    expect(seen.sort()).toEqual(orders(1000).sort());
    // a batch is as full as its row allows: only the last is short of the limit by more than a line
    for (const call of calls.slice(0, -1))
      expect(Buffer.byteLength(call.body!)).toBeGreaterThan(keyValuesBytes - 'order_no=NNNN'.length - 1);
  });

  it('the batch limit is the log column it is kept in, and the batch variable holds it', () => {
    const { callback, keyValuesBytes } = sqlOf({});
    expect(Number(/c_batch_bytes CONSTANT PLS_INTEGER := (\d+);/.exec(callback)![1])).toBe(keyValuesBytes);
    for (const m of callback.matchAll(/l_batch\s+VARCHAR2\((\d+)\);/g)) expect(Number(m[1])).toBe(keyValuesBytes);
    expect(callback.match(/l_batch\s+VARCHAR2\(/g)).toHaveLength(2);
    // a line of exactly the limit still fits a log row whole: only a longer one is a call of its own
    expect(callback).toMatch(/IF LENGTHB\(p_line\) > c_batch_bytes THEN\s+call_url\(p_table, p_keys => p_line\);/);
  });
});

describe('the callbackCalls setting', () => {
  it('reaches the callback as batch or per-key, and nothing else is accepted', () => {
    expect(sqlOf({}).callback).toMatch(/c_batch\s+CONSTANT BOOLEAN := 'batch' = 'batch';/);
    expect(sqlOf({ callbackCalls: 'per-key' }).callback).toMatch(/c_batch\s+CONSTANT BOOLEAN := 'per-key' = 'batch';/);
    expect(sqlOf({ callbackCalls: 'BATCH' }).callback).toMatch(/c_batch\s+CONSTANT BOOLEAN := 'batch' = 'batch';/);
    expect(() => planFor({ callbackCalls: 'one' })).toThrow(/callbackCalls: 'one' is neither batch nor per-key/);
    expect(() => planFor({ define: ["callback_calls=batch' OR 'x"] })).toThrow(
      /callback_calls .* is neither batch nor per-key/,
    );
    expect(sqlOf({}).callback).toBe(
      planFor({}, { DCN_CALLBACK_CALLS: 'batch' })
        .migrations.flatMap((m) => m.statements)
        .find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql,
    );
    expect(
      planFor({}, { DCN_CALLBACK_CALLS: 'per-key' })
        .migrations.flatMap((m) => m.statements)
        .find((s) => /PROCEDURE orders_nf_callback/i.test(s.sql))!.sql,
    ).toMatch(/'per-key' = 'batch'/);
  });
});

describe('the PL/SQL of a batch', () => {
  const { callback, send } = sqlOf({});
  const procedure = (name: string) => new RegExp(`PROCEDURE ${name} [\\s\\S]*?END ${name};`).exec(callback)![0];

  it('routed tables batch their keys the same way, and send what is left after the loop', () => {
    expect(procedure('notify_routed')).toMatch(
      /WHILE l_key IS NOT NULL LOOP\s+IF c_batch THEN\s+add_to_batch\(l_short, l_batch, l_key\);\s+ELSE\s+call_url\(l_short, p_keys => l_key\);\s+END IF;\s+l_key := l_seen\.NEXT\(l_key\);\s+END LOOP;\s+end_batch\(l_short, l_batch\);/,
    );
  });

  it('sendNotification POSTs the batch with its length, after the token, before it reads the answer', () => {
    const body = /IF batch IS NOT NULL THEN([\s\S]*?)END IF;\s+l_resp := UTL_HTTP\.GET_RESPONSE\(l_req\);/.exec(
      send,
    )![1]!;
    expect(body).toMatch(
      /SET_HEADER\(l_req, 'Content-Length', TO_CHAR\(LENGTHB\(batch\)\)\);\s+UTL_HTTP\.WRITE_TEXT\(l_req, batch\);\s*$/,
    );
    expect(send.indexOf("'X-Dcn-Token'")).toBeLessThan(send.indexOf('WRITE_TEXT'));
    // the URL of a batch names the table alone: the orders and keys are in the body
    expect(send).toMatch(/CASE WHEN order_id IS NOT NULL THEN 'order_no='/);
    expect(send).toMatch(/CASE WHEN key_values IS NOT NULL AND batch IS NULL THEN c_amp \|\| key_values END;/);
  });

  it('reuses one connection for the calls of a notification and closes it at its end, also after an error', () => {
    const reuse = procedure('reuse_connections');
    expect(reuse).toMatch(
      /IF NOT p_on THEN\s+UTL_HTTP\.CLOSE_PERSISTENT_CONNS;\s+END IF;\s+UTL_HTTP\.SET_PERSISTENT_CONN_SUPPORT\(p_on, CASE WHEN p_on THEN 1 ELSE 0 END\);/,
    );
    expect(reuse).toMatch(/EXCEPTION\s+WHEN OTHERS THEN NULL;/);
    const handler =
      /EXCEPTION\s+WHEN OTHERS THEN\s+BEGIN\s+log_event\(NULL, 'error', NULL, 'orders_nf_callback failed'[\s\S]*?END;\s+([\s\S]*?)END orders_nf_callback;/.exec(
        callback,
      )![1]!;
    expect(handler.trim()).toBe('reuse_connections(FALSE);');
  });
});
