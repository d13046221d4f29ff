import { type AddressInfo, createServer, type Socket } from 'node:net';
import { ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { RespClient } from '../../lambda/router/resp-client';
import { type CacheConfig, ESCALATE_MARKER } from '../../lambda/routing-shared/contract';
import { type LocalDynamoDb, startDynalite } from '../support/dynalite';
import { type LambdaStub, startLambdaStub } from '../support/lambda-stub';
import { type LocalRedis, startRedisCluster, startRedisServer } from '../support/redis-server';
import { selfSignedCertificate } from '../support/self-signed-cert';
import { describeWith } from '../support/system-tools';
import { AGENT, answers, loadRouter, metricsOf, routerConfig, type RouterUnderTest, usage } from './router-harness';

/** Rules only (no classifier model): "prove" -> large (Nova Pro), "hello" -> small (Nova Micro). Baseline: Nova Pro. */
const RULES_ONLY = { rules: routerConfig().classifier.rules };

let lambda: LambdaStub;
beforeAll(async () => {
  lambda = await startLambdaStub();
});
afterAll(async () => lambda.close());
beforeEach(() => {
  lambda.calls.length = 0;
  lambda.register(AGENT.small, answers('small answer', usage(100, 20)));
  lambda.register(AGENT.medium, answers('medium answer', usage(100, 20)));
  lambda.register(AGENT.large, answers('Fermat was right.', usage(1000, 500)));
});

function cacheRouter(cache: CacheConfig, env: Record<string, string>): Promise<RouterUnderTest> {
  return loadRouter(routerConfig({ cache, classifier: RULES_ONLY }), env);
}

describe('router response cache on DynamoDB', () => {
  let dynamo: LocalDynamoDb;
  let router: RouterUnderTest;

  beforeAll(async () => {
    dynamo = await startDynalite();
    router = await cacheRouter({ kind: 'dynamodb', ttlSeconds: 3600, shareAcrossTenants: false }, { CACHE_TABLE: dynamo.table });
  });
  afterAll(async () => dynamo.close());

  async function items(): Promise<Record<string, { S?: string; N?: string }>[]> {
    return ((await dynamo.client.send(new ScanCommand({ TableName: dynamo.table }))).Items ?? []) as Record<string, { S?: string; N?: string }>[];
  }

  test('a miss answers and stores the entry; the same request, spelled differently, is a free hit', async () => {
    const miss = await router.invoke({ prompt: 'Prove  Fermat\u2019s little theorem', tenantId: 'acme' });
    expect(miss.body).toMatchObject({ cached: false, tier: 'large', answer: 'Fermat was right.' });
    expect(metricsOf(miss)).toMatchObject({ CacheHits: 0 });

    const stored = (await items()).find((item) => JSON.parse(item.entry.S ?? '{}').answer === 'Fermat was right.');
    expect(stored?.key.S).toMatch(/^[0-9a-f]{64}$/);
    const now = Date.now() / 1000;
    expect(Number(stored?.expiresAt.N)).toBeGreaterThanOrEqual(Math.floor(now) + 3599);
    expect(Number(stored?.expiresAt.N)).toBeLessThanOrEqual(Math.ceil(now) + 3600);
    expect(JSON.parse(stored?.entry.S ?? '')).toEqual({
      answer: 'Fermat was right.',
      tier: 'large',
      modelId: 'us.amazon.nova-pro-v1:0',
      usage: usage(1000, 500),
      escalated: false,
    });
    // Neither the prompt nor the tenant is readable in the table.
    expect(JSON.stringify(stored)).not.toMatch(/Fermat\u2019s|acme/);

    lambda.calls.length = 0;
    const hit = await router.invoke({ prompt: ' prove Fermat\u2019s   little theorem ', tenantId: 'acme' });
    expect(hit.body).toMatchObject({ cached: false });
    // Case matters (a different prompt); whitespace does not.
    const same = await router.invoke({ prompt: ' Prove Fermat\u2019s   little theorem ', tenantId: 'acme' });
    // The stored usage priced at the baseline (Nova Pro): 1000 x 0.80e-6 + 500 x 3.20e-6 = 0.0024, all of it saved.
    expect(same.body).toEqual({
      answer: 'Fermat was right.',
      tier: 'large',
      modelId: 'us.amazon.nova-pro-v1:0',
      cached: true,
      escalated: false,
      usage: usage(0, 0),
      costUsd: 0,
      baselineCostUsd: 0.0024,
      savedUsd: 0.0024,
      latencyMs: expect.any(Number),
    });
    expect(lambda.calls).toHaveLength(1);
    expect(metricsOf(same)).toMatchObject({ Requests: 1, CacheHits: 1, Tier: 'large', CostUsd: 0, SavedUsd: 0.0024, Escalations: 0 });
  });

  test('an item past its expiresAt is a miss even before DynamoDB deletes it', async () => {
    await router.invoke({ prompt: 'hello expiring world' });
    await router.invoke({ prompt: 'hello expiring world' });
    expect(lambda.calls).toHaveLength(1);
    for (const item of await items()) {
      await dynamo.client.send(
        new UpdateItemCommand({
          TableName: dynamo.table,
          Key: { key: { S: item.key.S ?? '' } },
          UpdateExpression: 'SET expiresAt = :past',
          ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 10) } },
        }),
      );
    }
    const again = await router.invoke({ prompt: 'hello expiring world' });
    expect(again.body).toMatchObject({ cached: false });
    expect(lambda.calls).toHaveLength(2);
  });

  test('cache: false neither reads nor writes', async () => {
    await router.invoke({ prompt: 'hello uncached' });
    const before = (await items()).length;
    const result = await router.invoke({ prompt: 'hello uncached', cache: false });
    expect(result.body).toMatchObject({ cached: false });
    await router.invoke({ prompt: 'hello never stored', cache: false });
    expect(await items()).toHaveLength(before);
    expect(lambda.calls).toHaveLength(3);
  });

  test('tenants do not share entries', async () => {
    await router.invoke({ prompt: 'hello tenants', tenantId: 'a' });
    expect((await router.invoke({ prompt: 'hello tenants', tenantId: 'b' })).body).toMatchObject({ cached: false });
    expect((await router.invoke({ prompt: 'hello tenants' })).body).toMatchObject({ cached: false });
    expect((await router.invoke({ prompt: 'hello tenants', tenantId: 'a' })).body).toMatchObject({ cached: true });
  });

  test('a forced tier or another maxTokens is another entry', async () => {
    await router.invoke({ prompt: 'hello variants' });
    expect((await router.invoke({ prompt: 'hello variants', tier: 'small' })).body).toMatchObject({ cached: false });
    expect((await router.invoke({ prompt: 'hello variants', maxTokens: 10 })).body).toMatchObject({ cached: false });
    expect((await router.invoke({ prompt: 'hello variants', tier: 'small' })).body).toMatchObject({ cached: true });
  });

  test('a declined answer (the ESCALATE marker) is neither served nor cached', async () => {
    const before = (await items()).length;
    lambda.register(AGENT.small, answers(ESCALATE_MARKER, usage(10, 1)));
    const declined = await router.invoke({ prompt: 'hello, declined', tier: 'small' });
    expect(declined.statusCode).toBe(502);
    expect(declined.body.error).toMatchObject({ code: 'ModelDeclined' });
    expect(await items()).toHaveLength(before);
    lambda.register(AGENT.small, answers('a real answer', usage(10, 1)));
    expect((await router.invoke({ prompt: 'hello, declined', tier: 'small' })).body).toMatchObject({ cached: false, answer: 'a real answer' });
  });

  test('a DynamoDB that does not answer costs the cache, not the request', async () => {
    const down = await cacheRouter(
      { kind: 'dynamodb', ttlSeconds: 60, shareAcrossTenants: false },
      { CACHE_TABLE: dynamo.table, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' },
    );
    try {
      const result = await down.invoke({ prompt: 'hello while DynamoDB is down' });
      expect(result.statusCode).toBe(200);
      expect(result.body).toMatchObject({ answer: 'small answer', cached: false });
      // The read and the write both failed.
      expect(metricsOf(result)).toMatchObject({ Requests: 1, CacheErrors: 2 });
      expect(result.logs.filter((line) => line.level === 'WARN').map((line) => line.message)).toEqual([
        'Response cache read failed; continuing without the cache',
        'Response cache write failed; continuing without the cache',
      ]);
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    }
  });
});

