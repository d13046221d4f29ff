import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BedrockModel,
  CacheTtl,
  compareStrategies,
  CostStrategy,
  estimateToJson,
  InferenceSource,
  parseWorkload,
  ServiceTier,
  type Workload,
  type WorkloadEstimate,
  WorkloadError,
} from '../../lib/pricing';
import { ONLINE_ONLY_MODEL } from '../support/models';

const WORKLOADS = join(__dirname, '..', '..', 'examples', 'workloads');

function estimateExample(file: string): WorkloadEstimate {
  return compareStrategies(parseWorkload(JSON.parse(readFileSync(join(WORKLOADS, file), 'utf8'))));
}

function strategy(estimate: WorkloadEstimate, which: CostStrategy) {
  const found = estimate.strategies.find((candidate) => candidate.strategy === which);
  if (!found) throw new Error(`no ${which} in estimate`);
  return found;
}

// Every expected figure below is worked out by hand from the us-east-1 list prices (USD per 1M
// tokens): Micro 0.035/0.14, Lite 0.06/0.24, Pro 0.80/3.20; batch half; cache reads Micro 0.00875,
// Lite 0.015, Pro 0.20; Nova cache writes are free (AWS Price List).
describe('compareStrategies on the seed scenarios', () => {
  test('customer support: 80% Nova Micro / 20% Nova Lite behind a Micro router saves 94.43% vs all Nova Pro', () => {
    const estimate = estimateExample('customer-support.json');
    // Pro: 500 x 0.80 + 200 x 3.20 = 1,040 per 1M requests -> $1,040.00 for 1M requests.
    expect(estimate.baseline.monthlyCost.toString()).toBe('1040');
    // Micro 45.5, Lite 78 (per 1M requests): 0.8 x 45.5 + 0.2 x 78 = 52; router 150 x 0.035 + 5 x 0.14 = 5.95.
    expect(estimate.optimized.monthlyCost.toString()).toBe('57.95');
    expect(estimate.savingsPercent).toBe(94.43);
    expect(estimate.strategies.map((s) => s.strategy)).toEqual([CostStrategy.MODEL_ROUTING]);
  });

  test('financial services: router on Micro, 60% Micro / 25% Lite / 15% Pro saves 80.10%', () => {
    const estimate = estimateExample('financial-services-agents.json');
    // Pro per request: 1,200 x 0.80 + 300 x 3.20 = 1,920e-6; x 2M = $3,840.
    expect(estimate.baseline.monthlyCost.toString()).toBe('3840');
    // 0.6 x 84 + 0.25 x 144 + 0.15 x 1,920 = 374.4; router 200 x 0.035 + 5 x 0.14 = 7.7 -> 382.1e-6 x 2M.
    expect(estimate.optimized.monthlyCost.toString()).toBe('764.2');
    expect(estimate.savingsPercent).toBe(80.1);
  });

  test('the reference support router, with its caches: routing, prompt caching and a 15% response cache save 97.19%', () => {
    const estimate = estimateExample('customer-support-router.json');
    // Pro: 1,500 x 0.80 + 200 x 3.20 = 1,840e-6 a request; x 1M = $1,840.
    expect(estimate.baseline.monthlyCost.toString()).toBe('1840');
    // 85% of requests reach the router and a model. Router: 150 x 0.035 + 5 x 0.14 = 5.95e-6.
    // Micro, 1,200 cached of 1,500: hit 300 x 0.035 + 1,200 x 0.00875 + 200 x 0.14 = 49; miss (a free
    // write) 10.5 + 28 = 38.5; 90% hits -> 47.95. Lite: hit 18 + 18 + 48 = 84; miss 18 + 48 = 66 -> 82.2.
    // 0.8 x 47.95 + 0.2 x 82.2 = 54.8; (54.8 + 5.95) x 850,000 / 1e6 = $51.6375.
    expect(estimate.optimized.monthlyCost.toString()).toBe('51.6375');
    expect(estimate.savingsPercent).toBe(97.19);
  });

  test('the reference financial router, with its caches, saves 88.35%', () => {
    const estimate = estimateExample('financial-services-router.json');
    // Pro: 1,800 x 0.80 + 300 x 3.20 = 2,400e-6; x 2M = $4,800.
    expect(estimate.baseline.monthlyCost.toString()).toBe('4800');
    // 95% reach a model. Router 200 x 0.035 + 5 x 0.14 = 7.7. 1,500 of 1,800 cached, 90% hits, free writes:
    // Micro hit 10.5 + 13.125 + 42 = 65.625, miss 10.5 + 42 = 52.5 -> 64.3125;
    // Lite hit 18 + 22.5 + 72 = 112.5, miss 18 + 72 = 90 -> 110.25;
    // Pro hit 240 + 300 + 960 = 1,500, miss 240 + 960 = 1,200 -> 1,470.
    // 0.6 x 64.3125 + 0.25 x 110.25 + 0.15 x 1,470 = 286.65; (286.65 + 7.7) x 1.9M / 1e6 = $559.265.
    expect(estimate.optimized.monthlyCost.toString()).toBe('559.265');
    expect(estimate.savingsPercent).toBe(88.35);
  });

  test('e-commerce recommendations: prompt caching and a response cache together save 63.91%', () => {
    const estimate = estimateExample('ecommerce-recommendations.json');
    // Lite: 3,000 x 0.06 + 250 x 0.24 = 240e-6 a request; x 5M = $1,200.
    expect(estimate.baseline.monthlyCost.toString()).toBe('1200');
    // 500 uncached x 0.06 = 30; prefix 2,500: write free, read 37.5, 90% hits -> 33.75; output 60.
    const caching = strategy(estimate, CostStrategy.PROMPT_CACHING);
    expect(caching.monthlyCost.toString()).toBe('618.75');
    expect(caching.savingsPercent).toBe(48.44);
    const responseCache = strategy(estimate, CostStrategy.RESPONSE_CACHE);
    expect(responseCache.monthlyCost.toString()).toBe('840');
    expect(responseCache.savingsPercent).toBe(30);
    // 618.75 x 0.7
    expect(estimate.optimized.monthlyCost.toString()).toBe('433.125');
    expect(estimate.savingsPercent).toBe(63.91);
    expect(estimate.warnings).toEqual([]);
  });

  test('nightly content moderation on batch saves 50%', () => {
    const estimate = estimateExample('content-moderation-batch.json');
    // Lite: 400 x 0.06 + 50 x 0.24 = 36e-6 a request; x 30M = $1,080.
    expect(estimate.baseline.monthlyCost.toString()).toBe('1080');
    expect(estimate.optimized.monthlyCost.toString()).toBe('540');
    expect(estimate.savingsPercent).toBe(50);
  });

  test('content generation: trimming the prompt from 120 to 35 tokens cuts input tokens by 71%', () => {
    const verbose = estimateExample('content-generation-verbose.json');
    const trimmed = estimateExample('content-generation-trimmed.json');
    // Pro, 500k requests: (120 x 0.80 + 300 x 3.20) x 0.5 = $528; (35 x 0.80 + 300 x 3.20) x 0.5 = $494.
    expect(verbose.baseline.monthlyCost.toString()).toBe('528');
    expect(trimmed.baseline.monthlyCost.toString()).toBe('494');
    expect(Math.round((1 - 35 / 120) * 100)).toBe(71);
    // Output dominates this workload, so the bill falls by much less than the input tokens.
    expect(trimmed.baseline.monthlyCost.ratioTo(verbose.baseline.monthlyCost)).toBeCloseTo(0.9356, 4);
  });
});

