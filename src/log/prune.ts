/**
 * dcn log prune: nfresults only grows, so the rows older than a time go, in batches of a range of
 * ids each, one commit per batch (the undo of a DELETE stays bounded, and a stop half-way keeps
 * what was committed); optionally keeping the failed calls not sent again yet. Never prints and
 * never exits.
 */
import type { DbSession } from '../db/driver.js';
import type { DcnError } from '../errors.js';
import { sqlPath } from '../paths.js';
import { logError } from './log-error.js';
import { loadNamedQueries } from '../script/named-queries.js';

export interface PruneOptions {
  /** Rows logged before this time go. */
  readonly olderThan: Date;
  /** Keep the failed calls `dcn replay` would still send. */
  readonly keepFailed?: boolean;
  readonly dryRun?: boolean;
  /** How many ids one batch covers (default 10,000). */
  readonly batchIds?: number;
  /** After each committed batch: how many rows are gone so far, of how many. */
  readonly onBatch?: (progress: { readonly deleted: number; readonly total: number; readonly batches: number }) => void;
}

export interface PruneResult {
  readonly dryRun: boolean;
  readonly olderThan: string;
  readonly keepFailed: boolean;
  /** Rows that matched when the prune began. */
  readonly matched: number;
  /** Rows deleted (0 in a dry run). */
  readonly deleted: number;
  readonly batches: number;
}

/** A log without V7's column (or without the log): install it first, else the error as it is. */
const pruneError = (err: unknown, doing: string): DcnError => logError(err, doing, { migrations: 'V7', plural: false });

export async function pruneLog(session: DbSession, options: PruneOptions): Promise<PruneResult> {
  const q = loadNamedQueries(sqlPath('log', 'prune.sql'));
  const range = q.render('prune.range');
  const batch = q.render('prune.batch');
  const step = options.batchIds ?? 10_000;
  const filter = { older_than: options.olderThan, keep_failed: options.keepFailed ? 1 : 0 };
  let row;
  try {
    row = (await session.execute(range.sql, filter, { name: range.name })).rows[0] ?? {};
  } catch (err) {
    throw pruneError(err, 'counting the rows to prune');
  }
  const total = Number(row.ROWS_TO_PRUNE ?? 0);
  const firstId = Number(row.FIRST_ID ?? 0);
  const lastId = Number(row.LAST_ID ?? 0);
  const base = { olderThan: options.olderThan.toISOString(), keepFailed: options.keepFailed ?? false, matched: total };
  if (options.dryRun || total === 0) return { dryRun: options.dryRun ?? false, ...base, deleted: 0, batches: 0 };
  let deleted = 0;
  let batches = 0;
  for (let after = firstId - 1; after < lastId; after += step) {
    try {
      const r = await session.execute(
        batch.sql,
        { ...filter, after_id: after, up_to: Math.min(after + step, lastId) },
        { name: batch.name },
      );
      await session.commit();
      deleted += r.rowsAffected;
    } catch (err) {
      await session.rollback().catch(() => undefined);
      throw pruneError(err, `deleting the rows after id ${after}`);
    }
    batches++;
    options.onBatch?.({ deleted, total, batches });
  }
  return { dryRun: false, ...base, deleted, batches };
}
