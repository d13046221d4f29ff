/**
 * Reads AWS's Price List bulk offer files for Amazon Bedrock and refreshes a catalog from them.
 *
 * An offer file (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<offer>/current/<region>/index.json)
 * holds `products` keyed by SKU, each with `attributes` (`usagetype`, `regionCode`, `model`,
 * `inferenceType`, `servicename`, ...), and `terms.OnDemand[sku][term].priceDimensions[rate]`
 * with `unit` and `pricePerUnit.USD`. Two offers carry Bedrock's token prices:
 * - `AmazonBedrock` (Amazon, Meta, Mistral, DeepSeek, OpenAI, Qwen, ...): usage types such as
 *   `USE1-NovaLite-input-tokens`, `USE1-Nova2.0Lite-input-tokens-flex-cross-region-global`,
 *   `USE1-qwen.qwen3-coder-next-mantle-input-tokens-standard`, `USE1-NovaPro-cache-read-input-token-count`;
 *   prices per 1K tokens.
 * - `AmazonBedrockFoundationModels` (Anthropic, billed through AWS Marketplace): service names such
 *   as `Claude Sonnet 4.5 (Amazon Bedrock Edition)`, usage types such as
 *   `USE1-MP:USE1_InputTokenCount_Global_Batch-Units` or `USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units`;
 *   prices per 1M tokens.
 * Rows that are not per-token on-demand or batch prices (provisioned throughput, reserved tier,
 * customization, latency-optimized, images, video) are skipped and counted.
 */
import { type CatalogJson, type CatalogModelJson, type CatalogPricesJson, type CatalogTierJson, parseCatalog } from './catalog';
import { isJsonObject, type JsonObject } from './json-reader';
import { Usd } from './usd';

type Dimension = 'input' | 'output' | 'cacheRead' | 'cacheWrite5m' | 'cacheWrite1h';
type Tier = 'standard' | 'flex' | 'priority' | 'batch' | 'longContext';
type Scope = 'in-region' | 'global';

/** One per-token price of an offer file, classified. */
export interface PriceListRate {
  readonly sku: string;
  readonly usageType: string;
  /** The names the row can be matched by: the usage type's model code, `model`, and (Marketplace rows) `servicename`. */
  readonly names: readonly string[];
  readonly scope: Scope;
  readonly tier: Tier;
  readonly dimension: Dimension;
  /** USD per 1M tokens. */
  readonly perMillionTokens: number;
}

export interface PriceListOfferRates {
  readonly offerCode?: string;
  readonly version?: string;
  /** `publicationDate`, ISO 8601 date. */
  readonly publishedOn?: string;
  readonly rates: readonly PriceListRate[];
  /** Rows of the Region that are not per-token inference prices. */
  readonly skippedRows: number;
}

/** An offer file that is not in the Price List shape; `field` is the JSON path at fault. */
export class PriceListError extends RangeError {
  constructor(field: string, problem: string, file = 'offer file') {
    super(`${file}: ${field}: ${problem}`);
    this.name = 'PriceListError';
  }
}

const NOT_INFERENCE = /(custom|provisioned|reserved|latency|image|video|second|training|storage|search|embed|tpm|guardrail)/i;
const BEDROCK_USAGE =
  /^[A-Z0-9]+-(?<code>.+?)-(?:mantle-)?(?:text-)?(?<kind>cache-read-input-token-count|cache-write(?:-1h)?-input-token-count|cache-read-tokens|cache-write(?:-1h)?-tokens|input-tokens|output-tokens|input-token-count|output-token-count)(?<suffix>(?:-[a-z0-9]+)*)$/;
const MARKETPLACE_USAGE = /^[A-Z0-9]+-MP:[A-Z0-9]+_(?<code>.+)-Units$/;

function dimensionOf(words: string): Dimension | undefined {
  if (words.includes('cacheread')) return 'cacheRead';
  if (words.includes('cachewrite')) return words.includes('1h') ? 'cacheWrite1h' : 'cacheWrite5m';
  if (words.includes('output')) return 'output';
  if (words.includes('input')) return 'input';
  return undefined;
}

