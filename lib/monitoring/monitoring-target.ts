import { BedrockModel, InferenceSource } from '../pricing';
import { type ICostAllocatedInferenceProfile } from '../profiles/cost-allocated-inference-profile';
import { BedrockMetrics } from './bedrock-metrics';

/** What can be monitored: a model, a cross-region source, or an application inference profile. */
export type MonitoredSource = BedrockModel | InferenceSource | ICostAllocatedInferenceProfile;

/** A monitored source with the name its alarms and dashboard rows carry. */
export interface ResolvedTarget {
  readonly name: string;
  readonly metrics: BedrockMetrics;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function isProfile(source: MonitoredSource): source is ICostAllocatedInferenceProfile {
  return !(source instanceof BedrockModel) && !(source instanceof InferenceSource);
}

/**
 * The metrics and name of a monitored source. Names default to the profile's construct id or a
 * slug of the model id (`us.amazon.nova-pro-v1:0` -> `us-amazon-nova-pro-v1-0`).
 */
export function resolveTarget(source: MonitoredSource, name?: string, modelIdDimension?: string, path = 'target'): ResolvedTarget {
  let resolvedName: string;
  let metrics: BedrockMetrics;
  if (isProfile(source)) {
    if (modelIdDimension !== undefined) {
      throw new Error(`${path}: modelIdDimension applies to models, not profiles (they are measured by their id)`);
    }
    resolvedName = name ?? source.node.id;
    metrics = source.metrics;
  } else {
    metrics = BedrockMetrics.forSource(source, modelIdDimension);
    resolvedName = name ?? metrics.target.modelIdDimension.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  }
  if (!NAME_PATTERN.test(resolvedName)) {
    throw new Error(`${path}: name must be 1-64 letters, digits, '_' or '-', got '${resolvedName}'`);
  }
  return { name: resolvedName, metrics };
}
