/**
 * Stratified splits of labelled examples, seeded: cross-validation folds that keep each label's
 * share, and k-shot samples (k examples of each label to train on, the rest to test).
 */
import { SeededRandom } from './random';

/** Indices of `labels` grouped by label, in label order, each group shuffled. */
function shuffledByLabel(labels: readonly string[], random: SeededRandom): number[][] {
  const groups = new Map<string, number[]>();
  labels.forEach((label, index) => {
    const group = groups.get(label);
    if (group) {
      group.push(index);
    } else {
      groups.set(label, [index]);
    }
  });
  return [...groups.keys()].sort().map((label) => random.shuffle(groups.get(label) as number[]));
}

/**
 * The fold (0 to folds - 1) of each example: each label's examples are dealt round the folds in a
 * seeded order, continuing where the previous label stopped so the folds end up the same size.
 */
export function stratifiedFolds(labels: readonly string[], folds: number, seed: number): Int32Array {
  const fold = new Int32Array(labels.length);
  let next = 0;
  for (const group of shuffledByLabel(labels, new SeededRandom(seed))) {
    for (const index of group) {
      fold[index] = next;
      next = (next + 1) % folds;
    }
  }
  return fold;
}

/** `shots` examples of each label to train on (all of a label's examples if it has fewer), the rest to test on. */
export function kShotSplit(labels: readonly string[], shots: number, seed: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (const group of shuffledByLabel(labels, new SeededRandom(seed))) {
    train.push(...group.slice(0, shots));
    test.push(...group.slice(shots));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
