import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_CATALOG, type CatalogJson, PriceListError, PriceTable, readPriceListOffer, refreshCatalog } from '../../lib/pricing';

const FIXTURES = join(__dirname, '..', 'fixtures', 'price-list');
const offerFile = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const GENERAL = readPriceListOffer(offerFile('AmazonBedrock-us-east-1.json'), 'us-east-1');
const ANTHROPIC = readPriceListOffer(offerFile('AmazonBedrockFoundationModels-us-east-1.json'), 'us-east-1');

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
function baseCatalog(): Mutable<CatalogJson> {
  return JSON.parse(JSON.stringify(BUILT_IN_CATALOG)) as Mutable<CatalogJson>;
}

describe('readPriceListOffer', () => {
  test('reads the per-token rows of the Region, per 1M tokens, and skips the rest', () => {
    expect(GENERAL).toMatchObject({ offerCode: 'AmazonBedrock', version: '20261120183211', publishedOn: '2026-11-20' });
    // Customization, latency-optimized, provisioned throughput and image rows; the eu-west-1 row is not read at all.
    expect(GENERAL.skippedRows).toBe(4);
    const rate = (usageType: string) => GENERAL.rates.find((candidate) => candidate.usageType === usageType);
    // $0.000035 per 1K tokens = $0.035 per 1M.
    expect(rate('USE1-NovaMicro-input-tokens')).toMatchObject({
      names: ['NovaMicro', 'Nova Micro'],
      scope: 'in-region',
      tier: 'standard',
      dimension: 'input',
      perMillionTokens: 0.035,
    });
    expect(rate('USE1-Nova2.0Lite-input-tokens-flex-cross-region-global')).toMatchObject({ scope: 'global', tier: 'flex', perMillionTokens: 0.15 });
    expect(rate('USE1-NovaMicro-cache-write-input-token-count')).toMatchObject({ dimension: 'cacheWrite5m', perMillionTokens: 0 });
    expect(rate('USE1-qwen.qwen3-coder-next-mantle-output-tokens-priority')).toMatchObject({ tier: 'priority', perMillionTokens: 2.1 });
    expect(rate('USE1-NovaPro-input-tokens-batch')).toMatchObject({ tier: 'batch', perMillionTokens: 0.4 });
  });

  test('reads Marketplace (Anthropic) rows by service name, per 1M tokens', () => {
    const rate = (usageType: string) => ANTHROPIC.rates.find((candidate) => candidate.usageType === usageType);
    expect(rate('USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units')).toMatchObject({
      names: ['Claude Sonnet 4.5 (Amazon Bedrock Edition)'],
      scope: 'global',
      tier: 'standard',
      dimension: 'cacheWrite1h',
      perMillionTokens: 6,
    });
    expect(rate('USE1-MP:USE1_output_tokens_global_batch-Units')).toMatchObject({ tier: 'batch', dimension: 'output', perMillionTokens: 12.5 });
    expect(rate('USE1-MP:USE1_input_tokens_standard-Units')).toMatchObject({ scope: 'in-region', perMillionTokens: 5.5 });
  });

  test('names the field of a document that is not an offer file', () => {
    expect(() => readPriceListOffer({ products: {} }, 'us-east-1', 'x.json')).toThrow(PriceListError);
    expect(() => readPriceListOffer({ products: {} }, 'us-east-1', 'x.json')).toThrow('x.json: terms.OnDemand: must be an object keyed by SKU');
    expect(() => readPriceListOffer([], 'us-east-1')).toThrow('must be an object with products and terms');
  });
});

describe('refreshCatalog', () => {
  test('the built-in catalog agrees with the fixture offer: nothing changes, every offer model is matched', () => {
    const { report } = refreshCatalog(BUILT_IN_CATALOG, [GENERAL, ANTHROPIC], { region: 'us-east-1' });
    expect(report.updated.map((model) => model.modelId).sort()).toEqual(
      [
        'amazon.nova-2-lite-v1:0',
        'amazon.nova-lite-v1:0',
        'amazon.nova-micro-v1:0',
        'amazon.nova-pro-v1:0',
        'anthropic.claude-opus-5',
        'anthropic.claude-sonnet-4-5-20250929-v1:0',
        'meta.llama4-scout-17b-instruct-v1:0',
        'openai.gpt-oss-120b-1:0',
        'qwen.qwen3-coder-next',
      ].sort(),
    );
    expect(report.updated.flatMap((model) => model.changes)).toEqual([]);
    expect(report.unmatched).toEqual(['xai.grok-4.3']);
    expect(report.notes).toEqual([]);
    expect(report.skippedRows).toBe(4);
    expect(report.notInOffer).toContain('anthropic.claude-haiku-4-5-20251001-v1:0');
  });

  test('writes the offer\'s prices over stale ones, adds tiers the offer has, and cites the offer', () => {
    const base = baseCatalog();
    const micro = base.models.find((model) => model.modelId === 'amazon.nova-micro-v1:0')!;
    micro.prices.standard.input = 0.04;
    const scout = base.models.find((model) => model.modelId === 'meta.llama4-scout-17b-instruct-v1:0')!;
    delete scout.prices.batch;
    const sonnet = base.models.find((model) => model.modelId === 'anthropic.claude-sonnet-4-5-20250929-v1:0')!;
    sonnet.prices.standard.cacheWrite1h = 7;

    const { catalog, report } = refreshCatalog(base, [GENERAL, ANTHROPIC], { region: 'us-east-1' });
    const changes = Object.fromEntries(report.updated.map(({ modelId, changes: list }) => [modelId, list]));
    expect(changes['amazon.nova-micro-v1:0']).toEqual(['prices.standard.input 0.04 -> 0.035']);
    expect(changes['meta.llama4-scout-17b-instruct-v1:0']).toEqual(['prices.batch.input (none) -> 0.085', 'prices.batch.output (none) -> 0.33']);
    expect(changes['anthropic.claude-sonnet-4-5-20250929-v1:0']).toEqual(['prices.standard.cacheWrite1h 7 -> 6']);

    expect(catalog.asOf).toBe('2026-11-20');
    const refreshedMicro = catalog.models.find((model) => model.modelId === 'amazon.nova-micro-v1:0')!;
    expect(refreshedMicro.source).toEqual({ asOf: '2026-11-20', reference: 'AWS Price List AmazonBedrock 20261120183211, us-east-1' });
    const untouched = catalog.models.find((model) => model.modelId === 'anthropic.claude-haiku-4-5-20251001-v1:0')!;
    expect(untouched).toEqual(BUILT_IN_CATALOG.models.find((model) => model.modelId === untouched.modelId));
    // The result loads as a price table.
    expect(PriceTable.fromCatalog(catalog).find('meta.llama4-scout-17b-instruct-v1:0')?.prices.batch).toEqual({
      inputPerMillionTokens: 0.085,
      outputPerMillionTokens: 0.33,
    });
  });

  test('leaves a disagreeing in-Region premium for a person to settle', () => {
    const base = baseCatalog();
    const nova2 = base.models.find((model) => model.modelId === 'amazon.nova-2-lite-v1:0')!;
    nova2.inRegion = { priceFactor: 1.2 };
    const { report } = refreshCatalog(base, [GENERAL], { region: 'us-east-1' });
    expect(report.notes).toEqual(['amazon.nova-2-lite-v1:0: in-Region input costs 1.1x the global price; the catalog says 1.2x (left unchanged)']);
  });
});
