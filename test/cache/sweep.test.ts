/** The sweep on its own, over a directory laid out by hand: it removes only what dcn names. */
import { existsSync, mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepDir } from '../../src/cache/sweep.js';

const H1 = 'a'.repeat(40);
const H2 = 'b'.repeat(40);

describe('sweepDir', () => {
  it('removes expired entries, values without a claim and old leftovers, keeps live entries and anything not dcn-named', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dcn-sweep-'));
    const fn = join(root, 'f.dcn-fn');
    mkdirSync(fn);
    const now = Date.now();
    const at = (path: string, ms: number) => utimesSync(path, ms / 1000, ms / 1000);
    writeFileSync(join(fn, `${H1}.dcn-key`), '{"t":"x"}');
    writeFileSync(join(fn, `${H1}.dcn-val`), '{"t":"x","e":1,"v":1}');
    at(join(fn, `${H1}.dcn-val`), now - 1000); // expired
    writeFileSync(join(fn, `${H2}.dcn-key`), '{"t":"y"}');
    writeFileSync(join(fn, `${H2}.dcn-val`), '{"t":"y","e":1,"v":2}');
    at(join(fn, `${H2}.dcn-val`), now + 60_000); // live
    const tmp = join(fn, `${H2}.dcn-val.abcdefghijklmnop.dcn-tmp`);
    writeFileSync(tmp, 'part');
    at(tmp, now - 3_600_000);
    const mine = [join(root, 'notes.val'), join(fn, 'x.key'), join(root, 'old.tmp'), join(root, 'f', 'a.val')];
    mkdirSync(join(root, 'f'));
    for (const m of mine) {
      writeFileSync(m, 'user');
      at(m, now - 3_600_000);
    }
    const report = await sweepDir(root, { now, leftoverAgeMs: 600_000 }, () => undefined);
    expect(report).toMatchObject({ entries: 1, removedEntries: 1, removedLeftovers: 1, evictedEntries: 0 });
    expect(existsSync(join(fn, `${H1}.dcn-val`))).toBe(false);
    expect(existsSync(join(fn, `${H2}.dcn-val`))).toBe(true);
    expect(existsSync(tmp)).toBe(false);
    for (const m of mine) expect(existsSync(m)).toBe(true);
  });

  it('evicts beyond maxBytes, least recently used first, and tells an unreadable directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dcn-sweep-'));
    const fn = join(root, 'f.dcn-fn');
    mkdirSync(fn);
    const now = Date.now();
    for (const [h, used] of [
      [H1, now - 5000],
      [H2, now - 1000],
    ] as const) {
      writeFileSync(join(fn, `${h}.dcn-key`), '{"t":"x"}');
      writeFileSync(join(fn, `${h}.dcn-val`), 'v'.repeat(1000));
      utimesSync(join(fn, `${h}.dcn-val`), used / 1000, (now + 60_000) / 1000);
    }
    // maxBytes bounds blocks on disk, as du counts them: room for one entry and a half
    const entryDisk = [`${H1}.dcn-key`, `${H1}.dcn-val`].reduce(
      (n, f) => n + Math.max(statSync(join(fn, f)).size, statSync(join(fn, f)).blocks * 512),
      0,
    );
    const report = await sweepDir(root, { now, leftoverAgeMs: 600_000, maxBytes: entryDisk * 1.5 }, () => undefined);
    expect(report.evictedEntries).toBe(1);
    expect(existsSync(join(fn, `${H1}.dcn-val`))).toBe(false);
    expect(existsSync(join(fn, `${H2}.dcn-val`))).toBe(true);
    const errors: unknown[] = [];
    await sweepDir(join(root, 'missing'), { now, leftoverAgeMs: 1 }, (e) => errors.push(e));
    expect(errors).toHaveLength(1);
  });
});
