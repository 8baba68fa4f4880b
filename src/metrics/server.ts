/**
 * /metrics over HTTP: a handler the listener routes to, and the small server dcn watch opens with
 * a metrics port (it has no other). Only GET and HEAD; nothing a client sends is read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { MetricsText } from './metrics.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

function replyJson(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers a scrape with the registry's text. */
export function metricsHandler(metrics: MetricsText): RequestHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return replyJson(res, 405, { ok: false, error: 'use GET' }, { allow: 'GET, HEAD' });
    metrics.text().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => replyJson(res, 500, { ok: false, error: `metrics: ${(err as Error).message}` }),
    );
  };
}

export interface MetricsServerOptions {
  readonly metrics: MetricsText;
  /** For /healthz: 200 while ok, else 503; the rest of it is the answer's body. */
  readonly health: () => { readonly ok: boolean; readonly [detail: string]: unknown };
  readonly host: string;
  readonly port: number;
}

export interface RunningMetricsServer {
  /** Where /metrics is, e.g. http://127.0.0.1:9464/metrics. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves /metrics and /healthz; any other path is 404. Rejects when it cannot listen (EADDRINUSE, a host it cannot bind). */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const scrape = metricsHandler(options.metrics);
  const server: Server = createServer(
    { maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      const url = req.url ?? '/';
      const path = url.split('?', 1)[0];
      if (path === '/metrics') return scrape(req, res);
      if (path !== '/healthz')
        return replyJson(res, 404, { ok: false, error: 'no such path: try /metrics or /healthz' });
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return replyJson(res, 405, { ok: false, error: 'use GET' }, { allow: 'GET, HEAD' });
      const health = options.health();
      replyJson(res, health.ok ? 200 : 503, health);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as { address: string; port: number };
  const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
