/**
 * `bedrock-cost classifier train|eval`: learns a router classifier from labelled examples and
 * judges one on labelled examples it has not seen. bin/bedrock-cost.ts hands it every argument
 * after `classifier`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  CsvError,
  DEFAULT_MIN_CONFIDENCE,
  type Evaluation,
  evaluateClassifier,
  type LabelledExample,
  ModelFormatError,
  parseLabelledCsv,
  TextClassifier,
  TrainingError,
  type TrainingOptions,
  trainTextClassifier,
} from '../lib/classifier';

export const CLASSIFIER_USAGE = `Usage:
  bedrock-cost classifier train <examples.csv> --out <model.json> [options] [--json]
      learns a text classifier for RouterClassifier.trained() from labelled examples
      --folds N                 cross-validation folds for the accuracy estimate and the
                                confidence calibration, 2-20 (default 5)
      --c X                     SVM cost of a margin violation (default 1)
      --max-features N          features kept, the most frequent first (default 20000)
      --max-input-characters N  characters of each text read (default 500)
      --seed N                  seeds the shuffles (default 1)
      --no-label-names          do not learn each label's name as an example of it
  bedrock-cost classifier eval <model.json> <labelled.csv> [--min-confidence X] [--json]
      accuracy, per-label precision and recall, confusions, coverage and accuracy at the
      confidence threshold (default ${DEFAULT_MIN_CONFIDENCE}), decision latency

The CSV files have a header row with the columns text and category (or label); fields with
commas, quotes or line breaks are quoted ("..."), a quote inside doubled ("").

Exit status: 0 on success, 2 on bad input (the message names the file, line or option), 1 on an
internal error.`;

/** Bad input: one line on stderr (with the usage for a malformed command line), exit status 2. */
class ClassifierUsageError extends Error {
  constructor(
    message: string,
    public readonly showUsage = false,
  ) {
    super(message);
  }
}

export interface Output {
  write(text: string): unknown;
}

interface ParsedArgs {
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}

const FLAG_OPTIONS = new Set(['--json', '--no-label-names']);

function parseArgs(args: readonly string[], allowed: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!allowed.includes(name)) {
      throw new ClassifierUsageError(`unknown option '${name}'; options here: ${allowed.join(', ')}`, true);
    }
    if (options.has(name)) {
      throw new ClassifierUsageError(`${name} given twice`, true);
    }
    if (FLAG_OPTIONS.has(name)) {
      if (inline !== undefined) {
        throw new ClassifierUsageError(`${name} takes no value`, true);
      }
      options.set(name, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
      throw new ClassifierUsageError(`${name} needs a value`, true);
    }
    options.set(name, value);
  }
  return { positional, options };
}

function numberOption(options: ParsedArgs['options'], name: string): number | undefined {
  const value = options.get(name);
  if (value === undefined) {
    return undefined;
  }
  const number = Number(value);
  if (value === true || value.trim() === '' || !Number.isFinite(number)) {
    throw new ClassifierUsageError(`${name} must be a number, got '${String(value)}'`);
  }
  return number;
}

function readText(path: string, kind: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new ClassifierUsageError(`cannot read ${kind} '${path}': ${reason}`);
  }
}

function readExamples(path: string): LabelledExample[] {
  const text = readText(path, 'examples file');
  try {
    return parseLabelledCsv(text);
  } catch (error) {
    if (error instanceof CsvError) {
      throw new ClassifierUsageError(`examples file '${path}': ${error.message}`);
    }
    throw error;
  }
}

function percent(share: number | null): string {
  return share === null ? '-' : `${(share * 100).toFixed(1)}%`;
}

