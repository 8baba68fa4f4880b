import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import { parseQualifiedName } from '../../src/oracle/identifiers.js';
import { Watch, type WatchEvent, type WatchOptions } from '../../src/watch/watch.js';
import { FakeDatabase } from '../support/fake-oracle.js';

/** CQN_OPCODE_* (oracledb lib/constants.js). */
const ALL_ROWS = 1;
const INSERT = 2;
const UPDATE = 4;
const DELETE = 8;
const DROP = 32;

/** OE with the orders tables and HR.EMPLOYEES, their rows with ROWIDs, and the grant watch needs. */
function database(): FakeDatabase {
  const db = new FakeDatabase();
  db.grants.add('OE CHANGE NOTIFICATION');
  const table = (
    owner: string,
    name: string,
    columns: string[],
    primaryKey: string[],
    rows: Record<string, unknown>[],
  ) => {
    db.objects.set(`TABLE ${name}`, { type: 'TABLE', name, owner, status: 'VALID', columns, primaryKey });
    db.tableRows.set(`${owner}.${name}`, rows);
  };
  table(
    'OE',
    'ORDERS',
    ['ORDER_ID', 'ORDER_TOTAL'],
    ['ORDER_ID'],
    [
      { ROWID: 'AAAR1', ORDER_ID: 2408 },
      { ROWID: 'AAAR2', ORDER_ID: 2409 },
    ],
  );
  table(
    'OE',
    'ORDER_ITEMS',
    ['ORDER_ID', 'LINE_ITEM_ID'],
    ['ORDER_ID', 'LINE_ITEM_ID'],
    [
      { ROWID: 'AAAI1', ORDER_ID: 2408, LINE_ITEM_ID: 1 },
      { ROWID: 'AAAI2', ORDER_ID: 2408, LINE_ITEM_ID: 2 },
      { ROWID: 'AAAI3', ORDER_ID: 2409, LINE_ITEM_ID: 1 },
    ],
  );
  table('HR', 'EMPLOYEES', ['EMPLOYEE_ID', 'EMAIL'], ['EMPLOYEE_ID'], [{ ROWID: 'AAAE7', EMPLOYEE_ID: 7 }]);
  return db;
}

