import {
  type LabelledExample,
  ModelFormatError,
  TextClassifier,
  type TextClassifierModelJson,
  TrainingError,
  trainTextClassifier,
} from '../../lib/classifier';
import { fitTemperature } from '../../lib/classifier/train';

/** Three intents with words of their own, and words shared by all (please, my, I). */
const TINY: LabelledExample[] = [
  { text: 'where is my parcel', label: 'delivery' },
  { text: 'my parcel has not arrived', label: 'delivery' },
  { text: 'when will the courier deliver my parcel', label: 'delivery' },
  { text: 'track my delivery please', label: 'delivery' },
  { text: 'I want a refund please', label: 'refund' },
  { text: 'refund my money', label: 'refund' },
  { text: 'how do I get my money back', label: 'refund' },
  { text: 'send the refund to my card', label: 'refund' },
  { text: 'I forgot my password', label: 'password' },
  { text: 'reset my password please', label: 'password' },
  { text: 'I cannot log in, password rejected', label: 'password' },
  { text: 'change my login password', label: 'password' },
];

describe('trainTextClassifier', () => {
  const model = trainTextClassifier(TINY, { folds: 4 });
  const classifier = TextClassifier.fromJson(model);

  test('the model file records its labels, options and training', () => {
    expect(model).toMatchObject({
      format: 'cdk-bedrock-cost/text-classifier',
      version: 1,
      labels: ['delivery', 'password', 'refund'],
      features: { maxInputCharacters: 500, wordNgrams: 2, wordPairWindow: 8, charNgramMin: 2, charNgramMax: 5, charWeight: 1 },
      training: { examples: 12, c: 1, maxFeatures: 20000, seed: 1, folds: 4, labelNamesAsExamples: true },
    });
    expect(model.temperature).toBeGreaterThan(0);
    expect(model.weightScales).toHaveLength(3);
  });

  test.each([
    ['has the courier brought my parcel yet', 'delivery'],
    ['PARCELS not arrived!', 'delivery'],
    ['I would like my money back for this', 'refund'],
    ['refunded yet?', 'refund'],
    ['cannot remember my password', 'password'],
    ['Login fails', 'password'],
  ])('a new text with one intent\'s words, "%s", is %s', (text, label) => {
    expect(classifier.classify(text).label).toBe(label);
  });

  test('confidence is a probability: the labels sum to 1, and a clear text is more certain than noise', () => {
    const probabilities = classifier.probabilities('reset my password');
    expect([...probabilities].reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 12);
    const clear = classifier.classify('reset my password').confidence;
    const noise = classifier.classify('zebra quantum').confidence;
    expect(clear).toBeGreaterThan(noise);
    expect(noise).toBeLessThan(0.6);
    // No word at all: only the biases speak, close to a uniform guess between 3 labels.
    expect(classifier.classify('!!!').confidence).toBeLessThan(0.5);
  });

  test('label names count as examples: a label with no example words is still found by its name', () => {
    const named = trainTextClassifier([...TINY, { text: 'open an account', label: 'account_closure' }], { folds: 2 });
    expect(TextClassifier.fromJson(named).classify('closure').label).toBe('account_closure');
    const unnamed = trainTextClassifier([...TINY, { text: 'open an account', label: 'account_closure' }], { folds: 2, labelNamesAsExamples: false });
    expect(TextClassifier.fromJson(unnamed).classify('closure').label).not.toBe('account_closure');
  });

  test('is deterministic: the same examples and options give the same file, byte for byte', () => {
    expect(JSON.stringify(trainTextClassifier(TINY, { folds: 4 }))).toBe(JSON.stringify(model));
    // The order of the examples does not matter either (vocabulary and labels are sorted) ...
    const reversed = trainTextClassifier([...TINY].reverse(), { folds: 4 });
    expect(reversed.labels).toEqual(model.labels);
    expect(reversed.hashes).toBe(model.hashes);
    // ... and another seed reshuffles the folds and the solver's order.
    expect(trainTextClassifier(TINY, { folds: 4, seed: 2 }).training.seed).toBe(2);
  });

  test('the cross-validated accuracy comes from held-out folds', () => {
    // 4 folds of 3 examples; each held-out example is judged by a model that never saw it.
    expect(model.training.crossValidatedAccuracy * 12).toBeCloseTo(Math.round(model.training.crossValidatedAccuracy * 12), 9);
    expect(model.training.crossValidatedAccuracy).toBeGreaterThanOrEqual(0.5);
  });

  test('maxFeatures keeps the most frequent features', () => {
    const small = trainTextClassifier(TINY, { folds: 2, maxFeatures: 10 });
    expect(Buffer.from(small.hashes, 'base64')).toHaveLength(40);
    // "my" is in 10 of the 12 examples: it survives any cut.
    expect(TextClassifier.fromJson(small).scores('my')).not.toEqual(TextClassifier.fromJson(small).scores('zebra'));
  });

  test.each([
    ['one label', [{ text: 'a', label: 'x' }, { text: 'b', label: 'x' }], {}, /at least 2 labels/],
    ['an empty text', [...TINY, { text: ' ', label: 'refund' }], {}, /examples\[12\]\.text is empty/],
    ['folds out of range', TINY, { folds: 1 }, /folds must be a whole number from 2 to 20, got 1/],
    ['c out of range', TINY, { c: 0 }, /c must be above 0/],
    ['a bad feature option', TINY, { features: { wordNgrams: 3 } }, /features.wordNgrams must be a whole number from 1 to 2, got 3/],
  ])('refuses %s', (_name, examples, options, message) => {
    expect(() => trainTextClassifier(examples as LabelledExample[], options)).toThrow(TrainingError);
    expect(() => trainTextClassifier(examples as LabelledExample[], options)).toThrow(message);
  });
});

