/**
 * What a change notification drops, as the callback decides for dcn listen: an order for the
 * orders tables, the route's keys for any other table, looked up by ROWID in one statement per
 * table per notification; deleted or vanished rows, ALL_ROWS, DROP/ALTER and an UPDATE of a key
 * that may change drop all of the table's results.
 */
import { keyArguments } from '../cache/key-arguments.js';
import type { ChangeMessage, DbSession } from '../db/driver.js';
import { isConnectionLost, isTransient } from '../db/oracle-errors.js';
import { describe } from '../db/reconnect.js';
import { lookupKeys, type WatchedTable } from './tables.js';

/** CQN_OPCODE_* (oracledb lib/constants.js), the DBMS_CHANGE_NOTIFICATION values. */
const OP = { ALL_ROWS: 1, INSERT: 2, UPDATE: 4, DELETE: 8, ALTER: 16, DROP: 32 } as const;

/** The drops a watch makes: a cache, or anything that drops as one does. */
export interface Dropper {
  dropSync(name: string, ...args: unknown[]): boolean;
  /** Tells the other caches on a bus (nothing without one); rejects when it did not reach it. */
  publishDrop(name: string, ...args: unknown[]): Promise<void>;
  dropAll(name: string): Promise<void>;
}

export interface WatchEvent {
  readonly time: string;
  readonly action:
    'subscribed' | 'dropped' | 'dropped-all' | 'lost' | 'resubscribed' | 'renewed' | 'ignored' | 'stopped';
  readonly table?: string;
  readonly operation?: string;
  readonly order?: number;
  readonly keys?: readonly string[];
  readonly function?: string;
  readonly reason?: string;
  /** On a drop a notification made: milliseconds from its arrival to this drop (its queue, key lookup and bus included). */
  readonly latencyMs?: number;
}

/** What the drops of a notification need from the watch that received it. */
export interface DropContext {
  readonly tables: ReadonlyMap<string, WatchedTable>;
  readonly cache: Dropper;
  /** The session the keys are looked up on; undefined once the connection is gone. */
  session(): DbSession | undefined;
  emit(event: Omit<WatchEvent, 'time'>): void;
  /** Counts one drop: a key, or all of a table's results. */
  counted(): void;
}

function operationNames(op: number): string {
  const names = Object.entries(OP)
    .filter(([, bit]) => (op & bit) !== 0)
    .map(([n]) => n.toLowerCase().replace('_', ' '));
  return names.join(',') || 'none';
}

/**
 * The drops one notification makes: per key where its rows' keys can be looked up by ROWID, all of
 * a table's results where they cannot.
 */
export async function dropChanges(ctx: DropContext, message: ChangeMessage, received: number): Promise<void> {
  const latencyMs = () => Math.round((performance.now() - received) * 1000) / 1000;
  for (const change of message.tables ?? []) {
    // OWNER.TABLE as the dictionary stores it: a quoted mixed-case name is not upper case
    const t = ctx.tables.get(change.name);
    const operation = operationNames(change.operation);
    if (!t) {
      ctx.emit({ action: 'ignored', table: change.name, operation, reason: 'not a watched table' });
      continue;
    }
    const why = tableLevel(t, change);
    if (why !== undefined) {
      await dropAll(ctx, t, operation, latencyMs, why);
      continue;
    }
    const rowids = (change.rows ?? []).map((r) => r.rowid);
    const session = ctx.session();
    if (!session) {
      // it arrived as the connection went: nothing to look the keys up with
      await dropAll(ctx, t, operation, latencyMs, 'the connection was lost: its keys cannot be looked up');
      continue;
    }
    let found: Awaited<ReturnType<typeof lookupKeys>>;
    try {
      found = await lookupKeys(session, t.table, t.key!, rowids);
    } catch (err) {
      // this table's drops go on at table level; a lost connection is connected again
      await dropAll(ctx, t, operation, latencyMs, `its keys could not be looked up: ${describe(err)}`);
      if (isConnectionLost(err) || isTransient(err)) throw err;
      continue;
    }
    if (found.some((f) => f === null)) {
      await dropAll(ctx, t, operation, latencyMs, 'a changed row is no longer there: its key cannot be looked up');
      continue;
    }
    if ((found as (string | null)[][]).some((keys) => keys.some((k) => k === null))) {
      // a NULL key names no single result (and Oracle stores '' as NULL): not f('')
      await dropAll(ctx, t, operation, latencyMs, 'a changed row has a NULL key value');
      continue;
    }
    const seen = new Set<string>();
    for (const keys of found as string[][]) {
      const id = JSON.stringify(keys);
      if (seen.has(id)) continue;
      seen.add(id);
      if (t.byOrder) {
        ctx.cache.dropSync(t.function, Number(keys[0]));
        await ctx.cache.publishDrop(t.function, Number(keys[0]));
        ctx.emit({
          action: 'dropped',
          table: t.table,
          operation,
          function: t.function,
          order: Number(keys[0]),
          latencyMs: latencyMs(),
        });
      } else {
        for (const args of keyArguments(keys)) {
          ctx.cache.dropSync(t.function, ...args);
          await ctx.cache.publishDrop(t.function, ...args);
        }
        ctx.emit({
          action: 'dropped',
          table: t.table,
          operation,
          function: t.function,
          keys,
          latencyMs: latencyMs(),
        });
      }
      ctx.counted();
    }
  }
}

/** Why a change drops all of a table's results, as the callback decides; undefined: per key. */
function tableLevel(t: WatchedTable, change: NonNullable<ChangeMessage['tables']>[number]): string | undefined {
  if ((change.operation & (OP.DROP | OP.ALTER)) !== 0)
    return `table ${operationNames(change.operation & (OP.DROP | OP.ALTER))}`;
  if (t.key === null) return 'the table has no key';
  if ((change.operation & OP.ALL_ROWS) !== 0 || !change.rows || change.rows.length === 0) return 'all rows: no ROWIDs';
  if (change.rows.some((r) => (r.operation & OP.DELETE) !== 0)) return 'rows deleted: their keys cannot be looked up';
  if (!t.keyImmutable && change.rows.some((r) => (r.operation & OP.UPDATE) !== 0))
    return 'rows updated: an update may have changed a key, whose old value it does not name';
  return undefined;
}

async function dropAll(
  ctx: DropContext,
  t: WatchedTable,
  operation: string,
  latencyMs: () => number,
  reason: string,
): Promise<void> {
  await ctx.cache.dropAll(t.function);
  ctx.counted();
  ctx.emit({
    action: 'dropped-all',
    table: t.table,
    operation,
    function: t.function,
    reason,
    latencyMs: latencyMs(),
  });
}
