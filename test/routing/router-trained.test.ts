import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LabelledExample, trainTextClassifier } from '../../lib/classifier';
import { type AgentRequest, type RouterConfig, type TrainedClassifierConfig } from '../../lambda/routing-shared/contract';
import { type BedrockStub, startBedrockStub } from '../support/bedrock-stub';
import { type LambdaStub, startLambdaStub } from '../support/lambda-stub';
import { AGENT, answers, loadRouter, metricsOf, NOVA_MICRO, routerConfig, type RouterUnderTest, usage } from './router-harness';

/** Three intents, one per tier of the harness: greetings (small), summaries (medium), proofs (large). */
const EXAMPLES: LabelledExample[] = [
  ...['good morning', 'hi there, how are you', 'hey, nice to meet you', 'good evening friend', 'greetings and good day'].map((text) => ({ text, label: 'greeting' })),
  ...['summarize this article', 'give me a short summary of the report', 'summarise the meeting notes', 'shorten this text into a summary', 'a brief summary of the chapter'].map((text) => ({ text, label: 'summary' })),
  ...['prove the theorem', 'show a proof that the sum is even', 'demonstrate with a rigorous proof', 'prove this lemma formally', 'give a proof by induction'].map((text) => ({ text, label: 'proof' })),
];
const TIERS = { greeting: 'small', summary: 'medium', proof: 'large' };

function writeModel(directory: string): TrainedClassifierConfig {
  const text = `${JSON.stringify(trainTextClassifier(EXAMPLES))}\n`;
  const modelFile = join(directory, 'trained-classifier.json');
  writeFileSync(modelFile, text);
  return { modelFile, sha256: createHash('sha256').update(text).digest('hex'), tiers: TIERS, minConfidence: 0.6 };
}

/** The harness config without rules, with the trained classifier; the Nova Micro classifier is the fallback unless removed. */
function trainedConfig(trained: TrainedClassifierConfig, classifier: Partial<RouterConfig['classifier']> = {}): RouterConfig {
  const base = routerConfig();
  return routerConfig({ classifier: { rules: [], model: base.classifier.model, trained, ...classifier } });
}

/**
 * Tiers: small = Nova Micro, medium = Nova Lite (the default tier), large = Nova Pro; the trained
 * classifier maps greeting -> small, summary -> medium, proof -> large; minConfidence 0.6.
 */