async function seeded(dir = mkdtempSync(join(tmpdir(), 'dcn-watch-'))): Promise<ResultCache> {
  const cache = new ResultCache({ dir });
  return cache;
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A running watch over the fake, stopped by stop(). */
function start(db: FakeDatabase, cache: ResultCache, options: Partial<WatchOptions> = {}) {
  const events: WatchEvent[] = [];
  const stop = new AbortController();
  const watch = new Watch({
    connect: async () => db.connect('OE'),
    tables: ['ORDERS', 'ORDER_ITEMS', 'HR.EMPLOYEES'].map((t) => parseQualifiedName(t)),
    functions: { ORDERS: 'getOrderFields', ORDER_ITEMS: 'getOrderItems', EMPLOYEES: 'getEmployee' },
    orderTables: ['ORDERS', 'ORDER_ITEMS'],
    cache,
    timeoutSeconds: 600,
    checkSeconds: 0.05,
    name: 'dcn-watch-test',
    signal: stop.signal,
    onEvent: (e) => events.push(e),
    backoffMs: { initial: 10, max: 40 },
    ...options,
  });
  const done = watch.run();
  return { events, done, stop: async () => (stop.abort(), done) };
}

const subscribed = (events: WatchEvent[], n = 1) => events.filter((e) => e.action === 'subscribed').length >= n;

describe('dcn watch (the engine, on a fake of node-oracledb subscribe())', () => {
  it('subscribes every table under one name, then drops every cached result of the watched functions once', async () => {
    const db = database();
    const cache = await seeded();
    await cache.call('getOrderFields', () => 'cached before the watch', 2408);
    const w = start(db, cache);
    await until(
      'subscribed',
      () => subscribed(w.events) && w.events.filter((e) => e.action === 'dropped-all').length === 3,
    );
    expect([...db.subscriptions.values()].map((s) => [s.name, [...s.tables]])).toEqual([
      ['dcn-watch-test-1', ['OE.ORDERS', 'OE.ORDER_ITEMS', 'HR.EMPLOYEES']],
    ]);
    expect(await cache.has('getOrderFields', 2408)).toBe(false);
    expect(w.events.filter((e) => e.action === 'dropped-all').map((e) => [e.function, e.reason])).toEqual([
      ['getOrderFields', expect.stringMatching(/^at start/)],
      ['getOrderItems', expect.stringMatching(/^at start/)],
      ['getEmployee', expect.stringMatching(/^at start/)],
    ]);
    const result = await w.stop();
    expect(db.subscriptions.size).toBe(0); // unsubscribed: the server forgets it now, not at its timeout
    expect(w.events.at(-1)!.action).toBe('stopped');
    expect(result.reconnects).toBe(0);
  });

  it('drops the orders a change names, each once, looked up in one statement per table per notification', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache);
    await until('subscribed', () => subscribed(w.events));
    for (const n of [2408, 2409]) await cache.call('getOrderFields', () => `order ${n}`, n);
    for (const n of [2408, 2409]) await cache.call('getOrderItems', () => `items ${n}`, n);
    const before = db.log.filter((l) => l.name === 'watch.keys').length;
    db.change('OE.ORDER_ITEMS', INSERT, [
      { operation: INSERT, rowid: 'AAAI1' },
      { operation: INSERT, rowid: 'AAAI2' },
    ]);
    await until('the drop', async () => !(await cache.has('getOrderItems', 2408)));
    expect(await cache.has('getOrderItems', 2409)).toBe(true);
    expect(await cache.has('getOrderFields', 2408)).toBe(true);
    expect(db.log.filter((l) => l.name === 'watch.keys').length - before).toBe(1);
    expect(w.events.filter((e) => e.action === 'dropped')).toEqual([
      expect.objectContaining({ table: 'OE.ORDER_ITEMS', operation: 'insert', function: 'getOrderItems', order: 2408 }),
    ]);
    await w.stop();
  });

  it('drops all of a table for deleted rows, rows no longer there, ALL_ROWS, DROP, and an update of ORDER_ITEMS', async () => {
    const cases: [string, number, { operation: number; rowid: string }[] | undefined, RegExp][] = [
      ['OE.ORDERS', DELETE, [{ operation: DELETE, rowid: 'AAAR1' }], /rows deleted/],
      ['OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'GONE' }], /no longer there/],
      ['OE.ORDERS', UPDATE | ALL_ROWS, undefined, /all rows/],
      ['OE.ORDERS', DROP, undefined, /table drop/],
      ['OE.ORDER_ITEMS', UPDATE, [{ operation: UPDATE, rowid: 'AAAI1' }], /may have changed a key/],
    ];
    for (const [table, operation, rows, reason] of cases) {
      const db = database();
      const cache = await seeded();
      const w = start(db, cache);
      await until(
        'subscribed',
        () => subscribed(w.events) && w.events.filter((e) => e.action === 'dropped-all').length === 3,
      );
      const fn = table === 'OE.ORDERS' ? 'getOrderFields' : 'getOrderItems';
      await cache.call(fn, () => 'stale', 2409);
      db.change(table, operation, rows);
      await until(`the drop for ${reason}`, async () => !(await cache.has(fn, 2409)));
      expect(w.events.at(-1)).toMatchObject({
        action: 'dropped-all',
        table,
        function: fn,
        reason: expect.stringMatching(reason),
      });
      await w.stop();
    }
  });

  it('keeps per-order drops for item updates when items never move (orderItemsKeyImmutable)', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache, { orderItemsKeyImmutable: true });
    await until('subscribed', () => subscribed(w.events));
    await cache.call('getOrderItems', () => 'items 2409', 2409);
    db.change('OE.ORDER_ITEMS', UPDATE, [{ operation: UPDATE, rowid: 'AAAI1' }]);
    await until('the drop', () => w.events.some((e) => e.action === 'dropped'));
    expect(await cache.has('getOrderItems', 2409)).toBe(true);
    await w.stop();
  });

  it('drops function(...keys) for any other table, by its primary key, as a number and as text', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache);
    await until('subscribed', () => subscribed(w.events));
    await cache.call('getEmployee', () => 'number', 7);
    await cache.call('getEmployee', () => 'text', '7');
    db.change('HR.EMPLOYEES', UPDATE, [{ operation: UPDATE, rowid: 'AAAE7' }]);
    await until('the drop', () => w.events.some((e) => e.action === 'dropped'));
    expect(await cache.has('getEmployee', 7)).toBe(false);
    expect(await cache.has('getEmployee', '7')).toBe(false);
    expect(w.events.find((e) => e.action === 'dropped')).toMatchObject({
      table: 'HR.EMPLOYEES',
      keys: ['7'],
      function: 'getEmployee',
    });
    await w.stop();
  });

  it('after a lost connection: reconnects with backoff, subscribes again, and drops everything once, so a change made meanwhile is not served stale', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache);
    await until('subscribed', () => subscribed(w.events));
    for (const s of db.sessions) s.kill(); // the network goes: the connection and the channel with it
    // a change committed while no channel delivers it
    await cache.call('getOrderFields', () => 'computed before the change', 2408);
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR1' }]);
    await until('subscribed again', () => subscribed(w.events, 2));
    await until('the drop after reconnecting', async () => !(await cache.has('getOrderFields', 2408)));
    const lost = w.events.findIndex((e) => e.action === 'lost');
    expect(lost).toBeGreaterThan(0);
    expect(
      w.events
        .slice(lost)
        .filter((e) => e.action === 'dropped-all')
        .map((e) => e.reason),
    ).toContain('after a lost connection: changes made meanwhile were not delivered');
    expect((await w.stop()).reconnects).toBe(1);
  });

  it('finds a notification channel that stopped without a word (its regId changes), subscribes again and drops everything', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache);
    await until('subscribed', () => subscribed(w.events));
    db.stopChannels();
    await cache.call('getOrderFields', () => 'stale', 2408);
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR1' }]); // not delivered
    await until('resubscribed', () => w.events.some((e) => e.action === 'resubscribed'));
    expect(await cache.has('getOrderFields', 2408)).toBe(false);
    // and the new subscription covers every table again
    const live = [...db.subscriptions.values()].filter((s) => s.channel === 'up');
    expect(live.map((s) => [...s.tables])).toEqual([['OE.ORDERS', 'OE.ORDER_ITEMS', 'HR.EMPLOYEES']]);
    await w.stop();
  });

  it('renews the subscription before its timeout: the new one is in place before the old one goes', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache, { timeoutSeconds: 0.2, checkSeconds: 0.05 });
    await until('renewed', () => w.events.some((e) => e.action === 'renewed'), 3000);
    const names = db.log.filter((l) => /^(un)?subscribe /.test(l.name ?? '')).map((l) => l.name!);
    const firstUnsubscribe = names.indexOf('unsubscribe dcn-watch-test-1');
    expect(names.slice(0, firstUnsubscribe).filter((n) => n === 'subscribe dcn-watch-test-2')).toHaveLength(3);
    // renewing drops nothing: no change was missed
    expect(w.events.filter((e) => e.action === 'dropped-all')).toHaveLength(3);
    await w.stop();
  });

  it('when the database ends the subscription, subscribes again and drops everything', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache, { checkSeconds: 10 });
    await until('subscribed', () => subscribed(w.events));
    db.endSubscription('dcn-watch-test-1');
    await until('subscribed again', () => subscribed(w.events, 2));
    expect(w.events.some((e) => e.action === 'lost' && /ended the subscription/.test(e.reason ?? ''))).toBe(true);
    await w.stop();
  });

  it('gives up at once, without retrying, on what no reconnect cures', async () => {
    const run = async (db: FakeDatabase, options: Partial<WatchOptions> = {}) =>
      start(db, await seeded(), options).done.then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
    const old = database();
    old.version = { major: 19, minor: 3 };
    expect(await run(old)).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/Oracle 19\.3 .* need 19\.4 or later/),
    });
    const thick = database();
    thick.thin = false;
    expect(await run(thick)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Thin mode/) });
    const ungranted = database();
    ungranted.grants.clear();
    expect(await run(ungranted)).toMatchObject({
      code: 'privilege_missing',
      message: expect.stringMatching(/lacks CHANGE NOTIFICATION/),
    });
    const unmapped = database();
    expect(await run(unmapped, { functions: { ORDERS: 'getOrderFields' } })).toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/no cached function for OE\.ORDER_ITEMS/),
    });
    expect(unmapped.subscriptions.size).toBe(0);
  });
});

