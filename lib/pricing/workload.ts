import { type BedrockModel } from './bedrock-model';
import { type InferenceSource, PriceTable } from './inference-source';

/** A share of the traffic that runs on one model. */
export interface WorkloadRoute {
  readonly model: BedrockModel | InferenceSource;
  /** Fraction of the requests, in [0, 1]; the shares of all routes sum to 1. */
  readonly share: number;
}

/** The classification call a router makes for every request the response cache does not serve. */
export interface WorkloadRouter {
  readonly model: BedrockModel | InferenceSource;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface WorkloadPromptCaching {
  /** Average input tokens per request that form a cacheable prefix (system prompt, context). */
  readonly cachedPrefixTokens: number;
  /** Fraction of requests whose prefix is read from the cache, in [0, 1]. */
  readonly hitRate: number;
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

type JsonObject = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  return JSON.stringify(value) ?? String(value);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectObject(value: unknown, field: string, allowedKeys: readonly string[]): JsonObject {
  if (!isObject(value)) {
    throw new WorkloadError(field, `must be an object, got ${describe(value)}`);
  }
  const unknownKey = Object.keys(value).find((key) => !allowedKeys.includes(key));
  if (unknownKey !== undefined) {
    throw new WorkloadError(
      field ? `${field}.${unknownKey}` : unknownKey,
      `unknown field; allowed: ${allowedKeys.join(', ')}`,
    );
  }
  return value;
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new WorkloadError(field, `must be a number >= 0, got ${describe(value)}`);
  }
  return value;
}

function fraction(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new WorkloadError(field, `must be a number in [0, 1], got ${describe(value)}`);
  }
  return value;
}

/**
 * Throws a `WorkloadError` naming the first value out of range. `compareStrategies` calls it;
 * `parseWorkload` calls it after reading JSON.
 */
export function validateWorkload(workload: Workload): void {
  if (typeof workload.name !== 'string' || workload.name.trim() === '') {
    throw new WorkloadError('name', `must be a non-empty string, got ${describe(workload.name)}`);
  }
  if (!(nonNegative(workload.requestsPerMonth, 'requestsPerMonth') > 0)) {
    throw new WorkloadError('requestsPerMonth', 'must be a number > 0, got 0');
  }
  nonNegative(workload.inputTokens, 'inputTokens');
  nonNegative(workload.outputTokens, 'outputTokens');
  if (workload.routes !== undefined) {
    if (workload.routes.length === 0) {
      throw new WorkloadError('routes', 'must list at least one route, or be left out');
    }
    const total = workload.routes.reduce((sum, route, index) => sum + fraction(route.share, `routes[${index}].share`), 0);
    if (Math.abs(total - 1) > SHARE_TOLERANCE) {
      throw new WorkloadError('routes', `shares must sum to 1 (within ${SHARE_TOLERANCE}), got ${total}`);
    }
  }
  if (workload.router !== undefined) {
    nonNegative(workload.router.inputTokens, 'router.inputTokens');
    nonNegative(workload.router.outputTokens, 'router.outputTokens');
  }
  if (workload.promptCaching !== undefined) {
    const prefix = nonNegative(workload.promptCaching.cachedPrefixTokens, 'promptCaching.cachedPrefixTokens');
    if (prefix > workload.inputTokens) {
      throw new WorkloadError(
        'promptCaching.cachedPrefixTokens',
        `must be at most inputTokens (${workload.inputTokens}), got ${prefix}`,
      );
    }
    fraction(workload.promptCaching.hitRate, 'promptCaching.hitRate');
  }
  if (workload.responseCache !== undefined) {
    fraction(workload.responseCache.hitRate, 'responseCache.hitRate');
  }
  if (workload.batchShare !== undefined) {
    fraction(workload.batchShare, 'batchShare');
  }
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
] as const;

/**
 * Reads a workload document (the estimator CLI's file format), resolving model ids through
 * `table`. Throws a `WorkloadError` naming the field at fault; unknown fields are errors, so a
 * misspelt option is never silently ignored.
 */
export function parseWorkload(document: unknown, table: PriceTable = PriceTable.DEFAULT): Workload {
  const root = expectObject(document, '', WORKLOAD_KEYS);
  const model = (value: unknown, field: string) => {
    if (typeof value !== 'string' || value === '') {
      throw new WorkloadError(field, `must be a model id string such as "amazon.nova-micro-v1:0", got ${describe(value)}`);
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
        throw new WorkloadError('routes', `must be an array of { model, share }, got ${describe(value)}`);
      }
      return value.map((entry, index) => {
        const route = expectObject(entry, `routes[${index}]`, ['model', 'share']);
        return { model: model(route.model, `routes[${index}].model`), share: route.share as number };
      });
    }),
    router: optional('router', (value) => {
      const router = expectObject(value, 'router', ['model', 'inputTokens', 'outputTokens']);
      return {
        model: model(router.model, 'router.model'),
        inputTokens: router.inputTokens as number,
        outputTokens: router.outputTokens as number,
      };
    }),
    promptCaching: optional('promptCaching', (value) => {
      const caching = expectObject(value, 'promptCaching', ['cachedPrefixTokens', 'hitRate']);
      return { cachedPrefixTokens: caching.cachedPrefixTokens as number, hitRate: caching.hitRate as number };
    }),
    responseCache: optional('responseCache', (value) => {
      const cache = expectObject(value, 'responseCache', ['hitRate']);
      return { hitRate: cache.hitRate as number };
    }),
    batchShare: root.batchShare as number | undefined,
  };
  validateWorkload(workload);
  return workload;
}
