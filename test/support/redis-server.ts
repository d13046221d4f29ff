import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { RespClient } from '../../lambda/router/resp-client';
import { type SelfSignedCertificate } from './self-signed-cert';

/** A real redis-server on 127.0.0.1, without persistence, that a test can stop and start again. */
export interface LocalRedis {
  /** `redis://127.0.0.1:<port>`, or `rediss://` with TLS */
  readonly url: string;
  readonly port: number;
  /** Kills the server (by pid); the port stays reserved for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

export interface RedisServerOptions {
  /** @default 'redis-server' */
  readonly binary?: string;
  /**
   * Serve TLS only (`--port 0 --tls-port`), with this certificate, which is also the CA file
   * redis-server requires; clients need not present one (`--tls-auth-clients no`), as on
   * ElastiCache Serverless.
   */
  readonly tls?: SelfSignedCertificate;
  /** Cluster mode (`--cluster-enabled yes`), announcing 127.0.0.1; no slots until CLUSTER ADDSLOTSRANGE. */
  readonly cluster?: boolean;
}

/**
 * Starts `redis-server` on a free port and waits until it answers PING. Fails with an
 * instruction when the binary is missing; suites check `describeWith('redis-server')` first
 * (test/support/system-tools.ts), so a machine without it skips them with one notice.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<LocalRedis> {
  const binary = options.binary ?? 'redis-server';
  const found = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (found.error) {
    throw new Error(`${binary} is not installed: the Redis cache tests need it. Install it with 'apt-get install -y redis-server' (.ci/run does).`);
  }
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'redis-server-'));
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory];
  if (options.tls) {
    const cert = join(directory, 'cert.pem');
    const key = join(directory, 'key.pem');
    writeFileSync(cert, options.tls.cert);
    writeFileSync(key, options.tls.key, { mode: 0o600 });
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  if (options.cluster) {
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(directory, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1');
  }
  let child: ChildProcess | undefined;
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));

  async function start(): Promise<void> {
    rmSync(join(directory, 'nodes.conf'), { force: true });
    child = spawn(binary, args, { stdio: 'ignore' });
    const started = child;
    await waitUntil(() => ping(port, options.tls), 5000, () => started.exitCode !== null, `${binary} did not start on port ${port}`);
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
  return { url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`, port, stop, start };
}

/**
 * Two cluster-mode redis-servers that split the 16,384 slots (0-8191 and 8192-16383) and know each
 * other: a command for a key of the other node's slots gets `MOVED <slot> 127.0.0.1:<port>`.
 */
export async function startRedisCluster(): Promise<[LocalRedis, LocalRedis]> {
  const nodes = [await startRedisServer({ cluster: true }), await startRedisServer({ cluster: true })] as [LocalRedis, LocalRedis];
  const [first, second] = nodes;
  const admin = nodes.map((node) => new RespClient({ url: node.url, timeoutMs: 2000 }));
  try {
    await admin[0].command(['CLUSTER', 'ADDSLOTSRANGE', '0', '8191']);
    await admin[1].command(['CLUSTER', 'ADDSLOTSRANGE', '8192', '16383']);
    await admin[0].command(['CLUSTER', 'MEET', '127.0.0.1', String(second.port)]);
    const ready = async () => {
      const infos = await Promise.all(admin.map((client) => client.command(['CLUSTER', 'INFO'])));
      return infos.every((info) => String(info).includes('cluster_state:ok') && String(info).includes('cluster_known_nodes:2'));
    };
    await waitUntil(ready, 10_000, () => false, `the cluster of ports ${first.port} and ${second.port} did not become ready`);
  } finally {
    admin.forEach((client) => client.close());
  }
  return nodes;
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

/** Whether a server on `port` answers PING with PONG (over TLS, trusting `tls.cert`, when given). */
function ping(port: number, tls: SelfSignedCertificate | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = tls ? connectTls({ host: '127.0.0.1', port, ca: tls.cert }) : connect({ host: '127.0.0.1', port });
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