describe('dcn watch --bus', () => {
  it('publishes each drop it makes, so the caches of the other servers drop it too', async () => {
    const db = database();
    const cache = await seeded();
    const published: unknown[][] = [];
    const onBus = Object.assign(Object.create(cache) as ResultCache, {
      publishDrop: async (name: string, ...args: unknown[]) => void published.push([name, ...args]),
      dropSync: (name: string, ...args: unknown[]) => cache.dropSync(name, ...args),
      dropAll: (name: string) => cache.dropAll(name),
    });
    const w = start(db, onBus);
    await until('subscribed', () => subscribed(w.events));
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR1' }]);
    db.change('HR.EMPLOYEES', UPDATE, [{ operation: UPDATE, rowid: 'AAAE7' }]);
    await until('both published', () => published.length === 3);
    expect(published).toEqual([
      ['getOrderFields', 2408],
      ['getEmployee', '7'],
      ['getEmployee', 7],
    ]);
    await w.stop();
  });
});

/** An error shaped as node-oracledb 26 Thin throws it (lib/errors.js): the code first in the message, code, and errorNum for a database error. */
function driverError(message: string): Error & { code: string; errorNum?: number } {
  const code = message.slice(0, message.indexOf(':'));
  const ora = /^ORA-(\d+)/.exec(code);
  return Object.assign(new Error(message), { code, ...(ora ? { errorNum: Number(ora[1]) } : {}) });
}
const WRONG_PASSWORD = 'ORA-01017: invalid credential or not authorized; logon denied';
const LOST =
  'NJS-500: connection to Oracle Database was closed or broken\nORA-03113: end-of-file on communication channel';
