// dcn tail -f: what one poll costs, on the fake, for a log of 10 rows and of 1,000,000 rows.
// The fake reads NFRESULTS like an index range scan on the key (rows after "ID" > :n are reached
// without reading the others) and counts every row it reads; the number of queries is the
// number of round trips. Target: one round trip per poll whatever the table size.
import { Tail } from '../src/tail/tail.js';
import { FakeDatabase } from '../test/support/fake-oracle.js';

export interface PollCost {
  readonly tableRows: number;
  readonly polls: number;
  readonly queriesPerPoll: number;
  readonly rowsReadPerPoll: number;
  readonly rowsPrintedPerPoll: number;
}

export async function measure(tableRows: number, polls = 20, newRowsPerPoll = 5): Promise<PollCost> {
  const db = new FakeDatabase();
  db.objects.set('TABLE NFRESULTS', { type: 'TABLE', name: 'NFRESULTS', owner: 'OE', status: 'VALID' });
  db.addedColumns.set('NFRESULTS', new Set(['KEY_VALUES'])); // a log at V8, which tail reads the keys of
  for (let i = 0; i < tableRows; i++)
    db.logNotification({ table: 'ORDERS', order: String(i % 5000), status: 200, message: '200 OK' });
  const tail = new Tail({ connect: async () => db.connect('OE'), schema: 'OE', filters: {} });
  const start = await tail.maxId();
  const stop = new AbortController();
  let done = 0;
  let printed = 0;
  db.beforeExecute = (_s, _sql, name) => {
    if (name === 'tail.select')
      for (let i = 0; i < newRowsPerPoll; i++)
        db.logNotification({ table: 'ORDERS', order: '2408', status: 200, message: '200 OK' });
  };
  const queriesBefore = db.log.filter((l) => l.name === 'tail.select').length;
  const readBefore = db.nfresultsRowsRead;
  for await (const event of tail.follow(start, 1, stop.signal)) {
    if (event.type === 'rows') printed += event.rows.length;
    if (++done === polls) stop.abort();
  }
  await tail.close();
  const queries = db.log.filter((l) => l.name === 'tail.select').length - queriesBefore;
  return {
    tableRows,
    polls: queries,
    queriesPerPoll: queries / done,
    rowsReadPerPoll: (db.nfresultsRowsRead - readBefore) / queries,
    rowsPrintedPerPoll: printed / done,
  };
}
