import { onDemandPrices } from './cost';
import { InferenceSource } from './inference-source';
import { InvocationMode, invocationModeOf, ServiceTier } from './invocation-mode';
import { type PerTokenTier } from './model-prices';
import { JSON_DECIMALS, Usd } from './usd';
import { CacheTtl, validateWorkload, type Workload } from './workload';

/** A cost-saving lever the estimator can apply to a workload. */
export enum CostStrategy {
  /** Send each request to the cheapest model that can answer it (`routes`, plus the `router` call). */
  MODEL_ROUTING = 'model-routing',
  /** Bedrock prompt caching of a shared prefix (`promptCaching`). */
  PROMPT_CACHING = 'prompt-caching',
  /** Answer repeated requests from a client-side cache (`responseCache`). */
  RESPONSE_CACHE = 'response-cache',
  /** Run the work that can wait as batch inference at batch prices (`batchShare`). */
  BATCH = 'batch',
  /** Run on-demand calls on another service tier, e.g. Flex at a discount (`serviceTier`). */
  SERVICE_TIER = 'service-tier',
}

export interface StrategyEstimate {
  readonly strategy: CostStrategy;
  /** The workload's monthly cost with only this strategy applied. */
  readonly monthlyCost: Usd;
  /** Saved against the baseline, in percent (negative when the strategy costs more). */
  readonly savingsPercent: number;
}

export interface WorkloadEstimate {
  readonly name: string;
  readonly requestsPerMonth: number;
  /** Every request on the baseline model, on demand, no caching. */
  readonly baseline: { readonly source: InferenceSource; readonly monthlyCost: Usd };
  /** Every strategy of the workload applied together. */
  readonly optimized: { readonly monthlyCost: Usd };
  readonly savingsPercent: number;
  /** The effect of each strategy the workload describes, applied alone. */
  readonly strategies: readonly StrategyEstimate[];
  /** Assumptions the estimator could not honour, e.g. a prefix too short to cache. */
  readonly warnings: readonly string[];
}

type StrategySet = ReadonlySet<CostStrategy>;

function savingsPercent(baseline: Usd, cost: Usd): number {
  return Math.round(baseline.minus(cost).ratioTo(baseline) * 100 * 100) / 100;
}

/** `a` for the part `1 - share`, `b` for the part `share`. */
function blend(a: Usd, b: Usd, share: number): Usd {
  return a.plus(b.minus(a).times(share));
}

class WorkloadCostModel {
  public readonly warnings: string[] = [];

  constructor(private readonly workload: Workload) {}

  public strategiesPresent(): CostStrategy[] {
    const w = this.workload;
    const present: CostStrategy[] = [];
    if (w.routes !== undefined || w.router !== undefined) present.push(CostStrategy.MODEL_ROUTING);
    if (w.promptCaching !== undefined) present.push(CostStrategy.PROMPT_CACHING);
    if (w.responseCache !== undefined) present.push(CostStrategy.RESPONSE_CACHE);
    if (w.batchShare !== undefined) present.push(CostStrategy.BATCH);
    if (w.serviceTier !== undefined || w.routes?.some((route) => route.serviceTier !== undefined)) {
      present.push(CostStrategy.SERVICE_TIER);
    }
    return present;
  }

  public monthlyCost(use: StrategySet): Usd {
    const w = this.workload;
    let perRequest = Usd.ZERO;
    if (use.has(CostStrategy.MODEL_ROUTING) && w.router) {
      const router = InferenceSource.of(w.router.model).perToken;
      perRequest = perRequest.plus(router.input.times(w.router.inputTokens)).plus(router.output.times(w.router.outputTokens));
    }
    const routes =
      use.has(CostStrategy.MODEL_ROUTING) && w.routes
        ? w.routes
        : [{ model: w.baselineModel, share: 1, serviceTier: undefined }];
    for (const route of routes) {
      const tier = use.has(CostStrategy.SERVICE_TIER) ? (route.serviceTier ?? w.serviceTier) : undefined;
      perRequest = perRequest.plus(this.modelCallCost(InferenceSource.of(route.model), tier, use).times(route.share));
    }
    const monthly = perRequest.times(w.requestsPerMonth);
    const cacheHits = use.has(CostStrategy.RESPONSE_CACHE) ? (w.responseCache?.hitRate ?? 0) : 0;
    return monthly.minus(monthly.times(cacheHits));
  }

  /** Expected cost of one model call, mixing online and batch calls. */
  private modelCallCost(source: InferenceSource, tier: ServiceTier | undefined, use: StrategySet): Usd {
    const w = this.workload;
    const online = this.onlineCallCost(source, this.onDemandPrices(source, tier), use);
    const batchShare = use.has(CostStrategy.BATCH) ? (w.batchShare ?? 0) : 0;
    if (batchShare === 0) {
      return online;
    }
    const price = source.perToken;
    if (!price.batchInput || !price.batchOutput) {
      this.warn(`${source} does not support batch inference: its share runs on demand`);
      return online;
    }
    const batch = price.batchInput.times(w.inputTokens).plus(price.batchOutput.times(w.outputTokens));
    return blend(online, batch, batchShare);
  }