const REFUSED =
  'NJS-503: connection to host db port 1521 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED';

/** connect() for start(): fails with each of `failures` in turn (after the first connect when `after` says so), then connects. */
function flakyConnect(db: FakeDatabase, failures: string[], options: { afterFirst?: boolean } = {}) {
  const calls: { expireTimeMinutes: number }[] = [];
  let connected = 0;
  const connect = async (o: { expireTimeMinutes: number }) => {
    calls.push(o);
    if ((!options.afterFirst || connected > 0) && failures.length > 0) throw driverError(failures.shift()!);
    connected++;
    return db.connect('OE');
  };
  return { connect, calls };
}

describe('dcn watch never retries what a retry cannot cure', () => {
  it.each([
    [WRONG_PASSWORD, 'login_denied', /a refused login is never tried again/],
    ['ORA-28000: The account is locked.', 'login_denied', /a refused login is never tried again/],
    [REFUSED, 'connection_failed', /it had not started yet/],
    ['NJS-510: connection to host db port 1521 timed out.', 'connection_failed', /it had not started yet/],
  ])('at start, %s ends the watch after one try (%s)', async (failure, code, why) => {
    const db = database();
    const { connect, calls } = flakyConnect(db, [failure, failure, failure]);
    const err = await start(db, await seeded(), { connect }).done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code, exitCode: 6, message: expect.stringMatching(why) });
    expect(calls).toHaveLength(1);
    expect(db.subscriptions.size).toBe(0);
  });

  it('at start, a connection lost during the first query is a lost connection (exit 6), not an unexplained error', async () => {
    const db = database();
    db.failOn(/CURRENT_SCHEMA/i, LOST, 1);
    const err = await start(db, await seeded()).done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'connection_failed',
      exitCode: 6,
      message: expect.stringMatching(/the connection was lost \(NJS-500/),
    });
  });

  it('once subscribed, a wrong password on reconnect stops the watch after that one login, saying why', async () => {
    const db = database();
    const { connect, calls } = flakyConnect(db, [WRONG_PASSWORD, WRONG_PASSWORD, WRONG_PASSWORD], { afterFirst: true });
    const w = start(db, await seeded(), { connect });
    await until('subscribed', () => subscribed(w.events));
    for (const s of db.sessions) s.kill();
    const err = await w.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'login_denied',
      exitCode: 6,
      message: expect.stringMatching(
        /^the watch stopped instead of retrying \(a refused login is never tried again.*\): connecting: ORA-01017/,
      ),
    });
    expect(calls).toHaveLength(2); // the first connect, and one refused login
  });

  it('once subscribed, network errors and a database that is starting are retried with backoff, and the watch comes back', async () => {
    const db = database();
    const failures = [
      REFUSED,
      'ORA-01033: ORACLE initialization or shutdown in progress',
      'ORA-01034: ORACLE not available',
      'NJS-518: cannot connect to Oracle Database. Service "FREEPDB1" is not registered with the listener',
      'ORA-12528: TNS:listener: all appropriate instances are blocking new connections',
    ];
    const { connect, calls } = flakyConnect(db, [...failures], { afterFirst: true });
    const w = start(db, await seeded(), { connect });
    await until('subscribed', () => subscribed(w.events));
    for (const s of db.sessions) s.kill();
    await until('subscribed again', () => subscribed(w.events, 2));
    expect(calls).toHaveLength(failures.length + 2);
    expect(w.events.filter((e) => e.action === 'lost')).toHaveLength(failures.length + 1);
    expect((await w.stop()).reconnects).toBe(failures.length + 1);
  });

  it('waits the initial backoff again after a reconnect that subscribed, not the doubled wait of the failures before it', async () => {
    const db = database();
    const { connect } = flakyConnect(db, [REFUSED, REFUSED, REFUSED], { afterFirst: true });
    // the waits, as the timers it sets: 7 ms doubling, numbers no other timer here uses
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const backoffWaits = () =>
      timers.mock.calls.map((c) => c[1]).filter((ms) => [7, 14, 28, 56, 112].includes(ms as number));
    try {
      const w = start(db, await seeded(), { connect, backoffMs: { initial: 7, max: 10_000 } });
      await until('subscribed', () => subscribed(w.events));
      for (const s of db.sessions) s.kill();
      await until('subscribed again, after three refused connects', () => subscribed(w.events, 2));
      for (const s of db.sessions) s.kill();
      await until('subscribed a third time', () => subscribed(w.events, 3));
      await w.stop();
      expect(backoffWaits()).toEqual([7, 14, 28, 56, 7]);
    } finally {
      timers.mockRestore();
    }
  });

  it('once subscribed, an error that is neither the network nor a starting database stops the watch', async () => {
    const db = database();
    const { connect, calls } = flakyConnect(db, ['ORA-12345: something no retry cures'], { afterFirst: true });
    const w = start(db, await seeded(), { connect });
    await until('subscribed', () => subscribed(w.events));
    for (const s of db.sessions) s.kill();
    const err = await w.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'connection_failed',
      message: expect.stringMatching(/only a network error or a database that is starting is tried again.*ORA-12345/),
    });
    expect(calls).toHaveLength(2);
  });

  it('a renewal whose notification connection is refused its login (a password changed meanwhile) stops the watch', async () => {
    const db = database();
    let refuse = false;
    const connect = async () => {
      const s = db.connect('OE');
      const subscribe = s.subscribe.bind(s);
      s.subscribe = async (name, request) => {
        if (refuse) throw driverError(WRONG_PASSWORD);
        return subscribe(name, request);
      };
      return s;
    };
    const w = start(db, await seeded(), { connect, timeoutSeconds: 0.3, checkSeconds: 0.05 });
    await until('subscribed', () => subscribed(w.events));
    refuse = true;
    const err = await w.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'login_denied',
      message: expect.stringMatching(/refused the login of the notification connection/),
    });
    expect(w.events.some((e) => e.action === 'lost')).toBe(false);
  });
});

