import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BedrockModel } from '../../lib/pricing';
import { type AgentConfig, type RouterConfig } from '../../lib/routing/contract';
import { type BedrockStub, type StubReply, startBedrockStub } from '../support/bedrock-stub';
import { LambdaServiceError, type LambdaStub, startLambdaStub } from '../support/lambda-stub';
import { loadBuiltInAgent, loadRouter, metricsOf, type RouterUnderTest } from './router-harness';

/** The README's table of what each fault becomes, read from between its markers. */
function readmeFaultTable(): { fault: string; status: number; code: string; retryAfter: string }[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const table = /<!-- fault-table:start -->\n([\s\S]*?)\n<!-- fault-table:end -->/.exec(readme)?.[1];
  if (table === undefined) {
    throw new Error('README.md has no fault table between <!-- fault-table:start --> and <!-- fault-table:end -->');
  }
  return table
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    .map(([fault, status, code, retryAfter]) => ({ fault, status: Number(status), code: code.replace(/`/g, ''), retryAfter }));
}

const FAQ_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/faq';
const FALLBACK_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/faq-fallback';
const AGENT_FUNCTIONS = { faq: 'faq-agent', technical: 'technical-agent-that-does-not-exist' };

const priced = (model: BedrockModel) => ({ modelId: model.modelId, prices: model.prices });

/** Two tiers; no classifier model, no rules: requests go to faq unless they force a tier. 1.5 s to answer. */
function config(cache: RouterConfig['cache'] = { kind: 'none' }): RouterConfig {
  return {
    routerName: 'faults',
    tiers: [
      { name: 'faq', description: 'FAQ', maxTokens: 300, ...priced(BedrockModel.NOVA_MICRO), fallback: priced(BedrockModel.NOVA_LITE) },
      { name: 'technical', description: 'Technical', maxTokens: 300, ...priced(BedrockModel.NOVA_LITE) },
    ],
    defaultTier: 'faq',
    maxEscalations: 1,
    classifier: { rules: [] },
    baseline: priced(BedrockModel.NOVA_PRO),
    cache,
    limits: { maxBodyBytes: 65536, maxPromptCharacters: 32000, maxMessages: 50 },
    requestTimeoutMs: 1500,
    configVersion: 'faults',
  };
}

interface Drive {
  readonly router?: () => RouterUnderTest;
  readonly body?: Record<string, unknown>;
  /** Math.random for the retry backoff: near 0 retries at once, near 1 waits the longest. */
  readonly random?: number;
}

/**
 * One table of fault classes (README.md) and one way to cause each: the Bedrock stub and the
 * Lambda stub inject the faults, the real built-in agent and the real SDK clients meet them.
 */
describe('what each fault becomes (the README fault table)', () => {
  let bedrock: BedrockStub;
  let lambda: LambdaStub;
  let agent: (payload: unknown) => Promise<unknown>;
  let router: RouterUnderTest;
  let unreachableLambda: RouterUnderTest;
  let dynamoDbDown: RouterUnderTest;
  let redisDown: RouterUnderTest;

  const always = (reply: StubReply) => () => bedrock.reply(...Array.from({ length: 12 }, () => reply));
  const lambdaFails = (status: number, type: string) => () =>
    lambda.register(AGENT_FUNCTIONS.faq, () => {
      throw new LambdaServiceError(status, type);
    });

  const FAULTS: Record<string, Drive & { readonly inject?: () => void }> = {
    'Bedrock throttling (429 `ThrottlingException`) through every retry and the fallback model': { inject: always({ kind: 'throttle' }), random: 0.01 },
    'Bedrock throttling whose next backoff would outlast the request timeout': { inject: always({ kind: 'throttle' }), random: 0.99 },
    'Bedrock internal error (500 `InternalServerException`) through every retry and the fallback model': { inject: always({ kind: 'server-error' }), random: 0.01 },
    'Bedrock unavailable (503 `ServiceUnavailableException`) through every retry and the fallback model': { inject: always({ kind: 'unavailable' }), random: 0.01 },
    'Bedrock HTTP/2 stream reset (`NGHTTP2_INTERNAL_ERROR`) on every attempt': { inject: always({ kind: 'reset' }), random: 0.01 },
    'Bedrock model timeout (408 `ModelTimeoutException`)': { inject: always({ kind: 'model-timeout' }) },
    'Bedrock slower than the request timeout': { inject: always({ kind: 'answer', text: 'too late', delayMs: 5000 }) },
    'Bedrock reply that is not JSON': { inject: always({ kind: 'malformed' }) },
    'The model replies `ESCALATE` where the request cannot move up': { inject: always({ kind: 'answer', text: 'ESCALATE' }), body: { prompt: 'Where is my parcel?', tier: 'faq' } },
    'Lambda throttling (429 `TooManyRequestsException`) through every retry': { inject: lambdaFails(429, 'TooManyRequestsException'), random: 0.01 },
    'Lambda service error (500 `ServiceException`) through every retry': { inject: lambdaFails(500, 'ServiceException'), random: 0.01 },
    'Lambda endpoint unreachable (connection refused)': { router: () => unreachableLambda, random: 0.01 },
    'Agent function missing (404 `ResourceNotFoundException`)': { body: { prompt: 'Where is my parcel?', tier: 'technical' } },
    'Agent function crashed (`FunctionError`)': {
      inject: () =>
        lambda.register(AGENT_FUNCTIONS.faq, () => {
          throw new TypeError("Cannot read properties of undefined (reading 'text')");
        }),
    },
    'Response cache unreachable (DynamoDB or Redis)': { router: () => dynamoDbDown },
  };

  beforeAll(async () => {
    bedrock = await startBedrockStub();
    lambda = await startLambdaStub();
    const agentConfig: AgentConfig = { tier: 'faq', systemPrompt: 'You answer FAQs.', maxTokens: 300, promptCaching: false, fallbackPromptCaching: false };
    agent = await loadBuiltInAgent(agentConfig, { MODEL_ID: FAQ_PROFILE, FALLBACK_MODEL_ID: FALLBACK_PROFILE, MAX_ATTEMPTS: '3' });
    const env = { AGENT_FUNCTIONS: JSON.stringify(AGENT_FUNCTIONS), POWERTOOLS_LOG_LEVEL: 'WARN' };
    router = await loadRouter(config(), env);
    unreachableLambda = await loadRouter(config(), { ...env, AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9' });
    dynamoDbDown = await loadRouter(config({ kind: 'dynamodb', ttlSeconds: 60, shareAcrossTenants: false }), {
      ...env,
      CACHE_TABLE: 'cache',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    });
    // Nothing listens on port 9: a refused connection, as a cache down would refuse it.
    redisDown = await loadRouter(config({ kind: 'redis', ttlSeconds: 60, shareAcrossTenants: false }), { ...env, REDIS_URL: 'redis://127.0.0.1:9' });
  });
  afterAll(async () => {
    await lambda.close();
    await bedrock.close();
  });
  beforeEach(() => {
    bedrock.reply();
    lambda.register(AGENT_FUNCTIONS.faq, agent);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
  });

  const rows = readmeFaultTable();

  test('every fault class of the README has a way to cause it here, and every way has its row', () => {
    expect(rows.map((row) => row.fault).sort()).toEqual(Object.keys(FAULTS).sort());
  });

  test.each(rows)('$fault: $status $code', async ({ fault, status, code, retryAfter }) => {
    const drive = FAULTS[fault];
    drive.inject?.();
    if (drive.random !== undefined) {
      jest.spyOn(Math, 'random').mockReturnValue(drive.random);
    }
    const target = drive.router?.() ?? router;
    const started = performance.now();
    const result = await target.invoke(drive.body ?? { prompt: 'Where is my parcel?' });
    // Whatever the fault, the answer comes within the request timeout (1.5 s), plus a little for the stubs.
    expect(performance.now() - started).toBeLessThan(1800);
    expect(result.statusCode).toBe(status);
    if (status === 200) {
      expect(result.body).toMatchObject({ answer: expect.any(String), cached: false });
      expect(metricsOf(result)).toMatchObject({ CacheErrors: 2 });
    } else {
      expect(result.body).toEqual({ error: { code, message: expect.any(String) } });
      expect(metricsOf(result)).toMatchObject({ UpstreamErrors: 1, CostUsd: expect.any(Number) });
    }
    expect(result.headers['retry-after']).toBe(retryAfter === '' ? undefined : retryAfter);
  });

  test('a Redis cache that refuses connections costs the cache, not the answer, as DynamoDB does', async () => {
    const result = await redisDown.invoke({ prompt: 'Where is my parcel?' });
    expect(result.statusCode).toBe(200);
    expect(metricsOf(result)).toMatchObject({ CacheErrors: 2 });
  });
});
