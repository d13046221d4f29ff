import { Usd } from './usd';

/** Where a set of prices comes from, so every dollar figure can be traced. */
export interface PriceSource {
  /** The AWS Region the prices apply to, e.g. `us-east-1`. */
  readonly region: string;
  /** When the figures were read, ISO 8601 date (`2026-11-26`) or month (`2026-11`). */
  readonly asOf: string;
  /** Where they were read: a URL or a short description ("contract 2026-042"). */
  readonly reference: string;
}

/** Batch inference prices, USD per 1 million tokens. */
export interface BatchPrices {
  readonly inputPerMillionTokens: number;
  readonly outputPerMillionTokens: number;
}

/** Prompt-caching prices, USD per 1 million tokens. */
export interface PromptCachePrices {
  /** Price of input tokens read from the cache. */
  readonly readPerMillionTokens: number;
  /**
   * Price of input tokens written to the cache with the default 5-minute TTL.
   *
   * @default - the input price
   */
  readonly writePerMillionTokens?: number;
  /**
   * Price of input tokens written to the cache with a 1-hour TTL (`"ttl": "1h"` on the cache
   * point; Claude 4.5 and later).
   *
   * @default - the model offers no 1-hour TTL
   */
  readonly write1hPerMillionTokens?: number;
}

/** The on-demand prices of one service tier (Flex, Priority), USD per 1 million tokens. */
export interface ServiceTierPrices {
  readonly inputPerMillionTokens: number;
  readonly outputPerMillionTokens: number;
  /**
   * Prompt-caching prices on this tier.
   *
   * @default - the standard tier's prompt-caching prices
   */
  readonly promptCache?: PromptCachePrices;
}

/**
 * What a request costs when its input is long (Claude Sonnet 4 and 4.5 above 200K tokens): every
 * token of such a request, input, output and cache, is billed at these prices.
 */
export interface LongContextPrices extends ServiceTierPrices {
  /** A request whose input (uncached, cache reads and cache writes together) exceeds this many tokens. */
  readonly thresholdTokens: number;
}

/** What a model costs, USD per 1 million tokens. */
export interface ModelPrices {
  /** On-demand (standard tier) price of input tokens (cached tokens excluded). */
  readonly inputPerMillionTokens: number;
  /** On-demand (standard tier) price of output tokens. */
  readonly outputPerMillionTokens: number;
  /**
   * Batch inference prices.
   *
   * @default - the model does not support batch inference
   */
  readonly batch?: BatchPrices;
  /**
   * Prompt-caching prices.
   *
   * @default - the model does not support prompt caching
   */
  readonly promptCache?: PromptCachePrices;
  /**
   * The Flex service tier: latency-tolerant requests at a discount.
   *
   * @default - the model does not offer the Flex tier
   */
  readonly flex?: ServiceTierPrices;
  /**
   * The Priority service tier: faster responses at a premium.
   *
   * @default - the model does not offer the Priority tier
   */
  readonly priority?: ServiceTierPrices;
  /**
   * Prices of long requests on the standard tier.
   *
   * @default - one price whatever the request's length
   */
  readonly longContext?: LongContextPrices;
}

const TOKENS_PER_MILLION = 1_000_000;

/**
 * One tier's prices per single token, as exact amounts.
 * @internal
 */
export interface PerTokenTier {
  readonly input: Usd;
  readonly output: Usd;
  readonly cacheRead?: Usd;
  readonly cacheWrite?: Usd;
  readonly cacheWrite1h?: Usd;
}

/**
 * Prices per single token as exact amounts, derived once from `ModelPrices`.
 * @internal
 */
export interface PerTokenPrices extends PerTokenTier {
  readonly batchInput?: Usd;
  readonly batchOutput?: Usd;
  readonly flex?: PerTokenTier;
  readonly priority?: PerTokenTier;
  readonly longContext?: PerTokenTier & { readonly thresholdTokens: number };
}

