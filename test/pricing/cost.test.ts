import { BedrockModel, estimateCost, InferenceSource, InvocationMode, Usd } from '../../lib/pricing';
import { ONLINE_ONLY_MODEL } from '../support/models';

describe('estimateCost', () => {
  test('prices one on-demand call: 500 in / 200 out on Nova Pro', () => {
    // 500 x $0.80/1M + 200 x $3.20/1M = $0.0004 + $0.00064
    expect(estimateCost(BedrockModel.NOVA_PRO, { inputTokens: 500, outputTokens: 200 }).toString()).toBe('0.00104');
  });

  test('prices cache reads and writes separately from input (Claude: reads 10%, writes 125%)', () => {
    const cost = estimateCost(BedrockModel.CLAUDE_SONNET_4, {
      inputTokens: 100,
      outputTokens: 50,
      cacheReadInputTokens: 2000,
      cacheWriteInputTokens: 1000,
    });
    // 100 x 3 + 50 x 15 + 2000 x 0.30 + 1000 x 3.75 = 300 + 750 + 600 + 3750 = 5400 per 1M
    expect(cost.toString()).toBe('0.0054');
  });

  test('Nova cache writes are free; reads cost 25% of input', () => {
    // The AWS Price List prices Nova cache-write rows at $0: 1,000 written tokens cost nothing,
    // 1,000 read tokens 1,000 x $0.00875/1M.
    expect(estimateCost(BedrockModel.NOVA_MICRO, { inputTokens: 0, outputTokens: 0, cacheWriteInputTokens: 1000 }).isZero()).toBe(true);
    expect(estimateCost(BedrockModel.NOVA_MICRO, { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 1000 }).toString()).toBe(
      '0.00000875',
    );
  });

  test('batch mode costs half', () => {
    const usage = { inputTokens: 400, outputTokens: 50 };
    const onDemand = estimateCost(BedrockModel.NOVA_LITE, usage);
    const batch = estimateCost(BedrockModel.NOVA_LITE, usage, InvocationMode.BATCH);
    expect(batch.times(2).equals(onDemand)).toBe(true);
    expect(batch.toString()).toBe('0.000018');
  });

  test('prices a call through a regional Claude 4.5 profile, or in the Region, 10% above global', () => {
    const usage = { inputTokens: 1000, outputTokens: 1000 };
    // global: 1,000 x 1 + 1,000 x 5 = 6,000 per 1M; eu. and in-Region: 1,000 x 1.10 + 1,000 x 5.50 = 6,600.
    expect(estimateCost(InferenceSource.crossRegion(BedrockModel.CLAUDE_HAIKU_4_5, 'global'), usage).toString()).toBe('0.006');
    expect(estimateCost(InferenceSource.crossRegion(BedrockModel.CLAUDE_HAIKU_4_5, 'eu'), usage).toString()).toBe('0.0066');
    expect(estimateCost(BedrockModel.CLAUDE_HAIKU_4_5, usage).toString()).toBe('0.0066');
  });

  test('us-gov. Claude profiles cost 20% more than global and run no batch', () => {
    const govSonnet = InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'us-gov');
    // Sonnet 4.5: 3.60 / 18.00 per 1M. 10,000 in + 2,000 out = 36,000 + 36,000 = 72,000 per 1M = $0.072.
    expect(govSonnet.prices.inputPerMillionTokens).toBe(3.6);
    expect(govSonnet.prices.outputPerMillionTokens).toBe(18);
    expect(estimateCost(govSonnet, { inputTokens: 10_000, outputTokens: 2_000 }).toString()).toBe('0.072');
    // Cache: reads 0.36, 5-minute writes 4.50. 1,000 read + 1,000 written = 360 + 4,500 per 1M.
    expect(
      estimateCost(govSonnet, { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 1000, cacheWriteInputTokens: 1000 }).toString(),
    ).toBe('0.00486');
    expect(() => estimateCost(govSonnet, { inputTokens: 1, outputTokens: 1 }, InvocationMode.BATCH)).toThrow(
      'Claude Sonnet 4.5 (us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0) does not support batch inference',
    );
    // GovCloud Claude 3.7 Sonnet: 3.60 / 18.00, no batch either.
    const gov37 = InferenceSource.crossRegion(BedrockModel.CLAUDE_3_7_SONNET, 'us-gov');
    expect(estimateCost(gov37, { inputTokens: 1_000_000, outputTokens: 1_000_000 }).toString()).toBe('21.6');
    expect(gov37.supportsBatch).toBe(false);
  });

  test('Flex costs half of standard; Priority 75% more', () => {
    const usage = { inputTokens: 10_000, outputTokens: 1_000 };
    // Nova Pro standard: 10,000 x 0.80 + 1,000 x 3.20 = 11,200 per 1M; Flex 0.40 / 1.60 = 5,600; Priority 1.40 / 5.60 = 19,600.
    expect(estimateCost(BedrockModel.NOVA_PRO, usage).toString()).toBe('0.0112');
    expect(estimateCost(BedrockModel.NOVA_PRO, usage, InvocationMode.FLEX).toString()).toBe('0.0056');
    expect(estimateCost(BedrockModel.NOVA_PRO, usage, InvocationMode.PRIORITY).toString()).toBe('0.0196');
    // gpt-oss-120b on Flex: 10,000 x 0.075 + 1,000 x 0.30 = 1,050 per 1M.
    expect(estimateCost(BedrockModel.GPT_OSS_120B, usage, InvocationMode.FLEX).toString()).toBe('0.00105');
    // Nova 2 Lite in the Region (list 0.30 / 2.50, +10%): Flex 0.165 / 1.375 = 1,650 + 1,375 = 3,025 per 1M.
    expect(estimateCost(BedrockModel.NOVA_2_LITE, usage, InvocationMode.FLEX).toString()).toBe('0.003025');
    expect(() => estimateCost(BedrockModel.CLAUDE_SONNET_4_6, usage, InvocationMode.FLEX)).toThrow(
      'Claude Sonnet 4.6 (anthropic.claude-sonnet-4-6) does not offer the flex service tier',
    );
  });

  test('1-hour cache writes cost 2x input on Claude 4.5 and later', () => {
    const global = InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_6, 'global');
    // 10,000 written, 4,000 of them for 1 hour: 6,000 x 3.75 + 4,000 x 6.00 = 22,500 + 24,000 = 46,500 per 1M.
    const usage = { inputTokens: 0, outputTokens: 0, cacheWriteInputTokens: 10_000, cacheWrite1hInputTokens: 4_000 };
    expect(estimateCost(global, usage).toString()).toBe('0.0465');
    expect(() => estimateCost(BedrockModel.CLAUDE_SONNET_4, usage)).toThrow(
      'Claude Sonnet 4 (anthropic.claude-sonnet-4-20250514-v1:0) has no 1-hour cache TTL, but usage reports 1-hour cache writes',
    );
    expect(() => estimateCost(global, { ...usage, cacheWrite1hInputTokens: 10_001 })).toThrow(
      'usage.cacheWrite1hInputTokens (10001) cannot exceed cacheWriteInputTokens (10000)',
    );
  });

  test('a request above 200K input tokens pays the long-context prices for every token', () => {
    const global = InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'global');
    const one = { singleRequest: true };
    // At the threshold: 200,000 x 3 + 1,000 x 15 = 615,000 per 1M = $0.615.
    expect(estimateCost(global, { inputTokens: 200_000, outputTokens: 1_000 }, InvocationMode.ON_DEMAND, one).toString()).toBe('0.615');
    // One token over, counting cache reads: 150,001 x 6 + 50,000 x 0.60 + 1,000 x 22.50 = 900,006 + 30,000 + 22,500.
    const longRequest = { inputTokens: 150_001, outputTokens: 1_000, cacheReadInputTokens: 50_000 };
    expect(estimateCost(global, longRequest, InvocationMode.ON_DEMAND, one).toString()).toBe('0.952506');
    // The same tokens summed over many requests (metrics) cannot be told apart: standard prices,
    // 150,001 x 3 + 50,000 x 0.30 + 1,000 x 15 = 450,003 + 15,000 + 15,000.
    expect(estimateCost(global, longRequest).toString()).toBe('0.480003');
    // Through us. (+10%): 300,000 x 6.60 + 2,000 x 24.75 = 1,980,000 + 49,500 per 1M.
    const regional = InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'us');
    expect(estimateCost(regional, { inputTokens: 300_000, outputTokens: 2_000 }, InvocationMode.ON_DEMAND, one).toString()).toBe('2.0295');
    // Sonnet 4.6 has 1M context at standard prices: 300,000 x 3 + 2,000 x 15 (global).
    const sonnet46 = InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_6, 'global');
    expect(estimateCost(sonnet46, { inputTokens: 300_000, outputTokens: 2_000 }, InvocationMode.ON_DEMAND, one).toString()).toBe('0.93');
  });

  test('10 million small calls add up exactly', () => {
    // 7 x $0.035/1M + 3 x $0.14/1M = $0.000000665 a call; a float sum of this drifts.
    const usage = { inputTokens: 7, outputTokens: 3 };
    const perCallInFloat = (7 * 0.035 + 3 * 0.14) / 1_000_000;
    let total = Usd.ZERO;
    let floatTotal = 0;
    for (let call = 0; call < 10_000_000; call++) {
      total = total.plus(estimateCost(BedrockModel.NOVA_MICRO, usage));
      floatTotal += perCallInFloat;
    }
    expect(total.toString()).toBe('6.65');
    // What this guards against: the same sum in floating point is off.
    expect(floatTotal).not.toBe(6.65);
  });

  test('rejects token counts that are negative or fractional, naming the field', () => {
    expect(() => estimateCost(BedrockModel.NOVA_PRO, { inputTokens: -1, outputTokens: 0 })).toThrow(
      'usage.inputTokens must be a whole number >= 0, got -1',
    );
    expect(() => estimateCost(BedrockModel.NOVA_PRO, { inputTokens: 1, outputTokens: 2.5 })).toThrow(
      'usage.outputTokens must be a whole number >= 0, got 2.5',
    );
  });

  test('rejects modes and cache tokens the model does not support', () => {
    expect(() => estimateCost(ONLINE_ONLY_MODEL, { inputTokens: 1, outputTokens: 1 }, InvocationMode.BATCH)).toThrow(
      'Online only (vendor.online-only-v1:0) does not support batch inference',
    );
    expect(() => estimateCost(ONLINE_ONLY_MODEL, { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 5 })).toThrow(
      /does not support prompt caching/,
    );
    expect(() =>
      estimateCost(BedrockModel.NOVA_PRO, { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 5 }, InvocationMode.BATCH),
    ).toThrow('batch inference does not use prompt caching: cache token counts must be 0');
  });
});
