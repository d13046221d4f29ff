import { BedrockModel, estimateCost, type ModelPrices, ModelVendor, type Usd } from '../../lib/pricing';
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

const pricedModels = new Map<ModelPrices, BedrockModel>();

/** The exact cost of `usage` at the prices of `model` (lib/pricing, the one price table). */
export function costOf(model: PricedModelJson, usage: UsageJson): Usd {
  let priced = pricedModels.get(model.prices);
  if (priced === undefined) {
    // The prices are already those of the source, so the model only needs a name for errors; its
    // id may be a cross-region profile id, which BedrockModel does not take as modelId.
    priced = BedrockModel.custom({
      modelId: 'routing-priced-model',
      displayName: model.modelId,
      vendor: ModelVendor.OTHER,
      family: 'routing',
      prices: model.prices,
    });
    pricedModels.set(model.prices, priced);
  }
  return estimateCost(priced, usage);
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
