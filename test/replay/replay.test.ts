import { describe, expect, it } from 'vitest';
import { pendingReplays, replay, type ReplayedCall } from '../../src/replay/replay.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';

const URL = 'http://app:8080/phpcache/dropResults.php';
const t0 = Date.parse('2026-12-02T10:00:00Z');

/** nfresults with V7's and V8's columns, and a log: calls that failed while the listener was down, among answered ones. */
function withLog(): FakeDatabase {
  const db = new FakeDatabase();
  db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
  db.addedColumns.set('NFRESULTS', new Set(['REPLAYED_BY', 'KEY_VALUES']));
  const failed = (table: string, order: string | null, minute: number) => ({
    table,
    order,
    status: null,
    message: `call failed: ${URL}`,
    error: 'ORA-29273: HTTP request failed\nORA-12541: TNS:no listener',
    at: new Date(t0 + minute * 60_000),
  });
  db.logNotification({ table: 'ORDERS', order: '2400', status: 200, message: '200 OK', at: new Date(t0) });
  db.logNotification(failed('ORDERS', '2408', 1));
  db.logNotification(failed('ORDER_ITEMS', '2408', 2));
  db.logNotification({
    table: 'ORDERS',
    order: '2401',
    status: 500,
    message: '500 Internal Server Error',
    at: new Date(t0 + 3 * 60_000),
  });
  db.logNotification(failed('ORDERS', null, 4));
  db.logNotification({ event: 'objchange', table: 'ORDERS', message: 'table drop', at: new Date(t0 + 5 * 60_000) });
  return db;
}

async function run(db: FakeDatabase, options: Partial<Parameters<typeof replay>[1]> = {}) {
  const seen: ReplayedCall[] = [];
  const result = await replay(db.connect('OE'), { url: URL, ...options, onCall: (c) => seen.push(c) });
  return { result, seen };
}

