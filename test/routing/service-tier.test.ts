import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { BedrockModel, InferenceSource, ModelRouter, RouterClassifier, type RouterTier, ServiceTier } from '../../lib';
import { type AgentConfig, type RouterConfig } from '../../lib/routing/contract';
import type * as Agent from '../../lambda/router-agent';
import { costOf } from '../../lambda/routing-shared/usage';
import { type BedrockStub, startBedrockStub } from '../support/bedrock-stub';

// A tier on Converse's Flex service tier: the construct checks the model offers it, the agent
// sends `serviceTier: { type: 'flex' }` (ConverseRequest.serviceTier, @aws-sdk/client-bedrock-runtime
// ServiceTier / ServiceTierType), and the router prices the answer at the Flex prices.

const DIGEST: RouterTier = {
  name: 'digest',
  description: 'Summaries nobody waits for',
  model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'),
  maxTokens: 800,
  systemPrompt: 'Summarize.',
  serviceTier: ServiceTier.FLEX,
  fallbackModel: BedrockModel.NOVA_LITE,
};

describe('costOf on a service tier', () => {
  test('prices a Flex answer at the Flex prices', () => {
    const usage = { inputTokens: 1000, outputTokens: 200, cacheReadInputTokens: 2000, cacheWriteInputTokens: 500 };
    const prices = BedrockModel.NOVA_PRO.prices;
    // Standard: 1,000 x 0.80 + 200 x 3.20 + 2,000 x 0.20 + 500 x 0 = 800 + 640 + 400 = 1,840 per 1M.
    expect(costOf({ modelId: 'us.amazon.nova-pro-v1:0', prices }, usage).toString()).toBe('0.00184');
    // Flex: 1,000 x 0.40 + 200 x 1.60 + 2,000 x 0.10 = 400 + 320 + 200 = 920 per 1M.
    expect(costOf({ modelId: 'us.amazon.nova-pro-v1:0', prices, serviceTier: ServiceTier.FLEX }, usage).toString()).toBe('0.00092');
    // Priority: 1,000 x 1.40 + 200 x 5.60 + 2,000 x 0.35 = 1,400 + 1,120 + 700 = 3,220 per 1M.
    expect(costOf({ modelId: 'us.amazon.nova-pro-v1:0', prices, serviceTier: ServiceTier.PRIORITY }, usage).toString()).toBe('0.00322');
    expect(() => costOf({ modelId: 'amazon.nova-micro-v1:0', prices: BedrockModel.NOVA_MICRO.prices, serviceTier: ServiceTier.FLEX }, usage)).toThrow(
      'amazon.nova-micro-v1:0 does not offer the flex service tier',
    );
  });
});

describe('ModelRouter tiers on Flex', () => {
  function synth(tiers: RouterTier[]) {
    const app = new App();
    const stack = new Stack(app, 'Routing', { env: { region: 'us-east-1', account: '111122223333' } });
    const router = new ModelRouter(stack, 'Digest', { tiers, classifier: RouterClassifier.rules([{ tier: tiers[0].name, keywords: ['summary'] }]) });
    return { app, stack, router };
  }

  function bundledConfig<T>(app: App, stack: Stack, fn: lambda.IFunction): T {
    const assembly = app.synth();
    const code = stack.resolve((fn.node.defaultChild as lambda.CfnFunction).code) as { s3Key: string };
    return JSON.parse(readFileSync(join(assembly.directory, `asset.${code.s3Key.replace(/\.zip$/, '')}`, 'routing-config.json'), 'utf8')) as T;
  }

  test('the router prices the tier on Flex and the agent asks for it; the fallback stays standard', () => {
    const { app, stack, router } = synth([DIGEST]);
    const routerConfig = bundledConfig<RouterConfig>(app, stack, router.routerFunction);
    expect(routerConfig.tiers[0]).toMatchObject({ name: 'digest', modelId: 'us.amazon.nova-pro-v1:0', serviceTier: 'flex' });
    expect(routerConfig.tiers[0].fallback).toEqual({ modelId: 'amazon.nova-lite-v1:0', prices: expect.anything() });
    expect(bundledConfig<AgentConfig>(app, stack, router.agentFor('digest')).serviceTier).toBe('flex');
  });

  test('a model without the tier fails at synth, naming the tier and the model', () => {
    expect(() => synth([{ ...DIGEST, model: BedrockModel.NOVA_MICRO }])).toThrow(
      "ModelRouter tier 'digest' serviceTier: Amazon Nova Micro (amazon.nova-micro-v1:0) does not offer the flex service tier",
    );
  });
});

describe('the built-in agent on Flex', () => {
  let stub: BedrockStub;
  let dir: string;
  let handler: typeof Agent.handler;
  const CONFIG: AgentConfig = { tier: 'digest', systemPrompt: 'Summarize.', maxTokens: 800, promptCaching: false, fallbackPromptCaching: false, serviceTier: ServiceTier.FLEX };
  const REQUEST = { messages: [{ role: 'user', content: 'Summarize the week.' }], maxTokens: 100, tier: 'digest', canEscalate: false, timeoutMs: 10_000, requestId: 'r1' };

  beforeAll(async () => {
    stub = await startBedrockStub();
    dir = mkdtempSync(join(tmpdir(), 'router-flex-'));
    const file = join(dir, 'routing-config.json');
    writeFileSync(file, JSON.stringify(CONFIG));
    Object.assign(process.env, {
      CONFIG_FILE: file,
      MODEL_ID: 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/digest0tier01',
      FALLBACK_MODEL_ID: 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/digest0fallb1',
      MAX_ATTEMPTS: '1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    jest.resetModules();
    handler = (await import('../../lambda/router-agent')).handler;
  });
  afterAll(async () => {
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
    for (const name of ['CONFIG_FILE', 'MODEL_ID', 'FALLBACK_MODEL_ID', 'MAX_ATTEMPTS', 'POWERTOOLS_LOG_LEVEL']) {
      delete process.env[name];
    }
  });

  test('sends serviceTier flex to Bedrock; the fallback after throttling goes without it', async () => {
    stub.calls.length = 0;
    stub.reply({ kind: 'answer', text: 'A summary.' });
    expect(await handler(REQUEST)).toMatchObject({ answer: 'A summary.' });
    expect(stub.calls[0].body).toMatchObject({ serviceTier: { type: 'flex' } });

    stub.calls.length = 0;
    stub.reply({ kind: 'throttle' }, { kind: 'answer', text: 'From the fallback.' });
    expect(await handler(REQUEST)).toMatchObject({ answer: 'From the fallback.', usedFallback: true });
    expect(stub.calls.map((call) => call.modelId)).toEqual([expect.stringContaining('digest0tier01'), expect.stringContaining('digest0fallb1')]);
    expect(stub.calls[0].body).toMatchObject({ serviceTier: { type: 'flex' } });
    expect(stub.calls[1].body).not.toHaveProperty('serviceTier');
  });
});
