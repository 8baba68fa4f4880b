// Runs bench/notify-calls.ts (it uses the test fake, which is TypeScript) through esbuild.
import { fmt, importTs, verdict } from './lib.mjs';

export async function notifyCost() {
  const { count, timeCalls } = await importTs('notify-calls');
  const rows = [];
  for (const keys of [1, 100, 1000]) {
    const batch = count(keys, 'batch');
    const perKey = count(keys, 'per-key');
    rows.push({
      keys,
      batch,
      perKey,
      batchMs: await timeCalls(batch.callList, true),
      perKeyMs: await timeCalls(perKey.callList, false),
    });
  }
  const n = (x) => x.toLocaleString('en');
  // one call per 4,000 bytes of keys at most (a log row holds a batch whole), and per-key unchanged
  const fits = rows.every(
    (r) =>
      r.batch.calls === Math.max(1, Math.ceil(r.batch.bodyBytes / 4000)) &&
      r.batch.commits === r.batch.calls &&
      r.batch.logRows === r.batch.calls &&
      r.perKey.calls === r.keys,
  );
  return [
    '## One notification of K changed orders: calls, COMMITs, log rows',
    '',
    "The callback's calls on the driver fake (no Oracle here; its PL/SQL carried out by test/support/callback-model.ts):",
    "callbackCalls=batch (default) against per-key (the article's GET per order). Each call is one log row and one COMMIT (sendNotification's autonomous log).",
    'Time: the same calls sent one after another to dcn listen over loopback HTTP, per-key on a new TCP connection each (UTL_HTTP without persistent connections), batch on one kept-alive connection.',
    '',
    '| K keys | batch: calls | COMMITs | log rows | body bytes | ms | per-key: calls | COMMITs | log rows | ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${n(r.keys)} | ${r.batch.calls} | ${r.batch.commits} | ${r.batch.logRows} | ${n(r.batch.bodyBytes)} | ${fmt(r.batchMs)} | ${n(r.perKey.calls)} | ${n(r.perKey.commits)} | ${n(r.perKey.logRows)} | ${fmt(r.perKeyMs)} |`,
    ),
    '',
    `A batch is cut only where its log row (key_values, 4,000 bytes) is full, one row and one COMMIT per call: ${verdict(fits)}.`,
    '',
  ].join('\n');
}