describe('compareStrategies', () => {
  const issueExample = {
    name: 'customer-support',
    requestsPerMonth: 1000000,
    inputTokens: 500,
    outputTokens: 200,
    baselineModel: 'amazon.nova-pro-v1:0',
    routes: [
      { model: 'amazon.nova-micro-v1:0', share: 0.8 },
      { model: 'amazon.nova-lite-v1:0', share: 0.2 },
    ],
    router: { model: 'amazon.nova-micro-v1:0', inputTokens: 150, outputTokens: 5 },
    promptCaching: { cachedPrefixTokens: 300, hitRate: 0.4 },
    responseCache: { hitRate: 0.2 },
    batchShare: 0.5,
  };

  test('combines every strategy: router, routes, batch, response cache', () => {
    const estimate = compareStrategies(parseWorkload(issueExample));
    // Micro online 45.5, batch 22.75 -> 34.125; Lite 78 / 39 -> 58.5; 0.8 x 34.125 + 0.2 x 58.5 = 39;
    // + router 5.95 = 44.95 per 1M; x 1M requests x (1 - 0.2) = $35.96.
    expect(estimate.optimized.monthlyCost.toString()).toBe('35.96');
    expect(strategy(estimate, CostStrategy.BATCH).monthlyCost.toString()).toBe('780');
    expect(strategy(estimate, CostStrategy.RESPONSE_CACHE).monthlyCost.toString()).toBe('832');
  });

  test('does not cache a prefix shorter than the model caches, and says so', () => {
    const estimate = compareStrategies(parseWorkload(issueExample));
    expect(strategy(estimate, CostStrategy.PROMPT_CACHING).monthlyCost.toString()).toBe('1040');
    expect(estimate.warnings).toContain(
      'Amazon Nova Pro (amazon.nova-pro-v1:0) caches prefixes of at least 1024 tokens; 300 are billed as input',
    );
  });

  test('prices Claude cache writes at 125% on misses', () => {
    const workload: Workload = {
      name: 'claude-cache',
      requestsPerMonth: 1000,
      inputTokens: 5000,
      outputTokens: 0,
      baselineModel: BedrockModel.CLAUDE_SONNET_4,
      promptCaching: { cachedPrefixTokens: 4000, hitRate: 0.5 },
    };
    // 1,000 x 3 + 4,000 x (0.5 x 3.75 + 0.5 x 0.30) = 3,000 + 8,100 = 11,100e-6 a request; x 1,000.
    expect(strategy(compareStrategies(workload), CostStrategy.PROMPT_CACHING).monthlyCost.toString()).toBe('11.1');
  });

  test('runs the share of a model without batch support on demand, and says so', () => {
    const estimate = compareStrategies({
      name: 'x',
      requestsPerMonth: 1_000_000,
      inputTokens: 1,
      outputTokens: 0,
      baselineModel: ONLINE_ONLY_MODEL,
      batchShare: 1,
    });
    expect(estimate.optimized.monthlyCost.toString()).toBe('1');
    expect(estimate.warnings).toEqual(['Online only (vendor.online-only-v1:0) does not support batch inference: its share runs on demand']);
  });

  test('prices a cross-region baseline at its profile price', () => {
    const estimate = compareStrategies({
      name: 'x',
      requestsPerMonth: 1_000_000,
      inputTokens: 1,
      outputTokens: 1,
      baselineModel: InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'us'),
    });
    expect(estimate.baseline.monthlyCost.toString()).toBe('19.8');
  });

  test('JSON document has the documented shape', () => {
    const json = estimateToJson(compareStrategies(parseWorkload(issueExample)));
    expect(json).toEqual({
      name: 'customer-support',
      baseline: { model: 'amazon.nova-pro-v1:0', monthlyUsd: 1040 },
      optimized: { monthlyUsd: 35.96 },
      savingsPercent: 96.54,
      strategies: [
        { strategy: 'model-routing', monthlyUsd: 57.95, savingsPercent: 94.43 },
        { strategy: 'prompt-caching', monthlyUsd: 1040, savingsPercent: 0 },
        { strategy: 'response-cache', monthlyUsd: 832, savingsPercent: 20 },
        { strategy: 'batch', monthlyUsd: 780, savingsPercent: 25 },
      ],
      warnings: expect.arrayContaining([expect.stringMatching(/caches prefixes of at least 1024 tokens/)]),
    });
  });
});

