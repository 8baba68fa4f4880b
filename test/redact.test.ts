import { describe, expect, it } from 'vitest';
import { withoutPassword } from '../src/redact.js';

describe('withoutPassword: the one way dcn masks a password it echoes', () => {
  it.each([
    ['http://user:s3cret@app:8080/drop', 'http://user:***@app:8080/drop'],
    ['redis://app:s3cret@cache.internal:6379/0', 'redis://app:***@cache.internal:6379/0'],
    ['rediss://:s3cret@cache.internal', 'rediss://:***@cache.internal'],
    ['http://u:p@ss@app/x', 'http://u:***@app/x'],
    // not a URL (a blank in it): the password is masked all the same
    ['http://user:s3cret@app:8080/drop x', 'http://user:***@app:8080/drop x'],
    ['TABLE=http://u:s3cret@evil/x', 'TABLE=http://u:***@evil/x'],
    ['http://user:pa ss@app/x', 'http:***@app/x'],
    ['app:s3cret@10.0.0.5/x', 'app:***@10.0.0.5/x'],
  ])('%s', (given, shown) => {
    expect(withoutPassword(given)).toBe(shown);
    expect(withoutPassword(given)).not.toMatch(/s3cret|pa ss|p@ss/);
  });

  it('leaves a value without a password as it is', () => {
    expect(withoutPassword('http://app:8080/drop')).toBe('http://app:8080/drop');
    expect(withoutPassword('ORDERS=getOrderFields')).toBe('ORDERS=getOrderFields');
  });
});
