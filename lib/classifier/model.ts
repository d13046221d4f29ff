/**
 * The trained model's file format and the classifier that reads it. The file is JSON: labels,
 * feature options and calibration in the clear, the numbers as base64 of little-endian typed
 * arrays (feature hashes, IDF, int8 weights with a scale per label), so 77 labels over 20,000
 * features fit in about 2 MB and load in milliseconds.
 */
import { extractFeatures, type FeatureOptions } from './features';
import { weighTerms } from './tf-idf';

export const MODEL_FORMAT = 'cdk-bedrock-cost/text-classifier';
export const MODEL_FORMAT_VERSION = 1;

/** How the model was trained, for the record (the CLI prints it). */
export interface TrainingSummary {
  readonly examples: number;
  /** Cost of a margin violation of the SVMs. */
  readonly c: number;
  readonly maxFeatures: number;
  readonly seed: number;
  /** Folds of the cross-validation that fitted the temperature. */
  readonly folds: number;
  /** Accuracy over the held-out folds, before quantization. */
  readonly crossValidatedAccuracy: number;
  /** Whether each label's name was also an example of it. */
  readonly labelNamesAsExamples: boolean;
}

/** The model file. */
export interface TextClassifierModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_FORMAT_VERSION;
  /** Sorted; a label's position is its class index. */
  readonly labels: readonly string[];
  readonly features: FeatureOptions;
  /** Feature hashes, uint32 little-endian, base64; a hash's position is its column. */
  readonly hashes: string;
  /** Inverse document frequency of each column, float32 little-endian, base64. */
  readonly idf: string;
  /** int8 weights, base64, column-major: `column * labels.length + label`; the bias column last. */
  readonly weights: string;
  /** What one int8 step is worth, per label. */
  readonly weightScales: readonly number[];
  /** Scores are divided by this before the softmax (fitted on held-out folds). */
  readonly temperature: number;
  readonly training: TrainingSummary;
}

/** A model file that cannot be used: the message names the field. */
export class ModelFormatError extends RangeError {
  public override readonly name = 'ModelFormatError';
}

export interface Classification {
  /** The most probable label. */
  readonly label: string;
  /** Its calibrated probability, 0-1. */
  readonly confidence: number;
}

/** A trained model, ready to classify text: no I/O, no randomness. */
export class TextClassifier {
  /** Reads a model file's text. */
  public static parse(text: string): TextClassifier {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ModelFormatError(`the model is not valid JSON: ${(error as Error).message}`);
    }
    return TextClassifier.fromJson(json);
  }

  /** Checks a parsed model file and decodes its arrays. */
  public static fromJson(json: unknown): TextClassifier {
    return new TextClassifier(validateModel(json));
  }

  public readonly labels: readonly string[];
  public readonly features: FeatureOptions;
  public readonly training: TrainingSummary;
  public readonly temperature: number;
  private readonly columns: Map<number, number>;
  private readonly idf: Float32Array;
  private readonly weights: Int8Array;
  private readonly scales: Float64Array;
  private readonly biasColumn: number;
  private terms: TermBuffers = { columns: new Int32Array(512), counts: new Float64Array(512), chars: new Uint8Array(512), weights: new Float64Array(512) };

  private constructor(model: TextClassifierModelJson) {
    this.labels = model.labels;
    this.features = model.features;
    this.training = model.training;
    this.temperature = model.temperature;
    const labels = model.labels.length;
    const hashes = decodeUint32(model.hashes, 'hashes');
    this.idf = decodeFloat32(model.idf, 'idf');
    this.weights = decodeInt8(model.weights, 'weights');
    if (this.idf.length !== hashes.length) {
      throw new ModelFormatError(`idf has ${this.idf.length} values for ${hashes.length} hashes`);
    }
    if (this.weights.length !== (hashes.length + 1) * labels) {
      throw new ModelFormatError(`weights has ${this.weights.length} values; ${hashes.length} features and a bias for ${labels} labels need ${(hashes.length + 1) * labels}`);
    }
    this.columns = new Map();
    for (let column = 0; column < hashes.length; column++) {
      this.columns.set(hashes[column], column);
    }
    if (this.columns.size !== hashes.length) {
      throw new ModelFormatError('hashes holds a feature twice');
    }
    this.biasColumn = hashes.length;
    this.scales = Float64Array.from(model.weightScales);
  }

  /** The most probable label of `text` and its probability. */
  public classify(text: string): Classification {
    const probabilities = this.probabilities(text);
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) {
      if (probabilities[k] > probabilities[best]) {
        best = k;
      }
    }
    return { label: this.labels[best], confidence: probabilities[best] };
  }

  /** The calibrated probability of each label (in the order of `labels`). */
  public probabilities(text: string): Float64Array {
    const scores = this.scores(text);
    let max = -Infinity;
    for (const score of scores) {
      max = Math.max(max, score);
    }
    let sum = 0;
    for (let k = 0; k < scores.length; k++) {
      scores[k] = Math.exp((scores[k] - max) / this.temperature);
      sum += scores[k];
    }
    for (let k = 0; k < scores.length; k++) {
      scores[k] /= sum;
    }
    return scores;
  }

  /** The raw SVM score of each label. */
  public scores(text: string): Float64Array {
    const labels = this.labels.length;
    const counts = extractFeatures(text, this.features);
    const terms = this.termBuffers(counts.size);
    let length = 0;
    for (const [feature, count] of counts) {
      const column = this.columns.get(feature);
      if (column !== undefined) {
        terms.columns[length] = column;
        terms.counts[length] = count;
        terms.chars[length] = feature & 1;
        length++;
      }
    }
    weighTerms(length, terms.columns, terms.counts, terms.chars, this.idf, this.features.charWeight, terms.weights);
    const sums = new Float64Array(labels);
    const bias = this.biasColumn * labels;
    for (let k = 0; k < labels; k++) {
      sums[k] = this.weights[bias + k];
    }
    for (let t = 0; t < length; t++) {
      const offset = terms.columns[t] * labels;
      const value = terms.weights[t];
      for (let k = 0; k < labels; k++) {
        sums[k] += value * this.weights[offset + k];
      }
    }
    for (let k = 0; k < labels; k++) {
      sums[k] *= this.scales[k];
    }
    return sums;
  }

  /** Scratch arrays reused across decisions: fewer allocations, fewer GC pauses on the hot path. */
  private termBuffers(size: number): TermBuffers {
    if (this.terms.columns.length < size) {
      const capacity = Math.max(size, this.terms.columns.length * 2);
      this.terms = { columns: new Int32Array(capacity), counts: new Float64Array(capacity), chars: new Uint8Array(capacity), weights: new Float64Array(capacity) };
    }
    return this.terms;
  }
}

