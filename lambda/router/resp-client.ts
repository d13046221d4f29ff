/**
 * A minimal Redis client (RESP2 over TCP or TLS): enough for GET and SET against ElastiCache
 * Serverless, which speaks only TLS and runs in cluster mode. It follows `MOVED` and `ASK`
 * redirections, so a cache whose slots move keeps answering; it weighs a few KB and connects
 * with one round trip, where a cluster client library adds 120 KB to the bundle, about 50 ms to
 * the cold load and a topology discovery to the first command (README, "Caching").
 *
 * Replies arrive in the order commands were written, so pending commands wait in a FIFO per
 * connection. A command that times out leaves its reply in flight, which would shift every later
 * reply onto the wrong command: a timeout therefore drops the connection, and the next command
 * reconnects.
 */
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** Bulk strings come back as UTF-8 text; nil as null. */
export type RespReply = string | number | null | readonly RespReply[];

/** An error reply (`-ERR ...`): the server answered, the connection is fine. */
export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RespError';
  }
}

/** The connection broke, or was dropped, before the reply came. */
class RedisConnectionError extends Error {
  constructor(
    message: string,
    /** Sent on a connection that had answered before and then broke: likely stale, worth one retry. */
    public readonly stale: boolean,
  ) {
    super(message);
    this.name = 'RedisConnectionError';
  }
}

export interface RespClientOptions {
  /** `redis://host:port` or `rediss://host:port` (TLS). */
  readonly url: string;
  /** Milliseconds a command may take, connecting and following redirections included. */
  readonly timeoutMs: number;
  /**
   * Certificates (PEM) to trust for TLS instead of Node's bundled CAs: a private CA, or a test's
   * self-signed certificate. ElastiCache's certificates chain to Amazon's public CAs.
   *
   * @default - Node's bundled CAs
   */
  readonly ca?: string;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** A cluster sends a command to the node that owns its key's slot; others answer MOVED (for good) or ASK (this once). */
interface Redirection {
  readonly kind: 'MOVED' | 'ASK';
  readonly slot: number;
  readonly endpoint: Endpoint;
}

/** More would mean the cluster is reshaping faster than a cache read is worth waiting for. */
const MAX_REDIRECTIONS = 5;

export class RespClient {
  /** Where commands go unless their slot was seen elsewhere: the URL's node, then the last MOVED target. */
  private home: Endpoint;
  private readonly urlHost: string;
  /** Slot -> the node a MOVED named for it. */
  private readonly slots = new Map<number, Endpoint>();
  private readonly connections = new Map<string, RespConnection>();

  constructor(private readonly options: RespClientOptions) {
    this.home = parseRedisUrl(options.url);
    this.urlHost = this.home.host;
  }

  /**
   * Sends one command to the node that owns `key`'s slot (without a key, to the current node),
   * following MOVED and ASK. A reply error that is no redirection rejects with a RespError.
   */
  public async command(args: readonly string[], key?: string): Promise<RespReply> {
    const deadline = performance.now() + this.options.timeoutMs;
    const slot = key === undefined ? undefined : keySlot(key);
    let endpoint = (slot === undefined ? undefined : this.slots.get(slot)) ?? this.home;
    let asking = false;
    for (let redirections = 0; ; redirections++) {
      const reply = await this.send(endpoint, asking ? [['ASKING'], args] : [args], deadline);
      const redirection = reply instanceof RespError ? parseRedirection(reply.message, endpoint) : undefined;
      if (redirection === undefined || redirections >= MAX_REDIRECTIONS) {
        if (reply instanceof RespError) {
          throw reply;
        }
        return reply;
      }
      if (redirection.kind === 'MOVED') {
        // ElastiCache Serverless has one virtual node owning every slot: when it moves, all slots
        // move, so unseen slots follow the latest MOVED rather than each paying its own redirection.
        this.slots.set(redirection.slot, redirection.endpoint);
        this.home = redirection.endpoint;
      }
      asking = redirection.kind === 'ASK';
      endpoint = redirection.endpoint;
    }
  }

  /** Closes every connection; pending commands fail. */
  public close(): void {
    this.connections.forEach((connection) => connection.close());
    this.connections.clear();
  }

  /** The reply to the last of `commands`; retried once on a new connection when the old one turned out to be stale. */
  private async send(endpoint: Endpoint, commands: readonly (readonly string[])[], deadline: number): Promise<RespReply | RespError> {
    try {
      return await this.connection(endpoint).send(commands, deadline);
    } catch (error) {
      // A Lambda environment thawed after minutes may hold a connection the server closed.
      if (error instanceof RedisConnectionError && error.stale) {
        return this.connection(endpoint).send(commands, deadline);
      }
      throw error;
    }
  }

  private connection(endpoint: Endpoint): RespConnection {
    const name = `${endpoint.host}:${endpoint.port}`;
    let connection = this.connections.get(name);
    if (connection === undefined) {
      connection = new RespConnection(endpoint, this.servername(endpoint.host), this.options.ca);
      this.connections.set(name, connection);
    }
    return connection;
  }

