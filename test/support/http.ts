import { request } from 'node:http';

export interface Reply {
  status: number;
  reason?: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request over real HTTP to a server under test, on a connection of its own; its whole answer. */
export function http(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, reason: res.statusMessage, body, headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
