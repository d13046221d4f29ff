/**
 * How a trained model does on labelled examples it was not trained on: accuracy, precision and
 * recall per label, the most frequent confusions, what share of requests it decides alone at a
 * confidence threshold (the rest go to the router's fallback) and how often those are right, and
 * how long a decision takes.
 */
import { type LabelledExample } from './csv';
import { type TextClassifier } from './model';

/** The router's default: below it, the fallback classifier decides. */
export const DEFAULT_MIN_CONFIDENCE = 0.5;

export interface LabelMetrics {
  readonly label: string;
  /** Examples of this label. */
  readonly support: number;
  /** Of the examples predicted as this label, the share that are; null when none is. */
  readonly precision: number | null;
  /** Of this label's examples, the share predicted as it; null when it has none. */
  readonly recall: number | null;
}

export interface Confusion {
  readonly actual: string;
  readonly predicted: string;
  readonly count: number;
}

export interface ThresholdMetrics {
  readonly minConfidence: number;
  /** Share of the examples decided with at least `minConfidence`. */
  readonly coverage: number;
  /** Accuracy over those; null when none is. */
  readonly accuracy: number | null;
}

export interface Evaluation {
  readonly examples: number;
  readonly accuracy: number;
  /** The model's labels and any label of the examples the model does not know, sorted. */
  readonly labels: readonly LabelMetrics[];
  /** Labels of the examples the model was not trained on (their examples count as errors). */
  readonly unknownLabels: readonly string[];
  /** The most frequent mistakes, most frequent first. */
  readonly confusions: readonly Confusion[];
  /** At the threshold asked for. */
  readonly atMinConfidence: ThresholdMetrics;
  /** At 0.3, 0.5, 0.7, 0.8, 0.9 and 0.95, to choose a threshold. */
  readonly thresholds: readonly ThresholdMetrics[];
  /** Milliseconds per decision (text to label), measured here. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export interface EvaluationOptions {
  /** @default DEFAULT_MIN_CONFIDENCE */
  readonly minConfidence?: number;
  /** @default 20 */
  readonly maxConfusions?: number;
}

const THRESHOLDS = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95];

export function evaluateClassifier(classifier: TextClassifier, examples: readonly LabelledExample[], options: EvaluationOptions = {}): Evaluation {
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new RangeError(`minConfidence must be from 0 to 1, got ${minConfidence}`);
  }
  if (examples.length === 0) {
    throw new RangeError('there are no examples to evaluate');
  }
  const known = new Set(classifier.labels);
  const decisions = examples.map((example) => {
    const started = performance.now();
    const { label, confidence } = classifier.classify(example.text);
    return { actual: example.label, predicted: label, confidence, ms: performance.now() - started };
  });
  const labels = [...new Set([...classifier.labels, ...examples.map((example) => example.label)])].sort();
  const perLabel = labels.map((label) => {
    const support = decisions.filter((decision) => decision.actual === label).length;
    const predicted = decisions.filter((decision) => decision.predicted === label);
    const hits = predicted.filter((decision) => decision.actual === label).length;
    return {
      label,
      support,
      precision: predicted.length === 0 ? null : hits / predicted.length,
      recall: support === 0 ? null : hits / support,
    };
  });
  const confusions = new Map<string, Confusion>();
  for (const { actual, predicted } of decisions) {
    if (actual !== predicted) {
      const key = JSON.stringify([actual, predicted]);
      const count = (confusions.get(key)?.count ?? 0) + 1;
      confusions.set(key, { actual, predicted, count });
    }
  }
  const at = (threshold: number): ThresholdMetrics => {
    const decided = decisions.filter((decision) => decision.confidence >= threshold);
    const right = decided.filter((decision) => decision.actual === decision.predicted).length;
    return { minConfidence: threshold, coverage: decided.length / decisions.length, accuracy: decided.length === 0 ? null : right / decided.length };
  };
  const times = decisions.map((decision) => decision.ms).sort((a, b) => a - b);
  const percentile = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  return {
    examples: decisions.length,
    accuracy: decisions.filter((decision) => decision.actual === decision.predicted).length / decisions.length,
    labels: perLabel,
    unknownLabels: labels.filter((label) => !known.has(label)),
    confusions: [...confusions.values()]
      .sort((a, b) => b.count - a.count || a.actual.localeCompare(b.actual) || a.predicted.localeCompare(b.predicted))
      .slice(0, options.maxConfusions ?? 20),
    atMinConfidence: at(minConfidence),
    thresholds: THRESHOLDS.map(at),
    latencyMs: { p50: percentile(0.5), p99: percentile(0.99), max: times[times.length - 1] },
  };
}
