import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { encodeCommand, keySlot, parseRedirection, parseRedisUrl, parseReply, RespClient, RespError } from '../../lambda/router/resp-client';
import { type LocalRedis, startRedisCluster, startRedisServer } from '../support/redis-server';
import { selfSignedCertificate } from '../support/self-signed-cert';
import { describeWith } from '../support/system-tools';

describe('RESP2 encoding and parsing', () => {
  test('encodes commands as arrays of bulk strings with byte lengths', () => {
    expect(encodeCommand(['SET', 'k', 'é', 'PX', '1000']).toString('utf8')).toBe('*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n$2\r\nPX\r\n$4\r\n1000\r\n');
  });

  test.each<[string, string, unknown]>([
    ['a simple string', '+OK\r\n', 'OK'],
    ['an integer', ':42\r\n', 42],
    ['a bulk string with CRLF inside', '$4\r\na\r\nb\r\n', 'a\r\nb'],
    ['nil', '$-1\r\n', null],
    ['an array', '*2\r\n$1\r\na\r\n:1\r\n', ['a', 1]],
  ])('reads %s', (_name, wire, reply) => {
    expect(parseReply(Buffer.from(wire), 0)).toEqual({ reply, next: Buffer.byteLength(wire) });
  });

  test('an error reply is a RespError', () => {
    expect(parseReply(Buffer.from('-ERR wrong type\r\n'), 0)?.reply).toEqual(new RespError('ERR wrong type'));
  });

  test('waits for the rest of a reply split across packets', () => {
    expect(parseReply(Buffer.from('$5\r\nhel'), 0)).toBeUndefined();
    expect(parseReply(Buffer.from('*2\r\n$1\r\na\r\n'), 0)).toBeUndefined();
    expect(parseReply(Buffer.from(':4'), 0)).toBeUndefined();
  });

  test('rejects bytes that are not RESP2', () => {
    expect(() => parseReply(Buffer.from('HTTP/1.1 400\r\n'), 0)).toThrow(/not RESP2/);
  });

  test('reads redis:// and rediss:// URLs', () => {
    expect(parseRedisUrl('rediss://cache.abc.serverless.use1.cache.amazonaws.com:6379')).toEqual({
      host: 'cache.abc.serverless.use1.cache.amazonaws.com',
      port: 6379,
      tls: true,
    });
    expect(parseRedisUrl('redis://10.0.0.5')).toEqual({ host: '10.0.0.5', port: 6379, tls: false });
    expect(() => parseRedisUrl('http://10.0.0.5:6379')).toThrow(/REDIS_URL must be/);
    expect(() => parseRedisUrl('redis://user:secret@10.0.0.5:6379')).toThrow(/credentials/);
  });

  test('reads MOVED and ASK redirections; an empty host is the node that answered', () => {
    const from = { host: 'cache.example.com', port: 6379, tls: true };
    expect(parseRedirection('MOVED 3999 10.0.0.7:6381', from)).toEqual({ kind: 'MOVED', slot: 3999, endpoint: { host: '10.0.0.7', port: 6381, tls: true } });
    expect(parseRedirection('ASK 12 :6380', from)).toEqual({ kind: 'ASK', slot: 12, endpoint: { host: 'cache.example.com', port: 6380, tls: true } });
    expect(parseRedirection('MOVED 1 [::1]:7000', from)?.endpoint.host).toBe('::1');
    expect(parseRedirection('ERR wrong type', from)).toBeUndefined();
  });

  test('computes cluster key slots with CRC16 and hash tags', () => {
    // Values from the Redis cluster specification and CLUSTER KEYSLOT.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    // An empty tag hashes the whole key; the tag ends at the first } after the first {.
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  });
});

describeWith('redis-server')('RespClient against redis-server', () => {
  let redis: LocalRedis;
  let client: RespClient;

  beforeAll(async () => {
    redis = await startRedisServer();
    client = new RespClient({ url: redis.url, timeoutMs: 2000 });
  });
  afterAll(async () => {
    client?.close();
    await redis?.stop();
  });

  test('pipelined commands get their own replies, in order', async () => {
    const values = Array.from({ length: 200 }, (_, index) => `value-${index}-${'x'.repeat(index * 50)}`);
    const sets = await Promise.all(values.map((value, index) => client.command(['SET', `pipe:${index}`, value, 'PX', '60000'])));
    expect(sets.every((reply) => reply === 'OK')).toBe(true);
    const gets = await Promise.all(values.map((_, index) => client.command(['GET', `pipe:${index}`])));
    expect(gets).toEqual(values);
    expect(await client.command(['GET', 'pipe:missing'])).toBeNull();
  });

  test('an error reply fails only its own command', async () => {
    await client.command(['SET', 'text', 'abc']);
    const [bad, good] = await Promise.allSettled([client.command(['INCR', 'text']), client.command(['GET', 'text'])]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { name: 'RespError' } });
    expect(good).toEqual({ status: 'fulfilled', value: 'abc' });
  });

  test('fails while the server is down and reconnects when it is back', async () => {
    await redis.stop();
    await expect(client.command(['GET', 'x'])).rejects.toThrow(/Redis/);
    await redis.start();
    expect(await client.command(['SET', 'x', '1'])).toBe('OK');
  });
});

