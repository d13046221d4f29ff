// The modules themselves, not lib/pricing's index: the router needs no price catalog in its bundle.
import { estimateCostAt } from '../../lib/pricing/cost';
import { InvocationMode, invocationModeOf } from '../../lib/pricing/invocation-mode';
import { type Usd } from '../../lib/pricing/usd';
import { type PricedModelJson, type UsageJson } from './contract';

export const NO_USAGE: UsageJson = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };

/** Converse's usage block (or anything shaped like it) with absent counts as 0. */
export function usageOf(usage: Partial<Record<keyof UsageJson, number | undefined>> | undefined): UsageJson {
  return {
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheReadInputTokens: usage?.cacheReadInputTokens ?? 0,
    cacheWriteInputTokens: usage?.cacheWriteInputTokens ?? 0,
  };
}

export function addUsage(a: UsageJson, b: UsageJson): UsageJson {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + b.cacheWriteInputTokens,
  };
}

/**
 * The exact cost of one call's `usage` at the prices of `model` (lib/pricing, the one price
 * table), on the model's service tier; a request above a long-context threshold pays those prices.
 */
export function costOf(model: PricedModelJson, usage: UsageJson): Usd {
  const mode = model.serviceTier === undefined ? InvocationMode.ON_DEMAND : invocationModeOf(model.serviceTier);
  return estimateCostAt(model.prices, usage, mode, { singleRequest: true }, model.modelId);
}

/** What the answering call would have cost on `baseline` with every input token uncached. */
export function baselineCostOf(baseline: PricedModelJson, usage: UsageJson): Usd {
  return costOf(baseline, {
    inputTokens: usage.inputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens,
    outputTokens: usage.outputTokens,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
  });
}
