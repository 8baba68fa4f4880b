/**
 * What a call of sendNotification says, read from the request: the query string of a GET
 * (?table=T&order_no=N, ?table=T&key=…&key=…, or ?table=T alone), and the body of a batch, the
 * POST ?table=T the callback makes once per table per notification, one line per order
 * ("order_no=N") or per key ("key=…&key=…"), lines joined by a line feed. Parsing only: the
 * listener decides what each call drops.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The callback keeps a batch within 4000 bytes (the log column that holds it, so that dcn replay
 * sends it again as it was); a body 16 times that is no batch of dcn's.
 */
export const MAX_BATCH_BYTES = 65_536;

export interface NotificationQuery {
  table?: string;
  order?: string;
  keys?: string[];
  /** A parameter given twice, or one that does not decode. */
  bad?: boolean;
  /** What was wrong, naming the parameter: for the 400's message. */
  badReason?: string;
}

/** Reads table, order_no and the key parameters from a query string; other parameters are ignored. */
export function parseQuery(query: string): NotificationQuery {
  const out: NotificationQuery = {};
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const eq = query.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      const name = query.slice(start, eq);
      if (name === 'table' || name === 'order_no' || name === 'key') {
        let value = query.slice(eq + 1, end);
        if (value.includes('%') || value.includes('+')) {
          try {
            value = decodeURIComponent(value.replace(/\+/g, ' '));
          } catch {
            out.bad = true;
            out.badReason ??= `${name}=${value.slice(0, 40)} does not decode: a %XX sequence that is not UTF-8`;
          }
        }
        if (name === 'key') (out.keys ??= []).push(value);
        else {
          const key = name === 'table' ? 'table' : 'order';
          if (out[key] !== undefined) {
            out.bad = true;
            out.badReason ??= `${name} is given more than once`;
          }
          out[key] = value;
        }
      }
    }
    start = end + 1;
  }
  return out;
}

/** One line of a batch: an order, or the key values of one entry of a table routed by its key. */
export type BatchEntry = { readonly order: string } | { readonly keys: readonly string[] };

/**
 * The lines of a batch body, each an order or keys, never both, never a table (the table is the
 * query string's, one per call). Any line that is not one of them refuses the whole call: a
 * batch half dropped would be answered 200 for entries it kept.
 */
export function parseBatch(body: string, maxKeys: number): { entries: BatchEntry[] } | { error: string } {
  const entries: BatchEntry[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    // a final line feed ends the last line, it does not start an empty one
    if (line === '' && i === lines.length - 1 && i > 0) break;
    const q = parseQuery(line);
    const where = `line ${i + 1}`;
    if (q.bad)
      return {
        error: `${where}: ${q.badReason ?? 'order_no must be given at most once, and every value must decode'}`,
      };
    if (q.table !== undefined)
      return { error: `${where}: the table is named once, in the URL (?table=…), not in the body` };
    if (q.order !== undefined && q.keys)
      return { error: `${where}: names an order (order_no) or keys (key), not both` };
    if (q.order !== undefined) {
      if (!/^\d{1,15}$/.test(q.order)) return { error: `${where}: order_no must be a whole number` };
      entries.push({ order: q.order });
    } else if (q.keys) {
      if (q.keys.length > maxKeys) return { error: `${where}: at most ${maxKeys} key values` };
      entries.push({ keys: q.keys });
    } else {
      return { error: `${where}: names no order_no and no key` };
    }
  }
  return { entries };
}

/** The body of a request, or 'too-large' as soon as it outgrows the limit (what was sent beyond it is not read). */
export function readBody(req: IncomingMessage, limit = MAX_BATCH_BYTES): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return resolve('too-large');
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    req.once('error', reject);
  });
}
