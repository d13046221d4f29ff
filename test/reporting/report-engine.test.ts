import { PriceTable } from '../../lib/pricing';
import {
  buildCostReport,
  type CostReportDigest,
  parseMetricsExport,
  type Recommendation,
  RecommendationKind,
  renderReport,
  type ReportOptions,
  seriesFromMetricDataResults,
  type UsageSeries,
} from '../../lib/reporting/report-engine';
import { ONLINE_ONLY_MODEL } from '../support/models';

const NOVA_MICRO = 'amazon.nova-micro-v1:0';
const NOVA_LITE = 'amazon.nova-lite-v1:0';
const NOVA_PRO = 'amazon.nova-pro-v1:0';
const SONNET_4_5_GLOBAL = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_4_5_US = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const LLAMA_70B = 'meta.llama3-1-70b-instruct-v1:0';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-16T00:00:00Z');
/** A 7-day period: monthly figures are the period's x 30/7. */
const WEEK: ReportOptions = { start: '2026-11-16T00:00:00Z', end: '2026-11-23T00:00:00Z' };

interface Usage {
  readonly invocations: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
}

/** The whole period's usage as one data point at its start (no hourly shape). */
function once(modelId: string, usage: Usage, label?: string): UsageSeries {
  return hourly(modelId, () => usage, 1, label);
}

/** `hours` hourly data points from the period's start. */
function hourly(modelId: string, at: (hour: number) => Usage, hours = 168, label?: string): UsageSeries {
  const points = Array.from({ length: hours }, (_, hour) => at(hour));
  return {
    modelId,
    ...(label === undefined ? {} : { label }),
    periodSeconds: 3600,
    timestamps: points.map((_, hour) => new Date(START + hour * HOUR).toISOString()),
    invocations: points.map((u) => u.invocations),
    inputTokens: points.map((u) => u.input),
    outputTokens: points.map((u) => u.output),
    cacheReadInputTokens: points.map((u) => u.cacheRead ?? 0),
    cacheWriteInputTokens: points.map((u) => u.cacheWrite ?? 0),
  };
}

function kinds(report: CostReportDigest): RecommendationKind[] {
  return report.recommendations.map((r) => r.kind);
}

