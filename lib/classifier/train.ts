/**
 * Training: TF-IDF features (see features.ts), one-vs-rest linear SVMs, int8 weights, and a
 * softmax temperature fitted on held-out folds so that `confidence` means what it says (of the
 * decisions made at 0.9, about 90% are right). Deterministic: the same examples and options give
 * the same model file, byte for byte.
 */
import { type LabelledExample } from './csv';
import { DEFAULT_FEATURE_OPTIONS, extractFeatures, type FeatureOptions } from './features';
import { trainOneVsRest, type SparseRows } from './linear-svm';
import {
  encodeFloat32,
  encodeInt8,
  encodeUint32,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  TextClassifier,
  type TextClassifierModelJson,
} from './model';
import { stratifiedFolds } from './sampling';
import { inverseDocumentFrequency, weighTerms } from './tf-idf';

export interface TrainingOptions {
  /** @default DEFAULT_FEATURE_OPTIONS */
  readonly features?: Partial<FeatureOptions>;
  /**
   * Cost of a margin violation: larger fits the examples more closely.
   *
   * @default 1
   */
  readonly c?: number;
  /**
   * The most features kept, the most frequent first: bounds the model file (77 labels x 20,000
   * features is about 2 MB).
   *
   * @default 20000
   */
  readonly maxFeatures?: number;
  /**
   * Cross-validation folds that fit the confidence calibration and estimate accuracy: 2-20.
   *
   * @default 5
   */
  readonly folds?: number;
  /** Seeds the shuffles. @default 1 */
  readonly seed?: number;
  /**
   * Also learn each label's name as an example of it (`card_arrival` as "card arrival"): names
   * usually say what a label is, which helps most when examples are few.
   *
   * @default true
   */
  readonly labelNamesAsExamples?: boolean;
  /** Told when each cross-validation fold and the final model start. */
  readonly onProgress?: (step: string) => void;
}

/** Bad training input or options: the message names the field. */
export class TrainingError extends RangeError {
  public override readonly name = 'TrainingError';
}

const MAX_TEXT_BYTES = 1_000_000;

interface Fitted {
  readonly hashes: Uint32Array;
  readonly idf: Float64Array;
  /** Column-major, the bias column last. */
  readonly weights: Float64Array;
}

/** Trains a model; throws a TrainingError for input it cannot learn from. */
export function trainTextClassifier(examples: readonly LabelledExample[], options: TrainingOptions = {}): TextClassifierModelJson {
  const settings = resolveOptions(options);
  const labels = [...new Set(examples.map((example) => example.label))].sort();
  validateExamples(examples, labels);
  const classOf = new Map(labels.map((label, index) => [label, index]));
  // The label names, when they count as examples, are documents after the examples.
  const names = settings.labelNamesAsExamples ? labels.map((label) => label.replace(/[_\-./:]+/g, ' ')) : [];
  const corpus = encodeCorpus([...examples.map((example) => example.text), ...names].map((text) => extractFeatures(text, settings.features)));
  const targets = Int32Array.from([...examples.map((example) => classOf.get(example.label) as number), ...names.map((_, label) => label)]);
  const nameRows = names.map((_, index) => examples.length + index);
  const fit = (rows: readonly number[]): Fitted => fitDocuments(corpus, [...rows, ...nameRows], targets, labels.length, settings);

  // Cross-validation: the held-out scores fit the temperature and estimate the accuracy.
  const fold = stratifiedFolds(
    examples.map((example) => example.label),
    settings.folds,
    settings.seed,
  );
  const heldOutScores: Float64Array[] = new Array(examples.length);
  for (let f = 0; f < settings.folds; f++) {
    settings.onProgress?.(`fold ${f + 1} of ${settings.folds}`);
    const trainRows: number[] = [];
    const testRows: number[] = [];
    fold.forEach((value, row) => (value === f ? testRows : trainRows).push(row));
    if (testRows.length === 0) {
      continue;
    }
    const classifier = TextClassifier.fromJson(toModel(fit(trainRows), labels, settings, 1, { examples: trainRows.length, crossValidatedAccuracy: 0 }));
    for (const row of testRows) {
      heldOutScores[row] = classifier.scores(examples[row].text);
    }
  }
  const correct = heldOutScores.filter((scores, row) => argMax(scores) === targets[row]).length;
  const temperature = fitTemperature(heldOutScores, targets);

  settings.onProgress?.('final model');
  return toModel(fit(examples.map((_, row) => row)), labels, settings, temperature, {
    examples: examples.length,
    crossValidatedAccuracy: correct / examples.length,
  });
}

type Settings = Required<Omit<TrainingOptions, 'onProgress' | 'features'>> & Pick<TrainingOptions, 'onProgress'> & { features: FeatureOptions };

