import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServingGuard } from '../../src/cache/serving-guard.js';

describe('the serving guard', () => {
  it('stops serving after a drop that failed, and serves again only once a drop of everything succeeded with no failure meanwhile', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dcn-guard-'));
    let dropsOk = false;
    let attempts = 0;
    const codes: string[] = [];
    const guard = new ServingGuard(root, root, {
      dropEverything: async () => {
        attempts++;
        if (!dropsOk) throw new Error('EROFS');
      },
      apply: () => undefined,
      warn: (code) => void codes.push(code),
    });
    try {
      expect(guard.serving).toBe(true);
      expect(guard.health()).toEqual({ ok: true });
      guard.dropFailed('a drop of f failed (EROFS)', 'f', new Error('EROFS'));
      expect(guard.serving).toBe(false);
      expect(guard.health()).toEqual({ ok: false, reason: 'a drop of f failed (EROFS)' });
      const end = Date.now() + 5000;
      while (attempts < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(guard.serving).toBe(false); // the first attempt failed
      dropsOk = true;
      while (!guard.serving && Date.now() < end + 5000) await new Promise((r) => setTimeout(r, 20));
      expect(guard.serving).toBe(true);
      expect(codes).toEqual(['drop_failed', 'drop_healed']);
      expect(guard.busState()).toBeUndefined();
    } finally {
      guard.close();
    }
  }, 15_000);
});