function only(report: CostReportDigest, kind: RecommendationKind): Recommendation {
  const found = report.recommendations.filter((r) => r.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}

// Nova Pro, 2,000 calls: 2,000,000 in x $0.80/1M = $1.60; 500,000 out x $3.20/1M = $1.60; $3.20.
// (Averages 1,000 in and 250 out per call: no recommendation applies.)
const PRO_WEEK = once(NOVA_PRO, { invocations: 2_000, input: 2_000_000, output: 500_000 });
// Claude Sonnet 4.5 through us. costs 10% above global: $3.30 / $16.50 / read $0.33 / write $4.125 per 1M.
// 1,000,000 in = $3.30; 100,000 out = $1.65; 2,000,000 read = $0.66; 400,000 written = $1.65; $7.26.
// (400 calls average 250 out; cache reads are 59% of input: no recommendation applies.)
const SONNET_WEEK = once(SONNET_4_5_US, {
  invocations: 400,
  input: 1_000_000,
  output: 100_000,
  cacheRead: 2_000_000,
  cacheWrite: 400_000,
});
const UNKNOWN_WEEK = once('a1b2c3d4e5f6', { invocations: 7, input: 7_000, output: 700, cacheRead: 70 });

describe('buildCostReport', () => {
  test('prices each ModelId at its list price, sorts lines by cost and totals the period', () => {
    const report = buildCostReport([PRO_WEEK, SONNET_WEEK, UNKNOWN_WEEK], undefined, WEEK);

    expect(report.periodStart).toBe('2026-11-16T00:00:00.000Z');
    expect(report.periodEnd).toBe('2026-11-23T00:00:00.000Z');
    // $3.20 + $7.26 = $10.46; the unknown id adds nothing.
    expect(report.totalUsd).toBe(10.46);
    // $10.46 x 30/7 = $313.80 / 7 = $44.828571...
    expect(report.monthlyRunRateUsd).toBe(44.828571);
    expect(report.lines).toEqual([
      {
        modelId: SONNET_4_5_US,
        label: 'Claude Sonnet 4.5 (us)',
        pricedAs: SONNET_4_5_US,
        invocations: 400,
        inputTokens: 1_000_000,
        outputTokens: 100_000,
        cacheRead: 2_000_000,
        cacheWrite: 400_000,
        costUsd: 7.26,
      },
      {
        modelId: NOVA_PRO,
        label: 'Amazon Nova Pro',
        pricedAs: NOVA_PRO,
        invocations: 2_000,
        inputTokens: 2_000_000,
        outputTokens: 500_000,
        cacheRead: 0,
        cacheWrite: 0,
        costUsd: 3.2,
      },
    ]);
    expect(report.topSpenders.map((line) => line.modelId)).toEqual([SONNET_4_5_US, NOVA_PRO]);
    expect(report.previousTotalUsd).toBeUndefined();
    expect(report.changePercent).toBeUndefined();
    expect(report.recommendations).toEqual([]);
    // Each model names its own sources and their date.
    expect(report.priceSources).toEqual([
      { region: 'us-east-1', asOf: '2026-06-11', reference: expect.stringContaining('aws-price-list 2026-06-11') },
      { region: 'us-east-1', asOf: '2026-10-08', reference: expect.stringContaining('litellm 2026-08-01') },
    ]);
  });

  test('keeps ModelIds without a price as unpriced, with their token counts', () => {
    const report = buildCostReport([UNKNOWN_WEEK, PRO_WEEK], undefined, WEEK);
    expect(report.unpriced).toEqual([
      { modelId: 'a1b2c3d4e5f6', label: 'a1b2c3d4e5f6', invocations: 7, inputTokens: 7_000, outputTokens: 700, cacheRead: 70, cacheWrite: 0 },
    ]);
    expect(report.lines.map((line) => line.modelId)).toEqual([NOVA_PRO]);
    expect(report.totalUsd).toBe(3.2);
  });

  test('compares each line and the total with the previous period', () => {
    const previous = [
      // Nova Pro: 1,000,000 in = $0.80; 250,000 out = $0.80; $1.60.
      once(NOVA_PRO, { invocations: 1_000, input: 1_000_000, output: 250_000 }),
      // Nova Micro, gone this week: 29,000,000 in x $0.035/1M = $1.015.
      once(NOVA_MICRO, { invocations: 29_000, input: 29_000_000, output: 0 }),
    ];
    const report = buildCostReport([PRO_WEEK, SONNET_WEEK], previous, WEEK);

    // $1.60 + $1.015 = $2.615; ($10.46 - $2.615) / $2.615 = $7.845 / $2.615 = 3 -> +300%.
    expect(report.previousTotalUsd).toBe(2.615);
    expect(report.changePercent).toBe(300);
    expect(report.lines.map(({ modelId, costUsd, previousCostUsd, changePercent }) => ({ modelId, costUsd, previousCostUsd, changePercent }))).toEqual([
      // New this week: no change percentage against $0.
      { modelId: SONNET_4_5_US, costUsd: 7.26, previousCostUsd: 0, changePercent: undefined },
      // ($3.20 - $1.60) / $1.60 = +100%.
      { modelId: NOVA_PRO, costUsd: 3.2, previousCostUsd: 1.6, changePercent: 100 },
      // Gone this week: -100%.
      { modelId: NOVA_MICRO, costUsd: 0, previousCostUsd: 1.015, changePercent: -100 },
    ]);
    // A line with no cost this week is no top spender.
    expect(report.topSpenders.map((line) => line.modelId)).toEqual([SONNET_4_5_US, NOVA_PRO]);
  });

  test('prices application profile ids through resolveModelId and keeps their labels', () => {
    const profile = once('a1b2c3d4e5f6', { invocations: 4_000, input: 1_000_000, output: 1_000_000 }, 'tenant-a');
    const report = buildCostReport([profile, PRO_WEEK], undefined, {
      ...WEEK,
      resolveModelId: (modelId) => (modelId === 'a1b2c3d4e5f6' ? PriceTable.DEFAULT.resolve(NOVA_LITE) : undefined),
    });
    // Nova Lite: 1,000,000 in x $0.06/1M + 1,000,000 out x $0.24/1M = $0.30; Nova Pro still priced by the table.
    expect(report.lines.map(({ modelId, label, pricedAs, costUsd }) => ({ modelId, label, pricedAs, costUsd }))).toEqual([
      { modelId: NOVA_PRO, label: 'Amazon Nova Pro', pricedAs: NOVA_PRO, costUsd: 3.2 },
      { modelId: 'a1b2c3d4e5f6', label: 'tenant-a', pricedAs: NOVA_LITE, costUsd: 0.3 },
    ]);
    expect(report.unpriced).toEqual([]);
  });

  test('takes the period from the data when start and end are not given', () => {
    const report = buildCostReport([hourly(NOVA_PRO, () => ({ invocations: 1, input: 1, output: 1 }), 24)], undefined);
    expect(report.periodStart).toBe('2026-11-16T00:00:00.000Z');
    expect(report.periodEnd).toBe('2026-11-17T00:00:00.000Z');
  });

  test.each([
    ['arrays of different lengths', { ...PRO_WEEK, inputTokens: [1, 2] }, /current\[0\]\.inputTokens must have one value per timestamp \(1\)/],
    ['a negative count', { ...PRO_WEEK, outputTokens: [-1] }, /current\[0\]\.outputTokens\[0\] must be a whole number >= 0/],
    ['a fractional count', { ...PRO_WEEK, invocations: [1.5] }, /current\[0\]\.invocations\[0\] must be a whole number >= 0/],
    ['a timestamp without a time zone', { ...PRO_WEEK, timestamps: ['2026-11-16T00:00:00'] }, /current\[0\]\.timestamps\[0\] must be an ISO 8601 timestamp/],
  ])('rejects %s, naming the field', (_case, series, message) => {
    expect(() => buildCostReport([series], undefined, WEEK)).toThrow(message);
  });

  test('rejects a ModelId listed twice', () => {
    expect(() => buildCostReport([PRO_WEEK, PRO_WEEK], undefined, WEEK)).toThrow(/current\[1\]\.modelId: amazon\.nova-pro-v1:0 is listed twice/);
  });
});

describe('cheaper-tier recommendation', () => {
  test('suggests Nova Lite for Nova Pro requests that average under 200 output tokens', () => {
    // 10,000 calls, 1,000,000 out: 100 per call.
    // Nova Pro: 10,000,000 in x $0.80/1M = $8.00 + 1,000,000 out x $3.20/1M = $3.20 = $11.20.
    // Nova Lite: 10,000,000 x $0.06/1M = $0.60 + 1,000,000 x $0.24/1M = $0.24 = $0.84.
    // Saved $10.36 a week x 30/7 = $44.40 a month.
    const report = buildCostReport([once(NOVA_PRO, { invocations: 10_000, input: 10_000_000, output: 1_000_000 })], undefined, WEEK);
    const recommendation = only(report, RecommendationKind.CHEAPER_TIER);
    expect(recommendation).toMatchObject({
      modelId: NOVA_PRO,
      label: 'Amazon Nova Pro',
      title: 'Try Amazon Nova Lite for Amazon Nova Pro',
      estimatedMonthlySavingsUsd: 44.4,
    });
    expect(recommendation.detail).toContain('averaged 100 output tokens (< 200)');
    expect(recommendation.detail).toContain('would cost $0.84 instead of $11.20');
    expect(recommendation.detail).toContain('saves $10.36 this week, x 30/7 = $44.40 per month');
  });

  test('keeps the cross-region geography: global Claude Sonnet 4.5 -> global Claude Haiku 4.5', () => {
    // Sonnet 4.5: 1,000,000 in x $3 + 1,000,000 out x $15 = $18; Haiku 4.5: $1 + $5 = $6.
    // Saved $12 a week x 30/7 = $360/7 = $51.428571 a month.
    const report = buildCostReport([once(SONNET_4_5_GLOBAL, { invocations: 10_000, input: 1_000_000, output: 1_000_000 })], undefined, WEEK);
    const recommendation = only(report, RecommendationKind.CHEAPER_TIER);
    expect(recommendation.estimatedMonthlySavingsUsd).toBe(51.428571);
    expect(recommendation.title).toBe('Try Claude Haiku 4.5 for Claude Sonnet 4.5 (global)');
    expect(recommendation.detail).toContain('global.anthropic.claude-haiku-4-5-20251001-v1:0');
  });

  test('makes no suggestion at 200 output tokens per call, nor for the cheapest tier', () => {
    const atThreshold = once(NOVA_PRO, { invocations: 5_000, input: 10_000_000, output: 1_000_000 });
    const cheapest = once(NOVA_MICRO, { invocations: 100_000, input: 100_000_000, output: 1_000_000 });
    expect(buildCostReport([atThreshold, cheapest], undefined, WEEK).recommendations).toEqual([]);
  });

  test('follows the cheaperTiers option instead of the defaults', () => {
    const series = once(NOVA_PRO, { invocations: 10_000, input: 10_000_000, output: 1_000_000 });
    // Nova Micro: 10,000,000 x $0.035/1M = $0.35 + 1,000,000 x $0.14/1M = $0.14 = $0.49; saved $10.71 x 30/7 = $45.90.
    const report = buildCostReport([series], undefined, { ...WEEK, cheaperTiers: { [NOVA_PRO]: NOVA_MICRO } });
    expect(only(report, RecommendationKind.CHEAPER_TIER)).toMatchObject({ title: 'Try Amazon Nova Micro for Amazon Nova Pro', estimatedMonthlySavingsUsd: 45.9 });
  });
});

describe('provisioned-throughput recommendation', () => {
  // Nova Pro every hour of the week, alternating 55M and 45M tokens (mean 50M, standard deviation
  // 5M: coefficient of variation 0.1), 40,000 calls an hour (1,000 in and 250 out on average).
  const steady = (high: number, low: number) =>
    hourly(NOVA_PRO, (hour) => {
      const tokens = hour % 2 === 0 ? high : low;
      return { invocations: 40_000, input: tokens * 0.8, output: tokens * 0.2 };
    });
  const PT = { [NOVA_PRO]: { hourlyUsdPerModelUnit: 20, tokensPerMinutePerModelUnit: 500_000 } };

  test('compares on-demand spend with model units sized for the peak minute', () => {
    // On demand: 84 x 44M + 84 x 36M = 6,720M in x $0.80/1M = $5,376; 1,680M out x $3.20/1M = $5,376;
    // $10,752 a week x 30/7 = $46,080 a month.
    // Peak: 55M tokens in the busiest hour = 916,667 per minute; ceil(916,667 / 500,000) = 2 units
    // x $20/hour x 720 hours = $28,800 a month. Saved $46,080 - $28,800 = $17,280.
    const report = buildCostReport([steady(55_000_000, 45_000_000)], undefined, { ...WEEK, provisionedThroughput: PT });
    expect(kinds(report)).toEqual([RecommendationKind.PROVISIONED_THROUGHPUT]);
    const recommendation = report.recommendations[0];
    expect(recommendation.estimatedMonthlySavingsUsd).toBe(17_280);
    expect(recommendation.detail).toContain('every one of the 168 hours');
    expect(recommendation.detail).toContain('coefficient of variation 0.10 < 0.3');
    expect(recommendation.detail).toContain('ceil(916,667 / 500,000) = 2 model units x $20/hour x 720 hours = $28,800.00 per month');
    expect(recommendation.detail).toContain('$10,752.00 on demand this week x 30/7 = $46,080.00 per month');
  });

  test('makes no recommendation without a price, with an idle hour, for bursty traffic or when units cost more', () => {
    const steadyWeek = steady(55_000_000, 45_000_000);
    // No model-unit price given.
    expect(buildCostReport([steadyWeek], undefined, WEEK).recommendations).toEqual([]);
    // Hour 100 had no calls.
    const idleHour = hourly(NOVA_PRO, (hour) =>
      hour === 100 ? { invocations: 0, input: 0, output: 0 } : { invocations: 40_000, input: 40_000_000, output: 10_000_000 },
    );
    expect(buildCostReport([idleHour], undefined, { ...WEEK, provisionedThroughput: PT }).recommendations).toEqual([]);
    // 66M / 34M tokens: standard deviation 16M / mean 50M = 0.32.
    expect(buildCostReport([steady(66_000_000, 34_000_000)], undefined, { ...WEEK, provisionedThroughput: PT }).recommendations).toEqual([]);
    // 2 units x $40 x 720 = $57,600 > $46,080 on demand.
    const dear = { [NOVA_PRO]: { hourlyUsdPerModelUnit: 40, tokensPerMinutePerModelUnit: 500_000 } };
    expect(buildCostReport([steadyWeek], undefined, { ...WEEK, provisionedThroughput: dear }).recommendations).toEqual([]);
  });
});

describe('batch recommendation', () => {
  // Nova Lite: 02:00-05:00 UTC, 10,000 calls, 10M in, 3M out an hour; other hours 10 calls, 10,000 in,
  // 3,000 out. 300 output and 1,000 input tokens per call: neither cheaper-tier nor caching applies.
  const burst = { invocations: 10_000, input: 10_000_000, output: 3_000_000 };
  const background = { invocations: 10, input: 10_000, output: 3_000 };
  const nightly = (burstDays: number) =>
    hourly(NOVA_LITE, (hour) => (Math.floor(hour / 24) < burstDays && hour % 24 >= 2 && hour % 24 < 5 ? burst : background));

  test('prices a nightly burst at batch prices', () => {
    // Per day: 3 x 13M = 39M tokens in the burst, 21 x 13,000 = 273,000 outside: 99.3%.
    // Burst hour: 10M in x $0.06/1M = $0.60 + 3M out x $0.24/1M = $0.72 = $1.32; 21 hours = $27.72
    // on demand, $13.86 at batch prices (half). Saved $13.86 a week x 30/7 = $59.40 a month.
    const report = buildCostReport([nightly(7)], undefined, WEEK);
    expect(kinds(report)).toEqual([RecommendationKind.BATCH]);
    const recommendation = report.recommendations[0];
    expect(recommendation.title).toBe('Run the 02:00-05:00 UTC burst of Amazon Nova Lite as batch inference');
    expect(recommendation.estimatedMonthlySavingsUsd).toBe(59.4);
    expect(recommendation.detail).toContain('99.3% of the tokens');
    expect(recommendation.detail).toContain('on 7 days');
    expect(recommendation.detail).toContain('cost $27.72 on demand and would cost $13.86 at batch prices');
    expect(recommendation.detail).toContain('saves $13.86 this week, x 30/7 = $59.40 per month');
  });

  test('finds a window that wraps around midnight', () => {
    const lateNight = hourly(NOVA_LITE, (hour) => ([23, 0].includes(hour % 24) ? burst : background));
    expect(only(buildCostReport([lateNight], undefined, WEEK), RecommendationKind.BATCH).title).toContain('23:00-01:00 UTC');
  });

  test('makes no recommendation for a burst on 2 days, flat traffic, daily data or a model without batch', () => {
    // 97.6% of the tokens fall in the window, but it holds most of the day's tokens on 2 days only.
    expect(buildCostReport([nightly(2)], undefined, WEEK).recommendations).toEqual([]);
    // Flat: any 6 hours hold 25%.
    const flat = hourly(NOVA_LITE, () => burst);
    expect(buildCostReport([flat], undefined, WEEK).recommendations).toEqual([]);
    // Daily sums cannot show hours of the day.
    const daily = { ...nightly(7), periodSeconds: 86_400 };
    expect(kinds(buildCostReport([daily], undefined, WEEK))).not.toContain(RecommendationKind.BATCH);
    // A model priced without batch support.
    const table = PriceTable.DEFAULT.with(ONLINE_ONLY_MODEL);
    const online = { ...nightly(7), modelId: ONLINE_ONLY_MODEL.modelId };
    expect(buildCostReport([online], undefined, { ...WEEK, priceTable: table }).recommendations).toEqual([]);
  });
});

describe('prompt-caching recommendation', () => {
  test('assumes a half-prompt prefix and a 50% hit rate, and charges the write surcharge', () => {
    // 1,000 calls of 10,000 input tokens; prefix 5,000 >= the 4,096-token minimum.
    // Hits: 10M x 50% x 50% = 2.5M tokens x ($3.00 - $0.30)/1M = $6.75 saved.
    // Misses: 2.5M tokens x ($3.75 - $3.00)/1M = $1.875 surcharge.
    // Saved $4.875 a week x 30/7 = $146.25/7 = $20.892857 a month.
    const report = buildCostReport([once(SONNET_4_5_GLOBAL, { invocations: 1_000, input: 10_000_000, output: 500_000 })], undefined, WEEK);
    expect(kinds(report)).toEqual([RecommendationKind.PROMPT_CACHING]);
    const recommendation = report.recommendations[0];
    expect(recommendation.estimatedMonthlySavingsUsd).toBe(20.892857);
    expect(recommendation.title).toBe('Turn on prompt caching for Claude Sonnet 4.5 (global)');
    expect(recommendation.detail).toContain('averaged 10,000 input tokens (>= 2,000)');
    expect(recommendation.detail).toContain('cache reads were 0.0% of input (< 10%)');
    expect(recommendation.detail).toContain('Assuming 50% of each prompt is a repeated prefix (5,000 tokens');
    expect(recommendation.detail).toContain('50% of requests find it cached');
    expect(recommendation.detail).toContain('(saves $6.75)');
    expect(recommendation.detail).toContain('(surcharge $1.88)');
    expect(recommendation.detail).toContain('saves $4.88 this week, x 30/7 = $20.89 per month');
  });

  test('Amazon Nova cache writes are free', () => {
    // 1,000 calls of 4,000 input tokens; prefix 2,000 >= 1,024. Hits: 1M x ($0.80 - $0.20)/1M = $0.60;
    // misses write 1M tokens at $0 instead of $0.80: $0.80. $1.40 x 30/7 = $6.00 a month.
    const report = buildCostReport([once(NOVA_PRO, { invocations: 1_000, input: 4_000_000, output: 300_000 })], undefined, WEEK);
    const recommendation = only(report, RecommendationKind.PROMPT_CACHING);
    expect(recommendation.estimatedMonthlySavingsUsd).toBe(6);
    expect(recommendation.detail).toContain('1.00M written at $0 per 1M (saves $0.80)');
  });

  test('makes no recommendation below the minimum checkpoint, with cache reads, without caching or for short prompts', () => {
    const cases = [
      // 6,000 tokens: a 3,000-token prefix is below Claude Haiku 4.5's 4,096 minimum.
      once('global.anthropic.claude-haiku-4-5-20251001-v1:0', { invocations: 1_000, input: 6_000_000, output: 500_000 }),
      // Cache reads are 1M of 10M input tokens: 10%, not below it.
      once(SONNET_4_5_US, { invocations: 1_000, input: 9_000_000, output: 500_000, cacheRead: 1_000_000 }),
      // Llama has no prompt caching.
      once(LLAMA_70B, { invocations: 1_000, input: 10_000_000, output: 500_000 }),
      // 1,999 tokens per call.
      once(NOVA_PRO, { invocations: 1_000, input: 1_999_000, output: 300_000 }),
    ];
    expect(buildCostReport(cases, undefined, WEEK).recommendations).toEqual([]);
  });
});

describe('recommendations', () => {
  test('are sorted by monthly savings, highest first', () => {
    const report = buildCostReport(
      [
        once(SONNET_4_5_GLOBAL, { invocations: 1_000, input: 10_000_000, output: 500_000 }), // caching, $20.89
        once(NOVA_PRO, { invocations: 10_000, input: 10_000_000, output: 1_000_000 }), // cheaper tier, $44.40
        hourly(NOVA_LITE, (hour) =>
          hour % 24 >= 2 && hour % 24 < 5
            ? { invocations: 10_000, input: 10_000_000, output: 3_000_000 }
            : { invocations: 10, input: 10_000, output: 3_000 },
        ), // batch, $59.40
      ],
      undefined,
      WEEK,
    );
    expect(report.recommendations.map((r) => [r.kind, r.estimatedMonthlySavingsUsd])).toEqual([
      [RecommendationKind.BATCH, 59.4],
      [RecommendationKind.CHEAPER_TIER, 44.4],
      [RecommendationKind.PROMPT_CACHING, 20.892857],
    ]);
  });

  test('leave out savings under minMonthlySavingsUsd', () => {
    const nova = once(NOVA_PRO, { invocations: 1_000, input: 4_000_000, output: 300_000 }); // $6.00 a month
    expect(buildCostReport([nova], undefined, { ...WEEK, thresholds: { minMonthlySavingsUsd: 7 } }).recommendations).toEqual([]);
  });
});

describe('renderReport', () => {
  const previous = [once(NOVA_PRO, { invocations: 1_000, input: 1_000_000, output: 250_000 })];
  const report = buildCostReport(
    [PRO_WEEK, SONNET_WEEK, UNKNOWN_WEEK, once(NOVA_LITE, { invocations: 10_000, input: 10_000_000, output: 1_000_000 }, 'tenant-b')],
    previous,
    WEEK,
  );
  const text = renderReport(report);

  test('heads the digest with the period, the total, the change and the run rate', () => {
    expect(text).toMatch(/^Bedrock cost report: 2026-11-16 00:00 UTC to 2026-11-23 00:00 UTC \(7 days\)\n/);
    // Nova Lite: 10M x $0.06 + 1M x $0.24 = $0.84. Total $3.20 + $7.26 + $0.84 = $11.30 vs $1.60: +606.25%.
    expect(text).toMatch(/^Spend +\$11\.30$/m);
    expect(text).toMatch(/^Previous period +\$1\.60$/m);
    expect(text).toMatch(/^Change +\+606\.3%$/m);
    // $11.30 x 30/7 = $48.43.
    expect(text).toMatch(/^30-day run rate +\$48\.43$/m);
  });

  test('aligns the table of lines with the totals', () => {
    const tableRows = text.split('\n').filter((line) => /^(Model|Claude|Amazon|tenant-b|Total) /.test(line));
    expect(tableRows).toHaveLength(5);
    expect(tableRows[1]).toMatch(/^Claude Sonnet 4\.5 \(us\) +400 +1\.00M +100,000 +2\.00M +400,000 +\$7\.26 +\$0\.00 +- +us\.anthropic/);
    expect(tableRows[2]).toMatch(/^Amazon Nova Pro +2,000 +2\.00M +500,000 +0 +0 +\$3\.20 +\$1\.60 +\+100\.0% +amazon\.nova-pro-v1:0$/);
    // Every cost cell ends in the same column.
    const costEnds = tableRows.slice(1).map((row) => row.indexOf('$') + row.slice(row.indexOf('$')).search(/\s/));
    expect(new Set(costEnds).size).toBe(1);
  });

  test('lists top spenders, recommendations with savings, unpriced ids and the price source', () => {
    expect(text).toContain('Top spenders\n  1. Claude Sonnet 4.5 (us)  $7.26  64.2%');
    expect(text).toMatch(/^1\. \[cheaper-tier\] Try Amazon Nova Micro for tenant-b: saves about \$\d+\.\d\d per month$/m);
    expect(text).toContain('Unpriced (no price known for these ModelIds; their cost is not in the totals)');
    expect(text).toMatch(/^ {2}a1b2c3d4e5f6 +7 +7,000 +700 +70 +0$/m);
    expect(text).toMatch(/us-east-1, as of 2026-\d\d-\d\d/);
    expect(text.split('\n').every((line) => line.length <= 160)).toBe(true);
  });

  test('says so when there is nothing to recommend', () => {
    expect(renderReport(buildCostReport([PRO_WEEK], undefined, WEEK))).toContain('Recommendations: none this period.');
  });
});

describe('seriesFromMetricDataResults', () => {
  const t = (hour: number) => new Date(START + hour * HOUR).toISOString();

  test('merges pages by label, sorts timestamps and counts missing data points as zero', () => {
    const series = seriesFromMetricDataResults(
      [
        // Newest first, as GetMetricData returns by default, and split over two pages.
        { Id: 'm0_in', Label: `${NOVA_PRO} InputTokenCount`, Timestamps: [t(1), t(0)], Values: [20, 10] },
        { Id: 'm0_inv', Label: `${NOVA_PRO} Invocations`, Timestamps: [new Date(t(0)), new Date(t(2))], Values: [1, 3] },
        { Id: 'm0_out', Label: `${NOVA_PRO} OutputTokenCount`, Timestamps: [], Values: [] },
        { Id: 'm0_in', Label: `${NOVA_PRO} InputTokenCount`, Timestamps: [t(2)], Values: [30] },
        { Id: 'm1_inv', Label: 'abc123 Invocations', Timestamps: [], Values: [] },
      ],
      { periodSeconds: 3600, labels: { abc123: 'tenant-a' } },
    );
    expect(series).toEqual([
      {
        modelId: NOVA_PRO,
        periodSeconds: 3600,
        timestamps: [t(0), t(1), t(2)],
        invocations: [1, 0, 3],
        inputTokens: [10, 20, 30],
        outputTokens: [0, 0, 0],
        cacheReadInputTokens: [0, 0, 0],
        cacheWriteInputTokens: [0, 0, 0],
      },
      {
        modelId: 'abc123',
        label: 'tenant-a',
        periodSeconds: 3600,
        timestamps: [],
        invocations: [],
        inputTokens: [],
        outputTokens: [],
        cacheReadInputTokens: [],
        cacheWriteInputTokens: [],
      },
    ].sort((a, b) => a.modelId.localeCompare(b.modelId)));
  });

  test.each([
    ['a label without a metric name', { Label: NOVA_PRO, Timestamps: [], Values: [] }, /MetricDataResults\[0\]\.Label must be "<ModelId> <MetricName>"/],
    ['an unknown metric', { Label: `${NOVA_PRO} InvocationLatency`, Timestamps: [], Values: [] }, /MetricDataResults\[0\]\.Label: metric must be one of Invocations, /],
    ['more values than timestamps', { Label: `${NOVA_PRO} Invocations`, Timestamps: [t(0)], Values: [1, 2] }, /MetricDataResults\[0\]\.Values must be an array with one value per timestamp \(1\)/],
    ['a repeated timestamp', { Label: `${NOVA_PRO} Invocations`, Timestamps: [t(0), t(0)], Values: [1, 2] }, /MetricDataResults\[0\]\.Timestamps\[1\]: 2026-11-16T00:00:00\.000Z appears twice/],
    ['a fractional value', { Label: `${NOVA_PRO} Invocations`, Timestamps: [t(0)], Values: [0.5] }, /MetricDataResults\[0\]\.Values\[0\] must be a whole number >= 0/],
  ])('rejects %s, naming the field', (_case, result, message) => {
    expect(() => seriesFromMetricDataResults([result], { periodSeconds: 3600 })).toThrow(message);
  });
});

describe('parseMetricsExport', () => {
  const results = (timestamp: string) => ({
    MetricDataResults: [{ Label: `${NOVA_PRO} Invocations`, Timestamps: [timestamp], Values: [5] }],
  });
  const base = { periodSeconds: 3600, start: '2026-11-16T00:00:00Z', end: '2026-11-23T00:00:00Z' };

  test('reads the current and previous periods with their labels', () => {
    const parsed = parseMetricsExport({
      ...base,
      current: results('2026-11-16T05:00:00+00:00'),
      previous: results('2026-11-09T05:00:00+00:00'),
      labels: { [NOVA_PRO]: 'triage' },
    });
    expect(parsed.start).toBe('2026-11-16T00:00:00.000Z');
    expect(parsed.current[0]).toMatchObject({ modelId: NOVA_PRO, label: 'triage', timestamps: ['2026-11-16T05:00:00.000Z'], invocations: [5] });
    expect(parsed.previous?.[0].timestamps).toEqual(['2026-11-09T05:00:00.000Z']);
  });

  test('rejects data points outside their period', () => {
    expect(() => parseMetricsExport({ ...base, current: results('2026-11-23T00:00:00Z') })).toThrow(
      /^current\.MetricDataResults: amazon\.nova-pro-v1:0 has a data point at 2026-11-23T00:00:00\.000Z, outside 2026-11-16T00:00:00\.000Z to 2026-11-23T00:00:00\.000Z$/,
    );
    expect(() => parseMetricsExport({ ...base, current: results('2026-11-16T00:00:00Z'), previous: results('2026-11-16T00:00:00Z') })).toThrow(
      /^previous\.MetricDataResults: .* outside 2026-11-09T00:00:00\.000Z to 2026-11-16T00:00:00\.000Z$/,
    );
  });
});
