/**
 * What dcn watch decides before it serves, pinned where a wrong decision would pass the other tests:
 * the server versions it accepts, what each error of subscribe() means, the tables it refuses, and
 * lookups of more ROWIDs than one statement takes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';
import type { ChangeMessage, DbSession } from '../../src/db/driver.js';
import { parseQualifiedName } from '../../src/oracle/identifiers.js';
import { lookupKeys, quoted } from '../../src/watch/tables.js';
import { Watch, type WatchEvent, type WatchOptions } from '../../src/watch/watch.js';
import { FakeDatabase } from '../support/fake-oracle.js';
import { ORDER_2408, watchableDatabase } from '../support/watch-database.js';

const database = (): FakeDatabase => watchableDatabase([ORDER_2408]);

/** Runs a watch of OE.ORDERS until it has subscribed (then stops it) or fails; the events it emitted. */
async function run(db: FakeDatabase, options: Partial<WatchOptions> = {}) {
  const events: WatchEvent[] = [];
  const stop = new AbortController();
  const done = new Watch({
    connect: async () => db.connect('OE'),
    tables: [parseQualifiedName('ORDERS')],
    functions: { ORDERS: 'getOrderFields' },
    orderTables: ['ORDERS', 'ORDER_ITEMS'],
    cache: new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-watch-m-')) }),
    timeoutSeconds: 600,
    checkSeconds: 60,
    name: 'dcn-watch-m',
    signal: stop.signal,
    onEvent: (e) => {
      events.push(e);
      if (e.action === 'subscribed') stop.abort();
    },
    backoffMs: { initial: 10, max: 40 },
    ...options,
  }).run();
  const error = await done.then(
    () => undefined,
    (e: Error & { code?: string; hint?: string }) => e,
  );
  return { error, events, subscribed: events.some((e) => e.action === 'subscribed') };
}

/** A session of the fake whose subscribe() fails with `message`, as node-oracledb's would. */
const subscribeFails = (db: FakeDatabase, message: string) => async () => {
  const session = await db.connect('OE');
  Object.assign(session, {
    subscribe: async () => {
      throw Object.assign(new Error(message), { code: message.slice(0, 9) });
    },
  });
  return session;
};

describe('dcn watch: the server versions it subscribes on', () => {
  it('refuses 18c, and subscribes on 19.4, 19.5 and 20.0 (client-initiated subscriptions need 19.4)', async () => {
    const old = database();
    old.version = { major: 18, minor: 9 };
    expect((await run(old)).error).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/Oracle 18\.9/),
    });
    for (const version of [
      { major: 19, minor: 4 },
      { major: 19, minor: 5 },
      { major: 20, minor: 0 },
    ]) {
      const db = database();
      db.version = version;
      const r = await run(db);
      expect([version, r.error, r.subscribed]).toEqual([version, undefined, true]);
    }
  });

  it('refuses a Thick-mode driver before it subscribes anything', async () => {
    const thick = database();
    thick.thin = false;
    const r = await run(thick);
    expect(r.error).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/cannot subscribe client-initiated/),
    });
    expect(thick.log.filter((l) => l.name?.startsWith('subscribe'))).toEqual([]);
  });
});

