/**
 * One-vs-rest linear SVMs with the squared hinge loss, trained by dual coordinate descent (Hsieh
 * et al., "A Dual Coordinate Descent Method for Large-scale Linear SVM", ICML 2008; LIBLINEAR's
 * default solver), with its shrinking heuristic. The bias is a constant feature, regularized like
 * the others (as LIBLINEAR does).
 */
import { SeededRandom } from './random';

/** Rows of a sparse matrix: row i is indices/values[rowStart[i] .. rowStart[i + 1]). */
export interface SparseRows {
  readonly rowStart: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  /** Columns, the bias included. */
  readonly columns: number;
}

export interface SvmOptions {
  /** Cost of a margin violation: larger fits the examples more closely. */
  readonly c: number;
  readonly seed: number;
  /** Stops when the projected gradient spans less than this. @default 0.1 (LIBLINEAR's) */
  readonly tolerance?: number;
  /** @default 1000 */
  readonly maxPasses?: number;
}

/**
 * Weights of one SVM per class, column-major: `weights[column * classes + k]`, so a decision
 * reads one contiguous run of `classes` numbers per feature.
 */
export function trainOneVsRest(rows: SparseRows, targets: Int32Array, classes: number, options: SvmOptions): Float64Array {
  const weights = new Float64Array(rows.columns * classes);
  const w = new Float64Array(rows.columns);
  const random = new SeededRandom(options.seed);
  for (let k = 0; k < classes; k++) {
    w.fill(0);
    trainBinary(rows, targets, k, options, random, w);
    for (let column = 0; column < rows.columns; column++) {
      weights[column * classes + k] = w[column];
    }
  }
  return weights;
}

function trainBinary(rows: SparseRows, targets: Int32Array, positive: number, options: SvmOptions, random: SeededRandom, w: Float64Array): void {
  const { rowStart, indices, values } = rows;
  const n = targets.length;
  const diagonal = 1 / (2 * options.c);
  const tolerance = options.tolerance ?? 0.1;
  const maxPasses = options.maxPasses ?? 1000;
  const alpha = new Float64Array(n);
  const qii = new Float64Array(n);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) {
      norm += values[p] * values[p];
    }
    qii[i] = norm + diagonal;
    y[i] = targets[i] === positive ? 1 : -1;
  }
  const active = Int32Array.from({ length: n }, (_, i) => i);
  let activeSize = n;
  // Shrinking: an example at alpha 0 whose gradient is beyond the last pass's largest violation is set aside.
  let maxViolationBefore = Infinity;
  for (let pass = 0; pass < maxPasses; pass++) {
    random.shuffle(active.subarray(0, activeSize));
    let maxViolation = -Infinity;
    let minViolation = Infinity;
    for (let s = 0; s < activeSize; s++) {
      const i = active[s];
      const start = rowStart[i];
      const end = rowStart[i + 1];
      let margin = 0;
      for (let p = start; p < end; p++) {
        margin += w[indices[p]] * values[p];
      }
      const a = alpha[i];
      const gradient = y[i] * margin - 1 + diagonal * a;
      let projected = gradient;
      if (a === 0) {
        if (gradient > maxViolationBefore) {
          activeSize--;
          active[s] = active[activeSize];
          active[activeSize] = i;
          s--;
          continue;
        }
        if (projected > 0) {
          projected = 0;
        }
      }
      if (projected > maxViolation) {
        maxViolation = projected;
      }
      if (projected < minViolation) {
        minViolation = projected;
      }
      if (projected > 1e-12 || projected < -1e-12) {
        const next = a - gradient / qii[i];
        alpha[i] = next > 0 ? next : 0;
        const step = (alpha[i] - a) * y[i];
        for (let p = start; p < end; p++) {
          w[indices[p]] += step * values[p];
        }
      }
    }
    if (maxViolation - minViolation < tolerance) {
      if (activeSize === n) {
        return;
      }
      // Converged on the active set: check every example once more before stopping.
      activeSize = n;
      maxViolationBefore = Infinity;
      continue;
    }
    maxViolationBefore = maxViolation <= 0 ? Infinity : maxViolation;
  }
}
