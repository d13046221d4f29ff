/**
 * The router's cold start: checks the configuration file against the environment the construct
 * set, compiles the rules, and picks the cache backend.
 */
import { type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LambdaClient } from '@aws-sdk/client-lambda';
import { dirname } from 'node:path';
import { configFilePath } from '../routing-shared/config-file';
import { type RouterConfig } from '../routing-shared/contract';
import { invokeAgent } from './agents';
import { classifierSystemPrompt, classifyWithModel, compileRules } from './classify';
import { DynamoDbCache } from './dynamodb-cache';
import { RedisCache } from './redis-cache';
import { RespClient } from './resp-client';
import { type ResponseCache } from './response-cache';
import { type RouteLogger, type RouterDeps } from './route';
import { loadTrainedClassifier } from './trained-classifier';

/** Milliseconds a cache read or write may take: the cache saves time only while it is fast. */
export const CACHE_TIMEOUT_MS = 500;

export interface RouterClients {
  readonly lambda: LambdaClient;
  readonly bedrock: BedrockRuntimeClient;
  /** Created on demand: only a DynamoDB cache needs it. */
  readonly dynamodb: () => DynamoDBClient;
}

/** Everything `route` needs; throws a clear error when the config and the environment disagree. */
export function routerDeps(config: RouterConfig, env: NodeJS.ProcessEnv, clients: RouterClients, logger: RouteLogger): RouterDeps {
  checkConfig(config);
  const agentFunctions = agentFunctionsOf(env.AGENT_FUNCTIONS, config);
  const model = config.classifier.model;
  let classify: RouterDeps['classifyWithModel'];
  if (model) {
    const modelId = env.CLASSIFIER_MODEL_ID;
    if (!modelId) {
      throw new Error('the configuration has a classifier model but CLASSIFIER_MODEL_ID is not set');
    }
    const options = { client: clients.bedrock, modelId, model, tiers: config.tiers, systemPrompt: classifierSystemPrompt(config.tiers) };
    classify = (text, signal, requestMetadata) => classifyWithModel(options, text, signal, requestMetadata);
  }
  const trained = config.classifier.trained;
  return {
    config,
    rules: compileRules(config.classifier.rules),
    agentFunctions,
    // The model file sits beside the configuration file.
    classifyLocally: trained && loadTrainedClassifier(trained, config.tiers.map((tier) => tier.name), dirname(configFilePath(env))),
    classifyWithModel: classify,
    invokeAgent: (functionName, request, signal) => invokeAgent(clients.lambda, functionName, request, signal),
    cache: responseCache(config, env, clients),
    logger,
  };
}

function checkConfig(config: RouterConfig): void {
  const names = new Set(config.tiers.map((tier) => tier.name));
  if (names.size === 0) {
    throw new Error('the routing configuration has no tiers');
  }
  for (const tier of [config.defaultTier, ...config.classifier.rules.map((rule) => rule.tier)]) {
    if (!names.has(tier)) {
      throw new Error(`the routing configuration names tier '${tier}', which is not one of ${[...names].join(', ')}`);
    }
  }
}

function agentFunctionsOf(text: string | undefined, config: RouterConfig): Record<string, string> {
  let functions: unknown;
  try {
    functions = JSON.parse(text ?? '');
  } catch {
    throw new Error('AGENT_FUNCTIONS must be a JSON object of tier name -> function name or ARN');
  }
  const missing = config.tiers.filter((tier) => typeof (functions as Record<string, unknown> | null)?.[tier.name] !== 'string');
  if (typeof functions !== 'object' || functions === null || missing.length > 0) {
    throw new Error(`AGENT_FUNCTIONS has no function for tier(s) ${missing.map((tier) => tier.name).join(', ')}`);
  }
  return functions as Record<string, string>;
}

function responseCache(config: RouterConfig, env: NodeJS.ProcessEnv, clients: RouterClients): ResponseCache | undefined {
  const cache = config.cache;
  switch (cache.kind) {
    case 'none':
      return undefined;
    case 'dynamodb': {
      const table = env.CACHE_TABLE;
      if (!table) {
        throw new Error('the cache kind is dynamodb but CACHE_TABLE is not set');
      }
      return new DynamoDbCache({ client: clients.dynamodb(), table, ttlSeconds: cache.ttlSeconds, tiers: config.tiers, timeoutMs: CACHE_TIMEOUT_MS });
    }
    case 'redis': {
      const url = env.REDIS_URL;
      if (!url) {
        throw new Error('the cache kind is redis but REDIS_URL is not set');
      }
      return new RedisCache({
        client: new RespClient({ url, timeoutMs: CACHE_TIMEOUT_MS }),
        routerName: config.routerName,
        ttlSeconds: cache.ttlSeconds,
        tiers: config.tiers,
      });
    }
  }
}