describe('fitTemperature', () => {
  test('finds the temperature that makes held-out confidence match (smoothed) accuracy', () => {
    // Two labels; label 0 scores 1 higher in all 4 examples and is right in 3. Smoothing moves
    // 1 / (4 + 1) = 0.2 of each target to the other label: label 0 is then worth (3 x 0.8 + 0.2) / 4
    // = 0.65, so softmax([1/T, 0]) must say 0.65: T = 1 / ln(0.65 / 0.35).
    const scores = [new Float64Array([1, 0]), new Float64Array([1, 0]), new Float64Array([1, 0]), new Float64Array([1, 0])];
    const targets = Int32Array.from([0, 0, 0, 1]);
    expect(fitTemperature(scores, targets)).toBeCloseTo(1 / Math.log(0.65 / 0.35), 4);
  });

  test('all held out right: a finite temperature, not certainty', () => {
    const scores = [new Float64Array([1, 0]), new Float64Array([0, 1])];
    const temperature = fitTemperature(scores, Int32Array.from([0, 1]));
    // One pseudo-example in three is wrong: 2/3 confidence, T = 1 / ln 2.
    expect(temperature).toBeCloseTo(1 / Math.log(2), 4);
  });
});

describe('TextClassifier.parse', () => {
  const good = trainTextClassifier(TINY, { folds: 2 });
  const broken = (change: Partial<Record<keyof TextClassifierModelJson, unknown>>) => JSON.stringify({ ...good, ...change });

  test.each([
    ['not JSON', '{', /not valid JSON/],
    ['another format', broken({ format: 'sklearn' }), /format must be 'cdk-bedrock-cost\/text-classifier'/],
    ['a newer version', broken({ version: 2 }), /version 2 is not supported/],
    ['a duplicate label', broken({ labels: ['a', 'a', 'b'] }), /labels holds a label twice/],
    ['weights of the wrong length', broken({ weights: Buffer.from([1, 2, 3]).toString('base64') }), /weights has 3 values/],
    ['an idf that is not base64', broken({ idf: 'not base64!' }), /idf is not base64/],
    ['a damaged idf', broken({ idf: `${good.idf.slice(0, -8)}!!!!!!!!` }), /idf has \d+ values for \d+ hashes/],
    ['a scale per label missing', broken({ weightScales: [1] }), /weightScales must hold 3 finite numbers/],
    ['a zero temperature', broken({ temperature: 0 }), /temperature must be a positive number/],
    ['a feature option out of range', broken({ features: { ...good.features, charNgramMax: 99 } }), /features.charNgramMax must be a whole number from 0 to 16/],
  ])('refuses %s, naming the field', (_name, text, message) => {
    expect(() => TextClassifier.parse(text)).toThrow(ModelFormatError);
    expect(() => TextClassifier.parse(text)).toThrow(message);
  });
});
