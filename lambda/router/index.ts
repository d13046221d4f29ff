/**
 * The model router behind a Lambda Function URL: validates the request, answers from the
 * response cache or sends it to the cheapest tier that can answer, and reports what the answer
 * cost against the baseline model.
 *
 * Configuration: `routing-config.json` (RouterConfig, read on the first request) and the
 * environment described in lambda/routing-shared/contract.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type APIGatewayProxyStructuredResultV2, type Context, type LambdaFunctionURLEvent } from 'aws-lambda';
import { type RouterConfig, type RouterErrorBody, type RouterResponse, ROUTER_METRICS_NAMESPACE, RouterMetric } from '../routing-shared/contract';
import { readConfigFile } from '../routing-shared/config-file';
import { RouterError } from './errors';
import { parseRequest } from './request';
import { type ClassifiedBy, RequestTally, route, type RouterDeps } from './route';
import { routerDeps } from './setup';

export { classifyByRules, compileRules, type CompiledRule } from './classify';

const logger = new Logger();
const metrics = new Metrics({ namespace: ROUTER_METRICS_NAMESPACE });
// Only the dimensions below: Powertools would add a `service` one by default.
metrics.clearDefaultDimensions();
// One attempt per send: invokeAgent retries throttling and transient faults itself, never past the deadline.
const lambda = new LambdaClient({ maxAttempts: 1 });
const bedrock = new BedrockRuntimeClient({});
let dynamodb: DynamoDBClient | undefined;

// Read on the first request rather than at import, so a bundle loads (and can be checked) without its config file.
let deps: RouterDeps | undefined;

function routerOnce(): RouterDeps {
  if (deps === undefined) {
    const config = readConfigFile<RouterConfig>();
    deps = routerDeps(
      config,
      process.env,
      // A cache is optional: one failed attempt is retried, then the request goes on without it.
      { lambda, bedrock, dynamodb: () => (dynamodb ??= new DynamoDBClient({ maxAttempts: 2 })) },
      logger,
    );
    // Every metric carries the router's name; see publishAnswered for the Tier set.
    metrics.setDefaultDimensions({ Router: config.routerName });
  }
  return deps;
}

/** The structured form of a Function URL result: this handler never returns a bare string. */
export type RouterResult = APIGatewayProxyStructuredResultV2 & { readonly statusCode: number; readonly body: string };

export const handler = async (event: LambdaFunctionURLEvent, context: Pick<Context, 'awsRequestId'>): Promise<RouterResult> => {
  const startedAt = performance.now();
  const router = routerOnce();
  const tally = new RequestTally();
  try {
    const request = parseRequest(
      { method: event.requestContext?.http?.method ?? '', body: event.body, isBase64Encoded: event.isBase64Encoded },
      router.config,
    );
    const outcome = await route(request, router, { requestId: context.awsRequestId, startedAt }, tally);
    const latencyMs = Math.round(performance.now() - startedAt);
    const response: RouterResponse = { ...outcome.response, latencyMs };
    publishAnswered(response, outcome.classifiedBy, tally, Math.max(0, Math.round(performance.now() - startedAt - tally.agentMs)), router.classifyLocally !== undefined);
    logger.info('Request answered', {
      requestId: context.awsRequestId,
      tier: response.tier,
      classifiedBy: outcome.classifiedBy,
      cached: response.cached,
      escalated: response.escalated,
      escalations: tally.escalations,
      costUsd: response.costUsd,
      savedUsd: response.savedUsd,
      latencyMs,
    });
    return json(200, response);
  } catch (error) {
    if (!(error instanceof RouterError)) {
      throw error;
    }
    publishFailed(error, tally);
    const details = {
      requestId: context.awsRequestId,
      code: error.code,
      status: error.status,
      field: error.field,
      detail: error.detail,
      // Tokens already spent are billed even though the request failed.
      costUsd: tally.cost.toNumber(),
      latencyMs: Math.round(performance.now() - startedAt),
    };
    if (error.isRejection) {
      logger.info('Request rejected', details);
    } else {
      logger.warn('Request failed upstream', details);
    }
    // `!== undefined`: an empty field name ("") is still the field at fault.
    const body: RouterErrorBody = { error: { code: error.code, message: error.message, ...(error.field !== undefined ? { field: error.field } : {}) } };
    const retryAfter = error.retryAfterSeconds;
    return json(error.status, body, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
  }
};

/**
 * Two dimension sets: `{ Router }` (the default dimension, through the empty set) and
 * `{ Router, Tier }`. Adding `Router` to both sets explicitly would work too, but Powertools
 * then warns about a duplicate key on every request.
 */
function publishAnswered(response: RouterResponse, classifiedBy: ClassifiedBy, tally: RequestTally, routingMs: number, trained: boolean): void {
  metrics.addDimensions({});
  metrics.addDimensions({ Tier: response.tier });
  metrics.addMetric(RouterMetric.REQUESTS, MetricUnit.Count, 1);
  // Zeros too, so hit, escalation and fallback rates are averages of these.
  metrics.addMetric(RouterMetric.CACHE_HITS, MetricUnit.Count, classifiedBy === 'cache' ? 1 : 0);
  metrics.addMetric(RouterMetric.ESCALATIONS, MetricUnit.Count, tally.escalations);
  metrics.addMetric(RouterMetric.CLASSIFIER_FALLBACKS, MetricUnit.Count, tally.classifierFallbacks);
  if (trained) {
    metrics.addMetric(RouterMetric.LOCAL_DECISIONS, MetricUnit.Count, tally.localDecisions);
    metrics.addMetric(RouterMetric.LOW_CONFIDENCE_FALLBACKS, MetricUnit.Count, tally.lowConfidenceFallbacks);
  }
  if (tally.cacheErrors > 0) {
    metrics.addMetric(RouterMetric.CACHE_ERRORS, MetricUnit.Count, tally.cacheErrors);
  }
  metrics.addMetric(RouterMetric.COST_USD, MetricUnit.NoUnit, response.costUsd);
  metrics.addMetric(RouterMetric.BASELINE_COST_USD, MetricUnit.NoUnit, response.baselineCostUsd);
  metrics.addMetric(RouterMetric.SAVED_USD, MetricUnit.NoUnit, response.savedUsd);
  metrics.addMetric(RouterMetric.ROUTING_LATENCY, MetricUnit.Milliseconds, routingMs);
  metrics.addMetric(RouterMetric.LATENCY, MetricUnit.Milliseconds, response.latencyMs);
  metrics.publishStoredMetrics();
}

/**
 * Failures count under `{ Router }` only: they have no answering tier. An upstream failure also
 * publishes what it cost (the classifier, an escalated tier, a declined answer): billed all the same.
 */
function publishFailed(error: RouterError, tally: RequestTally): void {
  if (error.isRejection) {
    metrics.addMetric(RouterMetric.REJECTED_REQUESTS, MetricUnit.Count, 1);
  } else {
    metrics.addMetric(RouterMetric.UPSTREAM_ERRORS, MetricUnit.Count, 1);
    metrics.addMetric(RouterMetric.COST_USD, MetricUnit.NoUnit, tally.cost.toNumber());
    if (error.code === 'ModelDeclined') {
      metrics.addMetric(RouterMetric.DECLINED, MetricUnit.Count, 1);
    }
  }
  if (tally.cacheErrors > 0) {
    metrics.addMetric(RouterMetric.CACHE_ERRORS, MetricUnit.Count, tally.cacheErrors);
  }
  metrics.publishStoredMetrics();
}

function json(statusCode: number, body: RouterResponse | RouterErrorBody, headers: Record<string, string> = {}): RouterResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
