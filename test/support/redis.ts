/**
 * A real redis-server (Debian's package) for the tests that need one: each test file starts its
 * own on a free loopback port and stops it by its PID. A test that needs Redis and cannot start it
 * fails: it never skips in silence.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: a crash, not a shutdown). */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its connections and answers nothing, until resume() (SIGCONT). */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** TLS: the server's certificate and key files (it then listens only on its TLS port). */
export interface RedisTls {
  readonly cert: string;
  readonly key: string;
}

function launch(port: number, password?: string, tls?: RedisTls): Promise<ChildProcess> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      'redis-server is not installed: these tests need a real Redis (apt-get install redis-server; .ci/run installs it)',
    );
  }
  const ports = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.cert,
        '--tls-key-file',
        tls.key,
        '--tls-ca-cert-file',
        tls.cert,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const child = spawn(
    'redis-server',
    [
      ...ports,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      ...(password ? ['--requirepass', password] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${out}`)), 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) on port ${port}: ${out}`));
    });
  });
}

function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(child.pid!, signal);
  });
}

/** A server on a free loopback port; with a password, it requires it (AUTH); with TLS, it speaks only TLS (rediss://). */
export async function startRedis(password?: string, tls?: RedisTls): Promise<RedisServer> {
  const port = await freePort();
  let child = await launch(port, password, tls);
  return {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    kill: () => killed(child, 'SIGKILL'),
    pause: () => void process.kill(child.pid!, 'SIGSTOP'),
    resume: () => void process.kill(child.pid!, 'SIGCONT'),
    restart: async () => {
      child = await launch(port, password, tls);
    },
    stop: () => killed(child, 'SIGTERM'),
  };
}
