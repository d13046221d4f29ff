/**
 * One request through the router: response cache, classification, the tier's agent (and the
 * tiers above it when the agent escalates), pricing. No Lambda or HTTP here: the handler wires
 * in the clients and turns the outcome into a response and metrics.
 */
import { routingRequestMetadata } from '../../lib/logging/request-metadata';
import { Usd } from '../../lib/pricing/usd';
import {
  type AgentRequest,
  type AgentResponse,
  type ChatMessage,
  type PricedModelJson,
  type RouterConfig,
  type RouterErrorCode,
  type RouterResponse,
  type TierConfig,
  type UsageJson,
} from '../routing-shared/contract';
import { budget, raceAbort } from '../routing-shared/deadline';
import { describeError } from '../routing-shared/describe-error';
import { isEscalation } from '../routing-shared/escalation';
import { addUsage, baselineCostOf, costOf, NO_USAGE } from '../routing-shared/usage';
import { type AgentFailure } from './agents';
import { cacheKey } from './cache-key';
import { classifyByRules, type CompiledRule, type ModelClassification } from './classify';
import { RouterError } from './errors';
import { type NormalizedRequest } from './request';
import { type CacheEntry, type ResponseCache } from './response-cache';
import { type LocalClassification } from './trained-classifier';

/** The share of the request timeout the classifier model may take: past it, the default tier answers. */
export const CLASSIFIER_TIMEOUT_SHARE = 0.25;

export interface RouteLogger {
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface RouterDeps {
  readonly config: RouterConfig;
  readonly rules: readonly CompiledRule[];
  /** Tier name -> agent function name or ARN (AGENT_FUNCTIONS). */
  readonly agentFunctions: Readonly<Record<string, string>>;
  /** Present when the config has a trained classifier: it decides before the classifier model. */
  readonly classifyLocally?: (text: string) => LocalClassification;
  /** Present when the config has a classifier model. */
  readonly classifyWithModel?: (text: string, signal: AbortSignal, requestMetadata?: Record<string, string>) => Promise<ModelClassification>;
  readonly invokeAgent: (functionName: string, request: AgentRequest, signal: AbortSignal) => Promise<AgentResponse>;
  /** Absent when the cache kind is `none`. */
  readonly cache?: ResponseCache;
  readonly logger: RouteLogger;
}

export type ClassifiedBy = 'cache' | 'forced' | 'rule' | 'trained' | 'model' | 'default';

/** What a request consumed so far; the handler reads it for metrics and logs, also after a failure. */
export class RequestTally {
  public usage: UsageJson = NO_USAGE;
  public cost: Usd = Usd.ZERO;
  public escalations = 0;
  public classifierFallbacks = 0;
  /** 1 when the trained classifier decided alone. */
  public localDecisions = 0;
  /** 1 when the trained classifier was below its minimum confidence. */
  public lowConfidenceFallbacks = 0;
  public cacheErrors = 0;
  /** Milliseconds spent waiting for agents: the rest of the wall time is the router's own. */
  public agentMs = 0;

  public add(usage: UsageJson, cost: Usd): void {
    this.usage = addUsage(this.usage, usage);
    this.cost = this.cost.plus(cost);
  }
}

export interface RouteOutcome {
  readonly response: Omit<RouterResponse, 'latencyMs'>;
  readonly classifiedBy: ClassifiedBy;
}

export interface RouteContext {
  /** The Lambda request id, passed on to agents. */
  readonly requestId: string;
  /** performance.now() when the handler started: the request timeout counts from there. */
  readonly startedAt: number;
}

/** Answers a validated request; throws a RouterError for anything but an answer. */
export async function route(request: NormalizedRequest, deps: RouterDeps, context: RouteContext, tally: RequestTally): Promise<RouteOutcome> {
  const { config } = deps;
  const deadline = context.startedAt + config.requestTimeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - performance.now()));
  try {
    const cache = request.cache ? deps.cache : undefined;
    const key = cache ? cacheKey(config, request) : undefined;
    if (cache && key) {
      const entry = await guarded(deps, tally, 'read', deadline, () => cache.get(key));
      if (entry) {
        return { response: cachedResponse(config, entry), classifiedBy: 'cache' };
      }
    }

    const metadata = routingRequestMetadata({ tenantId: request.tenantId, router: config.routerName, tier: 'classifier', requestId: context.requestId });
    const { tier, classifiedBy } = await classify(request, deps, tally, deadline, controller.signal, metadata);
    const answered = await askAgents(request, tier, classifiedBy === 'forced', deps, context, tally, deadline, controller.signal);

    if (cache && key) {
      await guarded(deps, tally, 'write', deadline, () => cache.put(key, answered));
    }
    // The baseline is what the answer alone would have cost: routing aims to beat that.
    const baseline = baselineCostOf(config.baseline, answered.usage);
    return {
      classifiedBy,
      response: {
        answer: answered.answer,
        tier: answered.tier,
        modelId: answered.modelId,
        cached: false,
        escalated: answered.escalated,
        usage: tally.usage,
        costUsd: tally.cost.toNumber(),
        baselineCostUsd: baseline.toNumber(),
        savedUsd: baseline.minus(tally.cost).toNumber(),
      },
    };
  } finally {
    clearTimeout(timer);
  }
}

