import { describe, expect, it } from 'vitest';
import { callbackName, groupRegistrations } from '../../src/registrations/view.js';

describe('grouping USER_CHANGE_NOTIFICATION_REGS', () => {
  it('gives one registration per regid with its tables and decoded flags', () => {
    const rows = [
      {
        REGID: 41,
        REGFLAGS: 5,
        CALLBACK: 'plsql://ORDERS_NF_CALLBACK?PR=0',
        OPERATIONS_FILTER: 0,
        CHANGELAG: 0,
        TIMEOUT: 0,
        TABLE_NAME: 'OE.ORDERS',
      },
      {
        REGID: 41,
        REGFLAGS: 5,
        CALLBACK: 'plsql://ORDERS_NF_CALLBACK?PR=0',
        OPERATIONS_FILTER: 0,
        CHANGELAG: 0,
        TIMEOUT: 0,
        TABLE_NAME: 'OE.ORDER_ITEMS',
      },
      {
        REGID: 42,
        REGFLAGS: 1,
        CALLBACK: 'plsql://OE.OTHER_CB?PR=0',
        OPERATIONS_FILTER: 6,
        CHANGELAG: 0,
        TIMEOUT: 3600,
        TABLE_NAME: 'OE.CUSTOMERS',
      },
    ];
    expect(groupRegistrations(rows)).toEqual([
      {
        regid: 41,
        callback: 'ORDERS_NF_CALLBACK',
        regflags: 5,
        qos: ['reliable', 'rowids'],
        operations: ['all'],
        timeoutSeconds: 0,
        changelag: 0,
        tables: ['OE.ORDERS', 'OE.ORDER_ITEMS'],
      },
      {
        regid: 42,
        callback: 'OE.OTHER_CB',
        regflags: 1,
        qos: ['reliable'],
        operations: ['insert', 'update'],
        timeoutSeconds: 3600,
        changelag: 0,
        tables: ['OE.CUSTOMERS'],
      },
    ]);
    expect(callbackName('plsql://OE.CB?PR=0')).toBe('OE.CB');
  });

  it("names the QoS bits of PL/SQL registrations only: a client subscription's REGFLAGS carry other bits, shown as a number", () => {
    const rows = [
      // client-initiated (OCI, JDBC, node-oracledb): its callback is no plsql:// procedure
      {
        REGID: 50,
        REGFLAGS: 0x15,
        CALLBACK: 'net8://(ADDRESS=(PROTOCOL=tcp)(HOST=10.0.0.5)(PORT=5000))?PR=0',
        OPERATIONS_FILTER: 0,
        CHANGELAG: 0,
        TIMEOUT: 300,
        TABLE_NAME: 'OE.ORDERS',
      },
      {
        REGID: 51,
        REGFLAGS: 4,
        CALLBACK: 'OCI:EP:1528',
        OPERATIONS_FILTER: 0,
        CHANGELAG: 0,
        TIMEOUT: 300,
        TABLE_NAME: 'OE.ORDERS',
      },
      {
        REGID: 52,
        REGFLAGS: 0,
        CALLBACK: 'OCI:EP:1529',
        OPERATIONS_FILTER: 0,
        CHANGELAG: 0,
        TIMEOUT: 300,
        TABLE_NAME: 'OE.ORDERS',
      },
      // a PL/SQL one with a bit no QOS constant has
      {
        REGID: 53,
        REGFLAGS: 1 + 64,
        CALLBACK: 'plsql://OE.CB?PR=0',
        OPERATIONS_FILTER: 0,
        CHANGELAG: 0,
        TIMEOUT: 0,
        TABLE_NAME: 'OE.ORDERS',
      },
    ];
    expect(groupRegistrations(rows).map((r) => [r.regid, r.regflags, r.qos])).toEqual([
      [50, 21, ['0x15']],
      [51, 4, ['0x4']],
      [52, 0, []],
      [53, 65, ['reliable', '0x40']],
    ]);
  });

  it('reads TIMEOUT 4294967295 (2^32-1) as no timeout', () => {
    const rows = [
      {
        REGID: 43,
        REGFLAGS: 0,
        CALLBACK: 'OE.CB',
        OPERATIONS_FILTER: 0,
        CHANGELAG: 0,
        TIMEOUT: 4294967295,
        TABLE_NAME: 'OE.ORDERS',
      },
    ];
    expect(groupRegistrations(rows)[0]!.timeoutSeconds).toBeNull();
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
