import { describe, expect, it } from 'vitest';
import { pruneLog } from '../../src/log/prune.js';
import { DB_ENV, runCli } from '../support/cli.js';
import { FakeDatabase } from '../support/fake-oracle.js';

const DAY = 86_400_000;
const now = Date.parse('2026-12-03T12:00:00Z');

/** A log of `old` rows 40 days old and `recent` rows of today; every 10th old one a failed call, every 20th of those sent again. */
function withLog(old: number, recent: number): FakeDatabase {
  const db = new FakeDatabase();
  db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
  db.addedColumns.set('NFRESULTS', new Set(['REPLAYED_BY', 'KEY_VALUES']));
  for (let i = 1; i <= old; i++) {
    const failed = i % 10 === 0;
    db.logNotification({
      table: 'ORDERS',
      order: String(i),
      status: failed ? null : 200,
      message: failed ? 'call failed' : '200 OK',
      at: new Date(now - 40 * DAY + i),
    });
    if (failed && i % 20 === 0) db.nfresults.at(-1)!.REPLAYED_BY = 999_999;
  }
  for (let i = 1; i <= recent; i++)
    db.logNotification({ table: 'ORDERS', order: String(i), status: 200, message: '200 OK', at: new Date(now - 1000) });
  return db;
}

/** A session whose commits are counted. */
function counted(db: FakeDatabase) {
  const session = db.connect('OE');
  let commits = 0;
  const commit = session.commit.bind(session);
  session.commit = async () => {
    commits++;
    await commit();
  };
  return { session, commits: () => commits };
}

describe('dcn log prune', () => {
  it('deletes the rows older than the time in batches of ids, one commit per batch, with progress; newer rows stay', async () => {
    const db = withLog(25_000, 7);
    const { session, commits } = counted(db);
    const progress: number[] = [];
    const r = await pruneLog(session, {
      olderThan: new Date(now - 30 * DAY),
      onBatch: (p) => progress.push(p.deleted),
    });
    expect(r).toMatchObject({ dryRun: false, matched: 25_000, deleted: 25_000, batches: 3, keepFailed: false });
    expect(progress).toEqual([10_000, 20_000, 25_000]);
    expect(commits()).toBe(3);
    expect(db.nfresults.map((x) => x.ORDER_ID)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    // each batch a range of ids by the primary key, not the whole log
    const batches = db.log
      .filter((l) => l.name === 'prune.batch')
      .map((l) => [l.binds as Record<string, unknown>].map((b) => [b.after_id, b.up_to])[0]);
    expect(batches).toEqual([
      [0, 10_000],
      [10_000, 20_000],
      [20_000, 25_000],
    ]);
  });

  it('keeps a recent row whose id is among the old ones (identity order is not time order: cached ranges, RAC)', async () => {
    const db = withLog(100, 0);
    db.nfresults.splice(49, 1); // id 50 was taken, and its row committed only now
    db.logNotification({
      id: 50,
      table: 'ORDERS',
      order: 'late',
      status: 200,
      message: '200 OK',
      at: new Date(now - 1000),
    });
    const r = await pruneLog(db.connect('OE'), { olderThan: new Date(now - 30 * DAY) });
    expect(r).toMatchObject({ matched: 99, deleted: 99 });
    expect(db.nfresults.map((x) => [x.ID, x.ORDER_ID])).toEqual([[50, 'late']]);
  });

  it('--keep-failed keeps the failed calls dcn replay would still send; one sent again goes', async () => {
    const db = withLog(100, 0);
    const r = await pruneLog(db.connect('OE'), { olderThan: new Date(now - 30 * DAY), keepFailed: true });
    expect(r).toMatchObject({ matched: 95, deleted: 95 });
    expect(db.nfresults.map((x) => x.ORDER_ID)).toEqual(['10', '30', '50', '70', '90']);
  });

  it('a dry run counts and deletes nothing', async () => {
    const db = withLog(30, 2);
    const r = await pruneLog(db.connect('OE'), { olderThan: new Date(now - 30 * DAY), dryRun: true });
    expect(r).toMatchObject({ dryRun: true, matched: 30, deleted: 0, batches: 0 });
    expect(db.nfresults).toHaveLength(32);
    expect(db.log.filter((l) => l.name === 'prune.batch')).toEqual([]);
  });

  it('--keep-failed without V7 says to migrate', async () => {
    const db = withLog(3, 0);
    db.addedColumns.clear();
    await expect(
      pruneLog(db.connect('OE'), { olderThan: new Date(now - 30 * DAY), keepFailed: true }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: 'NFRESULTS has no REPLAYED_BY column: migration V7 is not applied',
      remedies: [{ kind: 'migrate' }],
    });
  });
});

describe('dcn log prune (command)', () => {
  it('prints progress on stderr and what it deleted; --json one document', async () => {
    const text = await runCli(['log', 'prune', '--older-than', '2026-11-03T12:00:00Z'], {
      env: DB_ENV,
      db: withLog(12, 1),
    });
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('deleted 12 of 12 row(s) (1 batch)\n');
    expect(text.stdout).toBe('12 rows logged before 2026-11-03T12:00:00.000Z deleted, in 1 batch (one commit each).\n');
    const json = await runCli(
      ['log', 'prune', '--older-than', '2026-11-03T12:00:00Z', '--keep-failed', '--dry-run', '--json'],
      { env: DB_ENV, db: withLog(12, 1) },
    );
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      dryRun: true,
      olderThan: '2026-11-03T12:00:00.000Z',
      keepFailed: true,
      matched: 11,
      deleted: 0,
      batches: 0,
    });
  });

  it('refuses a missing or bad --older-than before connecting (exit 2)', async () => {
    for (const args of [[], ['--older-than', 'last week']]) {
      const r = await runCli(['log', 'prune', ...args], { env: DB_ENV, db: withLog(1, 0) });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/older-than/);
      expect(r.driverLoads()).toBe(0);
    }
  });
});
