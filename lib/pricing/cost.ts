import { type BedrockModel } from './bedrock-model';
import { type InferenceSource } from './inference-source';
import { type Usd } from './usd';

/** Token counts of one call, as Bedrock's Converse `usage` block reports them. */
export interface TokenUsage {
  /** Input tokens billed at the input price (Bedrock excludes cached tokens from this count). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** @default 0 */
  readonly cacheReadInputTokens?: number;
  /** @default 0 */
  readonly cacheWriteInputTokens?: number;
}

/** How a call is billed. */
export enum InvocationMode {
  ON_DEMAND = 'on-demand',
  /** Batch inference: half price on supported models, no prompt caching. */
  BATCH = 'batch',
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
 * The exact dollar cost of one call's usage.
 *
 * Throws a `RangeError` for negative or fractional token counts, for batch mode on a model
 * without batch support, and for cache tokens on a model without prompt caching or in batch mode.
 */
export function estimateCost(
  target: BedrockModel | InferenceSource,
  usage: TokenUsage,
  mode: InvocationMode = InvocationMode.ON_DEMAND,
): Usd {
  const price = target.perToken;
  const input = tokenCount(usage.inputTokens, 'inputTokens');
  const output = tokenCount(usage.outputTokens, 'outputTokens');
  const cacheRead = tokenCount(usage.cacheReadInputTokens, 'cacheReadInputTokens');
  const cacheWrite = tokenCount(usage.cacheWriteInputTokens, 'cacheWriteInputTokens');
  const usesCache = cacheRead > 0n || cacheWrite > 0n;

  if (mode === InvocationMode.BATCH) {
    if (!price.batchInput || !price.batchOutput) {
      throw new RangeError(`${target} does not support batch inference`);
    }
    if (usesCache) {
      throw new RangeError('batch inference does not use prompt caching: cache token counts must be 0');
    }
    return price.batchInput.times(input).plus(price.batchOutput.times(output));
  }

  const cost = price.input.times(input).plus(price.output.times(output));
  if (!usesCache) {
    return cost;
  }
  if (!price.cacheRead || !price.cacheWrite) {
    throw new RangeError(`${target} does not support prompt caching, but usage reports cache tokens`);
  }
  return cost.plus(price.cacheRead.times(cacheRead)).plus(price.cacheWrite.times(cacheWrite));
}