function tierOf(words: string, attributes: JsonObject): Tier {
  const feature = String(attributes.feature ?? '').toLowerCase();
  const serviceTier = String(attributes.service_tier ?? attributes.serviceTier ?? '').toLowerCase();
  if (words.includes('longcontext') || /long.?context/.test(feature)) return 'longContext';
  if (words.includes('batch') || feature.includes('batch')) return 'batch';
  if (words.includes('flex') || serviceTier === 'flex') return 'flex';
  if (words.includes('priority') || serviceTier === 'priority') return 'priority';
  return 'standard';
}

/** USD per 1M tokens, or `undefined` for a unit that is not a token count. */
function perMillion(unit: unknown, usd: unknown): number | undefined {
  if (typeof usd !== 'string' || !/^\d+(\.\d+)?$/.test(usd)) {
    return undefined;
  }
  const normalized = String(unit).toLowerCase().replace(/,/g, '');
  if (['1k tokens', 'thousand tokens', '1000 tokens'].includes(normalized)) {
    return Usd.of(usd).times(1000).toNumber();
  }
  if (['1m tokens', 'million tokens', '1000000 tokens'].includes(normalized)) {
    return Usd.of(usd).toNumber();
  }
  return undefined;
}

function classify(sku: string, attributes: JsonObject): Omit<PriceListRate, 'perMillionTokens'> | undefined {
  const usageType = typeof attributes.usagetype === 'string' ? attributes.usagetype : '';
  const flat = (text: string) => text.toLowerCase().replace(/[-_\s]/g, '');
  const marketplace = MARKETPLACE_USAGE.exec(usageType);
  if (marketplace) {
    const words = flat(marketplace.groups!.code);
    const dimension = dimensionOf(words);
    const service = typeof attributes.servicename === 'string' ? attributes.servicename : undefined;
    if (!dimension || !service || NOT_INFERENCE.test(words)) return undefined;
    return { sku, usageType, names: [service], scope: words.includes('global') ? 'global' : 'in-region', tier: tierOf(words, attributes), dimension };
  }
  const bedrock = BEDROCK_USAGE.exec(usageType);
  if (!bedrock || NOT_INFERENCE.test(usageType) || NOT_INFERENCE.test(String(attributes.feature ?? ''))) {
    return undefined;
  }
  const { code, kind, suffix } = bedrock.groups!;
  const words = flat(`${kind}${suffix}`) + flat(String(attributes.inferenceType ?? ''));
  const dimension = dimensionOf(words);
  if (!dimension) return undefined;
  const names = [code, ...(typeof attributes.model === 'string' ? [attributes.model] : [])];
  return { sku, usageType, names, scope: words.includes('global') ? 'global' : 'in-region', tier: tierOf(words, attributes), dimension };
}

/**
 * The per-token rates of `region` in one offer file. Throws a `PriceListError` when the
 * document is not in the Price List shape.
 */
