import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateClassifier, kShotSplit, parseLabelledCsv, TextClassifier, trainTextClassifier } from '../../lib/classifier';

/**
 * A quality floor on real data: BANKING77's training split, read in place from ../shared (never
 * copied into the project; its official test split is never used). The README's figures come
 * from scripts/cross-validate-classifier.ts; this only catches a change that breaks learning.
 */
const DATASET = join(__dirname, '..', '..', '..', 'shared', 'datasets', 'banking77', 'train.csv');
const present = existsSync(DATASET);
if (!present) {
  console.log(`skipped: ${DATASET} is absent (../shared is not beside the project)`);
}

(present ? describe : describe.skip)('the classifier on BANKING77, 10 examples per intent', () => {
  test('learns 77 intents from 770 examples well above chance, and its confident decisions are more often right', () => {
    const examples = parseLabelledCsv(readFileSync(DATASET, 'utf8'));
    const { train, test } = kShotSplit(
      examples.map((example) => example.label),
      10,
      1,
    );
    const model = trainTextClassifier(train.map((index) => examples[index]));
    expect(model.labels).toHaveLength(77);
    // Every 4th held-out example: 2,300 of them keep the test quick.
    const held = test.filter((_, position) => position % 4 === 0).map((index) => examples[index]);
    const evaluation = evaluateClassifier(TextClassifier.fromJson(model), held, { minConfidence: 0.9 });
    // Chance is 1.3%; the cross-validated figure over 5 seeds is about 74%.
    expect(evaluation.accuracy).toBeGreaterThan(0.7);
    expect(evaluation.atMinConfidence.accuracy).toBeGreaterThan(evaluation.accuracy + 0.1);
  });
});
