/**
 * A small TCP proxy a test controls, for the faults a real network produces between a client
 * and its server: pass (bytes flow), blackhole (connections stay open, no byte passes either
 * way, as behind a NAT that dropped the flow; what was sent meanwhile is held, as TCP would), refuse (every connection is closed at once, new
 * ones too) and close-after-subscribe (a connection is closed right after the server's answer to
 * a SUBSCRIBE has been passed on to the client).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'refuse' | 'close-after-subscribe';

export interface TcpProxy {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  mode(mode: ProxyMode): void;
  /** Connections accepted so far, and SUBSCRIBE answers passed on before a close. */
  readonly stats: { accepted: number; closedAfterSubscribe: number };
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  let current: ProxyMode = 'pass';
  const pairs = new Set<{ client: Socket; server: Socket; subscribed: boolean }>();
  const stats = { accepted: 0, closedAfterSubscribe: 0 };
  let held: (() => void)[] = [];
  const cut = (p: { client: Socket; server: Socket }) => {
    p.client.destroy();
    p.server.destroy();
  };
  const server: Server = createServer((client) => {
    stats.accepted++;
    if (current === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, server: upstream, subscribed: false };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      // held, as TCP holds what it cannot deliver, and passed on if the path comes back
      if (current === 'blackhole') return void held.push(() => upstream.write(chunk));
      if (/subscribe/i.test(chunk.toString('latin1'))) pair.subscribed = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (current === 'blackhole') return void held.push(() => client.write(chunk));
      client.write(chunk);
      // the answer to SUBSCRIBE ("*3 $9 subscribe …"): passed on, then the link dies
      if (current === 'close-after-subscribe' && pair.subscribed && /subscribe/i.test(chunk.toString('latin1'))) {
        stats.closedAfterSubscribe++;
        client.end(() => end());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stats,
    mode(mode) {
      current = mode;
      if (mode !== 'blackhole') {
        const release = held;
        held = [];
        for (const write of release) write();
      }
      if (mode === 'refuse') for (const p of [...pairs]) cut(p);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of [...pairs]) cut(p);
        server.close(() => resolve());
      }),
  };
}