describe('compareStrategies: service tiers, 1-hour cache, long context', () => {
  const base: Workload = {
    name: 'tiers',
    requestsPerMonth: 1_000_000,
    inputTokens: 1000,
    outputTokens: 500,
    baselineModel: BedrockModel.NOVA_PRO,
  };

  test('the whole workload on Flex costs half', () => {
    const estimate = compareStrategies({ ...base, serviceTier: ServiceTier.FLEX });
    // Pro standard: 1,000 x 0.80 + 500 x 3.20 = 2,400e-6 a request, $2,400; Flex 0.40 / 1.60: 1,200e-6, $1,200.
    expect(estimate.baseline.monthlyCost.toString()).toBe('2400');
    expect(estimate.strategies).toEqual([{ strategy: CostStrategy.SERVICE_TIER, monthlyCost: expect.anything(), savingsPercent: 50 }]);
    expect(estimate.optimized.monthlyCost.toString()).toBe('1200');
    expect(estimate.warnings).toEqual([]);
  });

  test('a route names its own tier; a model without the tier runs standard and says so', () => {
    const estimate = compareStrategies({
      ...base,
      serviceTier: ServiceTier.FLEX,
      routes: [
        { model: BedrockModel.NOVA_MICRO, share: 0.5 },
        { model: BedrockModel.NOVA_PRO, share: 0.5, serviceTier: ServiceTier.PRIORITY },
      ],
    });
    // Routing alone: 0.5 x (1,000 x 0.035 + 500 x 0.14 = 105) + 0.5 x 2,400 = 1,252.5e-6.
    expect(strategy(estimate, CostStrategy.MODEL_ROUTING).monthlyCost.toString()).toBe('1252.5');
    // The tier alone, without routing: every call on Pro at the workload's Flex, $1,200.
    expect(strategy(estimate, CostStrategy.SERVICE_TIER).monthlyCost.toString()).toBe('1200');
    // Both: Micro has no Flex (standard, 105); Pro on Priority 1,000 x 1.40 + 500 x 5.60 = 4,200.
    // 0.5 x 105 + 0.5 x 4,200 = 2,152.5e-6 -> $2,152.50, 10.31% below $2,400.
    expect(estimate.optimized.monthlyCost.toString()).toBe('2152.5');
    expect(estimate.savingsPercent).toBe(10.31);
    expect(estimate.warnings).toEqual([
      'Amazon Nova Micro (amazon.nova-micro-v1:0) does not offer the flex service tier: its calls run on the standard tier',
    ]);
  });

  test('1-hour cache writes cost 2x input on a miss', () => {
    const sonnet46 = InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_6, 'global');
    const workload: Workload = {
      name: 'one-hour',
      requestsPerMonth: 1000,
      inputTokens: 5000,
      outputTokens: 0,
      baselineModel: sonnet46,
      promptCaching: { cachedPrefixTokens: 4000, hitRate: 0.5, ttl: CacheTtl.ONE_HOUR },
    };
    // 1,000 x 3 + 4,000 x (0.5 x 6.00 + 0.5 x 0.30) = 3,000 + 12,600 = 15,600e-6 a request; x 1,000.
    expect(strategy(compareStrategies(workload), CostStrategy.PROMPT_CACHING).monthlyCost.toString()).toBe('15.6');
    // The 5-minute TTL: 3,000 + 4,000 x (0.5 x 3.75 + 0.5 x 0.30) = 11,100e-6.
    const fiveMinutes = { ...workload, promptCaching: { ...workload.promptCaching!, ttl: CacheTtl.FIVE_MINUTES } };
    expect(strategy(compareStrategies(fiveMinutes), CostStrategy.PROMPT_CACHING).monthlyCost.toString()).toBe('11.1');
    // Claude Sonnet 4 has no 1-hour TTL on Bedrock: priced at 5 minutes, with a note.
    const sonnet4 = compareStrategies({ ...workload, baselineModel: BedrockModel.CLAUDE_SONNET_4 });
    expect(strategy(sonnet4, CostStrategy.PROMPT_CACHING).monthlyCost.toString()).toBe('11.1');
    expect(sonnet4.warnings).toEqual([
      'Claude Sonnet 4 (anthropic.claude-sonnet-4-20250514-v1:0) has no 1-hour cache TTL: its prefix is written at the 5-minute price',
    ]);
  });

  test('requests above 200K input tokens pay the long-context prices', () => {
    const workload: Workload = {
      name: 'long',
      requestsPerMonth: 1000,
      inputTokens: 250_000,
      outputTokens: 1000,
      baselineModel: InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'global'),
      promptCaching: { cachedPrefixTokens: 200_000, hitRate: 1 },
    };
    const estimate = compareStrategies(workload);
    // 250,000 x 6 + 1,000 x 22.50 = 1,522,500e-6 a request; x 1,000 = $1,522.50.
    expect(estimate.baseline.monthlyCost.toString()).toBe('1522.5');
    // Every hit: 50,000 x 6 + 200,000 x 0.60 + 22,500 = 442,500e-6 -> $442.50.
    expect(estimate.optimized.monthlyCost.toString()).toBe('442.5');
  });
});