describe('dcn watch: the notification channel', () => {
  it('asks for TCP keepalives on its connection (node-oracledb expireTime, which Thin applies to the notification connection too)', async () => {
    const db = database();
    const { connect, calls } = flakyConnect(db, []);
    const w = start(db, await seeded(), { connect });
    await until('subscribed', () => subscribed(w.events));
    expect(calls).toEqual([{ expireTimeMinutes: 1 }]);
    await w.stop();
  });

  it('renews at the renewal cap however long the timeout is, so a dead channel is replaced within minutes, not hours', async () => {
    const db = database();
    const w = start(db, await seeded(), { timeoutSeconds: 86_400, checkSeconds: 0.05, maxRenewSeconds: 0.2 });
    await until('renewed', () => w.events.some((e) => e.action === 'renewed'), 3000);
    expect(db.subscriptions.size).toBe(1);
    expect([...db.subscriptions.values()][0]!.timeoutSeconds).toBe(86_400);
    await w.stop();
  });

  it('binds the ROWIDs as one collection, never one constructor argument each', async () => {
    const db = database();
    const w = start(db, await seeded());
    await until('subscribed', () => subscribed(w.events));
    db.change('OE.ORDER_ITEMS', INSERT, [
      { operation: INSERT, rowid: 'AAAI1' },
      { operation: INSERT, rowid: 'AAAI3' },
    ]);
    await until('the drops', () => w.events.filter((e) => e.action === 'dropped').length === 2);
    const lookup = db.log.find((l) => l.name === 'watch.keys')!;
    expect(lookup.sql).not.toMatch(/ODCIVARCHAR2LIST\(|:r1/);
    expect(lookup.binds).toEqual({ rowids: { collection: 'SYS.ODCIVARCHAR2LIST', values: ['AAAI1', 'AAAI3'] } });
    await w.stop();
  });
});

describe('dcn watch: keys it cannot name', () => {
  it('drops all of a table when a changed row has a NULL key value, never f("")', async () => {
    const db = database();
    db.objects.set('TABLE DCN_ROUTES', { type: 'TABLE', name: 'DCN_ROUTES', owner: 'OE', status: 'VALID' });
    db.routes.set('HR.EMPLOYEES', { keyColumns: 'EMAIL', keyImmutable: 'yes' });
    db.tableRows.set('HR.EMPLOYEES', [
      { ROWID: 'AAAE7', EMPLOYEE_ID: 7, EMAIL: null },
      { ROWID: 'AAAE8', EMPLOYEE_ID: 8, EMAIL: 'SKING' },
    ]);
    const cache = await seeded();
    const w = start(db, cache);
    await until('subscribed', () => subscribed(w.events));
    await cache.call('getEmployee', () => 'empty key', '');
    await cache.call('getEmployee', () => 'another', 'NKOCHHAR');
    db.change('HR.EMPLOYEES', UPDATE, [
      { operation: UPDATE, rowid: 'AAAE7' },
      { operation: UPDATE, rowid: 'AAAE8' },
    ]);
    await until('the drop', () => w.events.some((e) => e.table === 'HR.EMPLOYEES' && e.action.startsWith('dropped')));
    expect(w.events.filter((e) => e.table === 'HR.EMPLOYEES')).toEqual([
      expect.objectContaining({
        action: 'dropped-all',
        function: 'getEmployee',
        reason: 'a changed row has a NULL key value',
      }),
    ]);
    expect(await cache.has('getEmployee', 'NKOCHHAR')).toBe(false);
    await w.stop();
  });

  it('a key lookup that fails drops that table at table level and goes on', async () => {
    const db = database();
    const cache = await seeded();
    const w = start(db, cache);
    await until('subscribed', () => subscribed(w.events));
    db.failOn(/TABLE\(:rowids\)/, 'ORA-01555: snapshot too old', 1);
    await cache.call('getOrderFields', () => 'stale', 2409);
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR1' }]);
    await until('the drop', async () => !(await cache.has('getOrderFields', 2409)));
    expect(w.events.at(-1)).toMatchObject({
      action: 'dropped-all',
      function: 'getOrderFields',
      reason: expect.stringMatching(/its keys could not be looked up: ORA-01555/),
    });
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR2' }]);
    await until('the next drop, by key', () => w.events.some((e) => e.action === 'dropped' && e.order === 2409));
    expect(w.events.some((e) => e.action === 'lost')).toBe(false);
    await w.stop();
  });

  it('matches a quoted mixed-case table by its name as the dictionary stores it', async () => {
    const db = database();
    db.objects.set('TABLE MyTable', {
      type: 'TABLE',
      name: 'MyTable',
      owner: 'OE',
      status: 'VALID',
      columns: ['Id'],
      primaryKey: ['Id'],
    });
    db.tableRows.set('OE.MyTable', [{ ROWID: 'AAAM1', Id: 5 }]);
    const cache = await seeded();
    const w = start(db, cache, { tables: [parseQualifiedName('"MyTable"')], functions: { MyTable: 'getMine' } });
    await until('subscribed', () => subscribed(w.events));
    await cache.call('getMine', () => 'stale', 5);
    db.change('OE.MyTable', UPDATE, [{ operation: UPDATE, rowid: 'AAAM1' }]);
    await until('the drop', async () => !(await cache.has('getMine', 5)));
    expect(w.events.find((e) => e.action === 'dropped')).toMatchObject({
      table: 'OE.MyTable',
      keys: ['5'],
      function: 'getMine',
    });
    expect(w.events.some((e) => e.action === 'ignored')).toBe(false);
    await w.stop();
  });
});

describe('dcn watch: a renewal after a channel that stopped', () => {
  it('checks the channel at a renewal too, so changes it missed are dropped, not papered over by the new subscription', async () => {
    const db = database();
    const cache = await seeded();
    // every tick is a renewal: without the check first, the new subscription would replace the stopped one silently
    const w = start(db, cache, { timeoutSeconds: 600, checkSeconds: 0.05, maxRenewSeconds: 0.05 });
    await until('renewed once', () => w.events.some((e) => e.action === 'renewed'));
    db.stopChannels();
    await cache.call('getOrderFields', () => 'stale', 2408);
    db.change('OE.ORDERS', UPDATE, [{ operation: UPDATE, rowid: 'AAAR1' }]); // not delivered
    await until('resubscribed', () => w.events.some((e) => e.action === 'resubscribed'));
    expect(await cache.has('getOrderFields', 2408)).toBe(false);
    await w.stop();
  });
});
