import { describe, expect, it } from 'vitest';
import { parseSince, Tail, tailQuery, type TailFilters } from '../../src/tail/tail.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { syntaxErrors } from '../support/plsql-grammar.js';

/** A fake with NFRESULTS and some notifications in it. */
function withLog(rows = 30): FakeDatabase {
  const db = new FakeDatabase();
  db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
  db.addedColumns.set('NFRESULTS', new Set(['REPLAYED_BY', 'KEY_VALUES'])); // a log at V8
  const t0 = Date.parse('2026-11-26T10:00:00Z');
  for (let i = 0; i < rows; i++) {
    const failed = i % 10 === 9;
    db.logNotification({
      table: i % 2 ? 'ORDER_ITEMS' : 'ORDERS',
      order: String(2400 + (i % 5)),
      status: failed ? null : 200,
      message: failed
        ? 'call failed: http://app:8080/phpcache/dropResults.php?order_no=2404&table=ORDER_ITEMS'
        : '200 OK',
      error: failed
        ? 'ORA-29273: HTTP request failed: ORA-24247: network access denied by access control list (ACL)'
        : null,
      at: new Date(t0 + i * 60_000),
    });
  }
  return db;
}

const ids = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).id as number);

/**
 * Runs `dcn tail -f` on the fake; before each poll `onPoll(n, session)` may change the log, and
 * the run is stopped (as by Ctrl-C) after poll `stopAt`.
 */
async function follow(
  db: FakeDatabase,
  args: string[],
  stopAt: number,
  onPoll: (poll: number, session: Parameters<NonNullable<FakeDatabase['beforeExecute']>>[0]) => void,
) {
  let polls = 0;
  let stop!: (s: string) => void;
  const stopped = new Promise<string>((r) => (stop = r));
  db.beforeExecute = (session, _sql, name) => {
    if (name !== 'tail.select') return;
    polls++;
    onPoll(polls, session);
    if (polls === stopAt) stop('SIGINT');
  };
  const r = await runCli(['tail', '-f', '--json', '--interval', '0.1', ...args], { env: DB_ENV, db, stop: stopped });
  return { ...r, polls };
}

