import { type BedrockModel } from './bedrock-model';
import { InferenceSource } from './inference-source';
import { InvocationMode } from './invocation-mode';
import { type ModelPrices, type PerTokenPrices, type PerTokenTier, toPerTokenPrices, validateModelPrices } from './model-prices';
import { Usd } from './usd';

/** Token counts of one call, as Bedrock's Converse `usage` block reports them. */
export interface TokenUsage {
  /** Input tokens billed at the input price (Bedrock excludes cached tokens from this count). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** @default 0 */
  readonly cacheReadInputTokens?: number;
  /** All tokens written to the cache, whatever their TTL. @default 0 */
  readonly cacheWriteInputTokens?: number;
  /**
   * The part of `cacheWriteInputTokens` written with a 1-hour TTL (Converse's `cacheDetails`
   * entry with `ttl: "1h"`), billed at the 1-hour write price.
   *
   * @default 0
   */
  readonly cacheWrite1hInputTokens?: number;
}

function tokenCount(value: number | undefined, field: string): bigint {
  if (value === undefined) {
    return 0n;
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`usage.${field} must be a whole number >= 0, got ${String(value)}`);
  }
  return BigInt(value);
}

/**
 * The per-token prices an on-demand call on `mode` pays: the tier's, or the long-context prices
 * when the request's input (uncached, cache reads and writes together) exceeds their threshold.
 * Long-context prices apply to the standard tier; batch calls are priced by `estimateCost`.
 * Throws a `RangeError` when the source does not offer the tier.
 * @internal
 */
export function onDemandPrices(price: PerTokenPrices, name: string, mode: InvocationMode, totalInputTokens: number | bigint): PerTokenTier {
  if (mode === InvocationMode.FLEX || mode === InvocationMode.PRIORITY) {
    const tier = price[mode];
    if (!tier) {
      throw new RangeError(`${name} does not offer the ${mode} service tier`);
    }
    return tier;
  }
  if (mode === InvocationMode.BATCH) {
    throw new RangeError('batch calls have no on-demand prices');
  }
  const long = price.longContext;
  return long && Number(totalInputTokens) > long.thresholdTokens ? long : price;
}

export interface CostOptions {
  /**
   * The usage is one request's, so a request whose input exceeds the model's long-context
   * threshold pays the long-context prices (Claude Sonnet 4 and 4.5 above 200K tokens).
   *
   * @default false - usage summed over many requests (CloudWatch metrics, a batch job's totals)
   * cannot tell long requests apart and is priced at the tier's prices
   */
  readonly singleRequest?: boolean;
}

/**
 * The exact dollar cost of the usage of one call, or of many calls summed; long-context prices
 * apply only to a single request's usage (`options.singleRequest`). A `BedrockModel` is priced as
 * a direct call in the Region (`InferenceSource.inRegion`).
 *
 * Throws a `RangeError` for negative or fractional token counts, for a mode the source does not
 * offer (batch, Flex, Priority), for cache tokens on a model without prompt caching or in batch
 * mode, and for 1-hour cache writes on a model without the 1-hour TTL.
 */
export function estimateCost(
  target: BedrockModel | InferenceSource,
  usage: TokenUsage,
  mode: InvocationMode = InvocationMode.ON_DEMAND,
  options: CostOptions = {},
): Usd {
  const source = InferenceSource.of(target);
  return priceUsage(source.perToken, String(source), usage, mode, options);
}

const PER_TOKEN = new WeakMap<ModelPrices, PerTokenPrices>();

/**
 * `estimateCost` at prices that arrive as data (a source's `prices` in a Lambda's configuration),
 * without the price catalog; `name` names the source in errors.
 */
export function estimateCostAt(
  prices: ModelPrices,
  usage: TokenUsage,
  mode: InvocationMode = InvocationMode.ON_DEMAND,
  options: CostOptions = {},
  name = 'the model',
): Usd {
  let perToken = PER_TOKEN.get(prices);
  if (perToken === undefined) {
    validateModelPrices(prices, `${name} prices`);
    perToken = toPerTokenPrices(prices);
    PER_TOKEN.set(prices, perToken);
  }
  return priceUsage(perToken, name, usage, mode, options);
}

function priceUsage(perToken: PerTokenPrices, name: string, usage: TokenUsage, mode: InvocationMode, options: CostOptions): Usd {
  const input = tokenCount(usage.inputTokens, 'inputTokens');
  const output = tokenCount(usage.outputTokens, 'outputTokens');
  const cacheRead = tokenCount(usage.cacheReadInputTokens, 'cacheReadInputTokens');
  const cacheWrite = tokenCount(usage.cacheWriteInputTokens, 'cacheWriteInputTokens');
  const cacheWrite1h = tokenCount(usage.cacheWrite1hInputTokens, 'cacheWrite1hInputTokens');
  if (cacheWrite1h > cacheWrite) {
    throw new RangeError(
      `usage.cacheWrite1hInputTokens (${cacheWrite1h}) cannot exceed cacheWriteInputTokens (${cacheWrite}): it is the 1-hour part of them`,
    );
  }
  const usesCache = cacheRead > 0n || cacheWrite > 0n;

  if (mode === InvocationMode.BATCH) {
    const { batchInput, batchOutput } = perToken;
    if (!batchInput || !batchOutput) {
      throw new RangeError(`${name} does not support batch inference`);
    }
    if (usesCache) {
      throw new RangeError('batch inference does not use prompt caching: cache token counts must be 0');
    }
    return batchInput.times(input).plus(batchOutput.times(output));
  }

  const price = onDemandPrices(perToken, name, mode, options.singleRequest ? input + cacheRead + cacheWrite : 0);
  const cost = price.input.times(input).plus(price.output.times(output));
  if (!usesCache) {
    return cost;
  }
  if (!price.cacheRead || !price.cacheWrite) {
    throw new RangeError(`${name} does not support prompt caching, but usage reports cache tokens`);
  }
  if (cacheWrite1h > 0n && !price.cacheWrite1h) {
    throw new RangeError(`${name} has no 1-hour cache TTL, but usage reports 1-hour cache writes`);
  }
  return cost
    .plus(price.cacheRead.times(cacheRead))
    .plus(price.cacheWrite.times(cacheWrite - cacheWrite1h))
    .plus(cacheWrite1h > 0n ? price.cacheWrite1h!.times(cacheWrite1h) : Usd.ZERO);
}
