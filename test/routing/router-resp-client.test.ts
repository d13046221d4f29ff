import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { encodeCommand, parseRedisUrl, parseReply, RespClient, RespError } from '../../lambda/router/resp-client';
import { type LocalRedis, startRedisServer } from '../support/redis-server';

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
});

describe('RespClient against redis-server', () => {
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
  await expect(startRedisServer('redis-server-not-here')).rejects.toThrow(
    "redis-server-not-here is not installed: the Redis cache tests need it. Install it with 'apt-get install -y redis-server' (.ci/run does).",
  );
});