describe('dcn tail', () => {
  it('prints the last 20 rows, oldest first, in aligned columns', async () => {
    const r = await runCli(['tail'], { env: DB_ENV, db: withLog() });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(lines[0]).toBe('2026-11-26 10:10:00.000  ORDERS         2400     200    200 OK');
    expect(lines[19]).toMatch(
      /^2026-11-26 10:29:00\.000 {2}ORDER_ITEMS {4}2404 {5}- {6}call failed: .* — ORA-29273: HTTP request failed: ORA-24247/,
    );
  });

  it('prints NDJSON with --json, and filters by table, order, time and failure', async () => {
    const db = withLog();
    const all = ids((await runCli(['tail', '--json', '-n', '100'], { env: DB_ENV, db })).stdout);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(ids((await runCli(['tail', '--json', '--table', 'orders'], { env: DB_ENV, db })).stdout)).toEqual([
      1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29,
    ]);
    expect(ids((await runCli(['tail', '--json', '--order', '2403'], { env: DB_ENV, db })).stdout)).toEqual([
      4, 9, 14, 19, 24, 29,
    ]);
    expect(ids((await runCli(['tail', '--json', '--since', '2026-11-26T10:25Z'], { env: DB_ENV, db })).stdout)).toEqual(
      [26, 27, 28, 29, 30],
    );
    const errors = (await runCli(['tail', '--json', '--errors'], { env: DB_ENV, db })).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => e.id)).toEqual([10, 20, 30]);
    expect(errors[0]).toMatchObject({
      table: 'ORDER_ITEMS',
      order: '2404',
      status: null,
      error: expect.stringContaining('ORA-24247'),
    });
    // every value reached the database as a bind
    const sent = db.log.filter((l) => l.name === 'tail.select');
    for (const s of sent) expect(s.sql).not.toMatch(/ORDERS'|2403|10:25/);
  });

  it('says to run dcn migrate when there is no nfresults, with exit 2', async () => {
    const r = await runCli(['tail'], { env: DB_ENV, db: new FakeDatabase() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /the notification log NFRESULTS does not exist in OE .*\n {2}hint: install it with `dcn migrate`/,
    );
    // following from the end reads only the highest id first: the same answer, in one query
    const follow = await runCli(['tail', '-f', '-n', '0'], { env: DB_ENV, db: new FakeDatabase() });
    expect(follow.code).toBe(2);
    expect(follow.stderr).toMatch(/the notification log NFRESULTS does not exist in OE /);
    expect(follow.db.log.filter((l) => l.name?.startsWith('tail.'))).toHaveLength(1);
  });

  it.each([
    ['--since', 'yesterday'],
    ['--table', 'ORDERS;'],
    ['--order', "1' OR '1"],
    ['-n', '-3'],
    ['--interval', '0'],
  ])('rejects %s %s with exit 2 before connecting', async (flag, value) => {
    const r = await runCli(['tail', flag, value], { env: DB_ENV });
    expect(r.code).toBe(2);
    expect(r.driverLoads()).toBe(0);
  });

  it('follows new rows in batches, across a dropped connection, without losing or repeating one; Ctrl-C exits 0', async () => {
    const db = withLog(5);
    const r = await follow(db, ['-n', '2'], 14, (poll, session) => {
      // rows keep arriving: 3 before most polls, 1,200 at once before the 4th
      if (poll === 4)
        for (let i = 0; i < 1200; i++)
          db.logNotification({ table: 'ORDERS', order: '1', status: 200, message: '200 OK' });
      else if (poll < 12)
        for (let i = 0; i < 3; i++)
          db.logNotification({ table: 'ORDERS', order: String(poll), status: 200, message: '200 OK' });
      // the database connection drops during the 7th poll and the first retry
      if (poll === 7 || poll === 8) session.kill();
    });
    expect(r.code).toBe(0);
    // the first query (-n 2) came after 3 more rows: it printed 7 and 8; then every new row once
    expect(ids(r.stdout)).toEqual(Array.from({ length: db.nfresults.length - 6 }, (_, i) => i + 7));
    expect(r.stderr.match(/connection lost/g)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /connection lost \(NJS-500: connection to Oracle Database was closed or broken\); reconnecting…\ndcn tail: reconnected; going on after id \d+/,
    );
    // one query per poll, on the key, never more than a batch of rows
    const queries = db.log.filter((l) => l.name === 'tail.select');
    for (const q of queries.slice(1)) {
      expect(q.sql).toMatch(/where "ID" > :1 order by "ID" asc\) where rownum <= :2$/);
      expect((q.binds as unknown[])[1]).toBe(500);
    }
    expect(db.sessions.every((s) => s.closed || !s.alive)).toBe(true);
  }, 20_000);
});

/** withLog, and calls for a routed table: EMPLOYEES 7 (ok, then failed), a composite key, a table-level call. */
function withKeys(): FakeDatabase {
  const db = withLog(4);
  const at = (minute: number) => new Date(Date.parse('2026-11-26T11:00:00Z') + minute * 60_000);
  db.logNotification({ table: 'EMPLOYEES', keys: 'key=7', status: 200, message: '200 OK', at: at(0) }); // 5
  db.logNotification({ table: 'EMPLOYEES', keys: 'key=8', status: 200, message: '200 OK', at: at(1) }); // 6
  db.logNotification({ table: 'JOB_HISTORY', keys: 'key=101&key=A%20B', status: 200, message: '200 OK', at: at(2) }); // 7
  db.logNotification({
    table: 'EMPLOYEES',
    keys: 'key=7',
    status: 500,
    message: '500 Internal Server Error',
    at: at(3),
  }); // 8
  db.logNotification({ table: 'EMPLOYEES', status: 200, message: '200 OK', at: at(4) }); // 9: table level
  db.logNotification({ table: 'ORDERS', event: 'error', message: 'callback error', at: at(5) }); // 10: no status, no error text
  return db;
}