describe('dcn replay', () => {
  it('sends every failed call again, oldest first, through sendNotification, and marks each with its new call', async () => {
    const db = withLog();
    const { result, seen } = await run(db);
    expect(result).toEqual({ dryRun: false, calls: 4, answered: 4 });
    expect(seen.map((c) => [c.id, c.table, c.order, c.sent?.status])).toEqual([
      [2, 'ORDERS', '2408', 200],
      [3, 'ORDER_ITEMS', '2408', 200],
      [4, 'ORDERS', '2401', 200], // a 500 is a failed call too
      [5, 'ORDERS', null, 200], // a table-level one stays table-level
    ]);
    expect(db.calls).toEqual([
      `${URL}?order_no=2408&table=ORDERS`,
      `${URL}?order_no=2408&table=ORDER_ITEMS`,
      `${URL}?order_no=2401&table=ORDERS`,
      `${URL}?table=ORDERS`,
    ]);
    // each failed row names the row of its new call, which says what it replays
    for (const c of seen) {
      expect(db.nfresults.find((r) => r.ID === c.id)!.REPLAYED_BY).toBe(c.sent!.id);
      expect(db.nfresults.find((r) => r.ID === c.sent!.id)!.RSLT_MSG).toBe(`200 OK (replay of #${c.id})`);
    }
  });

  it('sends nothing twice: a second replay finds nothing', async () => {
    const db = withLog();
    await run(db);
    const again = await run(db);
    expect(again.result).toEqual({ dryRun: false, calls: 0, answered: 0 });
    expect(db.calls).toHaveLength(4);
    expect(await pendingReplays(db.connect('OE'))).toEqual({ failed: 0 });
  });

  it('stops at the first call that fails again: it and the rest stay to be replayed, nothing is lost', async () => {
    const db = withLog();
    db.callbackAnswer = null; // still nothing listens
    const { result } = await run(db);
    expect(result.calls).toBe(1);
    expect(result.stoppedAt).toMatchObject({ id: 2, sent: { status: null, ok: false } });
    // the failed replay is itself a failed call, the next replay sends it; the others were not touched
    expect(await pendingReplays(db.connect('OE'))).toMatchObject({ failed: 4 });
    db.callbackAnswer = 200;
    const later = await run(db);
    expect(later.seen.map((c) => [c.table, c.order])).toEqual([
      ['ORDER_ITEMS', '2408'],
      ['ORDERS', '2401'],
      ['ORDERS', null],
      ['ORDERS', '2408'],
    ]);
    expect(await pendingReplays(db.connect('OE'))).toEqual({ failed: 0 });
  });

  it('marks a call with the id sendNotification returns for its log row, also when a long URL cut the message in the log', async () => {
    const db = withLog();
    db.callbackAnswer = null; // the message is then "call failed: <url> (replay of #2)", cut to 4000 bytes
    const long = `${URL}?tenant=${'x'.repeat(4100)}`;
    const { result } = await run(db, { url: long });
    const newRow = db.nfresults.at(-1)!;
    expect(Buffer.byteLength(String(newRow.RSLT_MSG))).toBe(4000);
    expect(String(newRow.RSLT_MSG)).not.toMatch(/replay of #2/);
    expect(result.stoppedAt).toMatchObject({ id: 2, sent: { id: newRow.ID, status: null, ok: false } });
    expect(db.nfresults.find((r) => r.ID === 2)!.REPLAYED_BY).toBe(newRow.ID);
  });

  it('takes only the calls since a time, or of one table; a dry run sends nothing', async () => {
    const db = withLog();
    expect((await run(db, { dryRun: true })).seen.map((c) => c.id)).toEqual([2, 3, 4, 5]);
    expect(db.calls).toEqual([]);
    expect((await run(db, { dryRun: true, since: new Date(t0 + 2 * 60_000) })).seen.map((c) => c.id)).toEqual([
      3, 4, 5,
    ]);
    expect((await run(db, { dryRun: true, table: 'ORDER_ITEMS' })).seen.map((c) => c.id)).toEqual([3]);
    const some = await run(db, { table: 'ORDERS', since: new Date(t0 + 2 * 60_000) });
    expect(some.seen.map((c) => c.id)).toEqual([4, 5]);
    expect(await pendingReplays(db.connect('OE'))).toEqual({ failed: 2, since: new Date(t0 + 60_000).toISOString() });
  });

  it('reads a backlog a page at a time, in order, each row once', async () => {
    const db = withLog();
    // 1,001 failed calls: one more than two pages of 500
    for (let i = 0; i < 997; i++)
      db.logNotification({
        table: 'ORDERS',
        order: String(3000 + i),
        status: null,
        message: 'call failed',
        error: 'ORA-29273',
      });
    db.nfresultsRowsRead = 0;
    const { result, seen } = await run(db);
    expect(result.calls).toBe(1001);
    expect(seen.map((c) => c.id)).toEqual([...seen.map((c) => c.id)].sort((a, b) => a - b));
    expect(new Set(seen.map((c) => c.id)).size).toBe(1001);
    // pages of 500 rows (the query's FETCH FIRST): 3 pages, then an empty one
    expect(db.log.filter((l) => l.name === 'replay.failed')).toHaveLength(4);
    expect(db.nfresultsRowsRead).toBe(1001);
  });

  it('sends only calls logged before it began: a call failing meanwhile waits for the next replay', async () => {
    const db = withLog();
    let logged = false;
    db.beforeExecute = (_session, _sql, name) => {
      if (name === 'replay.send' && !logged) {
        logged = true;
        db.logNotification({
          table: 'ORDERS',
          order: '9999',
          status: null,
          message: 'call failed',
          error: 'ORA-29273',
        });
      }
    };
    const { result } = await run(db);
    expect(result.calls).toBe(4);
    expect(db.calls.some((c) => c.includes('9999'))).toBe(false);
    expect(await pendingReplays(db.connect('OE'))).toMatchObject({ failed: 1 });
  });

  it('needs V7 and V8 (the replayed_by and key_values columns), and says to migrate', async () => {
    const db = withLog();
    db.addedColumns.set('NFRESULTS', new Set(['REPLAYED_BY']));
    await expect(run(db)).rejects.toMatchObject({
      code: 'not_found',
      message: 'NFRESULTS has no KEY_VALUES column: migrations V7 and V8 are not both applied',
      remedies: [{ kind: 'migrate' }],
    });
    db.addedColumns.clear();
    await expect(run(db)).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/^NFRESULTS has no REPLAYED_BY column/),
    });
  });

  it('says to migrate when sendNotification is older than this dcn (no log id to return)', async () => {
    const db = withLog();
    db.failOn(
      /sendNotification\(/,
      "ORA-06550: line 4, column 3:\nPLS-00306: wrong number or types of arguments in call to 'SENDNOTIFICATION'",
    );
    await expect(run(db)).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/^sendNotification is older than this dcn/),
      remedies: [{ kind: 'migrate' }],
    });
    expect(db.nfresults.find((r) => r.ID === 2)!.REPLAYED_BY).toBeUndefined();
  });

  it('sends a call for a table routed by its own key with the same keys', async () => {
    const db = withLog();
    db.nfresults.length = 0;
    db.logNotification({ table: 'EMPLOYEES', keys: 'key=7', status: null, message: 'call failed', error: 'ORA-29273' });
    db.logNotification({
      table: 'JOB_HISTORY',
      keys: 'key=101&key=1993-01-13',
      status: null,
      message: 'call failed',
      error: 'ORA-29273',
    });
    const { seen } = await run(db);
    expect(seen.map((c) => [c.table, c.order, c.keys])).toEqual([
      ['EMPLOYEES', null, 'key=7'],
      ['JOB_HISTORY', null, 'key=101&key=1993-01-13'],
    ]);
    expect(db.calls).toEqual([`${URL}?table=EMPLOYEES&key=7`, `${URL}?table=JOB_HISTORY&key=101&key=1993-01-13`]);
    expect(db.nfresults.slice(2).map((r) => [r.OPERATION, r.KEY_VALUES])).toEqual([
      ['key', 'key=7'],
      ['key', 'key=101&key=1993-01-13'],
    ]);
  });

  it('sends a failed batch again as it was: the POST of the same body, logged again as a batch', async () => {
    const db = withLog();
    db.nfresults.length = 0;
    const body = 'order_no=2408\norder_no=2409\norder_no=2410';
    db.logNotification({
      table: 'ORDERS',
      keys: body,
      operation: 'batch',
      status: null,
      message: 'call failed',
      error: 'ORA-29273',
    });
    db.logNotification({
      table: 'JOB_HISTORY',
      keys: 'key=101&key=1993-01-13\nkey=102&key=1997-03-24',
      operation: 'batch',
      status: 500,
      message: '500 Internal Server Error',
    });
    const { result, seen } = await run(db);
    expect(result).toEqual({ dryRun: false, calls: 2, answered: 2 });
    expect(seen.map((c) => [c.id, c.table, c.order, c.batch])).toEqual([
      [1, 'ORDERS', null, true],
      [2, 'JOB_HISTORY', null, true],
    ]);
    expect(db.calls).toEqual([
      `POST ${URL}?table=ORDERS\n${body}`,
      `POST ${URL}?table=JOB_HISTORY\nkey=101&key=1993-01-13\nkey=102&key=1997-03-24`,
    ]);
    expect(db.nfresults.slice(2).map((r) => [r.OPERATION, r.KEY_VALUES, r.STATUS_CODE])).toEqual([
      ['batch', body, 200],
      ['batch', 'key=101&key=1993-01-13\nkey=102&key=1997-03-24', 200],
    ]);
    expect(db.nfresults.slice(0, 2).map((r) => r.REPLAYED_BY)).toEqual([3, 4]);
  });
});

