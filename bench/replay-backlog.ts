// dcn replay of a backlog of failed calls, on the driver fake: round trips, rows per page, each row
// read and sent once, and the heap dcn itself keeps while it runs. The fake keeps every log row
// (the backlog and the rows the replayed calls log), so the heap grows with the backlog whatever
// dcn does; a control run logs the same rows and calls without dcn, and dcn's own heap is the
// difference, sampled after a full GC every 500 calls. Constant memory: that difference does not
// grow with the backlog.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { DbSession } from '../src/db/driver.js';
import { sqlPath } from '../src/paths.js';
import { replay } from '../src/replay/replay.js';
import { loadNamedQueries } from '../src/script/named-queries.js';
import { FakeDatabase } from '../test/support/fake-oracle.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const URL = 'http://app:8080/phpcache/dropResults.php';

function backlog(rows: number): FakeDatabase {
  const db = new FakeDatabase();
  db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
  db.addedColumns.set('NFRESULTS', new Set(['REPLAYED_BY', 'KEY_VALUES']));
  for (let i = 0; i < rows; i++)
    db.logNotification({
      table: i % 3 ? 'ORDERS' : 'ORDER_ITEMS',
      order: String(10_000 + i),
      status: null,
      message: `call failed: ${URL}`,
      error: 'ORA-29273: HTTP request failed',
    });
  return db;
}

function heap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export interface ReplayCost {
  readonly rows: number;
  readonly sent: number;
  readonly pages: number;
  readonly largestPage: number;
  readonly rowsRead: number;
  readonly ms: number;
  /** Heap after GC, beyond the control's, at its highest during the run and at the end (bytes). */
  readonly ownPeak: number;
  readonly ownEnd: number;
}

export async function measure(rows: number): Promise<ReplayCost> {
  // control: the same calls sent through the fake statement by statement, without dcn's loop
  const control = backlog(rows);
  const send = loadNamedQueries(sqlPath('replay', 'replay.sql')).render('replay.send');
  const controlSession = control.connect('OE');
  const controlSamples: number[] = [heap()];
  for (let i = 1; i <= rows; i++) {
    const row = control.nfresults[i - 1]!;
    await controlSession.execute(
      send.sql,
      {
        url: URL,
        tblname: String(row.TBLNAME),
        order_id: String(row.ORDER_ID),
        regid: Number(row.REGID),
        note: `replay of #${i}`,
        key_values: null,
        batch: null,
        id: i,
        marked: { out: 'number' },
        status: { out: 'number' },
        new_id: { out: 'number' },
      },
      { name: send.name },
    );
    if (i % 500 === 0) {
      control.log.length = 0;
      controlSamples.push(heap());
    }
  }
  const controlGrowth = controlSamples.map((h) => h - controlSamples[0]!);

  const db = backlog(rows);
  const fake = db.connect('OE');
  let pages = 0;
  let largestPage = 0;
  // replay uses execute only; this one counts the pages and their rows on the way
  const session = {
    execute: async (...args: Parameters<DbSession['execute']>) => {
      const result = await fake.execute(...args);
      if (args[2]?.name === 'replay.failed') {
        pages++;
        largestPage = Math.max(largestPage, result.rows.length);
      }
      return result;
    },
  } as unknown as DbSession;
  db.nfresultsRowsRead = 0;
  db.log.length = 0;
  const samples: number[] = [heap()];
  let sent = 0;
  const start = process.hrtime.bigint();
  const result = await replay(session, {
    url: URL,
    onCall: () => {
      if (++sent % 500 === 0) {
        // the fake's statement log is not in the control: emptied at each sample
        db.log.length = 0;
        samples.push(heap());
      }
    },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const own = samples.map((h, i) => h - samples[0]! - (controlGrowth[i] ?? controlGrowth.at(-1)!));
  return {
    rows,
    sent: result.answered,
    pages,
    largestPage,
    rowsRead: db.nfresultsRowsRead,
    ms,
    ownPeak: Math.max(...own),
    ownEnd: own.at(-1)!,
  };
}