describe('dcn tail: keys, status and a time window', () => {
  it("shows the key of a routed table's call, in the text and in --json", async () => {
    const db = withKeys();
    const text = (await runCli(['tail', '-n', '6'], { env: DB_ENV, db })).stdout.trim().split('\n');
    expect(text[0]).toBe('2026-11-26 11:00:00.000  EMPLOYEES      key=7    200    200 OK');
    expect(text[2]).toMatch(/ JOB_HISTORY {4}key=101&key=A%20B 200 {4}200 OK$/);
    expect(text[4]).toMatch(/ EMPLOYEES {6}- {8}200 {4}200 OK$/);
    const json = (await runCli(['tail', '-n', '6', '--json'], { env: DB_ENV, db })).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json.map((r) => r.keyValues)).toEqual(['key=7', 'key=8', 'key=101&key=A%20B', 'key=7', null, null]);
  });

  it('shows a batched call (one line per entry in the log) on one line, with how many entries it named', async () => {
    const db = new FakeDatabase();
    db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
    db.addedColumns.set('NFRESULTS', new Set(['KEY_VALUES']));
    db.logNotification({
      table: 'ORDERS',
      operation: 'batch',
      keys: 'order_no=2408\norder_no=2409\norder_no=2410',
      status: 200,
      message: '200 OK',
      at: new Date('2026-11-26T11:00:00Z'),
    });
    const text = (await runCli(['tail', '-n', '1'], { env: DB_ENV, db })).stdout;
    expect(text).toBe(
      '2026-11-26 11:00:00.000  ORDERS         3 entries: order_no=2408 order_no=2409 order_no=2410 200    200 OK\n',
    );
    const json = JSON.parse((await runCli(['tail', '-n', '1', '--json'], { env: DB_ENV, db })).stdout);
    expect(json.keyValues).toBe('order_no=2408\norder_no=2409\norder_no=2410');
  });

  it("--key picks a key's calls, a composite key given column by column, as the callback escapes it; the value is bound", async () => {
    const db = withKeys();
    expect(ids((await runCli(['tail', '--json', '--key', '7'], { env: DB_ENV, db })).stdout)).toEqual([5, 8]);
    expect(ids((await runCli(['tail', '--json', '--key', '101', '--key', 'A B'], { env: DB_ENV, db })).stdout)).toEqual(
      [7],
    );
    expect(
      ids((await runCli(['tail', '--json', '--key', '7', '--status', 'failed'], { env: DB_ENV, db })).stdout),
    ).toEqual([8]);
    for (const q of db.log.filter((l) => l.name === 'tail.select')) expect(q.sql).not.toMatch(/key=|'7'|101/);
  });

  it('--status ok and --status failed split the rows between them; any (the default) and --errors as before', async () => {
    const db = withKeys();
    const of = async (...args: string[]) =>
      ids((await runCli(['tail', '--json', '-n', '100', ...args], { env: DB_ENV, db })).stdout);
    const all = await of();
    const ok = await of('--status', 'ok');
    const failed = await of('--status', 'failed');
    expect(failed).toEqual([8, 10]);
    expect(await of('--errors')).toEqual(failed);
    expect(await of('--status', 'any')).toEqual(all);
    expect([...ok, ...failed].sort((a, b) => a - b)).toEqual(all);
  });

  it('--until ends the window, --since starts it', async () => {
    const db = withKeys();
    expect(
      ids(
        (
          await runCli(['tail', '--json', '--since', '2026-11-26T11:01Z', '--until', '2026-11-26T11:03Z'], {
            env: DB_ENV,
            db,
          })
        ).stdout,
      ),
    ).toEqual([6, 7]);
    expect(ids((await runCli(['tail', '--json', '--until', '2026-11-26T10:02Z'], { env: DB_ENV, db })).stdout)).toEqual(
      [1, 2],
    );
  });

  it.each([
    [
      ['--until', '2026-11-26T11:00Z', '-f'],
      /--until ends the rows to print, and -f prints new rows as they come: not both/,
    ],
    [
      ['--since', '2026-11-26T11:00Z', '--until', '2026-11-26T10:00Z'],
      /--since 2026-11-26T11:00Z is not before --until 2026-11-26T10:00Z/,
    ],
    [['--until', 'later'], /--until later: neither a duration nor a date/],
    [['--status', 'good'], /argument 'good' is invalid/],
    [['--errors', '--status', 'ok'], /--errors and --status ok ask for opposite rows/],
    [['--key', ''], /--key needs a value/],
  ])('refuses %j with exit 2 before connecting', async (args, message) => {
    const r = await runCli(['tail', ...args], { env: DB_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.driverLoads()).toBe(0);
  });

  it('reads a log from before KEY_VALUES (V8) without keys, and says why --key cannot work there', async () => {
    const db = withLog(3);
    db.addedColumns.delete('NFRESULTS');
    const r = await runCli(['tail', '--json'], { env: DB_ENV, db });
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).keyValues),
    ).toEqual([null, null, null]);
    const k = await runCli(['tail', '--key', '7'], { env: DB_ENV, db });
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(
      /has no KEY_VALUES column: its calls carry no keys to filter by\n {2}hint: apply migration V8/,
    );
  });
});

