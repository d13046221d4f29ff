/**
 * The classifier learned from labelled examples (`bedrock-cost classifier train`): loaded once
 * at cold start from the model file bundled beside routing-config.json, then a pure function
 * from text to tier that takes well under a millisecond.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TextClassifier } from '../../lib/classifier/model';
import { type TrainedClassifierConfig } from '../routing-shared/contract';

export interface LocalClassification {
  readonly tier: string;
  readonly label: string;
  /** Calibrated probability of the label, 0-1. */
  readonly confidence: number;
  /** Whether the confidence reaches the configured minimum: only then the router follows it. */
  readonly confident: boolean;
}

export type LocalClassifier = (text: string) => LocalClassification;

/**
 * Reads and checks the model file in `directory`; throws a clear error when it is missing, is not
 * the file the configuration names (its SHA-256), or has a label without a known tier.
 */
export function loadTrainedClassifier(config: TrainedClassifierConfig, tierNames: readonly string[], directory: string): LocalClassifier {
  const path = resolve(directory, config.modelFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the trained classifier ${path}: ${(error as Error).message}`, { cause: error });
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (sha256 !== config.sha256) {
    throw new Error(`the trained classifier ${path} has SHA-256 ${sha256}, the configuration names ${config.sha256}: deploy the two together`);
  }
  const classifier = TextClassifier.parse(text);
  const tiers = classifier.labels.map((label) => config.tiers[label]);
  classifier.labels.forEach((label, index) => {
    if (!tierNames.includes(tiers[index])) {
      throw new Error(`the trained classifier's label '${label}' maps to '${tiers[index]}', which is not one of ${tierNames.join(', ')}`);
    }
  });
  if (!(config.minConfidence >= 0 && config.minConfidence <= 1)) {
    throw new Error(`the trained classifier's minConfidence must be from 0 to 1, got ${config.minConfidence}`);
  }
  const tierOf = new Map(classifier.labels.map((label, index) => [label, tiers[index]]));
  return (text: string) => {
    const { label, confidence } = classifier.classify(text);
    return { tier: tierOf.get(label) as string, label, confidence, confident: confidence >= config.minConfidence };
  };
}
