import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
  const table = (owner: string, name: string, columns: string[], primaryKey: string[], rows: Record<string, unknown>[]) => {
    db.objects.set(`TABLE ${name}`, { type: 'TABLE', name, owner, status: 'VALID', columns, primaryKey });
    db.tableRows.set(`${owner}.${name}`, rows);
  };
  table('OE', 'ORDERS', ['ORDER_ID', 'ORDER_TOTAL'], ['ORDER_ID'], [
    { ROWID: 'AAAR1', ORDER_ID: 2408 },
    { ROWID: 'AAAR2', ORDER_ID: 2409 },
  ]);
  table('OE', 'ORDER_ITEMS', ['ORDER_ID', 'LINE_ITEM_ID'], ['ORDER_ID', 'LINE_ITEM_ID'], [
    { ROWID: 'AAAI1', ORDER_ID: 2408, LINE_ITEM_ID: 1 },
    { ROWID: 'AAAI2', ORDER_ID: 2408, LINE_ITEM_ID: 2 },
    { ROWID: 'AAAI3', ORDER_ID: 2409, LINE_ITEM_ID: 1 },
  ]);
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
    await until('subscribed', () => subscribed(w.events) && w.events.filter((e) => e.action === 'dropped-all').length === 3);
    expect([...db.subscriptions.values()].map((s) => [s.name, [...s.tables]])).toEqual([['dcn-watch-test-1', ['OE.ORDERS', 'OE.ORDER_ITEMS', 'HR.EMPLOYEES']]]);
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
    db.change('OE.ORDER_ITEMS', INSERT, [{ operation: INSERT, rowid: 'AAAI1' }, { operation: INSERT, rowid: 'AAAI2' }]);
    await until('the drop', async () => !(await cache.has('getOrderItems', 2408)));
    expect(await cache.has('getOrderItems', 2409)).toBe(true);
    expect(await cache.has('getOrderFields', 2408)).toBe(true);
    expect(db.log.filter((l) => l.name === 'watch.keys').length - before).toBe(1);
    expect(w.events.filter((e) => e.action === 'dropped')).toEqual([expect.objectContaining({ table: 'OE.ORDER_ITEMS', operation: 'insert', function: 'getOrderItems', order: 2408 })]);
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
      await until('subscribed', () => subscribed(w.events) && w.events.filter((e) => e.action === 'dropped-all').length === 3);
      const fn = table === 'OE.ORDERS' ? 'getOrderFields' : 'getOrderItems';
      await cache.call(fn, () => 'stale', 2409);
      db.change(table, operation, rows);
      await until(`the drop for ${reason}`, async () => !(await cache.has(fn, 2409)));
      expect(w.events.at(-1)).toMatchObject({ action: 'dropped-all', table, function: fn, reason: expect.stringMatching(reason) });
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
    expect(w.events.find((e) => e.action === 'dropped')).toMatchObject({ table: 'HR.EMPLOYEES', keys: ['7'], function: 'getEmployee' });
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
    expect(w.events.slice(lost).filter((e) => e.action === 'dropped-all').map((e) => e.reason)).toContain('after a lost connection: changes made meanwhile were not delivered');
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
    const run = async (db: FakeDatabase, options: Partial<WatchOptions> = {}) => start(db, await seeded(), options).done.then(() => undefined, (e: Error & { code?: string }) => e);
    const old = database();
    old.version = { major: 19, minor: 3 };
    expect(await run(old)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Oracle 19\.3 .* need 19\.4 or later/) });
    const thick = database();
    thick.thin = false;
    expect(await run(thick)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Thin mode/) });
    const ungranted = database();
    ungranted.grants.clear();
    expect(await run(ungranted)).toMatchObject({ code: 'privilege_missing', message: expect.stringMatching(/lacks CHANGE NOTIFICATION/) });
    const unmapped = database();
    expect(await run(unmapped, { functions: { ORDERS: 'getOrderFields' } })).toMatchObject({ code: 'usage', message: expect.stringMatching(/no cached function for OE\.ORDER_ITEMS/) });
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
    expect(published).toEqual([['getOrderFields', 2408], ['getEmployee', '7'], ['getEmployee', 7]]);
    await w.stop();
  });
});
