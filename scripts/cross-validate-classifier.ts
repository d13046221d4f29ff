/**
 * The README's figures for the trained router classifier, on BANKING77's training split
 * (../shared/datasets/banking77/train.csv, read in place; its official test split is never used):
 * - full data: 5-fold stratified cross-validation; each fold's model (with its own calibration)
 *   learns from the other four folds and is judged on the held-out one;
 * - 10 examples per intent: for each of 5 seeds, 10 examples of each intent drawn at random (the
 *   same 10 for every run with that seed) to learn from, all the others to judge on.
 * Figures, not pass/fail: `tsx scripts/cross-validate-classifier.ts [full|few-shot]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  evaluateClassifier,
  type Evaluation,
  kShotSplit,
  type LabelledExample,
  parseLabelledCsv,
  stratifiedFolds,
  TextClassifier,
  trainTextClassifier,
} from '../lib/classifier';

const DATASET = join(__dirname, '..', '..', 'shared', 'datasets', 'banking77', 'train.csv');
const FOLDS = 5;
const SHOTS = 10;
const SEEDS = [1, 2, 3, 4, 5];

function judge(train: readonly LabelledExample[], test: readonly LabelledExample[]): Evaluation {
  const classifier = TextClassifier.fromJson(trainTextClassifier(train));
  return evaluateClassifier(classifier, test);
}

function summarize(name: string, runs: readonly Evaluation[]): void {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const accuracies = runs.map((run) => run.accuracy);
  const spread = Math.sqrt(mean(accuracies.map((accuracy) => (accuracy - mean(accuracies)) ** 2)));
  console.log(`${name}: accuracy ${(mean(accuracies) * 100).toFixed(2)}% (runs ${accuracies.map((a) => (a * 100).toFixed(2)).join(', ')}; sd ${(spread * 100).toFixed(2)})`);
  for (let t = 0; t < runs[0].thresholds.length; t++) {
    const threshold = runs[0].thresholds[t].minConfidence;
    const coverage = mean(runs.map((run) => run.thresholds[t].coverage));
    const accuracy = mean(runs.map((run) => run.thresholds[t].accuracy ?? 0));
    console.log(`  confidence >= ${threshold.toFixed(2)}: decides ${(coverage * 100).toFixed(1)}% alone, ${(accuracy * 100).toFixed(1)}% of them right`);
  }
}

function fullData(examples: readonly LabelledExample[]): void {
  const fold = stratifiedFolds(
    examples.map((example) => example.label),
    FOLDS,
    1,
  );
  const runs: Evaluation[] = [];
  for (let f = 0; f < FOLDS; f++) {
    runs.push(
      judge(
        examples.filter((_, index) => fold[index] !== f),
        examples.filter((_, index) => fold[index] === f),
      ),
    );
  }
  summarize(`full data, ${FOLDS}-fold cross-validation`, runs);
}

function fewShot(examples: readonly LabelledExample[]): void {
  const labels = examples.map((example) => example.label);
  const runs = SEEDS.map((seed) => {
    const { train, test } = kShotSplit(labels, SHOTS, seed);
    return judge(
      train.map((index) => examples[index]),
      test.map((index) => examples[index]),
    );
  });
  summarize(`${SHOTS} examples per intent, ${SEEDS.length} seeds, judged on all the others`, runs);
}

if (!existsSync(DATASET)) {
  console.log(`skipped: ${DATASET} is absent (it lives in ../shared, beside the project)`);
} else {
  const examples = parseLabelledCsv(readFileSync(DATASET, 'utf8'));
  const which = process.argv[2];
  const started = performance.now();
  if (which !== 'few-shot') fullData(examples);
  if (which !== 'full') fewShot(examples);
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
