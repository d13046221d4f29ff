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
   * Price of input tokens written to the cache.
   *
   * @default - the on-demand input price (no write surcharge, as for Amazon Nova)
   */
  readonly writePerMillionTokens?: number;
}

/** What a model costs, USD per 1 million tokens. */
export interface ModelPrices {
  /** On-demand price of input tokens (cached tokens excluded). */
  readonly inputPerMillionTokens: number;
  /** On-demand price of output tokens. */
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
}

const TOKENS_PER_MILLION = 1_000_000;

/**
 * Prices per single token as exact amounts, derived once from `ModelPrices`.
 * @internal
 */
export interface PerTokenPrices {
  readonly input: Usd;
  readonly output: Usd;
  readonly batchInput?: Usd;
  readonly batchOutput?: Usd;
  readonly cacheRead?: Usd;
  readonly cacheWrite?: Usd;
}

function checkPrice(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${field} must be a finite number >= 0 (USD per 1M tokens), got ${String(value)}`);
  }
}

/** Throws a `RangeError` naming the first price that is negative or not a number. */
export function validateModelPrices(prices: ModelPrices, path = 'prices'): void {
  checkPrice(prices.inputPerMillionTokens, `${path}.inputPerMillionTokens`);
  checkPrice(prices.outputPerMillionTokens, `${path}.outputPerMillionTokens`);
  if (prices.batch) {
    checkPrice(prices.batch.inputPerMillionTokens, `${path}.batch.inputPerMillionTokens`);
    checkPrice(prices.batch.outputPerMillionTokens, `${path}.batch.outputPerMillionTokens`);
  }
  if (prices.promptCache) {
    checkPrice(prices.promptCache.readPerMillionTokens, `${path}.promptCache.readPerMillionTokens`);
    if (prices.promptCache.writePerMillionTokens !== undefined) {
      checkPrice(prices.promptCache.writePerMillionTokens, `${path}.promptCache.writePerMillionTokens`);
    }
  }
}

function perToken(pricePerMillion: number): Usd {
  return Usd.of(pricePerMillion).times(1 / TOKENS_PER_MILLION);
}

/** @internal */
export function toPerTokenPrices(prices: ModelPrices): PerTokenPrices {
  const input = perToken(prices.inputPerMillionTokens);
  return {
    input,
    output: perToken(prices.outputPerMillionTokens),
    batchInput: prices.batch && perToken(prices.batch.inputPerMillionTokens),
    batchOutput: prices.batch && perToken(prices.batch.outputPerMillionTokens),
    cacheRead: prices.promptCache && perToken(prices.promptCache.readPerMillionTokens),
    cacheWrite:
      prices.promptCache &&
      (prices.promptCache.writePerMillionTokens === undefined
        ? input
        : perToken(prices.promptCache.writePerMillionTokens)),
  };
}

/** Half of the on-demand prices: what Bedrock charges for batch inference on supported models. */
export function halfPriceBatch(inputPerMillionTokens: number, outputPerMillionTokens: number): BatchPrices {
  return {
    inputPerMillionTokens: Usd.of(inputPerMillionTokens).times(0.5).toNumber(),
    outputPerMillionTokens: Usd.of(outputPerMillionTokens).times(0.5).toNumber(),
  };
}

/** Every price multiplied by `factor`, computed exactly (e.g. 0.9 for a 10% discount). */
export function scaleModelPrices(prices: ModelPrices, factor: number): ModelPrices {
  const scale = (price: number) => Usd.of(price).times(factor).toNumber();
  return {
    inputPerMillionTokens: scale(prices.inputPerMillionTokens),
    outputPerMillionTokens: scale(prices.outputPerMillionTokens),
    batch: prices.batch && {
      inputPerMillionTokens: scale(prices.batch.inputPerMillionTokens),
      outputPerMillionTokens: scale(prices.batch.outputPerMillionTokens),
    },
    promptCache: prices.promptCache && {
      readPerMillionTokens: scale(prices.promptCache.readPerMillionTokens),
      writePerMillionTokens:
        prices.promptCache.writePerMillionTokens === undefined
          ? undefined
          : scale(prices.promptCache.writePerMillionTokens),
    },
  };
}