describe('dcn replay (command)', () => {
  const env = { ...DB_ENV, DCN_CALLBACK_URL: URL };

  it('prints each call it sent with its answer, then a summary; exit 0', async () => {
    const db = withLog();
    const r = await runCli(['replay'], { env, db });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^#2 {2}2026-12-02 10:01:00 {2}ORDERS {9}order 2408 {2}→ 200 \(logged as #7\)$/);
    expect(lines[3]).toMatch(/^#5 .*ORDERS {9}whole table {2}→ 200/);
    expect(lines[4]).toBe(`4 failed calls sent again to ${URL}, all answered.`);
    expect(db.calls).toHaveLength(4);
    expect((await runCli(['replay'], { env, db })).stdout).toBe('No failed calls to replay.\n');
  });

  it('sends to the callback URL setting, as the callback does', async () => {
    const db = withLog();
    await runCli(['replay', '--table', 'order_items', '--callback-url', 'http://other:9090/drop'], { env, db });
    expect(db.calls).toEqual(['http://other:9090/drop?order_no=2408&table=ORDER_ITEMS']);
  });

  it('stops with exit 1 when a call fails again, and says what to do', async () => {
    const db = withLog();
    db.callbackAnswer = null;
    const r = await runCli(['replay'], { env, db });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^#2 .*→ no answer \(logged as #7\)\nCall #2 failed again: stopped\. 0 of the calls were answered; the rest stay to be replayed\.\n {2}hint: .*dcn doctor --probe.*dcn replay/,
    );
    expect(db.calls).toHaveLength(1);
  });

  it('prints NDJSON with --json: one line per call, then the summary with ok', async () => {
    const db = withLog();
    db.callbackAnswer = 503;
    const r = await runCli(['replay', '--json', '--since', '2026-12-02T10:02:00Z'], { env, db });
    expect(r.code).toBe(1);
    const docs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs).toEqual([
      {
        call: {
          id: 3,
          time: '2026-12-02T10:02:00.000Z',
          table: 'ORDER_ITEMS',
          order: '2408',
          keys: null,
          sent: { id: 7, status: 503, ok: false },
        },
      },
      { ok: false, dryRun: false, calls: 1, answered: 0, stoppedAt: docs[0].call, url: URL },
    ]);
  });

  it('--dry-run lists the calls and sends nothing', async () => {
    const db = withLog();
    const r = await runCli(['replay', '--dry-run'], { env, db });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(
      `4 failed calls would be sent again to ${URL} (dry run: nothing sent).`,
    );
    expect(r.stdout).not.toMatch(/→/);
    expect(db.calls).toEqual([]);
  });

  it('refuses a bad --since or --table before connecting (exit 2)', async () => {
    for (const args of [
      ['--since', 'yesterday'],
      ['--table', 'ORDERS;drop'],
    ]) {
      const r = await runCli(['replay', ...args], { env, db: withLog() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`dcn: error: ${args.join(' ').replace(/[.*+?^${}()|[\]\\;]/g, '\\$&')}`));
      expect(r.driverLoads()).toBe(0);
    }
  });

  it('says to run dcn migrate when V7 is not applied (exit 2)', async () => {
    const db = withLog();
    db.addedColumns.clear();
    const r = await runCli(['replay'], { env, db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /NFRESULTS has no REPLAYED_BY column: migrations V7 and V8 are not both applied\n {2}hint: apply them: `dcn migrate`/,
    );
  });
});
