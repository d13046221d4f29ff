/**
 * The price catalog as data: the JSON document of `catalog.json` (the built-in catalog), of
 * `bedrock-cost prices refresh` and of `PriceTable.fromFile()`. USD per 1 million tokens.
 */
import { fieldPath, isJsonObject, JsonReader, type JsonObject } from './json-reader';
import {
  CROSS_REGION_GEOGRAPHIES,
  type CrossRegionGeography,
  type ModelLifecycle,
  ModelLifecycleStatus,
  ModelVendor,
} from './model-metadata';
import { dropUndefined, type ModelPrices, type PriceSource, type ServiceTierPrices } from './model-prices';

export const CATALOG_SCHEMA_VERSION = 1;

/** One tier's prices: input, output and, where the model caches prompts, cache reads and writes. */
export interface CatalogTierJson {
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number;
  /** 5-minute cache writes; absent means the input price. */
  readonly cacheWrite5m?: number;
  /** 1-hour cache writes; absent means no 1-hour TTL. */
  readonly cacheWrite1h?: number;
}

export interface CatalogPricesJson {
  readonly standard: CatalogTierJson;
  readonly flex?: CatalogTierJson;
  readonly priority?: CatalogTierJson;
  readonly batch?: { readonly input: number; readonly output: number };
  readonly longContext?: CatalogTierJson & { readonly thresholdTokens: number };
}

export interface CatalogGeographyJson {
  readonly geography: CrossRegionGeography;
  /** Price relative to the standard (list) prices. */
  readonly priceFactor: number;
  /** false where the profile offers no batch inference although the model does. */
  readonly batch?: boolean;
}

export interface CatalogModelJson {
  readonly modelId: string;
  readonly displayName: string;
  readonly vendor: string;
  readonly family: string;
  readonly billingServiceName?: string;
  readonly lifecycle: ModelLifecycle;
  readonly minCacheTokens?: number;
  /** A direct call in the catalog's Region, when it differs from the list prices. */
  readonly inRegion?: { readonly priceFactor?: number; readonly batch?: boolean };
  readonly geographies: readonly CatalogGeographyJson[];
  readonly prices: CatalogPricesJson;
  /** How `prices refresh` finds the model in AWS's Price List: usage-type codes, `model` attributes or service names. */
  readonly priceList?: { readonly codes: readonly string[] };
  readonly source: { readonly asOf: string; readonly reference: string };
  readonly notes?: string;
}

export interface CatalogJson {
  readonly schemaVersion: number;
  /** When the catalog was assembled or refreshed, ISO 8601 date. */
  readonly asOf: string;
  readonly region: string;
  readonly currency: 'USD';
  readonly unit: 'per 1M tokens';
  readonly reference: string;
  readonly sources?: Readonly<Record<string, { readonly title: string; readonly copy?: string }>>;
  readonly models: readonly CatalogModelJson[];
}

/** A catalog document that breaks a rule; `field` is the JSON path of the offending value. */
export class CatalogError extends RangeError {
  constructor(
    public readonly field: string,
    problem: string,
    document = 'price catalog',
  ) {
    super(`${document}: ${field}: ${problem}`);
    this.name = 'CatalogError';
  }
}

const DATE = /^\d{4}-\d{2}(-\d{2})?$/;
const TIER_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const;
const MODEL_KEYS = [
  'modelId',
  'displayName',
  'vendor',
  'family',
  'billingServiceName',
  'lifecycle',
  'minCacheTokens',
  'inRegion',
  'geographies',
  'prices',
  'priceList',
  'source',
  'notes',
];

/**
 * Validates a catalog document and returns it typed. Throws a `CatalogError` naming the first
 * field at fault; unknown fields are errors. Prices are checked again when models are built.
 */
