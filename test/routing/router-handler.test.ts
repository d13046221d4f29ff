import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type AgentRequest, ESCALATE_MARKER } from '../../lambda/routing-shared/contract';
import { type BedrockStub, startBedrockStub } from '../support/bedrock-stub';
import { type LambdaStub, startLambdaStub } from '../support/lambda-stub';
import {
  AGENT,
  answers,
  CLASSIFIER_PROFILE_ARN,
  CLAUDE_3_5_HAIKU,
  dimensionSetsOf,
  loadRouter,
  metricsOf,
  NOVA_LITE,
  NOVA_PRO,
  routerConfig,
  type RouterUnderTest,
  usage,
} from './router-harness';

/**
 * Tiers: small = Nova Micro ($0.035 / $0.14 per 1M in / out), medium = Nova Lite ($0.06 / $0.24),
 * large = Nova Pro ($0.80 / $3.20, cache reads $0.20) with Claude 3.5 Haiku ($0.80 / $4.00) as
 * fallback. Classifier: Nova Micro. Baseline: Nova Pro. Rules: prove / step by step -> large;
 * hello / c++ / ^translate -> small. Default tier: medium. maxEscalations: 1.
 */
describe('router handler', () => {
  let bedrock: BedrockStub;
  let lambda: LambdaStub;
  let router: RouterUnderTest;

  beforeAll(async () => {
    bedrock = await startBedrockStub({ kind: 'answer', text: 'medium' });
    lambda = await startLambdaStub();
    router = await loadRouter(routerConfig());
  });
  afterAll(async () => {
    await lambda.close();
    await bedrock.close();
  });
  beforeEach(() => {
    bedrock.calls.length = 0;
    bedrock.reply();
    lambda.calls.length = 0;
    lambda.register(AGENT.small, answers('small answer', usage(100, 20)));
    lambda.register(AGENT.medium, answers('medium answer', usage(100, 20)));
    lambda.register(AGENT.large, answers('large answer', usage(100, 20)));
  });

  const payloads = () => lambda.calls.map((call) => ({ functionName: call.functionName, ...(call.payload as AgentRequest) }));

  describe('classification', () => {
    test('a rule keyword picks the tier without asking the classifier model', async () => {
      const result = await router.invoke({ prompt: 'Prove that there are infinitely many primes', tenantId: 'acme' });
      expect(result.statusCode).toBe(200);
      expect(result.body).toMatchObject({ answer: 'large answer', tier: 'large', modelId: NOVA_PRO.modelId, cached: false, escalated: false });
      expect(bedrock.calls).toHaveLength(0);
      const [payload] = payloads();
      expect(payload).toEqual({
        functionName: AGENT.large,
        messages: [{ role: 'user', content: 'Prove that there are infinitely many primes' }],
        maxTokens: 4000,
        tier: 'large',
        tenantId: 'acme',
        router: 'support-router',
        // large is the top tier: nowhere to escalate to.
        canEscalate: false,
        timeoutMs: expect.any(Number),
        requestId: expect.stringMatching(/^req-/),
      });
      expect(payload.timeoutMs).toBeGreaterThan(1500);
      expect(payload.timeoutMs).toBeLessThanOrEqual(2000);
    });

    test('a rule pattern picks the tier; only the last user message is classified', async () => {
      const messages = [
        { role: 'user', content: 'prove it' },
        { role: 'assistant', content: 'Which statement?' },
        { role: 'user', content: 'Translate "bonjour" to English' },
      ];
      const result = await router.invoke({ messages });
      expect(result.body).toMatchObject({ tier: 'small', modelId: 'us.amazon.nova-micro-v1:0' });
      expect(bedrock.calls).toHaveLength(0);
      expect(payloads()[0]).toMatchObject({ functionName: AGENT.small, canEscalate: true, maxTokens: 1000 });
      expect(payloads()[0]).not.toHaveProperty('tenantId');
    });

    test('no rule matches: the classifier model names the tier, and its tokens are billed', async () => {
      bedrock.reply({ kind: 'answer', text: ' Large.', usage: { inputTokens: 120, outputTokens: 2 } });
      lambda.register(AGENT.large, answers('large answer', usage(1000, 500)));
      const prompt = `Summarize the causes of the French Revolution. ${'Context. '.repeat(40)}`.trim();
      const result = await router.invoke({ prompt });

      expect(bedrock.calls).toHaveLength(1);
      expect(bedrock.calls[0].modelId).toBe(CLASSIFIER_PROFILE_ARN);
      expect(bedrock.calls[0].body).toEqual({
        system: [{ text: expect.stringContaining('- medium: summaries and everyday writing\n') }],
        messages: [{ role: 'user', content: [{ text: prompt.slice(0, 200) }] }],
        inferenceConfig: { maxTokens: 5, temperature: 0 },
        // For the invocation log: who the call was for (no tenant here), and which request.
        requestMetadata: { router: 'support-router', tier: 'classifier', 'request-id': expect.stringMatching(/^req-/) },
      });
      // Classifier (Nova Micro): 120 x 0.035e-6 + 2 x 0.14e-6 = 0.0000042 + 0.00000028 = 0.00000448
      // Agent (Nova Pro): 1000 x 0.80e-6 + 500 x 3.20e-6 = 0.0008 + 0.0016 = 0.0024
      // Baseline (Nova Pro) of the answering call alone: 0.0024
      expect(result.body).toEqual({
        answer: 'large answer',
        tier: 'large',
        modelId: NOVA_PRO.modelId,
        cached: false,
        escalated: false,
        usage: usage(1120, 502),
        costUsd: 0.00240448,
        baselineCostUsd: 0.0024,
        savedUsd: -0.00000448,
        latencyMs: expect.any(Number),
      });
      expect(metricsOf(result)).toMatchObject({ ClassifierFallbacks: 0, Tier: 'large' });
    });

    test('an answer that is no tier name falls back to the default tier, counted, still billed', async () => {
      bedrock.reply({ kind: 'answer', text: 'I think the large tier', usage: { inputTokens: 100, outputTokens: 5 } });
      lambda.register(AGENT.medium, answers('medium answer', usage(1000, 500)));
      const result = await router.invoke({ prompt: 'Write a haiku about autumn' });
      expect(result.body).toMatchObject({ tier: 'medium', modelId: NOVA_LITE.modelId });
      // Classifier: 100 x 0.035e-6 + 5 x 0.14e-6 = 0.0000035 + 0.0000007 = 0.0000042
      // Agent (Nova Lite): 1000 x 0.06e-6 + 500 x 0.24e-6 = 0.00006 + 0.00012 = 0.00018
      // Baseline (Nova Pro): 0.0024; saved 0.0024 - 0.0001842 = 0.0022158
      expect(result.body).toMatchObject({ usage: usage(1100, 505), costUsd: 0.0001842, baselineCostUsd: 0.0024, savedUsd: 0.0022158 });
      expect(metricsOf(result)).toMatchObject({ ClassifierFallbacks: 1 });
      expect(result.logs).toContainEqual(
        expect.objectContaining({ level: 'WARN', message: 'The classifier gave no tier; the default tier answers', defaultTier: 'medium' }),
      );
    });

    test.each([
      ['throttled on every attempt', { kind: 'throttle' as const }],
      ['failing with 500 on every attempt', { kind: 'server-error' as const }],
      ['sending a malformed body', { kind: 'malformed' as const }],
    ])('a classifier %s falls back to the default tier and the request still succeeds', async (_name, reply) => {
      bedrock.reply(reply, reply, reply, reply);
      const result = await router.invoke({ prompt: 'Write a haiku about autumn' });
      expect(result.statusCode).toBe(200);
      expect(result.body).toMatchObject({ tier: 'medium', answer: 'medium answer' });
      expect(bedrock.calls.length).toBeGreaterThanOrEqual(1);
      expect(metricsOf(result)).toMatchObject({ ClassifierFallbacks: 1 });
      // Nothing came back to bill: only the agent's 100 in / 20 out on Nova Lite.
      expect(result.body.usage).toEqual(usage(100, 20));
    });

    test('a classifier slower than a quarter of the request timeout falls back to the default tier', async () => {
      bedrock.reply({ kind: 'answer', text: 'large', delayMs: 1500 });
      const started = performance.now();
      const result = await router.invoke({ prompt: 'Write a haiku about autumn' });
      expect(result.body).toMatchObject({ tier: 'medium' });
      // 2000 ms x 0.25 = 500 ms for the classifier.
      expect(performance.now() - started).toBeLessThan(1400);
      expect(metricsOf(result)).toMatchObject({ ClassifierFallbacks: 1 });
    });

    // The SDK's throttling backoff (500 ms base, doubling) is not interrupted by an abort signal; on
    // Node 20 an AbortSignal.any() over a timeout signal was seen to overrun 750 ms by seconds.
    test('a classifier throttled on every attempt gets no more than its budget (a quarter of 2000 ms)', async () => {
      const runs: number[] = [];
      for (let run = 0; run < 3; run++) {
        bedrock.reply(...Array.from({ length: 10 }, () => ({ kind: 'throttle' as const })));
        const started = performance.now();
        const result = await router.invoke({ prompt: `Write a haiku about autumn, take ${run}` });
        expect(result.body).toMatchObject({ tier: 'medium' });
        // Out of time, or out of attempts when the jittered backoffs were short: either way within the budget.
        expect(result.logs).toContainEqual(expect.objectContaining({ reason: expect.stringMatching(/did not answer within 500 ms|ThrottlingException/) }));
        runs.push(performance.now() - started);
      }
      expect(Math.max(...runs)).toBeLessThan(800);
    });

    // nodejs/node#57736: the timeout signal inside AbortSignal.any() can be collected before it
    // fires. Garbage collection while the classifier waits must not lift its budget.
    test('the classifier budget holds while the garbage collector runs', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      bedrock.reply({ kind: 'answer', text: 'large', delayMs: 3000 });
      // Collections while the classifier waits (its 500 ms and a little more), not after: on a busy
      // machine a full collection every few milliseconds would starve the rest of the request.
      const collecting = setInterval(gc, 50);
      const stop = setTimeout(() => clearInterval(collecting), 700);
      try {
        const result = await router.invoke({ prompt: 'Write a haiku about the garbage collector' });
        // Without the budget the request waits for the classifier until its own deadline: a 504.
        expect(result.statusCode).toBe(200);
        expect(result.body).toMatchObject({ tier: 'medium' });
        expect(result.logs).toContainEqual(expect.objectContaining({ reason: 'the classifier did not answer within 500 ms' }));
      } finally {
        clearInterval(collecting);
        clearTimeout(stop);
      }
    });

    test('without rules that match and without a classifier model, the default tier answers and nothing is a fallback', async () => {
      const ruleOnly = await loadRouter(routerConfig({ classifier: { rules: routerConfig().classifier.rules } }));
      const result = await ruleOnly.invoke({ prompt: 'Write a haiku about autumn' });
      expect(result.body).toMatchObject({ tier: 'medium' });
      expect(bedrock.calls).toHaveLength(0);
      expect(metricsOf(result)).toMatchObject({ ClassifierFallbacks: 0 });
    });
  });

  describe('forced tier', () => {
    test('skips classification and escalation', async () => {
      const result = await router.invoke({ prompt: 'Prove Fermat', tier: 'small' });
      expect(result.body).toMatchObject({ tier: 'small', answer: 'small answer' });
      expect(bedrock.calls).toHaveLength(0);
      expect(payloads()).toEqual([expect.objectContaining({ functionName: AGENT.small, canEscalate: false })]);
    });

    test('an agent that escalates a forced request declined it: 502 ModelDeclined, its tokens in CostUsd', async () => {
      lambda.register(AGENT.small, () => ({ escalate: true, usage: usage(1000, 10) }));
      const result = await router.invoke({ prompt: 'hello', tier: 'small' });
      expect(result.statusCode).toBe(502);
      expect(result.body.error).toEqual({ code: 'ModelDeclined', message: 'the small tier declined to answer, and no higher tier may take the request' });
      expect(result.headers).not.toHaveProperty('retry-after');
      expect(lambda.calls).toHaveLength(1);
      // Nova Micro: 1000 x 0.035e-6 + 10 x 0.14e-6 = 0.0000364
      expect(metricsOf(result)).toMatchObject({ UpstreamErrors: 1, Declined: 1, CostUsd: 0.0000364 });
      expect(result.logs).toContainEqual(expect.objectContaining({ code: 'ModelDeclined', costUsd: 0.0000364, detail: 'the tier was forced' }));
    });

    test.each([
      ['the marker alone', ESCALATE_MARKER],
      ['the marker with a reason', `${ESCALATE_MARKER}: needs an engineer`],
    ])('a forced tier whose agent answers %s is never served it: 502 ModelDeclined', async (_name, answer) => {
      lambda.register(AGENT.small, answers(answer, usage(10, 1)));
      const result = await router.invoke({ prompt: 'hello', tier: 'small' });
      expect(result.statusCode).toBe(502);
      expect(result.body.error).toMatchObject({ code: 'ModelDeclined' });
      expect(result.printed).not.toContain('"answer"');
    });
  });

  describe('escalation', () => {
    test('moves one tier up, bills both calls, and compares only the answering call with the baseline', async () => {
      lambda.register(AGENT.small, () => ({ escalate: true, reason: 'needs reasoning', usage: usage(300, 10) }));
      lambda.register(AGENT.medium, answers('medium answer', usage(1000, 400, 2000)));
      const result = await router.invoke({ prompt: 'hello, can you plan my week?', tenantId: 't-1' });

      expect(result.statusCode).toBe(200);
      expect(payloads()).toEqual([
        expect.objectContaining({ functionName: AGENT.small, tier: 'small', canEscalate: true, maxTokens: 1000, tenantId: 't-1' }),
        // One escalation allowed: the second tier may not move up again.
        expect.objectContaining({ functionName: AGENT.medium, tier: 'medium', canEscalate: false, maxTokens: 2000, tenantId: 't-1' }),
      ]);
      const [first, second] = payloads();
      expect(second.requestId).toBe(first.requestId);
      expect(second.timeoutMs).toBeLessThanOrEqual(first.timeoutMs);
      // Small (Nova Micro): 300 x 0.035e-6 + 10 x 0.14e-6 = 0.0000105 + 0.0000014 = 0.0000119
      // Medium (Nova Lite): 1000 x 0.06e-6 + 400 x 0.24e-6 + 2000 cache reads x 0.015e-6 = 0.00006 + 0.000096 + 0.00003 = 0.000186
      // Cost: 0.0001979. Baseline (Nova Pro, all 3000 input tokens uncached): 3000 x 0.80e-6 + 400 x 3.20e-6 = 0.0024 + 0.00128 = 0.00368
      // Saved: 0.00368 - 0.0001979 = 0.0034821
      expect(result.body).toMatchObject({
        answer: 'medium answer',
        tier: 'medium',
        modelId: NOVA_LITE.modelId,
        escalated: true,
        usage: usage(1300, 410, 2000),
        costUsd: 0.0001979,
        baselineCostUsd: 0.00368,
        savedUsd: 0.0034821,
      });
      expect(metricsOf(result)).toMatchObject({ Escalations: 1, Tier: 'medium', CostUsd: 0.0001979 });
    });

    test('an agent that escalates when it may not (the budget is spent) declined the request: 502 ModelDeclined, both calls billed', async () => {
      lambda.register(AGENT.small, () => ({ escalate: true, usage: usage(10, 1) }));
      lambda.register(AGENT.medium, () => ({ escalate: true, usage: usage(10, 1) }));
      const result = await router.invoke({ prompt: 'hello there' });
      expect(result.statusCode).toBe(502);
      expect(result.body.error).toMatchObject({ code: 'ModelDeclined', message: 'the medium tier declined to answer, and no higher tier may take the request' });
      expect(lambda.calls.map((call) => call.functionName)).toEqual([AGENT.small, AGENT.medium]);
      // Micro 10 x 0.035e-6 + 0.14e-6 = 0.00000049; Lite 10 x 0.06e-6 + 0.24e-6 = 0.00000084
      expect(metricsOf(result)).toMatchObject({ UpstreamErrors: 1, Declined: 1, CostUsd: 0.00000133 });
    });

    test('the top tier answering the marker is never served it', async () => {
      lambda.register(AGENT.large, answers(ESCALATE_MARKER, usage(10, 1)));
      const result = await router.invoke({ prompt: 'prove it' });
      expect(result.statusCode).toBe(502);
      expect(result.body.error).toMatchObject({ code: 'ModelDeclined' });
      expect(result.logs).toContainEqual(expect.objectContaining({ detail: 'it is the top tier' }));
    });

    test('a marker answer from a tier that may escalate moves the request up like an escalation', async () => {
      lambda.register(AGENT.small, answers(ESCALATE_MARKER, usage(10, 1)));
      const result = await router.invoke({ prompt: 'hello, plan my week' });
      expect(result.body).toMatchObject({ tier: 'medium', answer: 'medium answer', escalated: true });
    });

    test('tokens billed before a failure are in CostUsd: an escalation, then a throttled tier', async () => {
      lambda.register(AGENT.small, () => ({ escalate: true, usage: usage(300, 10) }));
      lambda.register(AGENT.medium, () => ({ error: { code: 'Throttled', message: 'still throttled' } }));
      const result = await router.invoke({ prompt: 'hello, plan my week' });
      expect(result.statusCode).toBe(429);
      // Small (Nova Micro): 300 x 0.035e-6 + 10 x 0.14e-6 = 0.0000119
      expect(dimensionSetsOf(result)).toEqual([['Router']]);
      expect(metricsOf(result)).toMatchObject({ UpstreamErrors: 1, CostUsd: 0.0000119 });
      expect(metricsOf(result)).not.toHaveProperty('Declined');
    });

    test('maxEscalations 2 lets a request climb two tiers', async () => {
      const climbing = await loadRouter(routerConfig({ maxEscalations: 2 }));
      lambda.register(AGENT.small, () => ({ escalate: true, usage: usage(10, 1) }));
      lambda.register(AGENT.medium, () => ({ escalate: true, usage: usage(10, 1) }));
      const result = await climbing.invoke({ prompt: 'hello there' });
      expect(result.body).toMatchObject({ tier: 'large', escalated: true });
      expect(payloads().map((payload) => payload.canEscalate)).toEqual([true, true, false]);
      expect(metricsOf(result)).toMatchObject({ Escalations: 2 });
    });
  });

  test('maxTokens is capped at each tier maximum', async () => {
    await router.invoke({ prompt: 'hi', tier: 'small', maxTokens: 5000 });
    await router.invoke({ prompt: 'hi', tier: 'small', maxTokens: 300 });
    lambda.register(AGENT.small, () => ({ escalate: true, usage: usage(10, 1) }));
    await router.invoke({ prompt: 'hello', maxTokens: 1500 });
    expect(payloads().map((payload) => [payload.tier, payload.maxTokens])).toEqual([
      ['small', 1000],
      ['small', 300],
      ['small', 1000],
      ['medium', 1500],
    ]);
  });

  test('an answer from the tier fallback is priced at the fallback prices and names the fallback model', async () => {
    lambda.register(AGENT.large, answers('from haiku', usage(1000, 100), { usedFallback: true }));
    const result = await router.invoke({ prompt: 'prove it' });
    // Claude 3.5 Haiku: 1000 x 0.80e-6 + 100 x 4.00e-6 = 0.0008 + 0.0004 = 0.0012
    // Baseline (Nova Pro): 1000 x 0.80e-6 + 100 x 3.20e-6 = 0.0008 + 0.00032 = 0.00112; saved -0.00008
    expect(result.body).toMatchObject({ tier: 'large', modelId: CLAUDE_3_5_HAIKU.modelId, costUsd: 0.0012, baselineCostUsd: 0.00112, savedUsd: -0.00008 });
  });

  test('publishes EMF under { Router } and { Router, Tier }, every count even when 0, and logs one line without the prompt', async () => {
    lambda.register(AGENT.large, answers('large answer', usage(1000, 500)));
    const result = await router.invoke({ prompt: 'Prove the secret lemma 7731' });
    expect(dimensionSetsOf(result)).toEqual([['Router'], ['Router', 'Tier']]);
    const metrics = metricsOf(result);
    expect(metrics).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'BedrockCost',
            Dimensions: [['Router'], ['Router', 'Tier']],
            Metrics: [
              { Name: 'Requests', Unit: 'Count' },
              { Name: 'CacheHits', Unit: 'Count' },
              { Name: 'Escalations', Unit: 'Count' },
              { Name: 'ClassifierFallbacks', Unit: 'Count' },
              { Name: 'CostUsd', Unit: 'None' },
              { Name: 'BaselineCostUsd', Unit: 'None' },
              { Name: 'SavedUsd', Unit: 'None' },
              { Name: 'RoutingLatency', Unit: 'Milliseconds' },
              { Name: 'Latency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      Router: 'support-router',
      Tier: 'large',
      Requests: 1,
      CacheHits: 0,
      Escalations: 0,
      ClassifierFallbacks: 0,
      // Nova Pro on both sides: 0.0024 spent, 0.0024 baseline.
      CostUsd: 0.0024,
      BaselineCostUsd: 0.0024,
      SavedUsd: 0,
      RoutingLatency: expect.any(Number),
      Latency: result.body.latencyMs,
    });
    expect(metrics.RoutingLatency as number).toBeLessThanOrEqual(metrics.Latency as number);
    // No Powertools warning about keys defined twice.
    expect(result.printed).not.toContain('EMF key');

    expect(result.logs).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'Request answered',
        tier: 'large',
        cached: false,
        escalated: false,
        costUsd: 0.0024,
        latencyMs: result.body.latencyMs,
      }),
    ]);
    expect(result.printed).not.toContain('secret lemma');
  });
});
