import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Context, type LambdaFunctionURLEvent } from 'aws-lambda';
import { BedrockModel } from '../../lib/pricing';
import { type AgentConfig, type AgentResponse, type RouterConfig, type UsageJson } from '../../lambda/routing-shared/contract';
import type * as Router from '../../lambda/router';

/** Real catalog prices (per 1M tokens): Nova Micro 0.035 / 0.14, Nova Lite 0.06 / 0.24, Nova Pro 0.80 / 3.20, Claude 3.5 Haiku 0.80 / 4.00. */
export const NOVA_MICRO = { modelId: 'us.amazon.nova-micro-v1:0', prices: BedrockModel.NOVA_MICRO.prices };
export const NOVA_LITE = { modelId: 'us.amazon.nova-lite-v1:0', prices: BedrockModel.NOVA_LITE.prices };
export const NOVA_PRO = { modelId: 'us.amazon.nova-pro-v1:0', prices: BedrockModel.NOVA_PRO.prices };
export const CLAUDE_3_5_HAIKU = { modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', prices: BedrockModel.CLAUDE_3_5_HAIKU.prices };

export const CLASSIFIER_PROFILE_ARN = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/router-classifier';

/** Tier -> the function name the fake agents are registered under (one of them as an ARN, as the construct may pass). */
export const AGENT_FUNCTIONS = {
  small: 'router-agent-small',
  medium: 'arn:aws:lambda:us-east-1:123456789012:function:router-agent-medium',
  large: 'router-agent-large',
};
/** The names the Lambda stub sees. */
export const AGENT = { small: 'router-agent-small', medium: 'router-agent-medium', large: 'router-agent-large' };

/** Three tiers, cheapest first; rules for `large` and `small`; a Nova Micro classifier; Nova Pro as the baseline. */
export function routerConfig(overrides: Partial<RouterConfig> = {}): RouterConfig {
  return {
    routerName: 'support-router',
    tiers: [
      { name: 'small', description: 'greetings and short factual questions', maxTokens: 1000, ...NOVA_MICRO },
      { name: 'medium', description: 'summaries and everyday writing', maxTokens: 2000, ...NOVA_LITE },
      { name: 'large', description: 'multi-step reasoning and code', maxTokens: 4000, ...NOVA_PRO, fallback: CLAUDE_3_5_HAIKU },
    ],
    defaultTier: 'medium',
    maxEscalations: 1,
    classifier: {
      rules: [
        { tier: 'large', keywords: ['prove', 'step by step'], patterns: [] },
        { tier: 'small', keywords: ['hello', 'c++'], patterns: [{ source: '^translate\\b', flags: 'i' }] },
      ],
      model: { ...NOVA_MICRO, maxTokens: 5, maxInputCharacters: 200 },
    },
    baseline: NOVA_PRO,
    cache: { kind: 'none' },
    limits: { maxBodyBytes: 4000, maxPromptCharacters: 500, maxMessages: 5 },
    requestTimeoutMs: 2000,
    configVersion: 'v1',
    ...overrides,
  };
}

export function usage(inputTokens: number, outputTokens: number, cacheReadInputTokens = 0, cacheWriteInputTokens = 0): UsageJson {
  return { inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens };
}

/** A fake agent that answers `answer` with `spent` tokens. */
export function answers(answer: string, spent: UsageJson = usage(100, 20), extra: Partial<AgentResponse> = {}): () => AgentResponse {
  return () => ({ answer, usage: spent, ...extra }) as AgentResponse;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  /** The EMF documents printed during the call. */
  readonly emf: Record<string, unknown>[];
  /** The Powertools log lines printed during the call. */
  readonly logs: Record<string, unknown>[];
  /** Everything printed, for "the prompt is never logged". */
  readonly printed: string;
}

export interface RequestOptions {
  readonly method?: string;
  /** Sent as is instead of JSON.stringify(body). */
  readonly raw?: string;
  readonly base64?: boolean;
}

export interface RouterUnderTest {
  invoke(body: unknown, options?: RequestOptions): Promise<HttpResult>;
}

let loaded = 0;

/**
 * A fresh router module with its own config file and environment. The environment is set again
 * before every call, since the module reads it on its first request and suites load several routers.
 */
export async function loadRouter(config: RouterConfig, env: Record<string, string> = {}): Promise<RouterUnderTest> {
  const directory = mkdtempSync(join(tmpdir(), 'router-'));
  const configFile = join(directory, 'routing-config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const environment: Record<string, string> = {
    CONFIG_FILE: configFile,
    AGENT_FUNCTIONS: JSON.stringify(AGENT_FUNCTIONS),
    CLASSIFIER_MODEL_ID: CLASSIFIER_PROFILE_ARN,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...env,
  };
  Object.assign(process.env, environment);
  let handler: typeof Router.handler | undefined;
  await jest.isolateModulesAsync(async () => {
    ({ handler } = await import('../../lambda/router'));
  });
  const run = handler as typeof Router.handler;
  const id = ++loaded;
  let calls = 0;
  return {
    async invoke(body, options = {}) {
      Object.assign(process.env, environment);
      const text = options.raw ?? JSON.stringify(body);
      const event = {
        requestContext: { http: { method: options.method ?? 'POST' } },
        body: options.base64 ? Buffer.from(text, 'utf8').toString('base64') : text,
        isBase64Encoded: options.base64 === true,
      } as unknown as LambdaFunctionURLEvent;
      const printed: string[] = [];
      const capture = (chunk: unknown) => {
        printed.push(String(chunk));
        return true;
      };
      const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
      try {
        const result = await run(event, { awsRequestId: `req-${id}-${++calls}` } as Context);
        const lines = printed
          .join('')
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        return {
          statusCode: result.statusCode,
          headers: result.headers as Record<string, string>,
          body: JSON.parse(result.body) as Record<string, unknown>,
          emf: lines.filter((line) => '_aws' in line),
          logs: lines.filter((line) => !('_aws' in line)),
          printed: printed.join(''),
        };
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
    },
  };
}

/** The metric values of the single EMF document of a call. */
export function metricsOf(result: HttpResult): Record<string, unknown> {
  expect(result.emf).toHaveLength(1);
  return result.emf[0];
}

/** The EMF dimension sets of a call, e.g. [['Router'], ['Router', 'Tier']]. */
export function dimensionSetsOf(result: HttpResult): string[][] {
  const [document] = result.emf as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } }[];
  return document._aws.CloudWatchMetrics[0].Dimensions;
}

/**
 * A fresh built-in agent module (lambda/router-agent) with its own config file and environment,
 * warmed up by one call so it has read both before another module's environment takes over.
 * Start the Bedrock stub first: the agent's client reads its endpoint when the module loads.
 */
export async function loadBuiltInAgent(config: AgentConfig, env: Record<string, string>): Promise<(payload: unknown) => Promise<unknown>> {
  const file = join(mkdtempSync(join(tmpdir(), 'router-agent-')), 'routing-config.json');
  writeFileSync(file, JSON.stringify(config));
  Object.assign(process.env, { CONFIG_FILE: file, POWERTOOLS_LOG_LEVEL: 'SILENT', ...env });
  let handler: ((payload: unknown) => Promise<unknown>) | undefined;
  await jest.isolateModulesAsync(async () => {
    ({ handler } = await import('../../lambda/router-agent'));
  });
  const agent = handler as (payload: unknown) => Promise<unknown>;
  const warmUp = { messages: [{ role: 'user', content: 'warm up' }], maxTokens: 5, tier: config.tier, canEscalate: false, timeoutMs: 2000, requestId: 'warm' };
  await agent(warmUp);
  for (const name of Object.keys(env)) {
    delete process.env[name];
  }
  return agent;
}
