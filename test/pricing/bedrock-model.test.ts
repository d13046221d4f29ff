import {
  BedrockModel,
  BUILT_IN_PRICE_SOURCE,
  InferenceSource,
  ModelVendor,
  PriceTable,
  UnknownModelError,
} from '../../lib/pricing';

describe('BedrockModel catalog', () => {
  test('carries the us-east-1 list prices of the design document', () => {
    const prices = (model: BedrockModel) => [model.prices.inputPerMillionTokens, model.prices.outputPerMillionTokens];
    expect(prices(BedrockModel.NOVA_MICRO)).toEqual([0.035, 0.14]);
    expect(prices(BedrockModel.NOVA_LITE)).toEqual([0.06, 0.24]);
    expect(prices(BedrockModel.NOVA_PRO)).toEqual([0.8, 3.2]);
    expect(prices(BedrockModel.NOVA_PREMIER)).toEqual([2.5, 12.5]);
    expect(prices(BedrockModel.CLAUDE_3_5_HAIKU)).toEqual([0.8, 4]);
    expect(prices(BedrockModel.CLAUDE_SONNET_4)).toEqual([3, 15]);
    expect(prices(BedrockModel.CLAUDE_HAIKU_4_5)).toEqual([1, 5]);
    expect(BedrockModel.NOVA_MICRO.priceSource).toEqual(BUILT_IN_PRICE_SOURCE);
  });

  test('Nova Micro input costs about 1/23 of Nova Pro input', () => {
    const ratio = BedrockModel.NOVA_PRO.prices.inputPerMillionTokens / BedrockModel.NOVA_MICRO.prices.inputPerMillionTokens;
    expect(ratio).toBeCloseTo(22.857, 3);
  });

  test('batch costs half of on-demand on every built-in model', () => {
    for (const model of PriceTable.DEFAULT.models) {
      expect(model.supportsBatch).toBe(true);
      expect(model.prices.batch).toEqual({
        inputPerMillionTokens: model.prices.inputPerMillionTokens / 2,
        outputPerMillionTokens: model.prices.outputPerMillionTokens / 2,
      });
    }
  });

  test('Nova caches at 25% of input with no write surcharge; Claude reads 10%, writes 125%', () => {
    expect(BedrockModel.NOVA_LITE.prices.promptCache).toEqual({ readPerMillionTokens: 0.015 });
    expect(BedrockModel.NOVA_LITE.perToken.cacheWrite?.equals(BedrockModel.NOVA_LITE.perToken.input)).toBe(true);
    expect(BedrockModel.CLAUDE_SONNET_4_5.prices.promptCache).toEqual({ readPerMillionTokens: 0.3, writePerMillionTokens: 3.75 });
    expect(BedrockModel.LLAMA_3_3_70B_INSTRUCT.supportsPromptCaching).toBe(false);
  });

  test('lists the cross-region profiles a model can be called through', () => {
    expect(BedrockModel.NOVA_PRO.crossRegionProfile('us').profileId).toBe('us.amazon.nova-pro-v1:0');
    expect(BedrockModel.CLAUDE_SONNET_4_5.crossRegionProfile('global').profileId).toBe(
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    expect(BedrockModel.NOVA_MICRO.supportsCrossRegion).toBe(true);
    expect(() => BedrockModel.NOVA_MICRO.crossRegionProfile('global')).toThrow(
      "Amazon Nova Micro (amazon.nova-micro-v1:0) has no 'global' cross-region profile; available: us, eu, apac",
    );
  });

  test('withDiscount lowers every price exactly and records why', () => {
    const discounted = BedrockModel.NOVA_PRO.withDiscount(12.5);
    expect(discounted.prices.inputPerMillionTokens).toBe(0.7);
    expect(discounted.prices.outputPerMillionTokens).toBe(2.8);
    expect(discounted.prices.batch).toEqual({ inputPerMillionTokens: 0.35, outputPerMillionTokens: 1.4 });
    expect(discounted.prices.promptCache?.readPerMillionTokens).toBe(0.175);
    expect(discounted.priceSource.reference).toMatch(/less 12.5%$/);
    expect(BedrockModel.NOVA_PRO.prices.inputPerMillionTokens).toBe(0.8);
    expect(() => BedrockModel.NOVA_PRO.withDiscount(100)).toThrow('discount percent must be in [0, 100), got 100');
  });

  test('withPrices replaces prices for another Region', () => {
    const source = { region: 'eu-central-1', asOf: '2026-11-26', reference: 'console' };
    const frankfurt = BedrockModel.NOVA_LITE.withPrices({ inputPerMillionTokens: 0.078 }, source);
    expect(frankfurt.prices.inputPerMillionTokens).toBe(0.078);
    expect(frankfurt.prices.outputPerMillionTokens).toBe(0.24);
    expect(frankfurt.priceSource).toEqual(source);
    expect(frankfurt.crossRegionProfiles).toEqual(BedrockModel.NOVA_LITE.crossRegionProfiles);
  });

  test('custom models are validated', () => {
    const base = {
      modelId: 'mistral.mistral-large-2407-v1:0',
      displayName: 'Mistral Large 2',
      vendor: ModelVendor.MISTRAL,
      family: 'Mistral Large',
      prices: { inputPerMillionTokens: 2, outputPerMillionTokens: 6 },
    };
    const model = BedrockModel.custom(base);
    expect(model.supportsBatch).toBe(false);
    expect(model.supportsPromptCaching).toBe(false);
    expect(model.priceSource.reference).toBe('user-supplied');
    expect(() => BedrockModel.custom({ ...base, prices: { inputPerMillionTokens: -1, outputPerMillionTokens: 6 } })).toThrow(
      'mistral.mistral-large-2407-v1:0 prices.inputPerMillionTokens must be a finite number >= 0 (USD per 1M tokens), got -1',
    );
    expect(() => BedrockModel.custom({ ...base, modelId: 'us.mistral.x' })).toThrow(/not a cross-region profile id/);
    expect(() => BedrockModel.custom({ ...base, modelId: 'has space' })).toThrow(/modelId must be 1-200 characters/);
    expect(() => BedrockModel.custom({ ...base, crossRegion: [{ geography: 'us', priceFactor: 0 }] })).toThrow(
      /priceFactor of us must be a number > 0/,
    );
  });
});

describe('InferenceSource', () => {
  test('a geographic profile of a Claude 4.5 model costs 10% more than global', () => {
    const regional = InferenceSource.crossRegion(BedrockModel.CLAUDE_HAIKU_4_5, 'us');
    const global = InferenceSource.crossRegion(BedrockModel.CLAUDE_HAIKU_4_5, 'global');
    expect(regional.invocationId).toBe('us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(regional.prices.inputPerMillionTokens).toBe(1.1);
    expect(regional.prices.outputPerMillionTokens).toBe(5.5);
    expect(regional.prices.promptCache).toEqual({ readPerMillionTokens: 0.11, writePerMillionTokens: 1.375 });
    expect(global.prices).toBe(BedrockModel.CLAUDE_HAIKU_4_5.prices);
  });

  test('Nova profiles cost the same as in-Region calls', () => {
    expect(InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'eu').prices).toBe(BedrockModel.NOVA_PRO.prices);
  });
});

describe('PriceTable', () => {
  test('resolves foundation model ids and cross-region profile ids', () => {
    const direct = PriceTable.DEFAULT.resolve('amazon.nova-micro-v1:0');
    expect(direct.model).toBe(BedrockModel.NOVA_MICRO);
    expect(direct.geography).toBeUndefined();
    const viaProfile = PriceTable.DEFAULT.resolve('us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(viaProfile.model).toBe(BedrockModel.CLAUDE_SONNET_4_5);
    expect(viaProfile.geography).toBe('us-gov');
  });

  test('names the known ids when an id is unknown', () => {
    expect(() => PriceTable.DEFAULT.resolve('amazon.nova-nano-v1:0')).toThrow(UnknownModelError);
    expect(() => PriceTable.DEFAULT.resolve('amazon.nova-nano-v1:0')).toThrow(/known: amazon\.nova-micro-v1:0, /);
    expect(() => PriceTable.DEFAULT.resolve('eu.amazon.nova-premier-v1:0')).toThrow(
      /has no 'eu' cross-region profile; available: us/,
    );
  });

  test('with() replaces a model of the same id', () => {
    const negotiated = BedrockModel.NOVA_PRO.withDiscount(20);
    const table = PriceTable.DEFAULT.with(negotiated);
    expect(table.find('amazon.nova-pro-v1:0')).toBe(negotiated);
    expect(table.models).toHaveLength(PriceTable.DEFAULT.models.length);
    expect(() => new PriceTable([BedrockModel.NOVA_PRO, negotiated])).toThrow('price table lists amazon.nova-pro-v1:0 twice');
  });
});