describe('RespClient against a misbehaving server', () => {
  let server: Server;
  let port: number;
  let connections: Socket[];
  let onCommand: (socket: Socket, index: number, connection: number) => void;

  beforeAll(async () => {
    connections = [];
    server = createServer((socket) => {
      const connection = connections.push(socket) - 1;
      let count = 0;
      socket.on('data', (data) => {
        // One command per packet here: the client writes each command in one write.
        for (let index = 0; index < data.toString().split('*').length - 1; index++) {
          onCommand(socket, count++, connection);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ({ port } = server.address() as AddressInfo);
  });
  afterAll(async () => {
    connections.forEach((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    connections.forEach((socket) => socket.destroy());
    connections.length = 0;
  });

  test('a command without a reply times out, and the connection is replaced so later replies cannot shift', async () => {
    onCommand = (socket, index, connection) => {
      if (connection > 0 || index > 0) {
        socket.write('+PONG\r\n');
      }
    };
    const client = new RespClient({ url: `redis://127.0.0.1:${port}`, timeoutMs: 150 });
    const started = performance.now();
    await expect(client.command(['PING'])).rejects.toThrow('Redis did not answer within 150 ms');
    expect(performance.now() - started).toBeLessThan(400);
    expect(await client.command(['PING'])).toBe('PONG');
    expect(connections).toHaveLength(2);
    client.close();
  });

  test('a command sent on a connection the server has since closed is retried once on a new one', async () => {
    onCommand = (socket, index, connection) => {
      if (connection === 0 && index === 1) {
        socket.destroy();
      } else {
        socket.write('$2\r\nok\r\n');
      }
    };
    const client = new RespClient({ url: `redis://127.0.0.1:${port}`, timeoutMs: 1000 });
    expect(await client.command(['GET', 'a'])).toBe('ok');
    expect(await client.command(['GET', 'b'])).toBe('ok');
    expect(connections).toHaveLength(2);
    client.close();
  });

  test('a reply split across packets is reassembled', async () => {
    onCommand = (socket) => {
      socket.write('$11\r\nhello');
      setTimeout(() => socket.write(' world\r\n'), 20);
    };
    const client = new RespClient({ url: `redis://127.0.0.1:${port}`, timeoutMs: 1000 });
    expect(await client.command(['GET', 'a'])).toBe('hello world');
    client.close();
  });
});

test('the Redis test support explains how to get redis-server when it is missing', async () => {
  await expect(startRedisServer({ binary: 'redis-server-not-here' })).rejects.toThrow(
    "redis-server-not-here is not installed: the Redis cache tests need it. Install it with 'apt-get install -y redis-server' (.ci/run does).",
  );
});

/** A scripted RESP server: `answer` gets each command (as its words) and returns the raw reply. */
async function scriptedServer(answer: (words: string[]) => string): Promise<{ port: number; commands: string[][]; close: () => Promise<void> }> {
  const commands: string[][] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let parsed = parseReply(buffer, 0); parsed !== undefined; parsed = parseReply(buffer, 0)) {
        buffer = buffer.subarray(parsed.next);
        const words = parsed.reply as string[];
        commands.push(words);
        socket.write(answer(words));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('RespClient in a cluster whose slots move (scripted nodes)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  test('follows MOVED to the named node and sends later commands there directly', async () => {
    const moved = await scriptedServer(() => '$3\r\nnew\r\n');
    const old = await scriptedServer((words) => `-MOVED ${keySlot(words[1])} 127.0.0.1:${moved.port}\r\n`);
    closers.push(old.close, moved.close);
    const client = new RespClient({ url: `redis://127.0.0.1:${old.port}`, timeoutMs: 1000 });
    expect(await client.command(['GET', 'a'], 'a')).toBe('new');
    // Another slot: the whole cache moved (as on ElastiCache Serverless), so it goes to the new node at once.
    expect(await client.command(['GET', 'b'], 'b')).toBe('new');
    expect(old.commands).toEqual([['GET', 'a']]);
    expect(moved.commands).toEqual([['GET', 'a'], ['GET', 'b']]);
    client.close();
  });

  test('follows ASK once, with ASKING first, and does not remember it', async () => {
    const importing = await scriptedServer((words) => (words[0] === 'ASKING' ? '+OK\r\n' : '$8\r\nmigrated\r\n'));
    let asked = false;
    const owner = await scriptedServer(() => {
      if (asked) {
        return '$4\r\nhome\r\n';
      }
      asked = true;
      return `-ASK 15495 127.0.0.1:${importing.port}\r\n`;
    });
    closers.push(owner.close, importing.close);
    const client = new RespClient({ url: `redis://127.0.0.1:${owner.port}`, timeoutMs: 1000 });
    expect(await client.command(['GET', 'a'], 'a')).toBe('migrated');
    expect(importing.commands).toEqual([['ASKING'], ['GET', 'a']]);
    expect(await client.command(['GET', 'a'], 'a')).toBe('home');
    expect(owner.commands).toHaveLength(2);
    client.close();
  });

  test('gives up after five redirections and rejects with the last one', async () => {
    const loop = await scriptedServer(() => `-MOVED 1 :${loopPort}\r\n`);
    const loopPort = loop.port;
    closers.push(loop.close);
    const client = new RespClient({ url: `redis://127.0.0.1:${loop.port}`, timeoutMs: 1000 });
    await expect(client.command(['GET', 'a'], 'a')).rejects.toThrow(RespError);
    expect(loop.commands).toHaveLength(6);
    client.close();
  });
});

describeWith('redis-server')('RespClient against a two-node redis-server cluster', () => {
  let nodes: LocalRedis[];
  beforeAll(async () => {
    nodes = await startRedisCluster();
  });
  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
  });

  test('reads and writes keys of both nodes through one node, computing slots as Redis does', async () => {
    const client = new RespClient({ url: nodes[0].url, timeoutMs: 2000 });
    const keys = [...Array.from({ length: 40 }, (_, index) => `bedrock-router:test:${index}`), 'foo{}{bar}', 'foo{{bar}}zap', '{user1000}.following', 'é'];
    for (const key of keys) {
      expect(await client.command(['SET', key, `v-${key}`, 'PX', '60000'], key)).toBe('OK');
    }
    for (const key of keys) {
      expect(await client.command(['GET', key], key)).toBe(`v-${key}`);
      expect(await client.command(['CLUSTER', 'KEYSLOT', key])).toBe(keySlot(key));
    }
    // Both nodes hold some: the redirections really happened.
    const sizes = await Promise.all(
      nodes.map(async (node) => {
        const direct = new RespClient({ url: node.url, timeoutMs: 2000 });
        const size = await direct.command(['DBSIZE']);
        direct.close();
        return size as number;
      }),
    );
    expect(sizes.every((size) => size > 5)).toBe(true);
    client.close();
  });
});

describeWith('redis-server')('RespClient over TLS against redis-server (--tls-port, self-signed certificate)', () => {
  const certificate = selfSignedCertificate();
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startRedisServer({ tls: certificate });
  });
  afterAll(async () => redis?.stop());

  test('talks to a TLS-only server that it trusts, by IP address and by host name', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
    for (const url of [redis.url, `rediss://localhost:${redis.port}`]) {
      const client = new RespClient({ url, timeoutMs: 2000, ca: certificate.cert });
      expect(await client.command(['SET', 'tls', 'yes'], 'tls')).toBe('OK');
      expect(await client.command(['GET', 'tls'], 'tls')).toBe('yes');
      client.close();
    }
  });

  test('verifies the certificate: an untrusted one fails the command', async () => {
    const client = new RespClient({ url: redis.url, timeoutMs: 2000 });
    await expect(client.command(['GET', 'tls'], 'tls')).rejects.toThrow(/self[- ]signed certificate/);
    client.close();
  });

  test('plain TCP to the TLS port gets no answer it can read', async () => {
    const client = new RespClient({ url: `redis://127.0.0.1:${redis.port}`, timeoutMs: 500 });
    await expect(client.command(['GET', 'tls'], 'tls')).rejects.toThrow(/Redis/);
    client.close();
  });
});
