/**
 * The migration lock: a row lock (SELECT … FOR UPDATE, never committed) held by a session of its
 * own, so two runs cannot go on together and the lock dies with its session.
 */
import { DcnError } from '../errors.js';
import type { DbSession, ExecuteResult } from '../db/driver.js';
import { firstLine, oracleCode, statementError } from '../db/oracle-errors.js';
import { toIso, type HistoryTable } from './history.js';
import type { MigrationEvent, SessionProvider } from './types.js';

/** ORA-30006 (WAIT n timed out), ORA-00054 (NOWAIT found it busy). */
const LOCK_BUSY = new Set(['ORA-30006', 'ORA-00054']);

export interface LockOptions {
  readonly history: HistoryTable;
  readonly sessions: SessionProvider;
  readonly lockTimeoutSeconds: number;
  /** Who holds the lock, shown to a waiting run: e.g. "host pid 123". */
  readonly holder?: string;
  readonly now: () => number;
  readonly emit: (event: MigrationEvent) => void;
}

/** Runs `fn` on the app session while holding the lock; creates the history tables first. */
export async function withMigrationLock<T>(options: LockOptions, fn: (app: DbSession) => Promise<T>): Promise<T> {
  const { history } = options;
  const app = await options.sessions.app();
  await history.ensure(app);
  const lock = await options.sessions.lock();
  const sidRow = (await history.run(lock, 'lock.session-id')).rows[0];
  const sid = sidRow?.SID == null ? null : Number(sidRow.SID);
  const started = options.now();
  let locked: ExecuteResult;
  try {
    locked = await lock.execute(history.query('lock.acquire').sql, {}, { name: 'lock.acquire' });
  } catch (err) {
    if (LOCK_BUSY.has(oracleCode(err) ?? '')) throw await lockHeldError(options, app, err);
    throw statementError(err, 'taking the migration lock');
  }
  // FOR UPDATE of a row that is not there locks nothing: two runs would go on together
  if (locked.rows.length !== 1) {
    throw new DcnError(
      'internal',
      `the migration lock row (id 1) is missing from ${history.name}_LOCK, so no lock could be taken`,
      {
        hint: `drop ${history.name}_LOCK when no dcn migrate runs: the next run creates and seeds it again`,
      },
    );
  }
  options.emit({ type: 'lock-acquired', waitedMs: Math.round(options.now() - started) });
  try {
    await history.run(app, 'lock.record-holder', { holder: options.holder ?? 'dcn', holder_sid: sid });
    await app.commit();
    return await fn(app);
  } finally {
    // Rolling back ends the lock session's transaction, which releases the row lock. If that
    // fails the lock is released when the session closes; the run's outcome stands either way.
    await lock.rollback().catch((err: unknown) => {
      options.emit({
        type: 'warning',
        message: `could not release the migration lock at once (${firstLine(err)}); it is released when its session closes`,
      });
    });
  }
}

async function lockHeldError(options: LockOptions, app: DbSession, cause: unknown): Promise<DcnError> {
  let who = 'another session';
  const meta: Record<string, unknown> = { waitedSeconds: options.lockTimeoutSeconds };
  try {
    const row = (await options.history.run(app, 'lock.read-holder')).rows[0];
    if (row?.HOLDER != null) {
      const since = toIso(row.ACQUIRED_ON);
      who = `${String(row.HOLDER)} (Oracle session SID ${String(row.HOLDER_SID ?? '?')}${since ? `, since ${since}` : ''})`;
      Object.assign(meta, { holder: row.HOLDER, holderSid: row.HOLDER_SID, since });
    }
  } catch {
    // the holder row is a courtesy; the lock error is what matters
  }
  const waited =
    options.lockTimeoutSeconds <= 0 ? 'did not wait (lock timeout 0)' : `waited ${options.lockTimeoutSeconds} s`;
  return new DcnError('lock_held', `the migration lock is held by ${who}; ${waited}`, {
    hint: 'let that run finish, or wait longer; if its session is gone, Oracle has already released the lock',
    remedies: [{ kind: 'wait-longer' }],
    meta,
    cause,
  });
}
