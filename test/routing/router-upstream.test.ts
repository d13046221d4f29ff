import { lambdaError, parseAgentResponse } from '../../lambda/router/agents';
import { type AgentRequest } from '../../lambda/routing-shared/contract';
import { LambdaServiceError, type LambdaStub, startLambdaStub } from '../support/lambda-stub';
import { AGENT, answers, dimensionSetsOf, loadRouter, metricsOf, routerConfig, type RouterUnderTest, usage } from './router-harness';

/** Requests say "hello" (rule: small tier) unless they force a tier; no classifier model. */
describe('router upstream faults', () => {
  let lambda: LambdaStub;
  let router: RouterUnderTest;
  const releases: (() => void)[] = [];

  beforeAll(async () => {
    lambda = await startLambdaStub();
    router = await loadRouter(routerConfig({ classifier: { rules: routerConfig().classifier.rules }, requestTimeoutMs: 600 }));
  });
  afterAll(async () => {
    releases.forEach((release) => release());
    await lambda.close();
  });
  beforeEach(() => {
    lambda.calls.length = 0;
    lambda.register(AGENT.small, answers('fine'));
    lambda.register(AGENT.medium, answers('fine'));
  });

  test.each([
    ['Throttled', 429, 'Throttled'],
    ['UpstreamError', 502, 'UpstreamError'],
    ['ServiceUnavailable', 503, 'ServiceUnavailable'],
    ['Timeout', 504, 'UpstreamTimeout'],
  ])('an agent error %s is a %i %s, counted as an upstream error', async (agentCode, status, code) => {
    lambda.register(AGENT.small, () => ({ error: { code: agentCode, message: 'Bedrock said no (internal detail)' }, usage: usage(50, 0) }));
    const result = await router.invoke({ prompt: 'hello' });
    expect(result.statusCode).toBe(status);
    expect(result.body).toEqual({ error: { code, message: expect.stringContaining('small tier') } });
    // The agent's own message goes to the log, not to the client.
    expect(JSON.stringify(result.body)).not.toContain('internal detail');
    expect(result.logs).toContainEqual(expect.objectContaining({ level: 'WARN', code, detail: `${agentCode}: Bedrock said no (internal detail)` }));
    // Throttled and unavailable say when to retry; the others would fail again.
    expect(result.headers['retry-after']).toBe(status === 429 || status === 503 ? '1' : undefined);
    expect(dimensionSetsOf(result)).toEqual([['Router']]);
    expect(metricsOf(result)).toMatchObject({ UpstreamErrors: 1 });
    expect(metricsOf(result)).not.toHaveProperty('RejectedRequests');
  });

  test('an agent that throws (FunctionError) is a 502', async () => {
    lambda.register(AGENT.small, () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const result = await router.invoke({ prompt: 'hello' });
    expect(result.statusCode).toBe(502);
    expect(result.body.error).toEqual({ code: 'UpstreamError', message: 'the small agent failed' });
    expect(result.logs).toContainEqual(expect.objectContaining({ detail: 'Unhandled: TypeError: cannot read properties of undefined' }));
  });

  test.each<[string, unknown]>([
    ['a string', 'the answer is 4'],
    ['null', null],
    ['an answer that is not a string', { answer: 4, usage: usage(1, 1) }],
    ['an empty answer', { answer: '  ', usage: usage(1, 1) }],
    ['an answer without usage', { answer: 'four' }],
    ['negative token counts', { answer: 'four', usage: usage(-1, 1) }],
    ['an unknown error code', { error: { code: 'Boom', message: 'x' } }],
    ['escalate: false', { escalate: false, usage: usage(1, 1) }],
    ['usedFallback on a tier without a fallback', { answer: 'four', usage: usage(1, 1), usedFallback: true }],
  ])('an agent answering %s broke the contract: 502', async (_name, reply) => {
    lambda.register(AGENT.small, () => reply);
    const result = await router.invoke({ prompt: 'hello' });
    expect(result.statusCode).toBe(502);
    expect(result.body.error).toMatchObject({ code: 'UpstreamError' });
  });

  test('a hanging agent is a 504 at the request timeout (600 ms from the handler start)', async () => {
    lambda.register(AGENT.small, () => new Promise((resolve) => releases.push(() => resolve(null))));
    const started = performance.now();
    const result = await router.invoke({ prompt: 'hello' });
    const elapsed = performance.now() - started;
    expect(result.statusCode).toBe(504);
    expect(result.body.error).toEqual({ code: 'UpstreamTimeout', message: 'the small tier did not answer in time' });
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(900);
  });

  test('the timeout covers escalations: the next tier gets only what is left', async () => {
    lambda.register(AGENT.small, () => new Promise((resolve) => setTimeout(() => resolve({ escalate: true, usage: usage(1, 1) }), 300)));
    const seen: AgentRequest[] = [];
    lambda.register(AGENT.medium, (payload) => {
      seen.push(payload as AgentRequest);
      return new Promise((resolve) => releases.push(() => resolve(null)));
    });
    const started = performance.now();
    const result = await router.invoke({ prompt: 'hello' });
    expect(result.statusCode).toBe(504);
    expect(performance.now() - started).toBeLessThan(900);
    // 600 ms in all, 300 of them spent on the small tier.
    expect(seen[0].timeoutMs).toBeGreaterThan(150);
    expect(seen[0].timeoutMs).toBeLessThanOrEqual(300);
  });

  test('cache tokens the answering model has no price for break the contract: 502', async () => {
    const { inputPerMillionTokens, outputPerMillionTokens } = routerConfig().tiers[0].prices;
    const uncached = { inputPerMillionTokens, outputPerMillionTokens };
    const tiers = routerConfig().tiers.map((tier) => (tier.name === 'small' ? { ...tier, prices: uncached } : tier));
    const strict = await loadRouter(routerConfig({ tiers, classifier: { rules: [] } }));
    lambda.register(AGENT.small, answers('four', usage(10, 1, 5)));
    const result = await strict.invoke({ prompt: 'hello', tier: 'small' });
    expect(result.statusCode).toBe(502);
    expect(result.body.error).toEqual({ code: 'UpstreamError', message: 'the small agent reported usage that cannot be priced' });
  });

  // ResourceNotFoundException is a client fault: the deployment names a function that does not
  // exist, which no retry fixes, so the client gets 502 rather than 503 ("try again later").
  test('an agent function that does not exist is a 502', async () => {
    const result = await router.invoke({ prompt: 'hello', tier: 'large' });
    expect(result.statusCode).toBe(502);
    expect(result.body.error).toEqual({ code: 'UpstreamError', message: 'the large agent could not be invoked' });
    expect(result.logs).toContainEqual(expect.objectContaining({ detail: expect.stringContaining('ResourceNotFoundException') }));
  });

  test.each([
    ['throttled (TooManyRequestsException)', 429, 'Throttled', 429, 'TooManyRequestsException'],
    ['failing (ServiceException)', 503, 'ServiceUnavailable', 500, 'ServiceException'],
    ['not ready (ResourceNotReadyException)', 503, 'ServiceUnavailable', 502, 'ResourceNotReadyException'],
  ])('Lambda %s on every attempt is a %i %s with retry-after, after retries within the deadline', async (_name, status, code, lambdaStatus, type) => {
    lambda.register(AGENT.small, () => {
      throw new LambdaServiceError(lambdaStatus, type);
    });
    const started = performance.now();
    const result = await router.invoke({ prompt: 'hello' });
    expect(performance.now() - started).toBeLessThan(600);
    expect(result.statusCode).toBe(status);
    expect(result.body.error).toMatchObject({ code });
    expect(result.headers['retry-after']).toBe('1');
    expect(lambda.calls.length).toBeGreaterThanOrEqual(1);
    expect(lambda.calls.length).toBeLessThanOrEqual(3);
  });

  test('a Lambda throttle that clears is retried and answers', async () => {
    let calls = 0;
    lambda.register(AGENT.small, () => {
      if (++calls === 1) {
        throw new LambdaServiceError(429, 'TooManyRequestsException');
      }
      return { answer: 'after a retry', usage: usage(1, 1) };
    });
    jest.spyOn(Math, 'random').mockReturnValue(0.1);
    const result = await router.invoke({ prompt: 'hello' });
    jest.restoreAllMocks();
    expect(result.body).toMatchObject({ answer: 'after a retry' });
  });

  // Backoff near its maximum (500 ms, then 1,000 ms): the second would pass the 600 ms deadline, so
  // the router stops and says 429 rather than waiting into a 504.
  test('Lambda throttling whose backoff outlasts the request timeout is a 429, not a 504', async () => {
    lambda.register(AGENT.small, () => {
      throw new LambdaServiceError(429, 'TooManyRequestsException');
    });
    jest.spyOn(Math, 'random').mockReturnValue(0.99);
    const result = await router.invoke({ prompt: 'hello' });
    jest.restoreAllMocks();
    expect(result.statusCode).toBe(429);
    expect(lambda.calls).toHaveLength(2);
  });

  test('a Lambda endpoint that refuses connections is a 503', async () => {
    const unreachable = await loadRouter(routerConfig({ classifier: { rules: [] } }), { AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9' });
    const result = await unreachable.invoke({ prompt: 'hello' });
    expect(result.statusCode).toBe(503);
    expect(result.body.error).toMatchObject({ code: 'ServiceUnavailable' });
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
  });
});

describe('lambdaError', () => {
  const serviceError = (name: string, fault: 'client' | 'server') => Object.assign(new Error('x'), { name, $fault: fault });

  test.each([
    ['TooManyRequestsException', 'client', 'Throttled', 429],
    ['ServiceException', 'server', 'ServiceUnavailable', 503],
    ['EC2ThrottledException', 'server', 'ServiceUnavailable', 503],
    ['ResourceNotReadyException', 'client', 'ServiceUnavailable', 503],
    ['ResourceConflictException', 'client', 'ServiceUnavailable', 503],
    ['ResourceNotFoundException', 'client', 'UpstreamError', 502],
    ['AccessDeniedException', 'client', 'UpstreamError', 502],
    ['RequestTooLargeException', 'client', 'UpstreamError', 502],
  ] as const)('%s (%s fault) is %s', (name, fault, code, status) => {
    expect(lambdaError(serviceError(name, fault), 'small', 'fn')).toMatchObject({ code, status });
  });

  test('a network error (no answer from Lambda) is ServiceUnavailable', () => {
    expect(lambdaError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'small', 'fn')).toMatchObject({
      code: 'ServiceUnavailable',
    });
  });
});

describe('parseAgentResponse', () => {
  test('fills absent cache counts with 0 and keeps only contract fields', () => {
    expect(parseAgentResponse({ answer: 'hi', usage: { inputTokens: 3, outputTokens: 1 }, extra: 1, stopReason: 'end_turn' }, 'small')).toEqual({
      answer: 'hi',
      usage: usage(3, 1),
      usedFallback: false,
      stopReason: 'end_turn',
    });
  });

  test('reads escalations and errors', () => {
    expect(parseAgentResponse({ escalate: true, reason: 'hard', usage: usage(3, 1) }, 'small')).toEqual({
      escalate: true,
      reason: 'hard',
      usage: usage(3, 1),
      usedFallback: false,
    });
    expect(parseAgentResponse({ error: { code: 'Timeout', message: 'slow' } }, 'small')).toEqual({ error: { code: 'Timeout', message: 'slow' } });
  });
});