const LOST =
  'NJS-500: connection to Oracle Database was closed or broken\nORA-03113: end-of-file on communication channel';

describe('dcn tail: connections that go, and logins that are refused', () => {
  it('a connection lost in the first query is said as a lost connection (exit 6), not as a bug in dcn', async () => {
    for (const args of [['tail'], ['tail', '-f', '-n', '0'], ['tail', '-f']]) {
      const db = withLog(3);
      let thrown = false;
      db.beforeExecute = (session, _sql, name) => {
        if (thrown || !name?.startsWith('tail.')) return;
        thrown = true;
        session.kill();
        throw Object.assign(new Error(LOST), { code: 'NJS-500', errorNum: 3113, isRecoverable: true });
      };
      const r = await runCli(args, { env: DB_ENV, db });
      expect(r.code, args.join(' ')).toBe(6);
      expect(r.stderr).toMatch(
        /dcn: error: reading the notification log: the connection was lost \(NJS-500: connection to Oracle Database was closed or broken\)\n {2}hint: check the database and the network/,
      );
      expect(r.stderr).not.toMatch(/bug in dcn|at .*\.ts:\d+/);
    }
  });

  it('tail -f stops at the first refused login when it reconnects (exit 6), saying why, instead of locking the account', async () => {
    const db = withLog(3);
    let connects = 0;
    const refuse = () =>
      ++connects > 1
        ? Object.assign(new Error('ORA-01017: invalid credential or not authorized; logon denied'), {
            code: 'ORA-01017',
            errorNum: 1017,
          })
        : undefined;
    db.beforeExecute = (session, _sql, name) => {
      if (name === 'tail.select' && db.log.filter((l) => l.name === 'tail.select').length === 3) session.kill();
    };
    const r = await runCli(['tail', '-f', '--interval', '0.1'], { env: DB_ENV, db, refuse });
    expect(r.code).toBe(6);
    expect(connects).toBe(2);
    expect(r.stderr).toMatch(
      /dcn: error: tail -f stopped instead of retrying \(a refused login is never tried again: each one counts towards locking the account \(FAILED_LOGIN_ATTEMPTS\)\): cannot connect as oe@db:1521\/FREEPDB1 \(app profile\): invalid user name or password \(ORA-01017\)/,
    );
  });

  it('tail -f waits out a database that is starting, and goes on', async () => {
    const db = withLog(3);
    let connects = 0;
    const refuse = () =>
      ++connects === 2
        ? Object.assign(new Error('ORA-01033: ORACLE initialization or shutdown in progress'), {
            code: 'ORA-01033',
            errorNum: 1033,
          })
        : undefined;
    let stop!: (s: string) => void;
    db.beforeExecute = (session, _sql, name) => {
      if (name !== 'tail.select') return;
      const polls = db.log.filter((l) => l.name === 'tail.select').length;
      if (polls === 3) session.kill();
      if (polls === 5) stop('SIGINT');
    };
    const r = await runCli(['tail', '-f', '--interval', '0.1'], {
      env: DB_ENV,
      db,
      refuse,
      stop: new Promise((resolve) => (stop = resolve)),
    });
    expect(r.code).toBe(0);
    expect(connects).toBe(3);
    expect(r.stderr).toMatch(
      /connection lost \(NJS-500: connection to Oracle Database was closed or broken\); reconnecting…\ndcn tail: reconnected/,
    );
  }, 10_000);
});

