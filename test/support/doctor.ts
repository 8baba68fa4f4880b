/** dcn doctor run through the CLI on the driver fake, as a user would run it, read from its --json report. */
import { expect } from 'vitest';
import { DB_ENV, runCli } from './cli.js';
import type { FakeDatabase } from './fake-oracle.js';

export type Check = { id: string; status: string; summary: string; fix?: string; details?: string[] };

/** A fake where everything is set up: migrated, registered, one notification delivered. */
export async function healthy(callbackUrl = 'http://localhost:8080/phpcache/dropResults.php'): Promise<FakeDatabase> {
  const env = { ...DB_ENV, DCN_CALLBACK_URL: callbackUrl };
  const m = await runCli(['migrate', '--with-demo-schema', '-q'], { env });
  expect(m.stderr).toBe('');
  const db = m.db;
  expect((await runCli(['register', '--table', 'ORDERS', '--table', 'ORDER_ITEMS'], { env, db })).code).toBe(0);
  db.logNotification({ table: 'ORDERS', order: '2408', status: 200, message: '200 OK' });
  return db;
}

export async function doctor(db: FakeDatabase, args: string[] = [], env: Record<string, string> = {}) {
  const r = await runCli(['doctor', '--json', '--with-demo-schema', ...args], { env: { ...DB_ENV, ...env }, db });
  const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
  return { code: r.code, report, check: (id: string) => byId[id]!, stderr: r.stderr };
}