export function readPriceListOffer(document: unknown, region: string, file = 'offer file'): PriceListOfferRates {
  if (!isJsonObject(document)) {
    throw new PriceListError('(root)', 'must be an object with products and terms', file);
  }
  if (!isJsonObject(document.products)) {
    throw new PriceListError('products', 'must be an object keyed by SKU', file);
  }
  const terms = isJsonObject(document.terms) ? document.terms.OnDemand : undefined;
  if (!isJsonObject(terms)) {
    throw new PriceListError('terms.OnDemand', 'must be an object keyed by SKU', file);
  }
  const rates: PriceListRate[] = [];
  let skippedRows = 0;
  for (const [sku, product] of Object.entries(document.products)) {
    const attributes = isJsonObject(product) && isJsonObject(product.attributes) ? product.attributes : undefined;
    if (!attributes || attributes.regionCode !== region) {
      continue;
    }
    const row = classify(sku, attributes);
    const dimensions = Object.values(isJsonObject(terms[sku]) ? terms[sku] : {}).flatMap((term) =>
      isJsonObject(term) && isJsonObject(term.priceDimensions) ? Object.values(term.priceDimensions) : [],
    );
    const prices = dimensions
      .map((dimension) => (isJsonObject(dimension) && isJsonObject(dimension.pricePerUnit) ? perMillion(dimension.unit, dimension.pricePerUnit.USD) : undefined))
      .filter((price): price is number => price !== undefined);
    if (!row || prices.length !== 1) {
      skippedRows++;
      continue;
    }
    rates.push({ ...row, perMillionTokens: prices[0] });
  }
  const published = typeof document.publicationDate === 'string' ? document.publicationDate.slice(0, 10) : undefined;
  return {
    offerCode: typeof document.offerCode === 'string' ? document.offerCode : undefined,
    version: typeof document.version === 'string' ? document.version : undefined,
    publishedOn: published && /^\d{4}-\d{2}-\d{2}$/.test(published) ? published : undefined,
    rates,
    skippedRows,
  };
}

/** What a refresh changed, model by model. */
export interface CatalogRefreshReport {
  /** Models the offers price, with each price that changed (`prices.standard.input 0.8 -> 0.75`). */
  readonly updated: readonly { readonly modelId: string; readonly changes: readonly string[] }[];
  /** Catalog models the offers do not price: they keep their prices and sources. */
  readonly notInOffer: readonly string[];
  /** Names of offer rows no catalog model claims (add them to a model's `priceList.codes`). */
  readonly unmatched: readonly string[];
  readonly skippedRows: number;
  /** Conflicts left for a person to settle, e.g. an in-Region premium that no longer matches. */
  readonly notes: readonly string[];
}

export interface CatalogRefreshOptions {
  /** The Region whose rows are read; the refreshed catalog's `region`. */
  readonly region: string;
  /** @default - the newest offer's publication date */
  readonly asOf?: string;
}

type MutableTier = { -readonly [K in keyof CatalogTierJson]: CatalogTierJson[K] };

function namesOf(model: CatalogModelJson): Set<string> {
  return new Set([model.modelId, ...(model.priceList?.codes ?? [])]);
}

/** The tiers of `rates` at `scope`, as catalog tiers (only what the offer prices). */
function tiersAt(rates: readonly PriceListRate[], scope: Scope): Map<Tier, Partial<MutableTier>> {
  const tiers = new Map<Tier, Partial<MutableTier>>();
  for (const rate of rates.filter((candidate) => candidate.scope === scope)) {
    const tier = tiers.get(rate.tier) ?? {};
    tier[rate.dimension] = rate.perMillionTokens;
    tiers.set(rate.tier, tier);
  }
  return tiers;
}