describe('dcn tail -f misses nothing', () => {
  it('prints a row whose lower id commits after a higher one: 5, 7, then 6, each once', async () => {
    const db = withLog(4);
    const r = await follow(db, ['-n', '0'], 8, (poll) => {
      if (poll === 2) db.logNotification({ id: 5, table: 'ORDERS', order: '5', status: 200, message: '200 OK' });
      if (poll === 3) db.logNotification({ id: 7, table: 'ORDERS', order: '7', status: 200, message: '200 OK' });
      if (poll === 5) db.logNotification({ id: 6, table: 'ORDERS', order: '6', status: 200, message: '200 OK' }); // id 6 was taken before 7, committed after
    });
    expect(r.code).toBe(0);
    expect(ids(r.stdout)).toEqual([5, 7, 6]);
    // still one query per poll, and the late row asked for by its id
    const queries = db.log.filter((l) => l.name === 'tail.select');
    expect(queries.length).toBe(r.polls);
    expect(queries.some((q) => /"ID" in \(:\d+\)/.test(q.sql))).toBe(true);
  });

  it('follows with filters, and a late row that matches them is printed too', async () => {
    const db = withLog(4);
    const r = await follow(db, ['-n', '0', '--table', 'ORDERS'], 6, (poll) => {
      if (poll === 2) {
        db.logNotification({ id: 5, table: 'ORDERS', order: '5', status: 200, message: '200 OK' });
        db.logNotification({ id: 7, table: 'ORDER_ITEMS', order: '7', status: 200, message: '200 OK' });
      }
      if (poll === 4)
        db.logNotification({ id: 6, table: 'ORDERS', order: '6', status: 500, message: '500 Internal Server Error' });
    });
    expect(ids(r.stdout)).toEqual([5, 6]);
  });
});

describe('the filters of a followed tail', () => {
  it('choose the same rows as the SQL filters of tail -n', async () => {
    const db = withLog(30);
    const since = new Date('2026-11-26T10:25:00Z');
    const combos: TailFilters[] = [
      {},
      { table: 'ORDERS' },
      { order: '2403' },
      { since },
      { errorsOnly: true },
      { table: 'ORDER_ITEMS', order: '2404', since: new Date('2026-11-26T10:05:00Z'), errorsOnly: true },
      { okOnly: true },
      { until: since },
      { since: new Date('2026-11-26T10:03:00Z'), until: since, okOnly: true },
      { keyValues: 'key=7' },
    ];
    db.logNotification({
      table: 'EMPLOYEES',
      keys: 'key=7',
      status: 200,
      message: '200 OK',
      at: new Date('2026-11-26T10:40:00Z'),
    });
    for (const filters of combos) {
      const tail = new Tail({ connect: async () => db.connect('OE'), schema: 'OE', filters });
      const bySql = (await tail.last(100)).map((r) => r.id);
      const stop = new AbortController();
      const followed: number[] = [];
      for await (const e of tail.follow(0, 1, stop.signal)) {
        if (e.type === 'rows') followed.push(...e.rows.map((r) => r.id));
        stop.abort();
      }
      await tail.close();
      expect(followed, JSON.stringify(filters)).toEqual(bySql);
      expect(bySql.length, JSON.stringify(filters)).toBeGreaterThan(0);
    }
  });
});

describe('tail queries', () => {
  it('parse under the PL/SQL grammar with every filter combination', async () => {
    const since = new Date('2026-11-26T10:00:00Z');
    const combos: TailFilters[] = [
      {},
      { table: 'ORDERS' },
      { order: '2408' },
      { since },
      { errorsOnly: true },
      { table: 'ORDERS', order: '2408', since, errorsOnly: true },
      { keyValues: 'key=7', until: since, okOnly: true },
    ];
    for (const filters of combos) {
      for (const window of [{ last: 20 }, { afterId: 41, limit: 500 }, { afterId: 41, limit: 500, again: [38, 40] }]) {
        const q = await tailQuery(filters, 'OE', window);
        expect(syntaxErrors({ sql: q.sql, plsql: false }), q.sql).toEqual([]);
      }
    }
  });

  it('reads durations and times for --since', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    expect(parseSince('10m', now).toISOString()).toBe('2026-11-26T11:50:00.000Z');
    expect(parseSince('2h', now).toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(parseSince('2026-11-26T10:00Z', now).toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(() => parseSince('soon', now)).toThrow(/neither a duration nor a date/);
  });
});
