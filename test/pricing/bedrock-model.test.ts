import {
  BedrockModel,
  BUILT_IN_PRICE_SOURCE,
  InferenceSource,
  ModelLifecycleStatus,
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
    expect(BedrockModel.NOVA_MICRO.priceSource).toEqual({
      region: 'us-east-1',
      asOf: '2026-06-11',
      reference: expect.stringContaining('aws-pricing-page 2025-07-20'),
    });
    expect(BUILT_IN_PRICE_SOURCE).toMatchObject({ region: 'us-east-1', asOf: '2026-11-29' });
  });

  test('Nova Micro input costs about 1/23 of Nova Pro input', () => {
    const ratio = BedrockModel.NOVA_PRO.prices.inputPerMillionTokens / BedrockModel.NOVA_MICRO.prices.inputPerMillionTokens;
    expect(ratio).toBeCloseTo(22.857, 3);
  });

  test('batch costs half of on-demand where the catalog offers it, and only there', () => {
    const withBatch = PriceTable.DEFAULT.models.filter((model) => model.supportsBatch);
    for (const model of withBatch) {
      expect(model.prices.batch).toEqual({
        inputPerMillionTokens: model.prices.inputPerMillionTokens / 2,
        outputPerMillionTokens: model.prices.outputPerMillionTokens / 2,
      });
    }
    // AWS's pricing page lists no batch price for these; Nova Premier batches only through us.
    expect(BedrockModel.CLAUDE_3_7_SONNET.supportsBatch).toBe(false);
    expect(BedrockModel.CLAUDE_3_5_HAIKU.supportsBatch).toBe(false);
    expect(BedrockModel.DEEPSEEK_R1.supportsBatch).toBe(false);
    expect(InferenceSource.inRegion(BedrockModel.NOVA_PREMIER).supportsBatch).toBe(false);
    expect(InferenceSource.crossRegion(BedrockModel.NOVA_PREMIER, 'us').prices.batch).toEqual({
      inputPerMillionTokens: 1.25,
      outputPerMillionTokens: 6.25,
    });
  });

  test('Nova caches at 25% of input with free writes; Claude reads 10%, writes 125% (5 minutes) or 200% (1 hour)', () => {
    expect(BedrockModel.NOVA_LITE.prices.promptCache).toEqual({ readPerMillionTokens: 0.015, writePerMillionTokens: 0 });
    expect(BedrockModel.NOVA_LITE.perToken.cacheWrite?.isZero()).toBe(true);
    expect(BedrockModel.CLAUDE_SONNET_4_5.prices.promptCache).toEqual({
      readPerMillionTokens: 0.3,
      writePerMillionTokens: 3.75,
      write1hPerMillionTokens: 6,
    });
    expect(BedrockModel.CLAUDE_SONNET_4.prices.promptCache).toEqual({ readPerMillionTokens: 0.3, writePerMillionTokens: 3.75 });
    expect(BedrockModel.LLAMA_3_3_70B_INSTRUCT.supportsPromptCaching).toBe(false);
  });

  test('settles the minimum cache checkpoints from the newest AWS prompt-caching page', () => {
    expect(BedrockModel.CLAUDE_SONNET_4_5.minimumCacheCheckpointTokens).toBe(1024);
    expect(BedrockModel.CLAUDE_HAIKU_4_5.minimumCacheCheckpointTokens).toBe(4096);
    expect(BedrockModel.CLAUDE_OPUS_5.minimumCacheCheckpointTokens).toBe(512);
    expect(BedrockModel.CLAUDE_3_5_HAIKU.minimumCacheCheckpointTokens).toBe(2048);
  });

  test('lists at least 35 current text models, each with its source and date', () => {
    const current = PriceTable.DEFAULT.models.filter((model) => model.lifecycle.status !== ModelLifecycleStatus.END_OF_LIFE);
    expect(current.length).toBeGreaterThanOrEqual(35);
    for (const model of PriceTable.DEFAULT.models) {
      expect(model.priceSource.reference).not.toBe('');
      expect(model.priceSource.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  test('records lifecycle dates and replacements', () => {
    expect(BedrockModel.NOVA_PREMIER.lifecycle).toEqual({
      status: ModelLifecycleStatus.END_OF_LIFE,
      legacySince: '2026-03-13',
      endOfLife: '2026-09-14',
      replacement: 'amazon.nova-2-lite-v1:0',
    });
    expect(BedrockModel.CLAUDE_SONNET_4.lifecycle).toMatchObject({ status: ModelLifecycleStatus.END_OF_LIFE, endOfLife: '2026-10-14' });
    expect(BedrockModel.CLAUDE_SONNET_4_5.lifecycle).toMatchObject({ status: ModelLifecycleStatus.LEGACY, endOfLife: '2027-04-08' });
    expect(BedrockModel.NOVA_MICRO.lifecycle.status).toBe(ModelLifecycleStatus.ACTIVE);
    for (const model of PriceTable.DEFAULT.models) {
      const replacement = model.lifecycle.replacement;
      if (replacement !== undefined) {
        expect(PriceTable.DEFAULT.find(replacement)?.lifecycle.status).toBe(ModelLifecycleStatus.ACTIVE);
      }
    }
  });

  test('names every built-in model as a static member', () => {
    const statics = new Set(Object.values(BedrockModel).filter((value) => value instanceof BedrockModel));
    expect(PriceTable.DEFAULT.models.filter((model) => !statics.has(model))).toEqual([]);
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
    expect(regional.prices.promptCache).toEqual({ readPerMillionTokens: 0.11, writePerMillionTokens: 1.375, write1hPerMillionTokens: 2.2 });
    expect(global.prices).toBe(BedrockModel.CLAUDE_HAIKU_4_5.prices);
    // A direct call in the Region is a regional endpoint too.
    expect(InferenceSource.inRegion(BedrockModel.CLAUDE_HAIKU_4_5).prices).toEqual(regional.prices);
  });

  test('Nova 2 Lite: global list prices, 10% more in the Region, as in the AWS Price List', () => {
    const inRegion = InferenceSource.inRegion(BedrockModel.NOVA_2_LITE).prices;
    expect([inRegion.inputPerMillionTokens, inRegion.outputPerMillionTokens]).toEqual([0.33, 2.75]);
    expect(inRegion.batch).toEqual({ inputPerMillionTokens: 0.165, outputPerMillionTokens: 1.375 });
    expect(inRegion.flex?.inputPerMillionTokens).toBe(0.165);
    expect(inRegion.priority?.inputPerMillionTokens).toBe(0.5775);
    expect(inRegion.promptCache?.readPerMillionTokens).toBe(0.0825);
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