describe('parseWorkload', () => {
  const valid = {
    name: 'w',
    requestsPerMonth: 10,
    inputTokens: 100,
    outputTokens: 10,
    baselineModel: 'amazon.nova-pro-v1:0',
  };

  test.each([
    [{ ...valid, baselineModel: 'amazon.nova-nano-v1:0' }, 'baselineModel', /unknown model id 'amazon.nova-nano-v1:0'/],
    [{ ...valid, requestsPerMonth: -5 }, 'requestsPerMonth', /must be a number > 0, got -5/],
    [{ ...valid, requestsPerMonth: 0 }, 'requestsPerMonth', /must be a number > 0/],
    [{ ...valid, inputTokens: '100' }, 'inputTokens', /must be a number >= 0, got "100"/],
    [{ ...valid, name: '' }, 'name', /must be a non-empty string/],
    [{ ...valid, routes: [{ model: 'amazon.nova-micro-v1:0', share: 0.7 }] }, 'routes', /shares must sum to 1 \(within 1e-9\), got 0.7/],
    [{ ...valid, routes: [{ model: 'amazon.nova-micro-v1:0', share: 1.5 }] }, 'routes[0].share', /must be a number in \[0, 1\], got 1.5/],
    [{ ...valid, routes: [] }, 'routes', /at least one route/],
    [{ ...valid, routes: [{ model: 'amazon.nova-micro-v1:0', weight: 1 }] }, 'routes[0].weight', /unknown field; allowed: model, share, serviceTier/],
    [{ ...valid, serviceTier: 'cheap' }, 'serviceTier', /must be one of standard, flex, priority, got "cheap"/],
    [{ ...valid, routes: [{ model: 'amazon.nova-pro-v1:0', share: 1, serviceTier: 'Flex' }] }, 'routes[0].serviceTier', /one of standard, flex, priority/],
    [{ ...valid, promptCaching: { cachedPrefixTokens: 50, hitRate: 0.5, ttl: '2h' } }, 'promptCaching.ttl', /must be one of 5m, 1h, got "2h"/],
    [{ ...valid, promptCaching: { cachedPrefixTokens: 200, hitRate: 0.5 } }, 'promptCaching.cachedPrefixTokens', /at most inputTokens \(100\)/],
    [{ ...valid, promptCaching: { cachedPrefixTokens: 50, hitRate: 1.2 } }, 'promptCaching.hitRate', /\[0, 1\], got 1.2/],
    [{ ...valid, responseCache: { hitRate: -0.1 } }, 'responseCache.hitRate', /\[0, 1\], got -0.1/],
    [{ ...valid, batchShare: 2 }, 'batchShare', /\[0, 1\], got 2/],
    [{ ...valid, router: { model: 'amazon.nova-micro-v1:0', inputTokens: -1, outputTokens: 1 } }, 'router.inputTokens', /got -1/],
    [{ ...valid, batchshare: 0.5 }, 'batchshare', /unknown field; allowed: name, requestsPerMonth/],
    [[valid], '', /must be an object/],
  ])('rejects %j at %s', (document, field, message) => {
    let caught: unknown;
    try {
      parseWorkload(document);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkloadError);
    expect((caught as WorkloadError).field).toBe(field);
    expect((caught as WorkloadError).message).toMatch(message);
  });

  test('accepts shares that sum to 1 within floating-point error', () => {
    const routes = [0.1, 0.2, 0.3, 0.4].map((share) => ({ model: 'amazon.nova-micro-v1:0', share }));
    expect(parseWorkload({ ...valid, routes }).routes).toHaveLength(4);
  });

  test('accepts cross-region profile ids', () => {
    const workload = parseWorkload({ ...valid, baselineModel: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' });
    expect((workload.baselineModel as InferenceSource).geography).toBe('global');
  });
});