interface TermBuffers {
  readonly columns: Int32Array;
  readonly counts: Float64Array;
  readonly chars: Uint8Array;
  readonly weights: Float64Array;
}

function validateModel(json: unknown): TextClassifierModelJson {
  const model = json as Partial<TextClassifierModelJson> | null;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) {
    throw new ModelFormatError('the model must be a JSON object');
  }
  if (model.format !== MODEL_FORMAT) {
    throw new ModelFormatError(`format must be '${MODEL_FORMAT}', got ${JSON.stringify(model.format)}: is this a model from 'bedrock-cost classifier train'?`);
  }
  if (model.version !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(`version ${JSON.stringify(model.version)} is not supported; this release reads version ${MODEL_FORMAT_VERSION}`);
  }
  const labels = model.labels;
  if (!Array.isArray(labels) || labels.length < 2 || labels.some((label) => typeof label !== 'string' || label === '')) {
    throw new ModelFormatError('labels must be an array of at least 2 non-empty strings');
  }
  if (new Set(labels).size !== labels.length) {
    throw new ModelFormatError('labels holds a label twice');
  }
  validateFeatures(model.features);
  for (const field of ['hashes', 'idf', 'weights'] as const) {
    if (typeof model[field] !== 'string') {
      throw new ModelFormatError(`${field} must be a base64 string`);
    }
  }
  const scales = model.weightScales;
  if (!Array.isArray(scales) || scales.length !== labels.length || scales.some((scale) => !(Number.isFinite(scale) && scale >= 0))) {
    throw new ModelFormatError(`weightScales must hold ${labels.length} finite numbers of at least 0`);
  }
  if (!(typeof model.temperature === 'number' && Number.isFinite(model.temperature) && model.temperature > 0)) {
    throw new ModelFormatError(`temperature must be a positive number, got ${JSON.stringify(model.temperature)}`);
  }
  if (typeof model.training !== 'object' || model.training === null) {
    throw new ModelFormatError('training must be an object');
  }
  return model as TextClassifierModelJson;
}

function validateFeatures(features: FeatureOptions | undefined): void {
  if (typeof features !== 'object' || features === null) {
    throw new ModelFormatError('features must be an object');
  }
  const ranges: Record<Exclude<keyof FeatureOptions, 'charWeight'>, [number, number]> = {
    maxInputCharacters: [1, 1_000_000],
    wordNgrams: [1, 2],
    wordPairWindow: [0, 64],
    charNgramMin: [0, 16],
    charNgramMax: [0, 16],
  };
  for (const [field, [min, max]] of Object.entries(ranges)) {
    const value = features[field as keyof FeatureOptions];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ModelFormatError(`features.${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
  }
  if (features.charNgramMin > 0 && features.charNgramMax < features.charNgramMin) {
    throw new ModelFormatError(`features.charNgramMax (${features.charNgramMax}) is below charNgramMin (${features.charNgramMin})`);
  }
  if (!(Number.isFinite(features.charWeight) && features.charWeight >= 0)) {
    throw new ModelFormatError(`features.charWeight must be a number of at least 0, got ${JSON.stringify(features.charWeight)}`);
  }
}

function decodeBase64(text: string, field: string, bytesPerValue: number): Buffer {
  // Node skips characters outside the alphabet; a damaged string then decodes to the wrong length,
  // which the callers check against the other arrays. A regular expression over megabytes of
  // base64 would cost the router's cold start more than it catches.
  if (text.length % 4 !== 0) {
    throw new ModelFormatError(`${field} is not base64 (its length is not a multiple of 4)`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % bytesPerValue !== 0) {
    throw new ModelFormatError(`${field} holds ${bytes.length} bytes, not a whole number of ${bytesPerValue}-byte values`);
  }
  return bytes;
}

function decodeUint32(text: string, field: string): Uint32Array {
  const bytes = decodeBase64(text, field, 4);
  const values = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) {
    values[i] = bytes.readUInt32LE(i * 4);
  }
  return values;
}

function decodeFloat32(text: string, field: string): Float32Array {
  const bytes = decodeBase64(text, field, 4);
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) {
    values[i] = bytes.readFloatLE(i * 4);
  }
  return values;
}

function decodeInt8(text: string, field: string): Int8Array {
  const bytes = decodeBase64(text, field, 1);
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The little-endian bytes of `values` as base64. */
export function encodeUint32(values: ArrayLike<number>): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    bytes.writeUInt32LE(values[i], i * 4);
  }
  return bytes.toString('base64');
}

export function encodeFloat32(values: ArrayLike<number>): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    bytes.writeFloatLE(values[i], i * 4);
  }
  return bytes.toString('base64');
}

export function encodeInt8(values: Int8Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.length).toString('base64');
}