function resolveOptions(options: TrainingOptions): Settings {
  const features = { ...DEFAULT_FEATURE_OPTIONS, ...options.features };
  const whole = (value: number, min: number, max: number, name: string) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new TrainingError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
    }
    return value;
  };
  whole(features.maxInputCharacters, 1, MAX_TEXT_BYTES, 'features.maxInputCharacters');
  whole(features.wordNgrams, 1, 2, 'features.wordNgrams');
  whole(features.wordPairWindow, 0, 64, 'features.wordPairWindow');
  whole(features.charNgramMin, 0, 16, 'features.charNgramMin');
  whole(features.charNgramMax, features.charNgramMin, 16, 'features.charNgramMax');
  if (!(features.charWeight >= 0 && features.charWeight <= 10)) {
    throw new TrainingError(`features.charWeight must be from 0 to 10, got ${features.charWeight}`);
  }
  const c = options.c ?? 1;
  if (!(c > 0 && c <= 1000)) {
    throw new TrainingError(`c must be above 0 and at most 1000, got ${c}`);
  }
  return {
    features,
    c,
    maxFeatures: whole(options.maxFeatures ?? 20_000, 1, 1_000_000, 'maxFeatures'),
    folds: whole(options.folds ?? 5, 2, 20, 'folds'),
    seed: whole(options.seed ?? 1, 0, 0xffffffff, 'seed'),
    labelNamesAsExamples: options.labelNamesAsExamples ?? true,
    onProgress: options.onProgress,
  };
}

function validateExamples(examples: readonly LabelledExample[], labels: readonly string[]): void {
  if (labels.length < 2) {
    throw new TrainingError(`the examples need at least 2 labels to choose between, got ${labels.length}`);
  }
  examples.forEach((example, index) => {
    if (typeof example.text !== 'string' || example.text.trim() === '') {
      throw new TrainingError(`examples[${index}].text is empty`);
    }
    if (typeof example.label !== 'string' || example.label === '') {
      throw new TrainingError(`examples[${index}].label is empty`);
    }
  });
}

/** A document's terms by dense id (shared by every fold), so fitting needs no hash maps. */
interface EncodedDocument {
  readonly ids: Int32Array;
  readonly counts: Float64Array;
  readonly chars: Uint8Array;
}

interface EncodedCorpus {
  readonly documents: readonly EncodedDocument[];
  /** The feature hash of each dense id. */
  readonly hashes: readonly number[];
}

function encodeCorpus(documents: readonly ReadonlyMap<number, number>[]): EncodedCorpus {
  const idOf = new Map<number, number>();
  const hashes: number[] = [];
  const encoded = documents.map((document) => {
    const ids = new Int32Array(document.size);
    const counts = new Float64Array(document.size);
    const chars = new Uint8Array(document.size);
    let t = 0;
    for (const [feature, count] of document) {
      let id = idOf.get(feature);
      if (id === undefined) {
        id = hashes.length;
        idOf.set(feature, id);
        hashes.push(feature);
      }
      ids[t] = id;
      counts[t] = count;
      chars[t] = feature & 1;
      t++;
    }
    return { ids, counts, chars };
  });
  return { documents: encoded, hashes };
}

function fitDocuments(corpus: EncodedCorpus, rows: readonly number[], targets: Int32Array, classes: number, settings: Settings): Fitted {
  const df = new Int32Array(corpus.hashes.length);
  for (const row of rows) {
    for (const id of corpus.documents[row].ids) {
      df[id]++;
    }
  }
  const seen: number[] = [];
  df.forEach((count, id) => count > 0 && seen.push(id));
  // The most frequent features, ties by hash so the choice never depends on the order of the examples.
  const kept = seen
    .sort((a, b) => df[b] - df[a] || corpus.hashes[a] - corpus.hashes[b])
    .slice(0, settings.maxFeatures)
    .sort((a, b) => corpus.hashes[a] - corpus.hashes[b]);
  const columnOf = new Int32Array(corpus.hashes.length).fill(-1);
  kept.forEach((id, column) => (columnOf[id] = column));
  const hashes = Uint32Array.from(kept, (id) => corpus.hashes[id]);
  // float32, as the model file stores them: training and the router weigh with the same numbers.
  const idf = Float64Array.from(kept, (id) => Math.fround(inverseDocumentFrequency(df[id], rows.length)));
  const biasColumn = kept.length;

  let nonZeros = 0;
  for (const row of rows) {
    for (const id of corpus.documents[row].ids) {
      nonZeros += columnOf[id] >= 0 ? 1 : 0;
    }
    nonZeros++;
  }
  const rowStart = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nonZeros);
  const values = new Float64Array(nonZeros);
  const rowTargets = new Int32Array(rows.length);
  let position = 0;
  rows.forEach((row, r) => {
    const document = corpus.documents[row];
    const columns = new Int32Array(document.ids.length);
    const counts = new Float64Array(document.ids.length);
    const chars = new Uint8Array(document.ids.length);
    let length = 0;
    document.ids.forEach((id, t) => {
      if (columnOf[id] >= 0) {
        columns[length] = columnOf[id];
        counts[length] = document.counts[t];
        chars[length] = document.chars[t];
        length++;
      }
    });
    const weights = new Float64Array(length);
    weighTerms(length, columns, counts, chars, idf, settings.features.charWeight, weights);
    indices.set(columns.subarray(0, length), position);
    values.set(weights, position);
    position += length;
    indices[position] = biasColumn;
    values[position] = 1;
    position++;
    rowStart[r + 1] = position;
    rowTargets[r] = targets[row];
  });
  const matrix: SparseRows = { rowStart, indices, values, columns: biasColumn + 1 };
  return { hashes, idf, weights: trainOneVsRest(matrix, rowTargets, classes, { c: settings.c, seed: settings.seed }) };
}

