import { Annotations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { type BedrockModel, type InferenceSource, modelLifecycleWarning } from '../pricing';

/** The id of the synth warning for a legacy or end-of-life model (acknowledge it with `Annotations.acknowledgeWarning`). */
export const MODEL_LIFECYCLE_WARNING = 'cdk-bedrock-cost:modelLifecycle';

/**
 * Adds a synth-time warning to `scope` when `target` is a legacy or end-of-life model, naming
 * its replacement and the price difference.
 */
export function warnOnModelLifecycle(scope: IConstruct, target: BedrockModel | InferenceSource): void {
  const warning = modelLifecycleWarning(target);
  if (warning !== undefined) {
    Annotations.of(scope).addWarningV2(MODEL_LIFECYCLE_WARNING, warning);
  }
}