/** A hit costs nothing; what it saved is what the baseline would have charged for the stored answer. */
function cachedResponse(config: RouterConfig, entry: CacheEntry): Omit<RouterResponse, 'latencyMs'> {
  const baseline = baselineCostOf(config.baseline, entry.usage).toNumber();
  return {
    answer: entry.answer,
    tier: entry.tier,
    modelId: entry.modelId,
    cached: true,
    escalated: false,
    usage: NO_USAGE,
    costUsd: 0,
    baselineCostUsd: baseline,
    savedUsd: baseline,
  };
}

/**
 * A cache failure costs the request its cache, never its answer. The cache also gets no more than
 * what is left of the request timeout: an unfinished call is abandoned (its own timeout ends it).
 */
async function guarded<T>(
  deps: RouterDeps,
  tally: RequestTally,
  operation: 'read' | 'write',
  deadline: number,
  call: () => Promise<T>,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const pending = call();
  const outOfTime = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the request deadline came first')), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([pending, outOfTime]);
  } catch (error) {
    pending.catch(() => undefined);
    tally.cacheErrors++;
    deps.logger.warn(`Response cache ${operation} failed; continuing without the cache`, { error: describeError(error) });
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function classify(
  request: NormalizedRequest,
  deps: RouterDeps,
  tally: RequestTally,
  deadline: number,
  signal: AbortSignal,
  requestMetadata?: Record<string, string>,
): Promise<{ tier: string; classifiedBy: ClassifiedBy }> {
  const { config } = deps;
  if (request.tier !== undefined) {
    return { tier: request.tier, classifiedBy: 'forced' };
  }
  const text = lastUserMessage(request.messages);
  const ruled = classifyByRules(deps.rules, text);
  if (ruled !== undefined) {
    return { tier: ruled, classifiedBy: 'rule' };
  }
  if (deps.classifyLocally) {
    const local = deps.classifyLocally(text);
    if (local.confident) {
      tally.localDecisions++;
      return { tier: local.tier, classifiedBy: 'trained' };
    }
    tally.lowConfidenceFallbacks++;
  }
  const model = config.classifier.model;
  if (!deps.classifyWithModel || !model) {
    return { tier: config.defaultTier, classifiedBy: 'default' };
  }
  const budgetMs = Math.min(config.requestTimeoutMs * CLASSIFIER_TIMEOUT_SHARE, deadline - performance.now());
  const classifyWithModel = deps.classifyWithModel;
  const result = await classifyWithin((budgetSignal) => classifyWithModel(text, budgetSignal, requestMetadata), budgetMs, signal);
  tally.add(result.usage, price(model, result.usage, 'the classifier'));
  if (result.tier === undefined) {
    tally.classifierFallbacks++;
    deps.logger.warn('The classifier gave no tier; the default tier answers', { reason: result.failure, defaultTier: config.defaultTier });
    return { tier: config.defaultTier, classifiedBy: 'default' };
  }
  return { tier: result.tier, classifiedBy: 'model' };
}

/**
 * A classification within its budget: a plain timer aborts the call and settles the race, so
 * throttling backoff inside the SDK cannot stretch it (Node 20's `AbortSignal.any` over a timeout
 * signal did, nodejs/node#57736). `signal` is the request's: its deadline ends the budget too.
 */
async function classifyWithin(
  classifyOnce: (signal: AbortSignal) => Promise<ModelClassification>,
  budgetMs: number,
  signal: AbortSignal,
): Promise<ModelClassification> {
  const time = budget(budgetMs, signal);
  try {
    return await time.race(classifyOnce(time.signal), () => TIMED_OUT);
  } catch (error) {
    if (error !== TIMED_OUT) {
      throw error;
    }
    return { usage: NO_USAGE, failure: `the classifier did not answer within ${Math.floor(budgetMs)} ms` };
  } finally {
    time.dispose();
  }
}

const TIMED_OUT = Symbol('timed out');

/**
 * Asks the tier's agent, moving one tier up each time the agent escalates (as far as allowed).
 * Returns the answer with the usage of the call that gave it, as the cache keeps it.
 */
async function askAgents(
  request: NormalizedRequest,
  startTier: string,
  forced: boolean,
  deps: RouterDeps,
  context: RouteContext,
  tally: RequestTally,
  deadline: number,
  signal: AbortSignal,
): Promise<CacheEntry> {
  const { config } = deps;
  for (let index = config.tiers.findIndex((tier) => tier.name === startTier); ; index++) {
    const tier = config.tiers[index];
    const canEscalate = !forced && tally.escalations < config.maxEscalations && index + 1 < config.tiers.length;
    const timeoutMs = Math.floor(deadline - performance.now());
    if (timeoutMs <= 0 || signal.aborted) {
      throw new RouterError('UpstreamTimeout', `no answer within ${config.requestTimeoutMs} ms`);
    }
    const agentRequest: AgentRequest = {
      messages: request.messages,
      // Capping rather than rejecting: clients need not know each tier's limit.
      maxTokens: Math.min(request.maxTokens ?? tier.maxTokens, tier.maxTokens),
      tier: tier.name,
      ...(request.tenantId === undefined ? {} : { tenantId: request.tenantId }),
      router: config.routerName,
      canEscalate,
      timeoutMs,
      requestId: context.requestId,
    };
    const started = performance.now();
    let response: AgentResponse;
    try {
      // Raced as well as aborted: whatever the client does, the deadline holds.
      response = await raceAbort(
        deps.invokeAgent(deps.agentFunctions[tier.name], agentRequest, signal),
        signal,
        () => new RouterError('UpstreamTimeout', `the ${tier.name} tier did not answer in time`),
      );
    } finally {
      tally.agentMs += performance.now() - started;
    }

    if ('error' in response) {
      if (response.usage) {
        tally.add(response.usage, priceOrZero(tier, response.usage));
      }
      throw agentFailure(response, tier.name);
    }
    const model = answeringModel(tier, response.usedFallback === true);
    tally.add(response.usage, price(model, response.usage, `the ${tier.name} agent`));
    // The marker as an answer counts as an escalation too (a custom agent may pass it through): never served, never cached.
    if ('escalate' in response || isEscalation(response.answer)) {
      if (!canEscalate) {
        throw new RouterError(
          'ModelDeclined',
          `the ${tier.name} tier declined to answer, and no higher tier may take the request`,
          undefined,
          forced ? 'the tier was forced' : index + 1 >= config.tiers.length ? 'it is the top tier' : 'maxEscalations reached',
        );
      }
      tally.escalations++;
      continue;
    }
    return { answer: response.answer, tier: tier.name, modelId: model.modelId, usage: response.usage, escalated: tally.escalations > 0 };
  }
}

function answeringModel(tier: TierConfig, usedFallback: boolean): PricedModelJson {
  if (!usedFallback) {
    return tier;
  }
  if (!tier.fallback) {
    throw new RouterError('UpstreamError', `the ${tier.name} agent says its fallback answered, but the tier has no fallback`);
  }
  return tier.fallback;
}

/** Prices a call; usage the model cannot be charged for (cache tokens where it has no cache prices) breaks the contract. */
function price(model: PricedModelJson, usage: UsageJson, who: string): Usd {
  try {
    return costOf(model, usage);
  } catch (error) {
    throw new RouterError('UpstreamError', `${who} reported usage that cannot be priced`, undefined, describeError(error));
  }
}

function priceOrZero(model: PricedModelJson, usage: UsageJson): Usd {
  try {
    return costOf(model, usage);
  } catch {
    return Usd.ZERO;
  }
}

/** An agent's error as the client sees it; the agent's own message goes to the log only. */
const AGENT_FAILURES: Record<AgentFailure['error']['code'], { readonly code: RouterErrorCode; readonly says: string }> = {
  Throttled: { code: 'Throttled', says: 'is throttled; retry shortly' },
  UpstreamError: { code: 'UpstreamError', says: 'failed' },
  ServiceUnavailable: { code: 'ServiceUnavailable', says: 'is unavailable; retry later' },
  Timeout: { code: 'UpstreamTimeout', says: 'did not answer in time' },
};

function agentFailure(response: AgentFailure, tier: string): RouterError {
  const { code, says } = AGENT_FAILURES[response.error.code];
  return new RouterError(code, `the model of the ${tier} tier ${says}`, undefined, `${response.error.code}: ${response.error.message}`);
}

export function lastUserMessage(messages: readonly ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index].role === 'user') {
      return messages[index].content;
    }
  }
  return '';
}

