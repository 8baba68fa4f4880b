import { describe, expect, it } from 'vitest';
import { WarningThrottle } from '../../src/cache/warnings.js';

describe('the warning throttle', () => {
  it('lets one warning of a kind per function through per interval, and counts those held back', () => {
    let now = 0;
    const t = new WarningThrottle(1000, () => now);
    expect(t.admit('write_failed', 'f', 'x')).toMatchObject({
      code: 'write_failed',
      function: 'f',
      message: 'result cache: x',
      suppressed: 0,
    });
    expect(t.admit('write_failed', 'f', 'x')).toBeUndefined();
    expect(t.admit('write_failed', 'g', 'x')).toBeDefined(); // another function
    expect(t.admit('read_failed', 'f', 'x')).toBeDefined(); // another kind
    expect(t.admit('write_failed', 'f', 'x')).toBeUndefined();
    now = 1000;
    expect(t.admit('write_failed', 'f', 'y')).toMatchObject({ suppressed: 2 });
  });
});
