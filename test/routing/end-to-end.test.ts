import { BedrockModel } from '../../lib/pricing';
import { type AgentConfig, type RouterConfig } from '../../lib/routing/contract';
import { type BedrockStub, startBedrockStub } from '../support/bedrock-stub';
import { type LambdaStub, startLambdaStub } from '../support/lambda-stub';
import { CLASSIFIER_PROFILE_ARN, loadBuiltInAgent, loadRouter, type RouterUnderTest } from './router-harness';

const FAQ_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/faq';
const TECHNICAL_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/technical';
const SYSTEM_PROMPTS = { faq: 'You answer questions about the store.', technical: 'You are a support engineer.' };

/**
 * The whole path with nothing faked but the network ends: the router handler, the real AWS SDK
 * Lambda client, the real built-in agent handler (run by the Lambda stub), the real Bedrock
 * Runtime client, and the Bedrock stub answering both the classifier and the agents.
 */
describe('router and built-in agents end to end', () => {
  let bedrock: BedrockStub;
  let lambda: LambdaStub;
  let router: RouterUnderTest;

  function loadAgent(tier: 'faq' | 'technical', modelId: string): Promise<(payload: unknown) => Promise<unknown>> {
    const config: AgentConfig = { tier, systemPrompt: SYSTEM_PROMPTS[tier], maxTokens: 500, promptCaching: true, fallbackPromptCaching: false };
    return loadBuiltInAgent(config, { MODEL_ID: modelId, MAX_ATTEMPTS: '1' });
  }

  beforeAll(async () => {
    bedrock = await startBedrockStub();
    lambda = await startLambdaStub();
    lambda.register('router-agent-faq', await loadAgent('faq', FAQ_PROFILE));
    lambda.register('router-agent-technical', await loadAgent('technical', TECHNICAL_PROFILE));
    const config: RouterConfig = {
      routerName: 'e2e',
      tiers: [
        { name: 'faq', description: 'store questions', maxTokens: 500, modelId: 'amazon.nova-micro-v1:0', prices: BedrockModel.NOVA_MICRO.prices },
        { name: 'technical', description: 'technical problems', maxTokens: 500, modelId: 'amazon.nova-lite-v1:0', prices: BedrockModel.NOVA_LITE.prices },
      ],
      defaultTier: 'faq',
      maxEscalations: 1,
      classifier: {
        rules: [],
        model: { modelId: 'amazon.nova-micro-v1:0', prices: BedrockModel.NOVA_MICRO.prices, maxTokens: 10, maxInputCharacters: 2000 },
      },
      baseline: { modelId: 'amazon.nova-pro-v1:0', prices: BedrockModel.NOVA_PRO.prices },
      cache: { kind: 'none' },
      limits: { maxBodyBytes: 65536, maxPromptCharacters: 32000, maxMessages: 50 },
      requestTimeoutMs: 5000,
      configVersion: 'e2e',
    };
    router = await loadRouter(config, {
      AGENT_FUNCTIONS: JSON.stringify({ faq: 'router-agent-faq', technical: 'router-agent-technical' }),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    await lambda.close();
    await bedrock.close();
  });
  beforeEach(() => {
    bedrock.calls.length = 0;
  });

  test('classifier, agent and prompt cache: every call made, and the answer priced from its usage', async () => {
    bedrock.reply(
      { kind: 'answer', text: 'technical', usage: { inputTokens: 150, outputTokens: 2 } },
      { kind: 'answer', text: 'Check the signing secret.', usage: { inputTokens: 300, outputTokens: 40, cacheReadInputTokens: 1200 } },
    );
    const result = await router.invoke({ prompt: 'My webhook fails with a signature mismatch' });
    expect(result.statusCode).toBe(200);
    expect(bedrock.calls.map((call) => call.modelId)).toEqual([CLASSIFIER_PROFILE_ARN, TECHNICAL_PROFILE]);
    // The technical tier is the top one: no escalation instruction, the cache point right after the prompt.
    expect(bedrock.calls[1].body.system).toEqual([{ text: SYSTEM_PROMPTS.technical }, { cachePoint: { type: 'default' } }]);
    expect(bedrock.calls[1].body.messages).toEqual([{ role: 'user', content: [{ text: 'My webhook fails with a signature mismatch' }] }]);
    expect(result.body).toMatchObject({
      answer: 'Check the signing secret.',
      tier: 'technical',
      modelId: 'amazon.nova-lite-v1:0',
      cached: false,
      escalated: false,
      usage: { inputTokens: 450, outputTokens: 42, cacheReadInputTokens: 1200, cacheWriteInputTokens: 0 },
      // Classifier on Micro: 150 x 0.035 + 2 x 0.14 = 5.53e-6. Agent on Lite: 300 x 0.06 + 40 x 0.24 +
      // 1,200 cache reads x 0.015 = 45.6e-6. Together 51.13e-6.
      costUsd: 0.00005113,
      // Baseline, the answering call on Pro uncached: 1,500 x 0.80 + 40 x 3.20 = 1,328e-6.
      baselineCostUsd: 0.001328,
      savedUsd: 0.00127687,
    });
  });

  test('an agent that cannot answer escalates through the real marker to the next tier', async () => {
    bedrock.reply(
      { kind: 'answer', text: 'faq', usage: { inputTokens: 150, outputTokens: 1 } },
      { kind: 'answer', text: 'ESCALATE', usage: { inputTokens: 200, outputTokens: 1 } },
      { kind: 'answer', text: 'Reinstall the plugin, then clear the cache.', usage: { inputTokens: 210, outputTokens: 30 } },
    );
    const result = await router.invoke({ prompt: 'The plugin crashes the checkout page' });
    expect(result.statusCode).toBe(200);
    expect(bedrock.calls.map((call) => call.modelId)).toEqual([CLASSIFIER_PROFILE_ARN, FAQ_PROFILE, TECHNICAL_PROFILE]);
    // The faq agent was told it may escalate; the technical one, the last tier, was not.
    expect(JSON.stringify(bedrock.calls[1].body.system)).toContain('ESCALATE');
    expect(JSON.stringify(bedrock.calls[2].body.system)).not.toContain('ESCALATE');
    expect(result.body).toMatchObject({
      answer: 'Reinstall the plugin, then clear the cache.',
      tier: 'technical',
      escalated: true,
      usage: { inputTokens: 560, outputTokens: 32, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
      // Classifier 150 x 0.035 + 0.14 = 5.39e-6; faq 200 x 0.035 + 0.14 = 7.14e-6; technical 210 x 0.06 + 30 x 0.24 = 19.8e-6.
      costUsd: 0.00003233,
      // Pro for the answering call: 210 x 0.80 + 30 x 3.20 = 264e-6.
      baselineCostUsd: 0.000264,
      savedUsd: 0.00023167,
    });
  });

  test('a model that stays throttled reaches the client as a 429 with retry-after', async () => {
    bedrock.reply({ kind: 'answer', text: 'faq', usage: { inputTokens: 150, outputTokens: 1 } }, { kind: 'throttle' });
    const result = await router.invoke({ prompt: 'Where is my parcel?' });
    expect(result.statusCode).toBe(429);
    expect(result.headers['retry-after']).toBe('1');
    expect(result.body).toEqual({ error: { code: 'Throttled', message: expect.stringContaining('faq') as unknown } });
  });
});
