import { describe, expect, it } from 'vitest';
import { parseMap } from '../../src/cli/cache-setup.js';

describe('--map TABLE=function', () => {
  it("adds to the orders tables' maps: a map for any table leaves orders notifications served", () => {
    expect(parseMap(undefined)).toEqual({ ORDERS: 'getOrderFields', ORDER_ITEMS: 'getOrderItems' });
    expect(parseMap(['employees=getEmployee'])).toEqual({
      ORDERS: 'getOrderFields',
      ORDER_ITEMS: 'getOrderItems',
      EMPLOYEES: 'getEmployee',
    });
    expect(parseMap(['ORDERS=getOrder'])).toEqual({ ORDERS: 'getOrder', ORDER_ITEMS: 'getOrderItems' });
  });

  it('leaves a table out with TABLE=-, and refuses a map that leaves nothing', () => {
    expect(parseMap(['ORDERS=-', 'ORDER_ITEMS=-', 'EMPLOYEES=getEmployee'])).toEqual({ EMPLOYEES: 'getEmployee' });
    expect(parseMap(['ORDER_ITEMS=-'])).toEqual({ ORDERS: 'getOrderFields' });
    expect(() => parseMap(['ORDERS=-', 'ORDER_ITEMS=-'])).toThrow(/every table is left out: nothing would be dropped/);
    expect(() => parseMap(['-=getX'])).toThrow(/expected TABLE=function/);
    // a callback URL given by mistake: refused without its password
    expect(() => parseMap(['ORDERS=http://app:s3cret@host/x'])).toThrow(
      /^--map ORDERS=http:\/\/app:\*\*\*@host\/x: expected/,
    );
  });
});