  /**
   * The TLS server name: the node's host name, or, for a node named by IP address (as MOVED may
   * name it), the URL's host name, which the cluster's certificate covers. Never an IP (RFC 6066).
   */
  private servername(host: string): string | undefined {
    if (isIP(host) === 0) {
      return host;
    }
    return isIP(this.urlHost) === 0 ? this.urlHost : undefined;
  }
}

interface Pending {
  readonly resolve: (reply: RespReply | RespError) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly reused: boolean;
  /** Replies to skip before this one (ASKING's +OK). */
  skip: number;
}

/** One node's socket (reconnected on demand) and the commands waiting on it, in order. */
class RespConnection {
  private socket?: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending[] = [];
  /** Whether the current socket has delivered a reply. */
  private answered = false;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly servername: string | undefined,
    private readonly ca: string | undefined,
  ) {}

  /** Writes `commands` in one go; resolves with the reply to the last (an error reply as a RespError value). */
  public send(commands: readonly (readonly string[])[], deadline: number): Promise<RespReply | RespError> {
    const socket = this.socket ?? this.connect();
    const reused = this.answered;
    const timeoutMs = Math.max(0, deadline - performance.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.drop(socket, `Redis did not answer within ${Math.ceil(timeoutMs)} ms`, false), timeoutMs);
      this.pending.push({ resolve, reject, timer, reused, skip: commands.length - 1 });
      socket.write(Buffer.concat(commands.map(encodeCommand)));
    });
  }

  public close(): void {
    if (this.socket) {
      this.drop(this.socket, 'the client was closed', false);
    }
  }

  private connect(): Socket {
    const { host, port, tls } = this.endpoint;
    const socket = tls ? connectTls({ host, port, servername: this.servername, ca: this.ca }) : connectTcp({ host, port });
    socket.setNoDelay(true);
    // An idle connection must not keep a test process (or a Lambda invocation) alive.
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.receive(socket, chunk));
    socket.on('error', (error) => this.drop(socket, `Redis connection failed: ${error.message}`, true));
    socket.on('close', () => this.drop(socket, 'Redis closed the connection', true));
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.answered = false;
    return socket;
  }

  private receive(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) {
      return;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      let parsed: Parsed | undefined;
      try {
        parsed = parseReply(this.buffer, offset);
      } catch (error) {
        this.drop(socket, (error as Error).message, false);
        return;
      }
      if (parsed === undefined) {
        break;
      }
      offset = parsed.next;
      const waiter = this.pending[0];
      if (waiter === undefined) {
        this.drop(socket, 'Redis sent a reply no command was waiting for', false);
        return;
      }
      this.answered = true;
      if (waiter.skip > 0) {
        waiter.skip--;
        continue;
      }
      this.pending.shift();
      clearTimeout(waiter.timer);
      waiter.resolve(parsed.reply);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  /** Ends `socket` (if still current) and fails everything waiting on it. */
  private drop(socket: Socket, reason: string, mayBeStale: boolean): void {
    if (socket !== this.socket) {
      return;
    }
    this.socket = undefined;
    socket.destroy();
    const waiting = this.pending;
    this.pending = [];
    for (const waiter of waiting) {
      clearTimeout(waiter.timer);
      waiter.reject(new RedisConnectionError(reason, mayBeStale && waiter.reused));
    }
  }
}

/** `MOVED 3999 10.0.0.7:6379` or `ASK 3999 :6380` (an empty host is the node that answered). */
export function parseRedirection(message: string, from: Endpoint): Redirection | undefined {
  const match = /^(MOVED|ASK) (\d+) (.*):(\d+)$/.exec(message);
  if (!match) {
    return undefined;
  }
  const host = match[3].replace(/^\[(.*)\]$/, '$1');
  return {
    kind: match[1] as Redirection['kind'],
    slot: Number(match[2]),
    endpoint: { host: host === '' ? from.host : host, port: Number(match[4]), tls: from.tls },
  };
}

/** The cluster slot of a key: CRC16 (XMODEM) of the key, or of its `{hash tag}` when it has one, mod 16384. */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf('{');
  const close = open === -1 ? -1 : bytes.indexOf('}', open + 1);
  const hashed = close > open + 1 ? bytes.subarray(open + 1, close) : bytes;
  let crc = 0;
  for (const byte of hashed) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

export function parseRedisUrl(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL must be redis://host:port or rediss://host:port, got '${url}'`);
  }
  if ((parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || parsed.hostname === '') {
    throw new Error(`REDIS_URL must be redis://host:port or rediss://host:port, got '${url}'`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new Error('REDIS_URL must not carry credentials: the router does not authenticate to Redis');
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    tls: parsed.protocol === 'rediss:',
  };
}

/** A command as a RESP array of bulk strings (binary-safe: lengths in bytes). */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Parsed {
  readonly reply: RespReply | RespError;
  readonly next: number;
}

/** One reply from `offset`, or undefined when the buffer does not hold all of it yet. Throws on bytes that are not RESP2. */
export function parseReply(buffer: Buffer, offset: number): Parsed | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) {
    return undefined;
  }
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, next };
    case '-':
      return { reply: new RespError(line), next };
    case ':':
      return { reply: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) {
        return { reply: null, next };
      }
      if (buffer.length < next + length + 2) {
        return undefined;
      }
      return { reply: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) {
        return { reply: null, next };
      }
      const items: RespReply[] = [];
      let position = next;
      for (let index = 0; index < count; index++) {
        const item = parseReply(buffer, position);
        if (item === undefined) {
          return undefined;
        }
        if (item.reply instanceof RespError) {
          throw item.reply;
        }
        items.push(item.reply);
        position = item.next;
      }
      return { reply: items, next: position };
    }
    default:
      throw new Error(`Redis sent a reply that is not RESP2 (type byte ${JSON.stringify(type)})`);
  }
}
