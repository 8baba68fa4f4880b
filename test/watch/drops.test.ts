/**
 * The drops one notification makes, decided without a session where no key lookup is needed (the
 * key lookups themselves run through the Watch in watch.test.ts, on the fake's subscribe()).
 */
import { describe, expect, it } from 'vitest';
import type { ChangeMessage } from '../../src/db/driver.js';
import { dropChanges, type DropContext, type WatchEvent } from '../../src/watch/drops.js';
import type { WatchedTable } from '../../src/watch/tables.js';

const ORDERS: WatchedTable = {
  table: 'OE.ORDERS',
  function: 'orderSummary',
  byOrder: true,
  key: ['ORDER_ID'],
  keyImmutable: true,
};
const NOTES: WatchedTable = { table: 'OE.NOTES', function: 'notes', byOrder: false, key: null, keyImmutable: false };

function context(): DropContext & { events: Omit<WatchEvent, 'time'>[]; dropsAll: string[]; drops: number } {
  const events: Omit<WatchEvent, 'time'>[] = [];
  const dropsAll: string[] = [];
  const ctx = {
    events,
    dropsAll,
    drops: 0,
    tables: new Map([
      [ORDERS.table, ORDERS],
      [NOTES.table, NOTES],
    ]),
    cache: {
      dropSync: () => true,
      publishDrop: async () => undefined,
      dropAll: async (name: string) => void dropsAll.push(name),
    },
    session: () => undefined,
    emit: (event: Omit<WatchEvent, 'time'>) => void events.push(event),
    counted: () => void ctx.drops++,
  };
  return ctx;
}

const change = (name: string, operation: number, rows?: { operation: number; rowid: string }[]): ChangeMessage => ({
  type: 6,
  tables: [{ name, operation, ...(rows ? { rows } : {}) }],
});

describe('what a notification drops', () => {
  it.each([
    ['a DROP of the table', change('OE.ORDERS', 32), 'table drop'],
    ['an ALTER of the table', change('OE.ORDERS', 16 | 4), 'table alter'],
    ['a table without a key', change('OE.NOTES', 2, [{ operation: 2, rowid: 'AAA' }]), 'the table has no key'],
    ['ALL_ROWS', change('OE.ORDERS', 1 | 4), 'all rows: no ROWIDs'],
    ['no ROWIDs', change('OE.ORDERS', 4, []), 'all rows: no ROWIDs'],
    ['a deleted row', change('OE.ORDERS', 8, [{ operation: 8, rowid: 'AAA' }]), 'rows deleted'],
  ])('drops all of the table for %s', async (_, message, reason) => {
    const ctx = context();
    await dropChanges(ctx, message, performance.now());
    const table = message.tables![0]!.name;
    const fn = table === 'OE.NOTES' ? 'notes' : 'orderSummary';
    expect(ctx.dropsAll).toEqual([fn]);
    expect(ctx.drops).toBe(1);
    expect(ctx.events).toEqual([expect.objectContaining({ action: 'dropped-all', table, function: fn })]);
    expect(ctx.events[0]!.reason).toContain(reason);
  });

  it('drops all of the table when the connection went before its keys could be looked up', async () => {
    const ctx = context();
    await dropChanges(ctx, change('OE.ORDERS', 4, [{ operation: 4, rowid: 'AAA' }]), performance.now());
    expect(ctx.dropsAll).toEqual(['orderSummary']);
    expect(ctx.events[0]!.reason).toBe('the connection was lost: its keys cannot be looked up');
  });

  it('ignores a table it does not watch, dropping nothing', async () => {
    const ctx = context();
    await dropChanges(ctx, change('OE.OTHER', 2, [{ operation: 2, rowid: 'AAA' }]), performance.now());
    expect(ctx.dropsAll).toEqual([]);
    expect(ctx.drops).toBe(0);
    expect(ctx.events).toEqual([
      { action: 'ignored', table: 'OE.OTHER', operation: 'insert', reason: 'not a watched table' },
    ]);
  });
});
