/**
 * The parsing of a notification's query string and a batch's body, and the reading of a body, at
 * the edges where a looser parser would still pass the listener's tests: a parameter the listener
 * does not read, a name without a value, values at their limits, a body that lies about its length.
 */
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseBatch, parseQuery, readBody } from '../../src/listener/callback-request.js';

describe('parseQuery', () => {
  it('reads table, order_no and key only; a name with no value names nothing', () => {
    expect(parseQuery('table=ORDERS&x=5&order=7')).toEqual({ table: 'ORDERS' });
    expect(parseQuery('keyX&table=T')).toEqual({ table: 'T' });
    expect(parseQuery('keyX')).toEqual({});
    expect(parseQuery('key=a+b&key=%41')).toEqual({ keys: ['a b', 'A'] });
  });

  it('names a value that does not decode by its first 40 characters', () => {
    const value = `%E0${'x'.repeat(60)}`;
    expect(parseQuery(`key=${value}`).badReason).toBe(
      `key=${value.slice(0, 40)} does not decode: a %XX sequence that is not UTF-8`,
    );
  });
});

describe('parseBatch', () => {
  it('says which line is wrong, and how', () => {
    expect(parseBatch('order_no=1\nkey=%E0', 8)).toEqual({
      error: 'line 2: key=%E0 does not decode: a %XX sequence that is not UTF-8',
    });
    expect(parseBatch('table=ORDERS', 8)).toEqual({
      error: 'line 1: the table is named once, in the URL (?table=…), not in the body',
    });
    expect(parseBatch('order_no=1&key=2', 8)).toEqual({
      error: 'line 1: names an order (order_no) or keys (key), not both',
    });
    expect(parseBatch('x=1', 8)).toEqual({ error: 'line 1: names no order_no and no key' });
  });

  it('takes an order_no of one to 15 digits and nothing else', () => {
    expect(parseBatch('order_no=12\norder_no=123456789012345', 8)).toEqual({
      entries: [{ order: '12' }, { order: '123456789012345' }],
    });
    for (const bad of ['x12', '12x', '1234567890123456'])
      expect(parseBatch(`order_no=${bad}`, 8)).toEqual({ error: 'line 1: order_no must be a whole number' });
  });

  it('takes as many key values as allowed, and refuses one more', () => {
    expect(parseBatch('key=1&key=2', 2)).toEqual({ entries: [{ keys: ['1', '2'] }] });
    expect(parseBatch('key=1&key=2&key=3', 2)).toEqual({ error: 'line 1: at most 2 key values' });
  });
});

/** A request whose body is written by the test, with the headers given. */
function request(headers: Record<string, string>): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

describe('readBody', () => {
  it('reads a body of exactly the limit', async () => {
    const req = request({ 'content-length': '10' });
    const body = readBody(req, 10);
    req.end('0123456789');
    expect(await body).toBe('0123456789');
  });

  it('refuses a body declared longer than the limit without reading it', async () => {
    const req = request({ 'content-length': '100' });
    const body = readBody(req, 10);
    req.end('short');
    expect(await body).toBe('too-large');
  });

  it('refuses a chunked body (no length declared) as soon as it outgrows the limit', async () => {
    const req = request({ 'transfer-encoding': 'chunked' });
    const body = readBody(req, 10);
    req.write('01234');
    req.write('56789');
    req.write('X');
    expect(await body).toBe('too-large');
  });

  it('fails when the request fails', async () => {
    const req = request({});
    const body = readBody(req, 10);
    req.destroy(new Error('socket hang up'));
    await expect(body).rejects.toThrow('socket hang up');
  });
});
