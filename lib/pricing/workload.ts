import { type BedrockModel } from './bedrock-model';
import { ServiceTier } from './invocation-mode';
import { type InferenceSource } from './inference-source';
import { PriceTable } from './price-table';
import { describeValue, JsonReader } from './json-reader';

/** A share of the traffic that runs on one model. */
export interface WorkloadRoute {
  readonly model: BedrockModel | InferenceSource;
  /** Fraction of the requests, in [0, 1]; the shares of all routes sum to 1. */
  readonly share: number;
  /**
   * The service tier this route's calls run on (with the service-tier strategy).
   *
   * @default - the workload's `serviceTier`
   */
  readonly serviceTier?: ServiceTier;
}

/** The classification call a router makes for every request the response cache does not serve. */
export interface WorkloadRouter {
  readonly model: BedrockModel | InferenceSource;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** How long a prompt-cache entry lives without a hit: Converse's `cachePoint.ttl`. */
export enum CacheTtl {
  FIVE_MINUTES = '5m',
  /** Claude 4.5 and later; writes cost 2x input instead of 1.25x. */
  ONE_HOUR = '1h',
}

export interface WorkloadPromptCaching {
  /** Average input tokens per request that form a cacheable prefix (system prompt, context). */
  readonly cachedPrefixTokens: number;
  /** Fraction of requests whose prefix is read from the cache, in [0, 1]. */
  readonly hitRate: number;
  /**
   * The cache entries' TTL: misses write the prefix at this TTL's write price.
   *
   * @default CacheTtl.FIVE_MINUTES
   */
  readonly ttl?: CacheTtl;
}

export interface WorkloadResponseCache {
  /** Fraction of requests answered from the response cache without any model call, in [0, 1]. */
  readonly hitRate: number;
}

/** A month of Bedrock traffic. Token figures are averages per request. */
export interface Workload {
  readonly name: string;
  readonly requestsPerMonth: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The model every request would use without optimization. */
  readonly baselineModel: BedrockModel | InferenceSource;
  /** @default - every request on the baseline model */
  readonly routes?: readonly WorkloadRoute[];
  /** @default - no classification call */
  readonly router?: WorkloadRouter;
  /** @default - no prompt caching */
  readonly promptCaching?: WorkloadPromptCaching;
  /** @default - no response cache */
  readonly responseCache?: WorkloadResponseCache;
  /** Fraction of the model calls run as batch inference where the model supports it. @default 0 */
  readonly batchShare?: number;
  /**
   * The service tier on-demand model calls run on (the service-tier strategy): Flex for
   * latency-tolerant work at a discount, Priority at a premium.
   *
   * @default - the standard tier, unless a route names its own
   */
  readonly serviceTier?: ServiceTier;
}

/** A workload that breaks a rule; `field` is the JSON path of the offending value. */
export class WorkloadError extends RangeError {
  constructor(
    public readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'WorkloadError';
  }
}

const SHARE_TOLERANCE = 1e-9;

const read = new JsonReader((field, problem) => new WorkloadError(field, problem));
const SERVICE_TIERS = Object.values(ServiceTier);
const CACHE_TTLS = Object.values(CacheTtl);

/**
 * Throws a `WorkloadError` naming the first value out of range. `compareStrategies` calls it;
 * `parseWorkload` calls it after reading JSON.
 */
export function validateWorkload(workload: Workload): void {
  read.string(workload.name, 'name');
  read.positive(workload.requestsPerMonth, 'requestsPerMonth');
  read.nonNegative(workload.inputTokens, 'inputTokens');
  read.nonNegative(workload.outputTokens, 'outputTokens');
  if (workload.routes !== undefined) {
    if (workload.routes.length === 0) {
      throw new WorkloadError('routes', 'must list at least one route, or be left out');
    }
    const total = workload.routes.reduce((sum, route, index) => sum + read.fraction(route.share, `routes[${index}].share`), 0);
    workload.routes.forEach((route, index) => read.optional(route.serviceTier, (tier) => read.oneOf(tier, `routes[${index}].serviceTier`, SERVICE_TIERS)));
    if (Math.abs(total - 1) > SHARE_TOLERANCE) {
      throw new WorkloadError('routes', `shares must sum to 1 (within ${SHARE_TOLERANCE}), got ${total}`);
    }
  }
  if (workload.router !== undefined) {
    read.nonNegative(workload.router.inputTokens, 'router.inputTokens');
    read.nonNegative(workload.router.outputTokens, 'router.outputTokens');
  }
  if (workload.promptCaching !== undefined) {
    const prefix = read.nonNegative(workload.promptCaching.cachedPrefixTokens, 'promptCaching.cachedPrefixTokens');
    if (prefix > workload.inputTokens) {
      throw new WorkloadError(
        'promptCaching.cachedPrefixTokens',
        `must be at most inputTokens (${workload.inputTokens}), got ${prefix}`,
      );
    }
    read.fraction(workload.promptCaching.hitRate, 'promptCaching.hitRate');
    read.optional(workload.promptCaching.ttl, (ttl) => read.oneOf(ttl, 'promptCaching.ttl', CACHE_TTLS));
  }
  if (workload.responseCache !== undefined) {
    read.fraction(workload.responseCache.hitRate, 'responseCache.hitRate');
  }
  read.optional(workload.batchShare, (share) => read.fraction(share, 'batchShare'));
  read.optional(workload.serviceTier, (tier) => read.oneOf(tier, 'serviceTier', SERVICE_TIERS));
}

const WORKLOAD_KEYS = [
  'name',
  'requestsPerMonth',
  'inputTokens',
  'outputTokens',
  'baselineModel',
  'routes',
  'router',
  'promptCaching',
  'responseCache',
  'batchShare',
  'serviceTier',
] as const;

/**
 * Reads a workload document (the estimator CLI's file format), resolving model ids through
 * `table`. Throws a `WorkloadError` naming the field at fault; unknown fields are errors, so a
 * misspelt option is never silently ignored.
 */
export function parseWorkload(document: unknown, table: PriceTable = PriceTable.DEFAULT): Workload {
  const root = read.object(document, '', WORKLOAD_KEYS);
  const model = (value: unknown, field: string) => {
    if (typeof value !== 'string' || value === '') {
      throw new WorkloadError(field, `must be a model id string such as "amazon.nova-micro-v1:0", got ${describeValue(value)}`);
    }
    try {
      return table.resolve(value);
    } catch (error) {
      throw new WorkloadError(field, (error as Error).message);
    }
  };
  const optional = <T>(key: string, read: (value: unknown) => T): T | undefined =>
    root[key] === undefined ? undefined : read(root[key]);

  const workload: Workload = {
    name: root.name as string,
    requestsPerMonth: root.requestsPerMonth as number,
    inputTokens: root.inputTokens as number,
    outputTokens: root.outputTokens as number,
    baselineModel: model(root.baselineModel, 'baselineModel'),
    routes: optional('routes', (value) => {
      if (!Array.isArray(value)) {
        throw new WorkloadError('routes', `must be an array of { model, share, serviceTier? }, got ${describeValue(value)}`);
      }
      return value.map((entry, index) => {
        const route = read.object(entry, `routes[${index}]`, ['model', 'share', 'serviceTier']);
        return {
          model: model(route.model, `routes[${index}].model`),
          share: route.share as number,
          serviceTier: route.serviceTier as ServiceTier | undefined,
        };
      });
    }),
    router: optional('router', (value) => {
      const router = read.object(value, 'router', ['model', 'inputTokens', 'outputTokens']);
      return {
        model: model(router.model, 'router.model'),
        inputTokens: router.inputTokens as number,
        outputTokens: router.outputTokens as number,
      };
    }),
    promptCaching: optional('promptCaching', (value) => {
      const caching = read.object(value, 'promptCaching', ['cachedPrefixTokens', 'hitRate', 'ttl']);
      return {
        cachedPrefixTokens: caching.cachedPrefixTokens as number,
        hitRate: caching.hitRate as number,
        ttl: caching.ttl as CacheTtl | undefined,
      };
    }),
    responseCache: optional('responseCache', (value) => {
      const cache = read.object(value, 'responseCache', ['hitRate']);
      return { hitRate: cache.hitRate as number };
    }),
    batchShare: root.batchShare as number | undefined,
    serviceTier: root.serviceTier as ServiceTier | undefined,
  };
  validateWorkload(workload);
  return workload;
}
