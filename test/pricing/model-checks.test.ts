import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { BatchInferencePipeline, CostAlertTopic, CostAllocatedInferenceProfile } from '../../lib';
import { MODEL_LIFECYCLE_WARNING } from '../../lib/internal/model-annotations';
import { assertBatchSupported, BedrockModel, InferenceSource, modelLifecycleWarning } from '../../lib/pricing';
import { ONLINE_ONLY_MODEL } from '../support/models';

describe('modelLifecycleWarning', () => {
  test('an end-of-life model: the date, the replacement and the price difference', () => {
    expect(modelLifecycleWarning(BedrockModel.CLAUDE_SONNET_4)).toBe(
      'Claude Sonnet 4 (anthropic.claude-sonnet-4-20250514-v1:0) reached end of life on 2026-10-14: AWS fails its requests. ' +
        'Move to Claude Sonnet 4.6 (anthropic.claude-sonnet-4-6): input $3 -> $3.3 (+10%), output $15 -> $16.5 (+10%) per 1M tokens.',
    );
  });

  test('compares through the same profile where the replacement has one', () => {
    // Nova Premier us. 2.50 / 12.50 against Nova 2 Lite us. 0.33 / 2.75: -86.8% and -78%.
    expect(modelLifecycleWarning(InferenceSource.crossRegion(BedrockModel.NOVA_PREMIER, 'us'))).toBe(
      'Amazon Nova Premier (us.amazon.nova-premier-v1:0) reached end of life on 2026-09-14: AWS fails its requests. ' +
        'Move to Amazon Nova 2 Lite (us.amazon.nova-2-lite-v1:0): input $2.5 -> $0.33 (-86.8%), output $12.5 -> $2.75 (-78%) per 1M tokens.',
    );
    // Claude Sonnet 4 global. 3 / 15 against Sonnet 4.6 global. 3 / 15.
    expect(modelLifecycleWarning(InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4, 'global'))).toContain(
      'Move to Claude Sonnet 4.6 (global.anthropic.claude-sonnet-4-6): input $3 -> $3 (0%), output $15 -> $15 (0%)',
    );
  });

  test('a legacy model: since when, and its end of life', () => {
    expect(modelLifecycleWarning(InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'us'))).toMatch(
      /^Claude Sonnet 4\.5 \(us\.anthropic\.claude-sonnet-4-5-20250929-v1:0\) is legacy since 2026-10-08 and reaches end of life on 2027-04-08\. Move to Claude Sonnet 4\.6/,
    );
  });

  test('nothing for an active model', () => {
    expect(modelLifecycleWarning(BedrockModel.NOVA_MICRO)).toBeUndefined();
    expect(modelLifecycleWarning(ONLINE_ONLY_MODEL)).toBeUndefined();
  });
});

describe('assertBatchSupported', () => {
  test('returns the source when batch runs through it', () => {
    expect(assertBatchSupported(BedrockModel.NOVA_LITE).invocationId).toBe('amazon.nova-lite-v1:0');
    expect(assertBatchSupported(InferenceSource.crossRegion(BedrockModel.NOVA_PREMIER, 'us')).prices.batch).toBeDefined();
  });

  test('names the paths that do batch, or says none does', () => {
    expect(() => assertBatchSupported(BedrockModel.NOVA_PREMIER, 'BatchInferencePipeline model')).toThrow(
      'BatchInferencePipeline model: Amazon Nova Premier (amazon.nova-premier-v1:0) does not support batch inference (batch runs through us.)',
    );
    expect(() => assertBatchSupported(InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'us-gov'))).toThrow(
      /does not support batch inference \(batch runs through the model id itself, global\., us\., eu\., jp\., au\.\)/,
    );
    expect(() => assertBatchSupported(BedrockModel.CLAUDE_3_7_SONNET)).toThrow(/AWS offers batch inference for select models only/);
  });
});

describe('synth-time annotations', () => {
  function warningsOf(stack: Stack) {
    return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('end of life'));
  }

  test('a profile on an end-of-life model warns with the replacement; an active one does not', () => {
    const stack = new Stack(new App(), 'Profiles');
    new CostAllocatedInferenceProfile(stack, 'Old', { profileName: 'old', model: BedrockModel.CLAUDE_SONNET_4, costAllocationTags: { team: 'a' } });
    new CostAllocatedInferenceProfile(stack, 'Current', { profileName: 'current', model: BedrockModel.NOVA_MICRO, costAllocationTags: { team: 'a' } });
    const warnings = warningsOf(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toBe('/Profiles/Old');
    expect(JSON.stringify(warnings[0].entry.data)).toContain('Move to Claude Sonnet 4.6');
    expect(JSON.stringify(warnings[0].entry.data)).toContain(`[ack: ${MODEL_LIFECYCLE_WARNING}]`);
  });

  test('a batch pipeline on a model without batch fails at synth; on a legacy one it warns', () => {
    const stack = new Stack(new App(), 'Batch');
    const alertTopic = new CostAlertTopic(stack, 'Alerts');
    expect(() => new BatchInferencePipeline(stack, 'NoBatch', { model: BedrockModel.CLAUDE_3_7_SONNET, alertTopic })).toThrow(
      'BatchInferencePipeline model: Claude 3.7 Sonnet (anthropic.claude-3-7-sonnet-20250219-v1:0) does not support batch inference',
    );
    new BatchInferencePipeline(stack, 'Legacy', { model: InferenceSource.crossRegion(BedrockModel.NOVA_PREMIER, 'us'), alertTopic });
    expect(warningsOf(stack).map((warning) => warning.id)).toEqual(['/Batch/Legacy']);
  });
});