function refreshModel(
  model: CatalogModelJson,
  rates: readonly PriceListRate[],
  notes: string[],
): { prices: CatalogPricesJson; changes: string[] } | undefined {
  const endpointPriced = (model.inRegion?.priceFactor ?? 1) !== 1;
  const inRegion = tiersAt(rates, 'in-region');
  const global = tiersAt(rates, 'global');
  // Endpoint-priced models list the global profile's prices; the others their in-Region price.
  const base = endpointPriced ? global : inRegion.has('standard') ? inRegion : global;
  if (!base.has('standard')) {
    notes.push(`${model.modelId}: the offer has no standard ${endpointPriced ? 'global ' : ''}input and output rows (left unchanged)`);
    return undefined;
  }
  const factor = model.inRegion?.priceFactor ?? 1;
  const inRegionInput = inRegion.get('standard')?.input;
  const globalInput = global.get('standard')?.input;
  if (endpointPriced && inRegionInput !== undefined && globalInput !== undefined && globalInput > 0) {
    const measured = Usd.of(inRegionInput).ratioTo(Usd.of(globalInput));
    if (Math.abs(measured - factor) > 1e-9) {
      notes.push(`${model.modelId}: in-Region input costs ${measured}x the global price; the catalog says ${factor}x (left unchanged)`);
    }
  }
  const changes: string[] = [];
  const prices: Record<string, unknown> = JSON.parse(JSON.stringify(model.prices)) as Record<string, unknown>;
  for (const [tier, offered] of base) {
    const key = tier === 'batch' ? 'batch' : tier;
    const current = (prices[key] as Record<string, number> | undefined) ?? {};
    if (tier === 'longContext' && prices.longContext === undefined) {
      notes.push(`${model.modelId}: the offer has long-context rows but the catalog no threshold for them (left out)`);
      continue;
    }
    const allowed = tier === 'batch' ? ['input', 'output'] : Object.keys(offered);
    const next = { ...current };
    for (const dimension of allowed) {
      const price = offered[dimension as Dimension];
      if (price !== undefined && next[dimension] !== price) {
        changes.push(`prices.${key}.${dimension} ${next[dimension] ?? '(none)'} -> ${price}`);
        next[dimension] = price;
      }
    }
    if (next.input === undefined || next.output === undefined) {
      notes.push(`${model.modelId}: the offer prices ${tier} without both input and output (left out)`);
      continue;
    }
    prices[key] = next;
  }
  return { prices: prices as unknown as CatalogPricesJson, changes };
}

/**
 * `catalog` with the prices the offer files give for `region`: each catalog model is matched to
 * offer rows by its id and its `priceList.codes` (usage-type model codes, `model` attributes,
 * Marketplace service names). Prices the offers do not give are kept. Models matched get the
 * offer as their source. Returns the new catalog (validated) and what changed.
 */
export function refreshCatalog(
  catalog: CatalogJson,
  offers: readonly PriceListOfferRates[],
  options: CatalogRefreshOptions,
): { readonly catalog: CatalogJson; readonly report: CatalogRefreshReport } {
  const rates = offers.flatMap((offer) => offer.rates.map((rate) => ({ rate, offer })));
  const claimed = new Set<PriceListRate>();
  const notes: string[] = [];
  const updated: { modelId: string; changes: string[] }[] = [];
  const notInOffer: string[] = [];
  const newest = offers.map((offer) => offer.publishedOn).filter((date): date is string => date !== undefined).sort().at(-1);
  const asOf = options.asOf ?? newest ?? catalog.asOf;
  const models = catalog.models.map((model) => {
    const names = namesOf(model);
    const mine = rates.filter(({ rate }) => rate.names.some((name) => names.has(name)));
    if (mine.length === 0) {
      notInOffer.push(model.modelId);
      return model;
    }
    mine.forEach(({ rate }) => claimed.add(rate));
    const refreshed = refreshModel(
      model,
      mine.map(({ rate }) => rate),
      notes,
    );
    if (refreshed === undefined) {
      return model;
    }
    const { prices, changes } = refreshed;
    updated.push({ modelId: model.modelId, changes });
    const offerNames = [...new Set(mine.map(({ offer }) => [offer.offerCode ?? 'offer', offer.version].filter(Boolean).join(' ')))];
    const published = mine.map(({ offer }) => offer.publishedOn).filter((date): date is string => date !== undefined).sort().at(-1);
    return {
      ...model,
      prices,
      source: { asOf: published ?? asOf, reference: `AWS Price List ${offerNames.join(', ')}, ${options.region}` },
    };
  });
  if (options.region !== catalog.region && notInOffer.length > 0) {
    notes.push(`the catalog's Region is ${catalog.region}: ${notInOffer.length} models the offers do not price keep its prices`);
  }
  const unmatched = [...new Set(rates.filter(({ rate }) => !claimed.has(rate)).map(({ rate }) => rate.names[0]))].sort();
  const refreshed = parseCatalog({ ...catalog, asOf, region: options.region, models }, 'refreshed catalog');
  return {
    catalog: refreshed,
    report: { updated, notInOffer, unmatched, skippedRows: offers.reduce((sum, offer) => sum + offer.skippedRows, 0), notes },
  };
}