function train(args: readonly string[], out: Output): void {
  const { positional, options } = parseArgs(args, ['--out', '--folds', '--c', '--max-features', '--max-input-characters', '--seed', '--no-label-names', '--json']);
  if (positional.length !== 1) {
    throw new ClassifierUsageError(`classifier train takes exactly one examples file, got ${positional.length}`, true);
  }
  const target = options.get('--out');
  if (typeof target !== 'string') {
    throw new ClassifierUsageError('classifier train needs --out <model.json>', true);
  }
  const examples = readExamples(positional[0]);
  const maxInputCharacters = numberOption(options, '--max-input-characters');
  const trainingOptions: TrainingOptions = {
    folds: numberOption(options, '--folds'),
    c: numberOption(options, '--c'),
    maxFeatures: numberOption(options, '--max-features'),
    seed: numberOption(options, '--seed'),
    labelNamesAsExamples: !options.has('--no-label-names'),
    features: maxInputCharacters === undefined ? undefined : { maxInputCharacters },
  };
  const started = performance.now();
  let model;
  try {
    model = trainTextClassifier(examples, trainingOptions);
  } catch (error) {
    if (error instanceof TrainingError) {
      throw new ClassifierUsageError(`cannot train on '${positional[0]}': ${error.message}`);
    }
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const text = `${JSON.stringify(model)}\n`;
  writeFileSync(target, text);
  const summary = {
    out: target,
    examples: model.training.examples,
    labels: model.labels.length,
    features: Buffer.from(model.hashes, 'base64').length / 4,
    crossValidatedAccuracy: model.training.crossValidatedAccuracy,
    folds: model.training.folds,
    temperature: model.temperature,
    seconds: Number(seconds.toFixed(2)),
    modelBytes: Buffer.byteLength(text),
  };
  if (options.has('--json')) {
    out.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  out.write(
    [
      `Trained on ${summary.examples.toLocaleString('en-US')} examples of ${summary.labels} labels in ${seconds.toFixed(1)} s`,
      `Cross-validated accuracy (${summary.folds} folds): ${percent(summary.crossValidatedAccuracy)}`,
      `Features: ${summary.features.toLocaleString('en-US')}; confidence temperature ${summary.temperature.toPrecision(3)}`,
      `Model: ${target} (${(summary.modelBytes / 1024 / 1024).toFixed(2)} MB)`,
      '',
    ].join('\n'),
  );
}

function evaluate(args: readonly string[], out: Output): void {
  const { positional, options } = parseArgs(args, ['--min-confidence', '--json']);
  if (positional.length !== 2) {
    throw new ClassifierUsageError(`classifier eval takes a model file and a labelled CSV file, got ${positional.length} arguments`, true);
  }
  const [modelPath, examplesPath] = positional;
  const minConfidence = numberOption(options, '--min-confidence') ?? DEFAULT_MIN_CONFIDENCE;
  if (minConfidence < 0 || minConfidence > 1) {
    throw new ClassifierUsageError(`--min-confidence must be from 0 to 1, got ${minConfidence}`);
  }
  let classifier: TextClassifier;
  try {
    classifier = TextClassifier.parse(readText(modelPath, 'model file'));
  } catch (error) {
    if (error instanceof ModelFormatError) {
      throw new ClassifierUsageError(`model file '${modelPath}': ${error.message}`);
    }
    throw error;
  }
  const examples = readExamples(examplesPath);
  // Warm the code paths first: the latency figures are for a running router, not its first request.
  examples.slice(0, 200).forEach((example) => classifier.classify(example.text));
  const result = evaluateClassifier(classifier, examples, { minConfidence });
  out.write(options.has('--json') ? `${JSON.stringify(result, null, 2)}\n` : renderEvaluation(result));
}

export function renderEvaluation(result: Evaluation): string {
  const at = result.atMinConfidence;
  const lines = [
    `Accuracy: ${percent(result.accuracy)} on ${result.examples.toLocaleString('en-US')} examples`,
    `At confidence >= ${at.minConfidence}: decides ${percent(at.coverage)} of requests alone, ${percent(at.accuracy)} of them right; the rest go to the fallback`,
    `Decision latency: p50 ${result.latencyMs.p50.toFixed(3)} ms, p99 ${result.latencyMs.p99.toFixed(3)} ms, max ${result.latencyMs.max.toFixed(3)} ms`,
  ];
  if (result.unknownLabels.length > 0) {
    lines.push(`Labels the model does not know (their examples count as errors): ${result.unknownLabels.join(', ')}`);
  }
  lines.push('', 'Min confidence  Decided alone  Accuracy of those');
  for (const row of result.thresholds) {
    lines.push(`${row.minConfidence.toFixed(2).padStart(14)}  ${percent(row.coverage).padStart(13)}  ${percent(row.accuracy).padStart(17)}`);
  }
  const width = Math.max(5, ...result.labels.map((label) => label.label.length));
  lines.push('', `${'Label'.padEnd(width)}  Examples  Precision  Recall`);
  for (const label of result.labels) {
    lines.push(`${label.label.padEnd(width)}  ${String(label.support).padStart(8)}  ${percent(label.precision).padStart(9)}  ${percent(label.recall).padStart(6)}`);
  }
  if (result.confusions.length > 0) {
    lines.push('', 'Most frequent confusions (actual -> predicted):');
    for (const confusion of result.confusions) {
      lines.push(`  ${String(confusion.count).padStart(4)}  ${confusion.actual} -> ${confusion.predicted}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Runs `bedrock-cost classifier ...` and returns the exit status. */
export function classifierCommand(args: readonly string[], out: Output, err: Output): number {
  try {
    if (args.includes('--help') || args.includes('-h')) {
      out.write(`${CLASSIFIER_USAGE}\n`);
      return 0;
    }
    const [subcommand, ...rest] = args;
    switch (subcommand) {
      case 'train':
        train(rest, out);
        return 0;
      case 'eval':
        evaluate(rest, out);
        return 0;
      case undefined:
        throw new ClassifierUsageError('classifier needs a subcommand: train or eval', true);
      default:
        throw new ClassifierUsageError(`unknown classifier subcommand '${subcommand}': train or eval`, true);
    }
  } catch (error) {
    if (error instanceof ClassifierUsageError) {
      err.write(`bedrock-cost: ${error.message}\n${error.showUsage ? `${CLASSIFIER_USAGE}\n` : ''}`);
      return 2;
    }
    err.write(`bedrock-cost: internal error: ${(error as Error).message}\n`);
    return 1;
  }
}
