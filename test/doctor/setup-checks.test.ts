import { describe, expect, it } from 'vitest';
import { aceCovers } from '../../src/doctor/setup-checks.js';

describe('the network ACE check', () => {
  it('matches ACE host patterns and port ranges', () => {
    expect(aceCovers({ host: 'app.example', lower: 8080, upper: 8080 }, 'APP.example', 8080)).toBe(true);
    expect(aceCovers({ host: '*', lower: null, upper: null }, 'x', 1)).toBe(true);
    expect(aceCovers({ host: '*.example', lower: 8000, upper: 8100 }, 'a.b.example', 8099)).toBe(true);
    expect(aceCovers({ host: '10.0.0.*', lower: null, upper: null }, '10.0.0.5', 80)).toBe(true);
    expect(aceCovers({ host: 'app.example', lower: 8080, upper: 8080 }, 'app.example', 8081)).toBe(false);
    expect(aceCovers({ host: 'example', lower: null, upper: null }, 'app.example', 80)).toBe(false);
  });
});