function toModel(
  fitted: Fitted,
  labels: readonly string[],
  settings: Settings,
  temperature: number,
  summary: { examples: number; crossValidatedAccuracy: number },
): TextClassifierModelJson {
  const classes = labels.length;
  const { weights } = fitted;
  // int8 with a scale per label: a quarter of float32's size, and accuracy within noise of it.
  const scales = new Array<number>(classes).fill(0);
  for (let index = 0; index < weights.length; index++) {
    const k = index % classes;
    scales[k] = Math.max(scales[k], Math.abs(weights[index]));
  }
  for (let k = 0; k < classes; k++) {
    scales[k] = Math.fround(scales[k] / 127);
  }
  const quantized = new Int8Array(weights.length);
  for (let index = 0; index < weights.length; index++) {
    const scale = scales[index % classes];
    quantized[index] = scale === 0 ? 0 : Math.round(weights[index] / scale);
  }
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    labels: [...labels],
    features: settings.features,
    hashes: encodeUint32(fitted.hashes),
    idf: encodeFloat32(fitted.idf),
    weights: encodeInt8(quantized),
    weightScales: scales,
    temperature,
    training: {
      examples: summary.examples,
      c: settings.c,
      maxFeatures: settings.maxFeatures,
      seed: settings.seed,
      folds: settings.folds,
      crossValidatedAccuracy: summary.crossValidatedAccuracy,
      labelNamesAsExamples: settings.labelNamesAsExamples,
    },
  };
}

function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) {
    if (values[k] > values[best]) {
      best = k;
    }
  }
  return best;
}

/**
 * The temperature T that minimizes the held-out log loss of softmax(scores / T), against targets
 * smoothed by one pseudo-example's worth (1 / (n + 1)) spread over the other labels: with few
 * examples all held out right, plain log loss would push T to 0 and every decision to 100%. The
 * loss is convex in 1/T, so a golden-section search over log(1/T) finds it.
 */
export function fitTemperature(scores: readonly (Float64Array | undefined)[], targets: Int32Array): number {
  const judged = scores.filter((row) => row !== undefined).length;
  const smoothing = 1 / (judged + 1);
  const loss = (inverse: number) => {
    let total = 0;
    scores.forEach((row, index) => {
      if (row === undefined) {
        return;
      }
      let max = -Infinity;
      let sum = 0;
      for (const score of row) {
        max = Math.max(max, score);
        sum += score;
      }
      let partition = 0;
      for (const score of row) {
        partition += Math.exp(inverse * (score - max));
      }
      const logPartition = Math.log(partition);
      const target = row[targets[index]];
      const others = (sum - target - (row.length - 1) * max) / (row.length - 1);
      // Cross-entropy: (1 - s) on the target, s spread evenly over the others.
      total += logPartition - (1 - smoothing) * inverse * (target - max) - smoothing * inverse * others;
    });
    return total;
  };
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(1e-2);
  let high = Math.log(1e4);
  let a = high - ratio * (high - low);
  let b = low + ratio * (high - low);
  let lossA = loss(Math.exp(a));
  let lossB = loss(Math.exp(b));
  for (let step = 0; step < 60; step++) {
    if (lossA <= lossB) {
      high = b;
      b = a;
      lossB = lossA;
      a = high - ratio * (high - low);
      lossA = loss(Math.exp(a));
    } else {
      low = a;
      a = b;
      lossA = lossB;
      b = low + ratio * (high - low);
      lossB = loss(Math.exp(b));
    }
  }
  return Math.fround(1 / Math.exp((low + high) / 2));
}
