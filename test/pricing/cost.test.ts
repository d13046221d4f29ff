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

  test('Nova cache writes cost the same as input', () => {
    const written = estimateCost(BedrockModel.NOVA_MICRO, { inputTokens: 0, outputTokens: 0, cacheWriteInputTokens: 1000 });
    const plain = estimateCost(BedrockModel.NOVA_MICRO, { inputTokens: 1000, outputTokens: 0 });
    expect(written.equals(plain)).toBe(true);
  });

  test('batch mode costs half', () => {
    const usage = { inputTokens: 400, outputTokens: 50 };
    const onDemand = estimateCost(BedrockModel.NOVA_LITE, usage);
    const batch = estimateCost(BedrockModel.NOVA_LITE, usage, InvocationMode.BATCH);
    expect(batch.times(2).equals(onDemand)).toBe(true);
    expect(batch.toString()).toBe('0.000018');
  });

  test('prices a call through a regional Claude 4.5 profile 10% above global', () => {
    const usage = { inputTokens: 1000, outputTokens: 1000 };
    const regional = estimateCost(InferenceSource.crossRegion(BedrockModel.CLAUDE_HAIKU_4_5, 'eu'), usage);
    expect(regional.toString()).toBe('0.0066');
    expect(estimateCost(BedrockModel.CLAUDE_HAIKU_4_5, usage).toString()).toBe('0.006');
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
