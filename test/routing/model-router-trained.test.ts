import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { parseLabelledCsv, trainTextClassifier } from '../../lib/classifier';
import { BedrockModel, ModelRouter, RouterClassifier, type RouterTier, type TrainedClassifierOptions } from '../../lib';
import { type RouterConfig } from '../../lib/routing/contract';
import { SUPPORT_INTENT_TIERS } from '../../bin/reference-stack';

const EXAMPLES = join(__dirname, '..', '..', 'examples', 'classifier');
const MODEL = join(EXAMPLES, 'support-router-model.json');
/** The reference app's map of the example model's intents to its support router's tiers. */
const TIERS: TrainedClassifierOptions['tiers'] = SUPPORT_INTENT_TIERS;
const FAQ: RouterTier = { name: 'faq', description: 'FAQ', model: BedrockModel.NOVA_MICRO, maxTokens: 400, systemPrompt: 'You answer FAQs.' };
const TECHNICAL: RouterTier = { name: 'technical', description: 'Support', model: BedrockModel.NOVA_LITE, maxTokens: 1000, systemPrompt: 'You are a support engineer.' };

function synth(classifier: RouterClassifier) {
  const app = new App();
  const stack = new Stack(app, 'Routing', { env: { region: 'us-east-1', account: '111122223333' } });
  const router = new ModelRouter(stack, 'Support', { tiers: [FAQ, TECHNICAL], classifier });
  return { app, stack, router, template: Template.fromStack(stack) };
}

/** A file bundled into the router's asset, found through the function's code hash. */
function bundledFile(built: ReturnType<typeof synth>, name: string): string {
  const assembly = built.app.synth();
  const cfn = built.router.routerFunction.node.defaultChild as lambda.CfnFunction;
  const hash = (built.stack.resolve(cfn.code) as { s3Key: string }).s3Key.replace(/\.zip$/, '');
  return readFileSync(join(assembly.directory, `asset.${hash}`, name), 'utf8');
}

describe('ModelRouter with RouterClassifier.trained', () => {
  describe('with a model classifier as fallback', () => {
    const built = synth(RouterClassifier.trained({ model: MODEL, tiers: TIERS, minConfidence: 0.7, fallback: RouterClassifier.model(BedrockModel.NOVA_MICRO) }));
    const config = JSON.parse(bundledFile(built, 'routing-config.json')) as RouterConfig;

    test('the configuration names the bundled model, its SHA-256, the label -> tier map and the threshold', () => {
      const text = readFileSync(MODEL, 'utf8');
      expect(config.classifier.trained).toEqual({
        modelFile: 'trained-classifier.json',
        sha256: createHash('sha256').update(text).digest('hex'),
        tiers: TIERS,
        minConfidence: 0.7,
      });
      expect(bundledFile(built, 'trained-classifier.json')).toBe(text);
    });

    test('the fallback model gets the classifier profile, as RouterClassifier.model() does', () => {
      expect(config.classifier.model).toMatchObject({ modelId: BedrockModel.NOVA_MICRO.modelId, maxTokens: 10, maxInputCharacters: 2000 });
      expect(built.router.classifierProfile).toBeDefined();
      built.template.resourceCountIs('AWS::Bedrock::ApplicationInferenceProfile', 3);
    });

    test('metrics of local decisions and low-confidence fallbacks', () => {
      expect(built.stack.resolve(built.router.metricLocalDecisions().metricName)).toBe('LocalDecisions');
      expect(built.router.metricLowConfidenceFallbacks().metricName).toBe('LowConfidenceFallbacks');
      expect(built.router.metricLocalDecisions().dimensions).toEqual({ Router: built.router.routerName });
    });
  });

  test('without a fallback: no classifier model or profile, threshold 0.5', () => {
    const built = synth(RouterClassifier.trained({ model: MODEL, tiers: TIERS }));
    const config = JSON.parse(bundledFile(built, 'routing-config.json')) as RouterConfig;
    expect(config.classifier.model).toBeUndefined();
    expect(config.classifier.trained?.minConfidence).toBe(0.5);
    expect(built.router.classifierProfile).toBeUndefined();
    built.template.resourceCountIs('AWS::Bedrock::ApplicationInferenceProfile', 2);
  });

  test('a new model changes the config version, so cached answers routed by the old one stop matching', () => {
    const directory = mkdtempSync(join(tmpdir(), 'model-'));
    const retrained = join(directory, 'model.json');
    const examples = parseLabelledCsv(readFileSync(join(EXAMPLES, 'support-router.csv'), 'utf8'));
    writeFileSync(retrained, JSON.stringify(trainTextClassifier(examples, { seed: 7 })));
    const version = (model: string) => (JSON.parse(bundledFile(synth(RouterClassifier.trained({ model, tiers: TIERS })), 'routing-config.json')) as RouterConfig).configVersion;
    expect(version(MODEL)).not.toBe(version(retrained));
  });

  describe('synth-time validation', () => {
    const notAModel = join(mkdtempSync(join(tmpdir(), 'model-')), 'model.json');
    writeFileSync(notAModel, '{"format":"onnx"}');
    const withoutOrderStatus = Object.fromEntries(Object.entries(TIERS).filter(([label]) => label !== 'order_status'));

    test.each([
      ['a missing model file', { model: 'no/such/model.json', tiers: TIERS }, /cannot read model 'no\/such\/model.json' .*ENOENT/],
      ['a file that is not a trained model', { model: notAModel, tiers: TIERS }, /is not a model from 'bedrock-cost classifier train': format must be/],
      ['a label without a tier', { model: MODEL, tiers: withoutOrderStatus }, /tiers maps no tier for the label\(s\) order_status/],
      ['a label the model does not have', { model: MODEL, tiers: { ...TIERS, billing: 'faq' } }, /tiers names label\(s\) billing the model .* does not have/],
      ['minConfidence above 1', { model: MODEL, tiers: TIERS, minConfidence: 1.5 }, /minConfidence must be from 0 to 1, got 1.5/],
      ['a fallback that is not a model classifier', { model: MODEL, tiers: TIERS, fallback: RouterClassifier.rules([{ tier: 'faq', keywords: ['hours'] }]) }, /fallback must be RouterClassifier.model/],
    ])('refuses %s', (_name, options, message) => {
      expect(() => RouterClassifier.trained(options as TrainedClassifierOptions)).toThrow(message);
    });

    test('refuses a label mapped to a tier the router does not have', () => {
      expect(() => synth(RouterClassifier.trained({ model: MODEL, tiers: { ...TIERS, product_how_to: 'premium' } }))).toThrow(
        "ModelRouter classifier tiers.product_how_to 'premium' is not a tier; tiers: faq, technical",
      );
    });
  });
});