export function parseCatalog(document: unknown, name = 'price catalog'): CatalogJson {
  const read = new JsonReader((field, problem) => new CatalogError(field, problem, name));
  const root = read.object(document, '', ['schemaVersion', 'asOf', 'region', 'currency', 'unit', 'reference', 'sources', 'models']);
  if (root.schemaVersion !== CATALOG_SCHEMA_VERSION) {
    throw new CatalogError('schemaVersion', `must be ${CATALOG_SCHEMA_VERSION}, got ${JSON.stringify(root.schemaVersion)}`, name);
  }
  read.oneOf(root.currency, 'currency', ['USD']);
  read.oneOf(root.unit, 'unit', ['per 1M tokens']);
  read.string(root.asOf, 'asOf', DATE, 'an ISO 8601 date');
  read.string(root.region, 'region');
  read.string(root.reference, 'reference');
  read.optional(root.sources, (sources) => {
    for (const [id, source] of Object.entries(read.object(sources, 'sources', Object.keys(isJsonObject(sources) ? sources : {})))) {
      const entry = read.object(source, fieldPath('sources', id), ['title', 'copy']);
      read.string(entry.title, fieldPath(fieldPath('sources', id), 'title'));
    }
  });
  const seen = new Set<string>();
  read.array(root.models, 'models', 'models').forEach((model, index) => {
    const id = readModel(read, model, fieldPath('models', index));
    if (seen.has(id)) {
      throw new CatalogError(fieldPath(fieldPath('models', index), 'modelId'), `${id} is listed twice`, name);
    }
    seen.add(id);
  });
  return document as CatalogJson;
}