  /** The prices of an on-demand call on `tier`, or on the standard tier when the source does not offer it. */
  private onDemandPrices(source: InferenceSource, tier: ServiceTier | undefined): PerTokenTier {
    const mode = invocationModeOf(tier ?? ServiceTier.STANDARD);
    if (!source.offers(mode)) {
      this.warn(`${source} does not offer the ${mode} service tier: its calls run on the standard tier`);
      return onDemandPrices(source.perToken, String(source), InvocationMode.ON_DEMAND, this.workload.inputTokens);
    }
    return onDemandPrices(source.perToken, String(source), mode, this.workload.inputTokens);
  }

  private onlineCallCost(source: InferenceSource, price: PerTokenTier, use: StrategySet): Usd {
    const w = this.workload;
    const output = price.output.times(w.outputTokens);
    const caching = use.has(CostStrategy.PROMPT_CACHING) ? w.promptCaching : undefined;
    if (!caching || caching.cachedPrefixTokens === 0 || !this.canCache(source, caching.cachedPrefixTokens)) {
      return price.input.times(w.inputTokens).plus(output);
    }
    const prefix = caching.cachedPrefixTokens;
    const uncached = price.input.times(w.inputTokens - prefix);
    // A miss writes the prefix to the cache, a hit reads it.
    const prefixCost = blend(this.cacheWritePrice(source, price, caching.ttl).times(prefix), price.cacheRead!.times(prefix), caching.hitRate);
    return uncached.plus(prefixCost).plus(output);
  }

  private cacheWritePrice(source: InferenceSource, price: PerTokenTier, ttl: CacheTtl | undefined): Usd {
    if (ttl !== CacheTtl.ONE_HOUR) {
      return price.cacheWrite!;
    }
    if (!price.cacheWrite1h) {
      this.warn(`${source} has no 1-hour cache TTL: its prefix is written at the 5-minute price`);
      return price.cacheWrite!;
    }
    return price.cacheWrite1h;
  }

  private canCache(source: InferenceSource, prefixTokens: number): boolean {
    if (!source.perToken.cacheRead) {
      this.warn(`${source} does not support prompt caching: its prefix is billed as input`);
      return false;
    }
    const minimum = source.model.minimumCacheCheckpointTokens;
    if (minimum !== undefined && prefixTokens < minimum) {
      this.warn(
        `${source} caches prefixes of at least ${minimum} tokens; ${prefixTokens} are billed as input`,
      );
      return false;
    }
    return true;
  }

  private warn(message: string): void {
    if (!this.warnings.includes(message)) {
      this.warnings.push(message);
    }
  }
}

/**
 * The monthly cost of a workload on its baseline model, with every strategy it describes, and
 * with each strategy alone. Costs are exact to 1e-18 USD; savings are rounded to 0.01%.
 *
 * Assumptions: the router call is billed on demand, standard tier, for every request the
 * response cache does not answer; batch calls use batch prices and no prompt caching; a prefix
 * shorter than the model's minimum cache checkpoint is not cached; a model without the requested
 * service tier or 1-hour cache TTL runs on the standard tier or 5-minute TTL (with a warning);
 * requests whose average input exceeds a model's long-context threshold pay its long-context
 * prices; route-level service tiers apply with model routing, the workload's otherwise.
 */
export function compareStrategies(workload: Workload): WorkloadEstimate {
  validateWorkload(workload);
  const costModel = new WorkloadCostModel(workload);
  const present = costModel.strategiesPresent();
  const baseline = costModel.monthlyCost(new Set());
  const optimized = costModel.monthlyCost(new Set(present));
  const strategies = present.map((strategy) => {
    const monthlyCost = costModel.monthlyCost(new Set([strategy]));
    return { strategy, monthlyCost, savingsPercent: savingsPercent(baseline, monthlyCost) };
  });
  return {
    name: workload.name,
    requestsPerMonth: workload.requestsPerMonth,
    baseline: { source: InferenceSource.of(workload.baselineModel), monthlyCost: baseline },
    optimized: { monthlyCost: optimized },
    savingsPercent: savingsPercent(baseline, optimized),
    strategies,
    warnings: costModel.warnings,
  };
}

/** The estimator's JSON document (the CLI's `--json` output). */
export interface WorkloadEstimateJson {
  readonly name: string;
  readonly baseline: { readonly model: string; readonly monthlyUsd: number };
  readonly optimized: { readonly monthlyUsd: number };
  readonly savingsPercent: number;
  readonly strategies: readonly { readonly strategy: string; readonly monthlyUsd: number; readonly savingsPercent: number }[];
  readonly warnings: readonly string[];
}

/** Dollar figures in JSON are rounded to 1e-6 USD. */
export function estimateToJson(estimate: WorkloadEstimate): WorkloadEstimateJson {
  const usd = (amount: Usd) => amount.toNumber(JSON_DECIMALS);
  return {
    name: estimate.name,
    baseline: { model: estimate.baseline.source.invocationId, monthlyUsd: usd(estimate.baseline.monthlyCost) },
    optimized: { monthlyUsd: usd(estimate.optimized.monthlyCost) },
    savingsPercent: estimate.savingsPercent,
    strategies: estimate.strategies.map(({ strategy, monthlyCost, savingsPercent: saved }) => ({
      strategy,
      monthlyUsd: usd(monthlyCost),
      savingsPercent: saved,
    })),
    warnings: estimate.warnings,
  };
}
