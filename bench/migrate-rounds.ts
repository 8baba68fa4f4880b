// dcn migrate over a slow network: how many round trips one migration of N statements costs, on
// the driver fake (every execute, commit and rollback dcn sends is one round trip), and the CPU
// time of the resume bookkeeping (the hash of the statements done, recorded after each one).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from '../src/migrator/migrator.js';
import { prefixHash, RunningHash } from '../src/migrator/render.js';
import { loadMigrations } from '../src/migrator/source.js';
import type { SessionProvider } from '../src/migrator/types.js';
import { FakeDatabase, fakeSessions } from '../test/support/fake-oracle.js';

/** The sessions of fakeSessions, each call dcn makes on them counted. */
function counted(sessions: SessionProvider): { sessions: SessionProvider; calls: () => number } {
  let calls = 0;
  const wrap = <T extends object>(session: T): T =>
    new Proxy(session, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (key === 'execute' || key === 'commit' || key === 'rollback') calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const wrapped = new Map<object, object>();
  const once = <T extends object>(s: T): T =>
    (wrapped.get(s) as T | undefined) ?? (wrapped.set(s, wrap(s)), wrapped.get(s) as T);
  return {
    sessions: {
      app: async () => once(await sessions.app()),
      admin: async () => once(await sessions.admin()),
      lock: async () => once(await sessions.lock()),
    } as SessionProvider,
    calls: () => calls,
  };
}

export interface RoundTrips {
  readonly statements: number;
  readonly roundTrips: number;
}

/** One migration: a CREATE TABLE, then N - 1 INSERTs, applied to an empty fake. */
export async function roundTrips(n: number): Promise<RoundTrips> {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-bench-migrate-'));
  try {
    const inserts = Array.from({ length: n - 1 }, (_, i) => `INSERT INTO bench_t VALUES (${i});`);
    writeFileSync(join(dir, 'V1__bench.sql'), ['CREATE TABLE bench_t (id NUMBER);', ...inserts, ''].join('\n'));
    const db = new FakeDatabase();
    const { sessions, calls } = counted(fakeSessions(db) as unknown as SessionProvider);
    const migrator = new Migrator({
      migrations: loadMigrations(dir),
      historyTable: 'DCN_SCHEMA_HISTORY',
      lockTimeoutSeconds: 0,
      sessions,
      holder: 'bench',
    });
    await migrator.migrate();
    return { statements: n, roundTrips: calls() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU ms of recording the hash after each of n statements: incrementally, as dcn does, and re-hashing each prefix. */
export function bookkeepingMs(n: number, rehash: boolean): number {
  const statements = Array.from({ length: n }, (_, i) => ({
    sql: `INSERT INTO bench_t (id, note) VALUES (${i}, 'a note of about sixty characters, as real inserts have')`,
  }));
  const start = process.cpuUsage();
  let last = '';
  if (rehash) for (let i = 0; i < n; i++) last = prefixHash(statements, i + 1);
  else {
    const running = new RunningHash();
    for (const st of statements) last = running.add(st);
  }
  const used = process.cpuUsage(start);
  if (last !== prefixHash(statements, n)) throw new Error('the digests differ');
  return (used.user + used.system) / 1000;
}