function readTier(read: JsonReader, value: unknown, field: string, extraKeys: readonly string[] = []): void {
  const tier = read.object(value, field, [...TIER_KEYS, ...extraKeys]);
  read.nonNegative(tier.input, fieldPath(field, 'input'));
  read.nonNegative(tier.output, fieldPath(field, 'output'));
  for (const key of ['cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const) {
    read.optional(tier[key], (price) => read.nonNegative(price, fieldPath(field, key)));
  }
}

function readModel(read: JsonReader, value: unknown, field: string): string {
  const model = read.object(value, field, MODEL_KEYS);
  const at = (key: string) => fieldPath(field, key);
  const id = read.string(model.modelId, at('modelId'));
  read.string(model.displayName, at('displayName'));
  read.oneOf(model.vendor, at('vendor'), Object.values(ModelVendor));
  read.string(model.family, at('family'));
  read.optional(model.billingServiceName, (service) => read.string(service, at('billingServiceName')));
  const lifecycle = read.object(model.lifecycle, at('lifecycle'), ['status', 'legacySince', 'endOfLife', 'replacement']);
  read.oneOf(lifecycle.status, fieldPath(at('lifecycle'), 'status'), Object.values(ModelLifecycleStatus));
  for (const key of ['legacySince', 'endOfLife'] as const) {
    read.optional(lifecycle[key], (date) => read.string(date, fieldPath(at('lifecycle'), key), DATE, 'an ISO 8601 date'));
  }
  read.optional(lifecycle.replacement, (replacement) => read.string(replacement, fieldPath(at('lifecycle'), 'replacement')));
  read.optional(model.minCacheTokens, (tokens) => read.positiveInteger(tokens, at('minCacheTokens')));
  read.optional(model.inRegion, (inRegion) => {
    const entry = read.object(inRegion, at('inRegion'), ['priceFactor', 'batch']);
    read.optional(entry.priceFactor, (factor) => read.positive(factor, fieldPath(at('inRegion'), 'priceFactor')));
    read.optional(entry.batch, (batch) => read.boolean(batch, fieldPath(at('inRegion'), 'batch')));
  });
  read.array(model.geographies, at('geographies'), '{ geography, priceFactor }').forEach((geography, index) => {
    const path = fieldPath(at('geographies'), index);
    const entry = read.object(geography, path, ['geography', 'priceFactor', 'batch']);
    read.oneOf(entry.geography, fieldPath(path, 'geography'), CROSS_REGION_GEOGRAPHIES);
    read.positive(entry.priceFactor, fieldPath(path, 'priceFactor'));
    read.optional(entry.batch, (batch) => read.boolean(batch, fieldPath(path, 'batch')));
  });
  const prices = read.object(model.prices, at('prices'), ['standard', 'flex', 'priority', 'batch', 'longContext']);
  const pricePath = (key: string) => fieldPath(at('prices'), key);
  readTier(read, prices.standard, pricePath('standard'));
  read.optional(prices.flex, (tier) => readTier(read, tier, pricePath('flex')));
  read.optional(prices.priority, (tier) => readTier(read, tier, pricePath('priority')));
  read.optional(prices.batch, (batch) => {
    const entry = read.object(batch, pricePath('batch'), ['input', 'output']);
    read.nonNegative(entry.input, fieldPath(pricePath('batch'), 'input'));
    read.nonNegative(entry.output, fieldPath(pricePath('batch'), 'output'));
  });
  read.optional(prices.longContext, (tier) => {
    readTier(read, tier, pricePath('longContext'), ['thresholdTokens']);
    read.positiveInteger((tier as JsonObject).thresholdTokens, fieldPath(pricePath('longContext'), 'thresholdTokens'));
  });
  read.optional(model.priceList, (priceList) => {
    const entry = read.object(priceList, at('priceList'), ['codes']);
    read.array(entry.codes, fieldPath(at('priceList'), 'codes'), 'strings').forEach((code, index) =>
      read.string(code, fieldPath(fieldPath(at('priceList'), 'codes'), index)),
    );
  });
  const source = read.object(model.source, at('source'), ['asOf', 'reference']);
  read.string(source.asOf, fieldPath(at('source'), 'asOf'), DATE, 'an ISO 8601 date');
  read.string(source.reference, fieldPath(at('source'), 'reference'));
  read.optional(model.notes, (notes) => read.string(notes, at('notes')));
  return id;
}

function tierPrices(tier: CatalogTierJson): ServiceTierPrices {
  return {
    inputPerMillionTokens: tier.input,
    outputPerMillionTokens: tier.output,
    promptCache:
      tier.cacheRead === undefined
        ? undefined
        : {
            readPerMillionTokens: tier.cacheRead,
            writePerMillionTokens: tier.cacheWrite5m,
            write1hPerMillionTokens: tier.cacheWrite1h,
          },
  };
}

/** A catalog entry's prices in the shape `BedrockModel` takes. */
export function catalogModelPrices(prices: CatalogPricesJson): ModelPrices {
  const longContext = prices.longContext;
  return {
    ...tierPrices(prices.standard),
    batch: prices.batch && { inputPerMillionTokens: prices.batch.input, outputPerMillionTokens: prices.batch.output },
    flex: prices.flex && tierPrices(prices.flex),
    priority: prices.priority && tierPrices(prices.priority),
    longContext: longContext && { ...tierPrices(longContext), thresholdTokens: longContext.thresholdTokens },
  };
}

/** The `PriceSource` a catalog entry's model carries. */
export function catalogModelSource(catalog: CatalogJson, model: CatalogModelJson): PriceSource {
  return { region: catalog.region, asOf: model.source.asOf, reference: model.source.reference };
}

/** A model's prices as a catalog entry's `prices` (the inverse of `catalogModelPrices`). */
export function catalogPricesJson(prices: ModelPrices): CatalogPricesJson {
  const tier = (source: ServiceTierPrices): CatalogTierJson =>
    dropUndefined({
      input: source.inputPerMillionTokens,
      output: source.outputPerMillionTokens,
      cacheRead: source.promptCache?.readPerMillionTokens,
      cacheWrite5m: source.promptCache?.writePerMillionTokens,
      cacheWrite1h: source.promptCache?.write1hPerMillionTokens,
    });
  // Flex and Priority without their own cache prices use the standard tier's, as the model does.
  const withCache = (source: ServiceTierPrices): ServiceTierPrices => ({ ...source, promptCache: source.promptCache ?? prices.promptCache });
  return dropUndefined({
    standard: tier(prices),
    flex: prices.flex && tier(withCache(prices.flex)),
    priority: prices.priority && tier(withCache(prices.priority)),
    batch: prices.batch && { input: prices.batch.inputPerMillionTokens, output: prices.batch.outputPerMillionTokens },
    longContext: prices.longContext && { thresholdTokens: prices.longContext.thresholdTokens, ...tier(withCache(prices.longContext)) },
  });
}
