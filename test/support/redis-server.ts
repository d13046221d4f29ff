import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

/** A real redis-server on 127.0.0.1, without persistence, that a test can stop and start again. */
export interface LocalRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Kills the server (by pid); the port stays reserved for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port and waits until it answers PING. Fails with an
 * instruction when the binary is missing: the cache tests need a real server (`.ci/run`
 * installs Debian's redis-server).
 */
export async function startRedisServer(binary = 'redis-server'): Promise<LocalRedis> {
  const found = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (found.error) {
    throw new Error(`${binary} is not installed: the Redis cache tests need it. Install it with 'apt-get install -y redis-server' (.ci/run does).`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const started = child;
    await waitUntil(() => ping(port), 5000, () => started.exitCode !== null, `${binary} did not start on port ${port}`);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (running?.pid === undefined || running.exitCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    process.kill(running.pid, 'SIGKILL');
    await exited;
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a server on `port` answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.write('PING\r\n');
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, failed: () => boolean, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !failed()) {
    if (await check()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(message);
}