describeWith('redis-server')('router response cache on Redis', () => {
  let redis: LocalRedis;
  let inspector: RespClient;

  beforeAll(async () => {
    redis = await startRedisServer();
    inspector = new RespClient({ url: redis.url, timeoutMs: 2000 });
  });
  afterAll(async () => {
    inspector?.close();
    await redis?.stop();
  });

  test('stores entries under the router prefix with the TTL, and serves hits', async () => {
    const router = await cacheRouter({ kind: 'redis', ttlSeconds: 600, shareAcrossTenants: false }, { REDIS_URL: redis.url });
    await router.invoke({ prompt: 'hello redis', tenantId: 'a' });
    const keys = (await inspector.command(['KEYS', '*'])) as string[];
    expect(keys).toEqual([expect.stringMatching(/^bedrock-router:support-router:[0-9a-f]{64}$/)]);
    const ttl = (await inspector.command(['PTTL', keys[0]])) as number;
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    expect(JSON.parse((await inspector.command(['GET', keys[0]])) as string)).toMatchObject({ answer: 'small answer', tier: 'small' });

    const hit = await router.invoke({ prompt: 'hello  redis', tenantId: 'a' });
    // Baseline (Nova Pro) of the stored 100 in / 20 out: 100 x 0.80e-6 + 20 x 3.20e-6 = 0.00008 + 0.000064 = 0.000144
    expect(hit.body).toMatchObject({ cached: true, tier: 'small', costUsd: 0, baselineCostUsd: 0.000144, savedUsd: 0.000144 });
    expect((await router.invoke({ prompt: 'hello redis', tenantId: 'b' })).body).toMatchObject({ cached: false });
    expect(lambda.calls).toHaveLength(2);
  });

  test('an entry expires after ttlSeconds', async () => {
    const router = await cacheRouter({ kind: 'redis', ttlSeconds: 1, shareAcrossTenants: false }, { REDIS_URL: redis.url });
    await router.invoke({ prompt: 'hello short-lived' });
    expect((await router.invoke({ prompt: 'hello short-lived' })).body).toMatchObject({ cached: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await router.invoke({ prompt: 'hello short-lived' })).body).toMatchObject({ cached: false });
    expect(lambda.calls).toHaveLength(2);
  });

  test('shareAcrossTenants lets tenants share entries', async () => {
    const router = await cacheRouter({ kind: 'redis', ttlSeconds: 60, shareAcrossTenants: true }, { REDIS_URL: redis.url });
    await router.invoke({ prompt: 'hello shared', tenantId: 'a' });
    expect((await router.invoke({ prompt: 'hello shared', tenantId: 'b' })).body).toMatchObject({ cached: true });
    expect((await router.invoke({ prompt: 'hello shared' })).body).toMatchObject({ cached: true });
  });

  test('a Redis that is down costs the cache, not the request; the router reconnects once it is back', async () => {
    const router = await cacheRouter({ kind: 'redis', ttlSeconds: 60, shareAcrossTenants: false }, { REDIS_URL: redis.url });
    await router.invoke({ prompt: 'hello before the outage' });
    await redis.stop();
    try {
      const result = await router.invoke({ prompt: 'hello during the outage' });
      expect(result.statusCode).toBe(200);
      expect(result.body).toMatchObject({ answer: 'small answer', cached: false });
      expect(metricsOf(result)).toMatchObject({ CacheErrors: 2 });
    } finally {
      await redis.start();
    }
    await router.invoke({ prompt: 'hello after the outage' });
    const after = await router.invoke({ prompt: 'hello after the outage' });
    expect(after.body).toMatchObject({ cached: true });
    expect(metricsOf(after)).not.toHaveProperty('CacheErrors');
  });

  test('a Redis that accepts but never answers costs at most the cache timeout, and never the request deadline', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const router = await cacheRouter({ kind: 'redis', ttlSeconds: 60, shareAcrossTenants: false }, { REDIS_URL: `redis://127.0.0.1:${port}` });
      // requestTimeoutMs 2000: the read gives up after 500 ms, the agent takes 1000, the write gets
      // its 500 ms or what is left of the 2000, whichever is less.
      lambda.register(AGENT.small, () => new Promise((resolve) => setTimeout(() => resolve({ answer: 'slow', usage: usage(1, 1) }), 1000)));
      const started = performance.now();
      const result = await router.invoke({ prompt: 'hello silence' });
      const elapsed = performance.now() - started;
      expect(result.statusCode).toBe(200);
      expect(metricsOf(result)).toMatchObject({ CacheErrors: 2 });
      expect(elapsed).toBeGreaterThanOrEqual(1900);
      expect(elapsed).toBeLessThan(2300);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describeWith('redis-server')('router response cache on Redis in cluster mode, and over TLS', () => {
  test('a cache whose keys live on two nodes serves hits through the one endpoint the router knows', async () => {
    const nodes = await startRedisCluster();
    try {
      const router = await cacheRouter({ kind: 'redis', ttlSeconds: 60, shareAcrossTenants: false }, { REDIS_URL: nodes[0].url });
      const prompts = Array.from({ length: 8 }, (_, index) => `hello cluster ${index}`);
      lambda.calls.length = 0;
      for (const prompt of prompts) {
        await router.invoke({ prompt });
      }
      for (const prompt of prompts) {
        const hit = await router.invoke({ prompt });
        expect(hit.body).toMatchObject({ cached: true });
        expect(metricsOf(hit)).not.toHaveProperty('CacheErrors');
      }
      expect(lambda.calls).toHaveLength(prompts.length);
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
  });

  // The router trusts Node's bundled CAs, as it must for ElastiCache: a self-signed certificate
  // is refused, so TLS is really verified, and the refusal costs the cache, not the answer.
  test('a TLS cache whose certificate is not trusted costs the cache, never the answer', async () => {
    const redis = await startRedisServer({ tls: selfSignedCertificate() });
    try {
      const router = await cacheRouter({ kind: 'redis', ttlSeconds: 60, shareAcrossTenants: false }, { REDIS_URL: redis.url });
      const result = await router.invoke({ prompt: 'hello untrusted' });
      expect(result.statusCode).toBe(200);
      expect(metricsOf(result)).toMatchObject({ CacheErrors: 2 });
      expect(result.logs).toContainEqual(expect.objectContaining({ error: expect.stringMatching(/self[- ]signed certificate/) }));
    } finally {
      await redis.stop();
    }
  });
});