function checkPrice(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${field} must be a finite number >= 0 (USD per 1M tokens), got ${String(value)}`);
  }
}

function validatePromptCache(cache: PromptCachePrices | undefined, path: string): void {
  if (cache === undefined) {
    return;
  }
  checkPrice(cache.readPerMillionTokens, `${path}.readPerMillionTokens`);
  for (const field of ['writePerMillionTokens', 'write1hPerMillionTokens'] as const) {
    if (cache[field] !== undefined) {
      checkPrice(cache[field], `${path}.${field}`);
    }
  }
}

function validateTier(tier: ServiceTierPrices | undefined, path: string): void {
  if (tier === undefined) {
    return;
  }
  checkPrice(tier.inputPerMillionTokens, `${path}.inputPerMillionTokens`);
  checkPrice(tier.outputPerMillionTokens, `${path}.outputPerMillionTokens`);
  validatePromptCache(tier.promptCache, `${path}.promptCache`);
}

/** Throws a `RangeError` naming the first price that is negative or not a number. */
export function validateModelPrices(prices: ModelPrices, path = 'prices'): void {
  validateTier(prices, path);
  if (prices.batch) {
    checkPrice(prices.batch.inputPerMillionTokens, `${path}.batch.inputPerMillionTokens`);
    checkPrice(prices.batch.outputPerMillionTokens, `${path}.batch.outputPerMillionTokens`);
  }
  validateTier(prices.flex, `${path}.flex`);
  validateTier(prices.priority, `${path}.priority`);
  if (prices.longContext) {
    validateTier(prices.longContext, `${path}.longContext`);
    const threshold = prices.longContext.thresholdTokens;
    if (!Number.isSafeInteger(threshold) || threshold < 1) {
      throw new RangeError(`${path}.longContext.thresholdTokens must be a whole number >= 1, got ${String(threshold)}`);
    }
  }
}

function perToken(pricePerMillion: number): Usd {
  return Usd.of(pricePerMillion).times(1 / TOKENS_PER_MILLION);
}

function optionalPerToken(pricePerMillion: number | undefined): Usd | undefined {
  return pricePerMillion === undefined ? undefined : perToken(pricePerMillion);
}

/** A tier's per-token prices; cache prices it leaves out are those of `fallbackCache`. */
function toPerTokenTier(tier: ServiceTierPrices, fallbackCache: PromptCachePrices | undefined): PerTokenTier {
  const input = perToken(tier.inputPerMillionTokens);
  const cache = tier.promptCache ?? fallbackCache;
  return {
    input,
    output: perToken(tier.outputPerMillionTokens),
    cacheRead: cache && perToken(cache.readPerMillionTokens),
    cacheWrite: cache && (optionalPerToken(cache.writePerMillionTokens) ?? input),
    cacheWrite1h: cache && optionalPerToken(cache.write1hPerMillionTokens),
  };
}

/** @internal */
export function toPerTokenPrices(prices: ModelPrices): PerTokenPrices {
  const standard = toPerTokenTier(prices, prices.promptCache);
  return {
    ...standard,
    batchInput: prices.batch && perToken(prices.batch.inputPerMillionTokens),
    batchOutput: prices.batch && perToken(prices.batch.outputPerMillionTokens),
    flex: prices.flex && toPerTokenTier(prices.flex, prices.promptCache),
    priority: prices.priority && toPerTokenTier(prices.priority, prices.promptCache),
    longContext: prices.longContext && {
      ...toPerTokenTier(prices.longContext, prices.promptCache),
      thresholdTokens: prices.longContext.thresholdTokens,
    },
  };
}

/** Half of the on-demand prices: what Bedrock charges for batch inference on supported models. */
export function halfPriceBatch(inputPerMillionTokens: number, outputPerMillionTokens: number): BatchPrices {
  return {
    inputPerMillionTokens: Usd.of(inputPerMillionTokens).times(0.5).toNumber(),
    outputPerMillionTokens: Usd.of(outputPerMillionTokens).times(0.5).toNumber(),
  };
}

function scaleCache(cache: PromptCachePrices | undefined, scale: (price: number) => number): PromptCachePrices | undefined {
  return (
    cache && {
      readPerMillionTokens: scale(cache.readPerMillionTokens),
      writePerMillionTokens: cache.writePerMillionTokens === undefined ? undefined : scale(cache.writePerMillionTokens),
      write1hPerMillionTokens: cache.write1hPerMillionTokens === undefined ? undefined : scale(cache.write1hPerMillionTokens),
    }
  );
}

function scaleTier<T extends ServiceTierPrices>(tier: T | undefined, scale: (price: number) => number): T | undefined {
  return (
    tier && {
      ...tier,
      inputPerMillionTokens: scale(tier.inputPerMillionTokens),
      outputPerMillionTokens: scale(tier.outputPerMillionTokens),
      promptCache: scaleCache(tier.promptCache, scale),
    }
  );
}

/** Every price multiplied by `factor`, computed exactly (e.g. 0.9 for a 10% discount). */
export function scaleModelPrices(prices: ModelPrices, factor: number): ModelPrices {
  const scale = (price: number) => Usd.of(price).times(factor).toNumber();
  return dropUndefined({
    inputPerMillionTokens: scale(prices.inputPerMillionTokens),
    outputPerMillionTokens: scale(prices.outputPerMillionTokens),
    batch: prices.batch && {
      inputPerMillionTokens: scale(prices.batch.inputPerMillionTokens),
      outputPerMillionTokens: scale(prices.batch.outputPerMillionTokens),
    },
    promptCache: scaleCache(prices.promptCache, scale),
    flex: scaleTier(prices.flex, scale),
    priority: scaleTier(prices.priority, scale),
    longContext: scaleTier(prices.longContext, scale),
  });
}

/** The same prices without batch inference, for a path that offers none (e.g. GovCloud profiles). */
export function withoutBatch(prices: ModelPrices): ModelPrices {
  return dropUndefined({ ...prices, batch: undefined });
}

/**
 * Optional fields left out rather than present as `undefined`, so documents compare and print cleanly.
 * @internal
 */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