describe('dcn watch: what an error of subscribe() means', () => {
  it.each([
    [
      'ORA-01031: insufficient privileges',
      'privilege_missing',
      /lacks CHANGE NOTIFICATION/,
      /^GRANT CHANGE NOTIFICATION TO/,
    ],
    [
      'ORA-00942: table or view does not exist',
      'usage',
      /subscribing to OE\.ORDERS: not visible to this user \(ORA-00942/,
      /^GRANT SELECT ON OE\.ORDERS to the user$/,
    ],
    [
      'ORA-01017: invalid credential or not authorized; logon denied',
      'login_denied',
      /refused the login of the notification connection/,
      /password changed/,
    ],
    [
      'NJS-500: connection to Oracle Database was closed or broken',
      'connection_failed',
      /subscribing to OE\.ORDERS: NJS-500/,
      undefined,
    ],
    [
      'NJS-503: connection to host 10.0.0.1 port 1521 could not be established',
      'connection_failed',
      /subscribing to OE\.ORDERS: NJS-503/,
      undefined,
    ],
    [
      'NJS-089: server initiated subscription is not supported',
      'unavailable',
      /subscribing to OE\.ORDERS: NJS-089/,
      /^dcn watch needs node-oracledb 26 in Thin mode$/,
    ],
    ['ORA-24911: something else', 'connection_failed', /subscribing to OE\.ORDERS: ORA-24911/, undefined],
  ])('%s is %s', async (message, code, text, hint) => {
    const db = database();
    const { error } = await run(db, { connect: subscribeFails(db, message) });
    expect(error).toMatchObject({ code, message: expect.stringMatching(text) });
    expect(error!.cause).toBeDefined();
    if (hint) expect(error!.hint).toMatch(hint);
    else expect(error!.hint ?? undefined).toBeUndefined();
  });
});

describe('dcn watch: the tables it refuses before subscribing', () => {
  it('a table that does not exist, or that the user cannot see, naming it and the grant', async () => {
    const db = database();
    const { error } = await run(db, { tables: [parseQualifiedName('HR.NOPE')], functions: { NOPE: 'getNope' } });
    expect(error).toMatchObject({
      code: 'usage',
      message: 'table HR.NOPE does not exist or is not visible to this user',
      hint: 'check the name; a table in another schema must be granted (GRANT SELECT ON HR.NOPE TO the user)',
    });
    expect(db.subscriptions.size).toBe(0);
  });

  it('a table with no cached function, saying which option maps it', async () => {
    const { error } = await run(database(), { functions: {} });
    expect(error).toMatchObject({
      code: 'usage',
      hint: 'map it: ORDERS=function',
      meta: { option: 'map', value: 'ORDERS' },
    });
  });

  it('quotes names, and refuses a double quote or a NUL in one instead of escaping it', () => {
    expect(quoted('OE', 'ORDERS')).toBe('"OE"."ORDERS"');
    for (const bad of ['A"B', 'A\u0000B'])
      expect(() => quoted('OE', bad)).toThrow(
        expect.objectContaining({ code: 'usage', message: `${bad}: a name with a double quote cannot be watched` }),
      );
  });
});

describe('dcn watch: key lookups', () => {
  it('looks up more ROWIDs than one statement takes in chunks of 1000, each ROWID once, and no empty chunk after the last', async () => {
    const db = database();
    const rows = Array.from({ length: 2000 }, (_, i) => ({ ROWID: `R${i}`, ORDER_ID: i }));
    db.tableRows.set('OE.ORDERS', rows);
    const session = (await db.connect('OE')) as unknown as DbSession;
    const found = await lookupKeys(
      session,
      'OE.ORDERS',
      ['ORDER_ID'],
      rows.map((r) => r.ROWID),
    );
    expect(found).toEqual(rows.map((r) => [String(r.ORDER_ID)]));
    const lookups = db.log.filter((l) => l.name === 'watch.keys');
    expect(lookups.map((l) => (l.binds as unknown as { rowids: { values: string[] } }).rowids.values.length)).toEqual([
      1000, 1000,
    ]);
  });
});

/** CQN_OPCODE_* (oracledb lib/constants.js). */
const OP = { ALL_ROWS: 1, INSERT: 2, UPDATE: 4, DELETE: 8 };

/** A watch of OE.ORDERS and OE.ORDER_ITEMS (items may move between orders) that has subscribed. */
async function watching(options: Partial<WatchOptions> = {}) {
  const db = database();
  db.objects.set('TABLE ORDER_ITEMS', {
    type: 'TABLE',
    name: 'ORDER_ITEMS',
    owner: 'OE',
    status: 'VALID',
    columns: ['ORDER_ID', 'LINE_ITEM_ID'],
    primaryKey: ['ORDER_ID', 'LINE_ITEM_ID'],
  });
  db.tableRows.set('OE.ORDERS', [
    { ROWID: 'AAAR1', ORDER_ID: 2408 },
    { ROWID: 'AAAR2', ORDER_ID: 2409 },
  ]);
  db.tableRows.set('OE.ORDER_ITEMS', [{ ROWID: 'AAAI1', ORDER_ID: 2408, LINE_ITEM_ID: 1 }]);
  const events: WatchEvent[] = [];
  let seen = 0;
  let wake = () => {};
  const stop = new AbortController();
  const done = new Watch({
    connect: async () => db.connect('OE'),
    tables: ['ORDERS', 'ORDER_ITEMS'].map((t) => parseQualifiedName(t)),
    functions: { ORDERS: 'getOrderFields', ORDER_ITEMS: 'getOrderItems' },
    orderTables: ['ORDERS', 'ORDER_ITEMS'],
    cache: new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-watch-m-')) }),
    timeoutSeconds: 600,
    checkSeconds: 60,
    name: 'dcn-watch-m',
    signal: stop.signal,
    onEvent: (e) => {
      events.push(e);
      wake();
    },
    backoffMs: { initial: 10, max: 40 },
    ...options,
  }).run();
  /** The events from now until `count` of them have come. */
  const next = (count: number) =>
    new Promise<WatchEvent[]>((resolve) => {
      wake = () => {
        if (events.length - seen < count) return;
        const out = events.slice(seen, seen + count);
        seen += count;
        resolve(out);
      };
      wake();
    });
  // subscribed, then one drop of everything per function
  await next(3);
  // delivered on a later turn of the event loop, as the driver's notification callback is
  const send = (message: ChangeMessage) => setImmediate(() => db.subscriptions.get('dcn-watch-m-1')!.callback(message));
  const deliver = (tables: { name: string; operation: number; rows?: { operation: number; rowid: string }[] }[]) =>
    send({ type: 6, registered: true, tables });
  return { db, next, send, deliver, stop: async () => (stop.abort(), done) };
}

describe('dcn watch: what a notification drops', () => {
  it.each([
    ['an insert and a delete', 'OE.ORDERS', [OP.INSERT, OP.DELETE], /^rows deleted/],
    ['an insert and an update of items', 'OE.ORDER_ITEMS', [OP.INSERT, OP.UPDATE], /^rows updated/],
    ['ALL_ROWS even with ROWIDs', 'OE.ORDERS', [OP.INSERT | OP.ALL_ROWS], /^all rows/],
    ['no ROWIDs', 'OE.ORDERS', [], /^all rows/],
  ])('drops all of a table for %s', async (_, table, ops, reason) => {
    const w = await watching();
    const rowids = table === 'OE.ORDERS' ? ['AAAR1', 'AAAR2'] : ['AAAI1', 'AAAI1'];
    const rows = ops.map((operation, i) => ({ operation: operation & ~OP.ALL_ROWS, rowid: rowids[i]! }));
    w.deliver([{ name: table, operation: ops.reduce((a, b) => a | b, OP.INSERT), rows }]);
    expect(await w.next(1)).toEqual([
      expect.objectContaining({ action: 'dropped-all', table, reason: expect.stringMatching(reason) }),
    ]);
    expect((await w.stop()).drops).toBe(3);
  });

  it('names the operations of a table it does not watch, and drops nothing for it', async () => {
    const w = await watching();
    w.send({ type: 7, registered: true }); // neither a change nor the end of the subscription
    w.deliver([
      { name: 'OE.OTHER', operation: OP.INSERT | OP.UPDATE },
      { name: 'OE.OTHER', operation: 0 },
      { name: 'OE.OTHER', operation: OP.ALL_ROWS | OP.DELETE },
      { name: 'OE.ORDERS', operation: OP.UPDATE, rows: [{ operation: OP.UPDATE, rowid: 'AAAR2' }] },
    ]);
    expect(await w.next(4)).toEqual([
      expect.objectContaining({
        action: 'ignored',
        table: 'OE.OTHER',
        operation: 'insert,update',
        reason: 'not a watched table',
      }),
      expect.objectContaining({ action: 'ignored', table: 'OE.OTHER', operation: 'none' }),
      expect.objectContaining({ action: 'ignored', table: 'OE.OTHER', operation: 'all rows,delete' }),
      expect.objectContaining({ action: 'dropped', table: 'OE.ORDERS', operation: 'update', order: 2409 }),
    ]);
    expect(await w.stop()).toMatchObject({ drops: 3, notifications: 1, reconnects: 0 });
  });
});

describe('dcn watch: the end of its subscription, and stopping', () => {
  it.each([
    ['a deregistration event', { type: 5, registered: true }],
    ['any message that says it is no longer registered', { type: 7, registered: false }],
  ])('%s is a lost subscription: it subscribes again and drops everything', async (_, message) => {
    const w = await watching();
    w.send(message);
    expect((await w.next(4)).map((e) => e.action)).toEqual(['lost', 'subscribed', 'dropped-all', 'dropped-all']);
    expect((await w.stop()).reconnects).toBe(1);
  });

  it('stops at once when stopped while it waits to reconnect', async () => {
    const db = database();
    const stop = new AbortController();
    const done = new Watch({
      connect: async () => db.connect('OE'),
      tables: [parseQualifiedName('ORDERS')],
      functions: { ORDERS: 'getOrderFields' },
      orderTables: ['ORDERS'],
      cache: new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-watch-m-')) }),
      timeoutSeconds: 600,
      checkSeconds: 60,
      name: 'dcn-watch-m',
      signal: stop.signal,
      // a wait longer than the test's timeout: only the stop can end it
      backoffMs: { initial: 600_000, max: 600_000 },
      onEvent: (e) => {
        if (e.action === 'subscribed') db.endSubscription('dcn-watch-m-1');
        if (e.action === 'lost') setImmediate(() => stop.abort());
      },
    }).run();
    expect(await done).toMatchObject({ reconnects: 1 });
  });

  it('runs without an onEvent listener', async () => {
    const db = database();
    const stop = new AbortController();
    let subscribed!: () => void;
    const seen = new Promise<void>((resolve) => (subscribed = resolve));
    const connect = async () => {
      const session = await db.connect('OE');
      const subscribe = session.subscribe.bind(session);
      Object.assign(session, {
        subscribe: async (...args: Parameters<typeof subscribe>) => {
          const r = await subscribe(...args);
          subscribed();
          return r;
        },
      });
      return session;
    };
    const done = new Watch({
      connect,
      tables: [parseQualifiedName('ORDERS')],
      functions: { ORDERS: 'getOrderFields' },
      orderTables: ['ORDERS'],
      cache: new ResultCache({ dir: mkdtempSync(join(tmpdir(), 'dcn-watch-m-')) }),
      timeoutSeconds: 600,
      checkSeconds: 60,
      name: 'dcn-watch-m',
      signal: stop.signal,
    }).run();
    await seen;
    stop.abort();
    expect(await done).toEqual({ notifications: 0, drops: 1, reconnects: 0 });
  });
});

describe('dcn watch: lookups that fail, and rows that are gone', () => {
  it('a key lookup that loses the connection drops that table at table level, then connects and subscribes again', async () => {
    const w = await watching();
    w.db.failOn(/TABLE\(:rowids\)/, 'NJS-500: connection to Oracle Database was closed or broken', 1);
    w.deliver([{ name: 'OE.ORDERS', operation: OP.UPDATE, rows: [{ operation: OP.UPDATE, rowid: 'AAAR1' }] }]);
    expect(await w.next(3)).toEqual([
      expect.objectContaining({
        action: 'dropped-all',
        reason: expect.stringMatching(/^its keys could not be looked up: NJS-500/),
      }),
      expect.objectContaining({ action: 'lost', reason: expect.stringMatching(/^handling a notification: NJS-500/) }),
      expect.objectContaining({ action: 'subscribed' }),
    ]);
    expect((await w.stop()).reconnects).toBe(1);
  });

  it('drops all of a table when one of the changed rows is gone, and says how long a drop took', async () => {
    const w = await watching();
    w.deliver([
      {
        name: 'OE.ORDERS',
        operation: OP.UPDATE,
        rows: [
          { operation: OP.UPDATE, rowid: 'AAAR1' },
          { operation: OP.UPDATE, rowid: 'GONE' },
        ],
      },
    ]);
    const [drop] = await w.next(1);
    expect(drop).toMatchObject({ action: 'dropped-all', reason: expect.stringMatching(/no longer there/) });
    // milliseconds since the notification came: a local drop takes far less than a second
    expect(drop!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(drop!.latencyMs).toBeLessThan(1000);
    await w.stop();
  });

  it('says which query failed when reading the watched tables fails at start', async () => {
    const db = database();
    db.failOn(/CURRENT_SCHEMA/i, 'ORA-00600: internal error code', 1);
    expect((await run(db)).error).toMatchObject({ message: expect.stringMatching(/reading the watched tables/) });
  });
});

describe('dcn watch: renewals', () => {
  it('renews after half the timeout (two checks of 0.25 s of a 1 s timeout), and each renewal replaces the one before', async () => {
    const w = await watching({ timeoutSeconds: 1, checkSeconds: 0.25 });
    const renewals = [];
    for (let i = 0; i < 2; i++) renewals.push(...(await w.next(1)));
    expect(renewals.map((e) => [e.action, e.reason])).toEqual([
      ['renewed', 'subscription 9002 replaced 9001 before its timeout'],
      ['renewed', 'subscription 9003 replaced 9002 before its timeout'],
    ]);
    // each check subscribes again under the current name; the first subscription had two tables
    const first = w.db.log.filter((l) => l.name === 'subscribe dcn-watch-m-1');
    expect(first).toHaveLength(2 + 2);
    await w.stop();
  });
});
