/**
 * A minimal Redis client (RESP2 over one TCP or TLS connection): enough for GET and SET, and
 * small enough to keep the router bundle far below what an npm Redis client weighs.
 *
 * Replies arrive in the order commands were written, so pending commands wait in a FIFO. A
 * command that times out leaves its reply in flight, which would shift every later reply onto
 * the wrong command: a timeout therefore drops the connection, and the next command reconnects.
 */
import { connect as connectTcp, type Socket } from 'node:net';
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
  /** Milliseconds a command may wait for its reply, connecting included. */
  readonly timeoutMs: number;
}

interface Pending {
  readonly resolve: (reply: RespReply) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly reused: boolean;
}

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export class RespClient {
  private readonly endpoint: Endpoint;
  private socket?: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending[] = [];
  /** Whether the current connection has delivered a reply. */
  private answered = false;

  constructor(private readonly options: RespClientOptions) {
    this.endpoint = parseRedisUrl(options.url);
  }

  /** Sends one command; retried once when it was sent on a connection that turned out to be stale. */
  public async command(args: readonly string[]): Promise<RespReply> {
    try {
      return await this.send(args);
    } catch (error) {
      // A Lambda environment thawed after minutes may hold a connection the server closed.
      if (error instanceof RedisConnectionError && error.stale) {
        return this.send(args);
      }
      throw error;
    }
  }

  /** Closes the connection; pending commands fail. */
  public close(): void {
    if (this.socket) {
      this.drop(this.socket, 'the client was closed', false);
    }
  }

  private send(args: readonly string[]): Promise<RespReply> {
    const socket = this.socket ?? this.connect();
    const reused = this.answered;
    return new Promise<RespReply>((resolve, reject) => {
      const timer = setTimeout(
        () => this.drop(socket, `Redis did not answer within ${this.options.timeoutMs} ms`, false),
        this.options.timeoutMs,
      );
      this.pending.push({ resolve, reject, timer, reused });
      socket.write(encodeCommand(args));
    });
  }

  private connect(): Socket {
    const { host, port, tls } = this.endpoint;
    const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
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
      const waiter = this.pending.shift();
      if (waiter === undefined) {
        this.drop(socket, 'Redis sent a reply no command was waiting for', false);
        return;
      }
      this.answered = true;
      clearTimeout(waiter.timer);
      if (parsed.reply instanceof RespError) {
        waiter.reject(parsed.reply);
      } else {
        waiter.resolve(parsed.reply);
      }
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
