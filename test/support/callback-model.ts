/**
 * What orders_nf_callback sends for the changed orders of one table, read from its PL/SQL: the
 * fake does not run PL/SQL, so this carries out the few statements that decide the calls, each
 * found in the rendered text or refused (a changed statement it does not understand throws, as
 * the fake does). The rules it reads: the callbackCalls constant, the line of an order, the
 * separator, the batch limit and the comparison that sends a batch before it grows past it, and
 * the call of what is left after the loop. Each call goes through sendNotification: one URL
 * called, one log row, one COMMIT (its autonomous log_result), as R__01 says.
 */
import type { FakeDatabase } from './fake-oracle.js';

export interface CallbackCall {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** The body of a batch: one line per order. */
  readonly body?: string;
}

export interface NotificationCost {
  readonly calls: CallbackCall[];
  readonly commits: number;
  readonly logRows: number;
}

function find(text: string, re: RegExp, what: string): RegExpExecArray {
  const m = re.exec(text);
  if (!m) throw new Error(`the callback model does not understand ${what} in this callback`);
  return m;
}

const compare = (op: string, a: number, b: number) =>
  op === '>='
    ? a >= b
    : op === '>'
      ? a > b
      : op === '<='
        ? a <= b
        : op === '<'
          ? a < b
          : op === '='
            ? a === b
            : a !== b;

/**
 * The calls the callback makes for `orders` (distinct, as its l_seen index leaves them: sorted as
 * text) of the orders table, logged in `db` as sendNotification logs them.
 */
export function notifyOrders(
  callbackSql: string,
  sendSql: string,
  db: FakeDatabase,
  table: string,
  orders: readonly string[],
  status: number | null = 200,
): NotificationCost {
  const mode = find(callbackSql, /c_batch\s+CONSTANT BOOLEAN := '([\w-]+)' = '(\w+)';/, 'the callbackCalls constant');
  const batching = mode[1] === mode[2];
  const limit = Number(find(callbackSql, /c_batch_bytes CONSTANT PLS_INTEGER := (\d+);/, 'the batch limit')[1]);
  const sep = String.fromCharCode(
    Number(find(callbackSql, /c_lf\s+CONSTANT VARCHAR2\(1\) := CHR\((\d+)\);/, 'the line separator')[1]),
  );
  const url = find(callbackSql, /c_url\s+CONSTANT VARCHAR2\(2000\) := '([^']*)';/, 'the callback URL')[1]!;
  const loop = find(
    callbackSql,
    /WHILE l_order IS NOT NULL LOOP\s+IF c_batch THEN\s+add_to_batch\(l_short, l_batch, 'order_no=' \|\| UTL_URL\.ESCAPE\(l_order, TRUE\)\);\s+ELSE\s+call_url\(l_short, p_order => l_order\);\s+END IF;\s+l_order := l_seen\.NEXT\(l_order\);\s+END LOOP;\s+end_batch\(l_short, l_batch\);/,
    'the loop over the orders',
  );
  void loop;
  const add = find(callbackSql, /PROCEDURE add_to_batch [\s\S]*?END add_to_batch;/, 'add_to_batch')[0];
  const alone = find(
    add,
    /IF LENGTHB\(p_line\) (>=|>|<=|<|<>|=) c_batch_bytes THEN\s+call_url\(p_table, p_keys => p_line\);\s+RETURN;\s+END IF;/,
    "add_to_batch's long line",
  );
  const flush = find(
    add,
    /IF p_batch IS NOT NULL AND LENGTHB\(p_batch\) \+ LENGTHB\(p_line\) (>=|>|<=|<|<>|=) c_batch_bytes THEN\s+call_url\(p_table, p_batch => p_batch\);\s+p_batch := NULL;\s+END IF;\s+p_batch := p_batch \|\| CASE WHEN p_batch IS NOT NULL THEN c_lf END \|\| p_line;/,
    "add_to_batch's limit",
  );
  find(
    callbackSql,
    /PROCEDURE end_batch \(p_table VARCHAR2, p_batch VARCHAR2\) IS\s+BEGIN\s+IF p_batch IS NOT NULL THEN\s+call_url\(p_table, p_batch => p_batch\);\s+END IF;\s+END end_batch;/,
    'end_batch',
  );
  const declared = Number(
    find(
      callbackSql,
      /l_order\s+VARCHAR2\(40\);\s+l_why\s+VARCHAR2\(200\);\s+l_batch\s+VARCHAR2\((\d+)\);/,
      "notify_table's batch variable",
    )[1],
  );
  // sendNotification: a batch is a POST of its body, logged whole (one row, one COMMIT)
  find(
    sendSql,
    /BEGIN_REQUEST\(l_url, CASE WHEN batch IS NOT NULL THEN 'POST' ELSE 'GET' END, UTL_HTTP\.HTTP_VERSION_1_1\)/,
    "sendNotification's method",
  );
  find(sendSql, /UTL_HTTP\.WRITE_TEXT\(l_req, batch\);/, "sendNotification's body");
  const logged = Number(
    find(
      sendSql,
      /SUBSTRB\(NVL\(sendNotification\.batch, sendNotification\.key_values\), 1, (\d+)\)/,
      "sendNotification's log of the batch",
    )[1],
  );

  const calls: CallbackCall[] = [];
  let commits = 0;
  const base = `${url}${url.includes('?') ? '&' : '?'}`;
  const send = (call: CallbackCall, order?: string) => {
    calls.push(call);
    db.calls.push(call.body === undefined ? call.url : `POST ${call.url}\n${call.body}`);
    db.logNotification({
      table,
      order: order ?? null,
      keys: call.body === undefined ? null : call.body.slice(0, logged),
      operation: call.body === undefined ? undefined : 'batch',
      status,
    });
    commits++;
  };
  const sendBatch = (body: string) => {
    if (Buffer.byteLength(body) > declared)
      throw new Error(
        `ORA-06502: PL/SQL: numeric or value error: a batch of ${Buffer.byteLength(body)} bytes in VARCHAR2(${declared})`,
      );
    send({ method: 'POST', url: `${base}table=${table}`, body });
  };
  let batch: string | undefined;
  for (const order of [...new Set(orders)].sort()) {
    if (!batching) {
      send({ method: 'GET', url: `${base}order_no=${encodeURIComponent(order)}&table=${table}` }, order);
      continue;
    }
    const line = `order_no=${encodeURIComponent(order)}`;
    if (compare(alone[1]!, Buffer.byteLength(line), limit)) {
      send({ method: 'GET', url: `${base}table=${table}&${line}` });
      continue;
    }
    if (batch !== undefined && compare(flush[1]!, Buffer.byteLength(batch) + Buffer.byteLength(line), limit)) {
      sendBatch(batch);
      batch = undefined;
    }
    batch = batch === undefined ? line : `${batch}${sep}${line}`;
  }
  if (batch !== undefined) sendBatch(batch);
  return { calls, commits, logRows: commits };
}
