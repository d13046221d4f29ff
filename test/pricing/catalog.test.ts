import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BedrockModel,
  BUILT_IN_CATALOG,
  CatalogError,
  type CatalogJson,
  catalogModelPrices,
  catalogPricesJson,
  estimateCost,
  InvocationMode,
  parseCatalog,
  PriceTable,
} from '../../lib/pricing';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

function copyOfBuiltIn(): Mutable<CatalogJson> {
  return JSON.parse(JSON.stringify(BUILT_IN_CATALOG)) as Mutable<CatalogJson>;
}

describe('the catalog document', () => {
  test('the built-in catalog reads back into the same prices', () => {
    for (const entry of BUILT_IN_CATALOG.models) {
      expect(catalogPricesJson(catalogModelPrices(entry.prices))).toEqual(entry.prices);
      expect(PriceTable.DEFAULT.find(entry.modelId)?.prices).toEqual(expect.objectContaining({ inputPerMillionTokens: entry.prices.standard.input }));
    }
  });

  test.each([
    ['a missing price', (c: Mutable<CatalogJson>) => delete (c.models[0].prices.standard as { input?: number }).input, 'models[0].prices.standard.input: must be a number >= 0, got nothing'],
    ['a negative price', (c: Mutable<CatalogJson>) => (c.models[2].prices.flex!.output = -1), 'models[2].prices.flex.output: must be a number >= 0, got -1'],
    ['an unknown field', (c: Mutable<CatalogJson>) => ((c.models[1] as Record<string, unknown>).price = 1), 'models[1].price: unknown field'],
    ['a wrong geography', (c: Mutable<CatalogJson>) => (c.models[0].geographies[0].geography = 'mars' as never), 'models[0].geographies[0].geography: must be one of us, eu, apac, global, jp, au, ca, in, us-gov, got "mars"'],
    ['a bad lifecycle', (c: Mutable<CatalogJson>) => (c.models[3].lifecycle.status = 'retired' as never), 'models[3].lifecycle.status: must be one of active, legacy, end-of-life'],
    ['a duplicate model', (c: Mutable<CatalogJson>) => c.models.push(c.models[0]), 'is listed twice'],
    ['another schema', (c: Mutable<CatalogJson>) => (c.schemaVersion = 2), 'schemaVersion: must be 1, got 2'],
    ['a bad date', (c: Mutable<CatalogJson>) => (c.models[0].source.asOf = 'June'), 'models[0].source.asOf: must be an ISO 8601 date'],
  ])('rejects %s, naming the field', (_case, mutate, message) => {
    const catalog = copyOfBuiltIn();
    mutate(catalog);
    expect(() => parseCatalog(catalog, 'mine.json')).toThrow(CatalogError);
    expect(() => parseCatalog(catalog, 'mine.json')).toThrow(message);
  });
});

describe('PriceTable.fromFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'price-catalog-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('pins a team\'s own prices: a negotiated Nova Pro price replaces the list price', () => {
    const catalog = copyOfBuiltIn();
    const pro = catalog.models.find((model) => model.modelId === 'amazon.nova-pro-v1:0')!;
    pro.prices.standard.input = 0.7;
    pro.prices.standard.output = 2.8;
    pro.source = { asOf: '2026-12-01', reference: 'contract 2026-042' };
    catalog.asOf = '2026-12-01';
    const path = join(dir, 'pinned.json');
    writeFileSync(path, JSON.stringify(catalog));

    const table = PriceTable.fromFile(path);
    expect(table.asOf).toBe('2026-12-01');
    expect(table.models).toHaveLength(PriceTable.DEFAULT.models.length);
    const pinned = table.resolve('us.amazon.nova-pro-v1:0');
    // 500 x 0.70 + 200 x 2.80 = 910 per 1M; the list price gives 1,040.
    expect(estimateCost(pinned, { inputTokens: 500, outputTokens: 200 }).toString()).toBe('0.00091');
    expect(pinned.model.priceSource).toEqual({ region: 'us-east-1', asOf: '2026-12-01', reference: 'contract 2026-042' });
    // Flex kept its catalog price: 500 x 0.40 + 200 x 1.60.
    expect(estimateCost(pinned, { inputTokens: 500, outputTokens: 200 }, InvocationMode.FLEX).toString()).toBe('0.00052');
    expect(table.find('amazon.nova-pro-v1:0')).not.toBe(BedrockModel.NOVA_PRO);
  });

  test('names the file and the problem', () => {
    expect(() => PriceTable.fromFile(join(dir, 'absent.json'))).toThrow(/cannot read price catalog '.*absent\.json': ENOENT/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "schemaVersion": ');
    expect(() => PriceTable.fromFile(broken)).toThrow(/price catalog '.*broken\.json' is not valid JSON/);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ ...copyOfBuiltIn(), currency: 'EUR' }));
    expect(() => PriceTable.fromFile(wrong)).toThrow(/price catalog '.*wrong\.json': currency: must be one of USD, got "EUR"/);
  });
});
