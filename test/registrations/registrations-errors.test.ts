/**
 * The registration engine's refusals, called directly (the CLI tests in registrations.test.ts cover
 * the paths a command line reaches most): what it refuses before anything registers.
 */
import { describe, expect, it } from 'vitest';
import type { DcnError } from '../../src/errors.js';
import { parseQualifiedName } from '../../src/oracle/identifiers.js';
import { Registrations } from '../../src/registrations/registrations.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

async function refused(promise: Promise<unknown>): Promise<DcnError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: DcnError) => e,
  );
}

describe('the engine refuses before anything registers', () => {
  /** A fake with OE holding the grants, an ORDERS table and a view. */
  function database(): FakeDatabase {
    const db = new FakeDatabase();
    db.grants.add('OE CHANGE NOTIFICATION');
    db.grants.add('OE EXECUTE ON DBMS_CHANGE_NOTIFICATION');
    db.objects.set('TABLE ORDERS', { type: 'TABLE', name: 'ORDERS', owner: 'OE', status: 'VALID' });
    db.objects.set('VIEW ORDERS_V', { type: 'VIEW', name: 'ORDERS_V', owner: 'OE', status: 'VALID' });
    return db;
  }
  const request = (tables: string[]) => ({
    tables: tables.map((t) => parseQualifiedName(t)),
    callback: parseQualifiedName('orders_nf_callback'),
    qos: ['reliable'] as const,
    operations: [] as const,
    timeoutSeconds: 0,
  });

  it('as SYS, which Oracle does not let register', async () => {
    const e = await refused(new Registrations(fakeSessions(database(), { app: 'SYS' })).register(request(['ORDERS'])));
    expect(e.code).toBe('usage');
    expect(e.message).toMatch(/cannot be created as SYS/);
  });

  it('a view, a table that is not there, a name longer than the database allows', async () => {
    const db = database();
    const engine = new Registrations(fakeSessions(db));
    expect((await refused(engine.register(request(['ORDERS_V'])))).message).toBe(
      'OE.ORDERS_V is a view, not a table: change notification registers tables only',
    );
    expect((await refused(engine.register(request(['NO_SUCH'])))).message).toBe(
      'table OE.NO_SUCH does not exist or is not visible to OE',
    );
    db.version = { major: 12, minor: 1 }; // 30-byte names before 12.2
    expect((await refused(engine.register(request(['A'.repeat(31)])))).message).toMatch(
      /names are at most 30 bytes on this database/,
    );
    expect(db.registrations.size).toBe(0);
  });

  it('regs --all without the right to read DBA_CHANGE_NOTIFICATION_REGS says so', async () => {
    const e = await refused(new Registrations(fakeSessions(database(), { admin: 'OE' })).list({ all: true }));
    expect(e.code).toBe('privilege_missing');
    expect(e.hint).toMatch(/DCN_ADMIN_USER/);
  });

  it('by callback: none found lists what there is; several found for one are refused', async () => {
    const db = database();
    const engine = new Registrations(fakeSessions(db));
    const none = await refused(engine.resolve({ callback: parseQualifiedName('other_cb'), exactlyOne: true }));
    expect(none.code).toBe('not_found');
    expect(none.hint).toMatch(/no registrations yet/);
    await engine.register(request(['ORDERS']));
    await engine.register(request(['ORDERS']));
    const two = await refused(engine.resolve({ callback: parseQualifiedName('orders_nf_callback'), exactlyOne: true }));
    expect(two.message).toMatch(/^2 registrations use the callback/);
    expect(
      await engine.resolve({ callback: parseQualifiedName('orders_nf_callback'), exactlyOne: false }),
    ).toHaveLength(2);
    // another schema's callback of the same name is not it
    expect(
      (await refused(engine.resolve({ callback: parseQualifiedName('HR.orders_nf_callback'), exactlyOne: false })))
        .hint,
    ).toMatch(/^registrations: \d+ \(/);
  });
});
