/**
 * The registration engine's refusals and error explanations, called directly (the CLI tests in
 * registrations.test.ts cover the paths a command line reaches most): what Oracle answers, which
 * error code and hint dcn turns it into, and what it refuses before anything registers.
 */
import { describe, expect, it } from 'vitest';
import type { DcnError } from '../../src/errors.js';
import { parseQualifiedName } from '../../src/oracle/identifiers.js';
import {
  groupRegistrations,
  MAX_TABLES,
  parseCallback,
  parseRegid,
  parseTables,
  parseTimeout,
  registrationError,
  Registrations,
} from '../../src/registrations/registrations.js';
import { FakeDatabase, fakeSessions } from '../support/fake-oracle.js';

const oraError = (message: string) => Object.assign(new Error(message), { code: message.slice(0, 9) });

async function refused(promise: Promise<unknown>): Promise<DcnError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: DcnError) => e,
  );
}

describe('what users type', () => {
  it('refuses more tables than one command takes, a callback longer than 257 bytes, a bad regid or timeout', () => {
    expect(() => parseTables(Array.from({ length: MAX_TABLES + 1 }, (_, i) => `T${i}`))).toThrow(
      /101 tables: at most 100/,
    );
    expect(parseTables(Array.from({ length: MAX_TABLES }, (_, i) => `T${i}`))).toHaveLength(MAX_TABLES);
    // two 128-byte parts fit (128 + 1 + 128 = 257); quoted, their quotes count too
    expect(parseCallback(`${'S'.repeat(128)}.${'C'.repeat(128)}`).name).toHaveLength(128);
    expect(() => parseCallback(`"${'s'.repeat(128)}"."${'c'.repeat(128)}"`)).toThrow(/longer than the 257 bytes/);
    for (const bad of ['0', '-1', '4.5', 'x', '1234567890123456'])
      expect(() => parseRegid(bad), bad).toThrow(/not a registration id/);
    expect(parseRegid(' 41 ')).toBe(41);
    expect(parseTimeout(undefined)).toBe(0);
    for (const bad of ['-1', '2147483648', '1.5'])
      expect(() => parseTimeout(bad), bad).toThrow(/not a whole number of seconds/);
    expect(parseTimeout('2147483647')).toBe(2147483647);
  });
});

describe('what Oracle answers, explained', () => {
  it.each([
    ['ORA-01031: insufficient privileges', 'privilege_missing', /GRANT CHANGE NOTIFICATION TO OE/],
    ['ORA-29972: user does not have privilege to change/create registration', 'privilege_missing', /V1 grants it/],
    [
      "ORA-06550: line 2, column 3:\nPLS-00201: identifier 'DBMS_CHANGE_NOTIFICATION' must be declared",
      'privilege_missing',
      /GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO OE/,
    ],
    ['ORA-29975: Cannot register a query in the middle of an active transaction', 'database_error', /logon trigger/],
    [
      'ORA-29973: Unsupported query or operation during change notification registration',
      'usage',
      /not views, synonyms/,
    ],
    ['ORA-29983: Unsupported query for Continuous Query Notification', 'usage', /not views, synonyms/],
    ['ORA-44002: invalid object name', 'usage', /granted to the app user/],
    ['ORA-00942: table or view does not exist', 'usage', /granted to the app user/],
  ])('%s', (message, code, hint) => {
    const e = registrationError(oraError(message), 'registering', 'OE');
    expect(e.code).toBe(code);
    expect(`${e.message} ${e.hint ?? ''}`).toMatch(hint);
    expect(e.meta.oracleCode).toBe(message.slice(0, 9));
  });

  it('leaves any other error to the general explanation, with the statement it came from', () => {
    const e = registrationError(
      oraError('ORA-04031: unable to allocate 4064 bytes of shared memory'),
      'registering',
      'OE',
    );
    expect(e.code).toBe('database_error');
    expect(e.message).toMatch(/registering.*ORA-04031/);
  });
});

describe('the registrations view, grouped', () => {
  it('keeps what the view leaves NULL as unknown, and reads 2^32-1 as no timeout', () => {
    const [reg] = groupRegistrations([
      {
        REGID: 7,
        CALLBACK: null,
        REGFLAGS: null,
        OPERATIONS_FILTER: null,
        TIMEOUT: null,
        CHANGELAG: null,
        TABLE_NAME: null,
      },
    ]);
    expect(reg).toEqual({
      regid: 7,
      callback: '',
      regflags: null,
      qos: decodeNull('qos'),
      operations: decodeNull('operations'),
      timeoutSeconds: null,
      changelag: null,
      tables: [],
    });
    expect(
      groupRegistrations([
        {
          REGID: 8,
          USERNAME: 'HR',
          CALLBACK: 'plsql://HR.CB?PR=0',
          REGFLAGS: 4,
          OPERATIONS_FILTER: 0,
          TIMEOUT: 4294967295,
          CHANGELAG: 0,
          TABLE_NAME: 'HR.EMP',
        },
      ])[0],
    ).toMatchObject({ username: 'HR', callback: 'HR.CB', timeoutSeconds: null, tables: ['HR.EMP'] });
  });
});

function decodeNull(kind: 'qos' | 'operations') {
  return groupRegistrations([{ REGID: 1, REGFLAGS: null, OPERATIONS_FILTER: null }])[0]![kind];
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