describe('router with a trained classifier', () => {
  let bedrock: BedrockStub;
  let lambda: LambdaStub;
  let trained: TrainedClassifierConfig;

  beforeAll(async () => {
    bedrock = await startBedrockStub({ kind: 'answer', text: 'large', usage: { inputTokens: 100, outputTokens: 2 } });
    lambda = await startLambdaStub();
    trained = writeModel(mkdtempSync(join(tmpdir(), 'trained-')));
  });
  afterAll(async () => {
    await lambda.close();
    await bedrock.close();
  });
  beforeEach(() => {
    bedrock.calls.length = 0;
    bedrock.reply();
    lambda.calls.length = 0;
    lambda.register(AGENT.small, answers('small answer', usage(100, 20)));
    lambda.register(AGENT.medium, answers('medium answer', usage(100, 20)));
    lambda.register(AGENT.large, answers('large answer', usage(100, 20)));
  });

  const tiersCalled = () => lambda.calls.map((call) => (call.payload as AgentRequest).tier);

  describe('with the model classifier as fallback', () => {
    let router: RouterUnderTest;
    beforeAll(async () => {
      router = await loadRouter(trainedConfig(trained));
    });

    test('a confident decision routes without a classifier call: no classifier tokens, counted as local', async () => {
      const result = await router.invoke({ prompt: 'Could you summarize these notes for me?' });
      expect(result.statusCode).toBe(200);
      expect(result.body).toMatchObject({ tier: 'medium', answer: 'medium answer', usage: usage(100, 20) });
      expect(bedrock.calls).toHaveLength(0);
      expect(tiersCalled()).toEqual(['medium']);
      expect(metricsOf(result)).toMatchObject({ LocalDecisions: 1, LowConfidenceFallbacks: 0, ClassifierFallbacks: 0, Tier: 'medium' });
      expect(result.logs).toContainEqual(expect.objectContaining({ message: 'Request answered', classifiedBy: 'trained' }));
    });

    test.each([
      ['hi, good morning!', 'small'],
      ['please prove it by induction', 'large'],
    ])('"%s" goes to %s', async (prompt, tier) => {
      const result = await router.invoke({ prompt });
      expect(result.body).toMatchObject({ tier });
      expect(bedrock.calls).toHaveLength(0);
    });

    test('an unsure decision asks the model classifier, whose tokens are billed, counted as a low-confidence fallback', async () => {
      const result = await router.invoke({ prompt: 'zebra quantum xylophone' });
      expect(result.statusCode).toBe(200);
      expect(bedrock.calls).toHaveLength(1);
      expect(bedrock.calls[0].modelId).toContain('router-classifier');
      // The model said "large"; its 100 + 2 tokens are part of the request's usage.
      expect(result.body).toMatchObject({ tier: 'large', usage: usage(200, 22) });
      expect(metricsOf(result)).toMatchObject({ LocalDecisions: 0, LowConfidenceFallbacks: 1, ClassifierFallbacks: 0 });
      expect(result.logs).toContainEqual(expect.objectContaining({ message: 'Request answered', classifiedBy: 'model' }));
    });

    test('a forced tier skips classification altogether', async () => {
      const result = await router.invoke({ prompt: 'summarize this', tier: 'large' });
      expect(result.body).toMatchObject({ tier: 'large' });
      expect(metricsOf(result)).toMatchObject({ LocalDecisions: 0, LowConfidenceFallbacks: 0 });
    });
  });

  test('without a fallback model, an unsure decision goes to the default tier with no Bedrock call', async () => {
    const router = await loadRouter(trainedConfig(trained, { model: undefined }));
    const result = await router.invoke({ prompt: 'zebra quantum xylophone' });
    expect(result.body).toMatchObject({ tier: 'medium', usage: usage(100, 20) });
    expect(bedrock.calls).toHaveLength(0);
    expect(metricsOf(result)).toMatchObject({ LocalDecisions: 0, LowConfidenceFallbacks: 1, ClassifierFallbacks: 0 });
  });

  test('rules come first: a rule match is neither a local decision nor a fallback', async () => {
    const router = await loadRouter(trainedConfig(trained, { rules: [{ tier: 'large', keywords: ['summarize'], patterns: [] }] }));
    const result = await router.invoke({ prompt: 'summarize this article' });
    expect(result.body).toMatchObject({ tier: 'large' });
    expect(metricsOf(result)).toMatchObject({ LocalDecisions: 0, LowConfidenceFallbacks: 0 });
  });

  test('the threshold is the configured one: at 0 every decision is local', async () => {
    const router = await loadRouter(trainedConfig({ ...trained, minConfidence: 0 }));
    const result = await router.invoke({ prompt: 'zebra quantum xylophone' });
    expect(bedrock.calls).toHaveLength(0);
    expect(metricsOf(result)).toMatchObject({ LocalDecisions: 1, LowConfidenceFallbacks: 0 });
  });

  test('a router without a trained classifier publishes neither metric', async () => {
    const router = await loadRouter(routerConfig());
    const result = await router.invoke({ prompt: 'hello' });
    expect(metricsOf(result)).not.toHaveProperty('LocalDecisions');
    expect(metricsOf(result)).not.toHaveProperty('LowConfidenceFallbacks');
  });

  describe('cold start refuses a model that does not match its configuration', () => {
    test('a model file that is not the one configured (SHA-256)', async () => {
      const router = await loadRouter(trainedConfig({ ...trained, sha256: '0'.repeat(64) }));
      await expect(router.invoke({ prompt: 'hi' })).rejects.toThrow(/has SHA-256 [0-9a-f]{64}, the configuration names 0{64}: deploy the two together/);
    });

    test('a label mapped to no tier of the router', async () => {
      const router = await loadRouter(trainedConfig({ ...trained, tiers: { ...TIERS, proof: 'huge' } }));
      await expect(router.invoke({ prompt: 'hi' })).rejects.toThrow("the trained classifier's label 'proof' maps to 'huge', which is not one of small, medium, large");
    });

    test('a missing model file', async () => {
      const router = await loadRouter(trainedConfig({ ...trained, modelFile: join(tmpdir(), 'no-such-model.json') }));
      await expect(router.invoke({ prompt: 'hi' })).rejects.toThrow(/cannot read the trained classifier .*no-such-model.json/);
    });
  });

  test('the model file is found beside the configuration file by its bare name', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'bundle-'));
    const local = writeModel(directory);
    const config = trainedConfig({ ...local, modelFile: 'trained-classifier.json' });
    writeFileSync(join(directory, 'routing-config.json'), JSON.stringify(config));
    const router = await loadRouter(config, { CONFIG_FILE: join(directory, 'routing-config.json') });
    const result = await router.invoke({ prompt: 'good morning to you' });
    expect(result.body).toMatchObject({ tier: 'small' });
    expect(NOVA_MICRO.modelId).toBe(result.body.modelId);
  });
});
