import { FakeDatabase } from './fake-oracle.js';

/**
 * A fake holding what `dcn watch` needs and nothing more: the CHANGE NOTIFICATION grant and OE.ORDERS
 * with its primary key, and the rows given (a notification's ROWIDs are looked up in them).
 */
export function watchableDatabase(rows: Record<string, unknown>[] = []): FakeDatabase {
  const db = new FakeDatabase();
  db.grants.add('OE CHANGE NOTIFICATION');
  db.objects.set('TABLE ORDERS', {
    type: 'TABLE',
    name: 'ORDERS',
    owner: 'OE',
    status: 'VALID',
    columns: ['ORDER_ID'],
    primaryKey: ['ORDER_ID'],
  });
  if (rows.length > 0) db.tableRows.set('OE.ORDERS', rows);
  return db;
}

/** The one row most watch tests change: order 2408. */
export const ORDER_2408 = { ROWID: 'AAAR1', ORDER_ID: 2408 };
