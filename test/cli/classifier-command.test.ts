import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { classifierCommand } from '../../bin/classifier-command';
import { parseLabelledCsv, trainTextClassifier } from '../../lib/classifier';

const EXAMPLES = join(__dirname, '..', '..', 'examples', 'classifier');
const CSV = join(EXAMPLES, 'support-router.csv');

/** Runs `bedrock-cost classifier ...` in process (argv[0] is 'classifier'). */
function run(...argv: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = classifierCommand(argv.slice(1), { write: (text: string) => (stdout += text) }, { write: (text: string) => (stderr += text) });
  return { status, stdout, stderr };
}

describe('bedrock-cost classifier', () => {
  const directory = mkdtempSync(join(tmpdir(), 'classifier-cli-'));
  const model = join(directory, 'model.json');
  const held = join(directory, 'held-out.csv');
  writeFileSync(held, 'text,label\n"Where is my parcel, it was due Monday?",order_status\nThe API returns error 429 on every call,api_integration\nDo you sell gift cards?,gift_cards\n');

  test('train writes the model and reports examples, labels and the cross-validated accuracy', () => {
    const result = run('classifier', 'train', CSV, '--out', model, '--folds', '3');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Trained on 125 examples of 10 labels in [\d.]+ s\nCross-validated accuracy \(3 folds\): [\d.]+%\n/);
    expect(result.stdout).toContain(`Model: ${model} (`);
    const written = JSON.parse(readFileSync(model, 'utf8')) as { labels: string[]; training: { folds: number } };
    expect(written.labels).toHaveLength(10);
    expect(written.training.folds).toBe(3);
  });

  test('train --json', () => {
    const again = join(directory, 'again.json');
    const result = run('classifier', 'train', CSV, `--out=${again}`, '--folds=3', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ out: again, examples: 125, labels: 10, folds: 3, crossValidatedAccuracy: expect.any(Number) });
    // Deterministic: the same input and options write the same bytes.
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(model, 'utf8'));
  });

  test('eval --json: accuracy, examples, per-label figures, confusions, the threshold and latency', () => {
    const result = run('classifier', 'eval', model, held, '--json', '--min-confidence', '0.4');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const evaluation = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(evaluation).toMatchObject({
      examples: 3,
      accuracy: expect.any(Number),
      unknownLabels: ['gift_cards'],
      atMinConfidence: { minConfidence: 0.4, coverage: expect.any(Number) },
      latencyMs: { p50: expect.any(Number), p99: expect.any(Number) },
    });
    // The unknown label's example is an error whatever the model says: at most 2 of 3 right.
    expect(evaluation.accuracy as number).toBeLessThanOrEqual(2 / 3);
    expect(evaluation.labels).toContainEqual({ label: 'gift_cards', support: 1, precision: null, recall: 0 });
  });

  test('eval prints a readable report', () => {
    const result = run('classifier', 'eval', model, CSV);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Accuracy: [\d.]+% on 125 examples\nAt confidence >= 0.5: decides [\d.]+% of requests alone/);
    expect(result.stdout).toContain('Min confidence  Decided alone  Accuracy of those');
    expect(result.stdout).toMatch(/order_status\s+13\s+[\d.]+%\s+[\d.]+%/);
  });

  test.each([
    [['classifier'], /classifier needs a subcommand: train or eval/],
    [['classifier', 'fit', CSV], /unknown classifier subcommand 'fit'/],
    [['classifier', 'train', CSV], /classifier train needs --out <model.json>/],
    [['classifier', 'train', CSV, '--out'], /--out needs a value/],
    [['classifier', 'train', CSV, '--out', 'x.json', '--epochs', '3'], /unknown option '--epochs'/],
    [['classifier', 'train', 'missing.csv', '--out', 'x.json'], /cannot read examples file 'missing.csv': no such file/],
    [['classifier', 'train', CSV, '--out', 'x.json', '--folds', 'many'], /--folds must be a number, got 'many'/],
    [['classifier', 'train', CSV, '--out', 'x.json', '--folds', '1'], /cannot train on .*: folds must be a whole number from 2 to 20, got 1/],
    [['classifier', 'eval', CSV], /classifier eval takes a model file and a labelled CSV file, got 1 arguments/],
    [['classifier', 'eval', CSV, CSV], /model file '.*support-router.csv': the model is not valid JSON/],
    [['classifier', 'eval', 'model.json', CSV, '--min-confidence', '2'], /--min-confidence must be from 0 to 1, got 2/],
  ])('exits 2 on bad input: %j', (argv, message) => {
    const result = run(...argv);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  test('a CSV error names the file and line', () => {
    const bad = join(directory, 'bad.csv');
    writeFileSync(bad, 'text,label\nok,a\n"never closed,b\n');
    const result = run('classifier', 'train', bad, '--out', join(directory, 'bad.json'));
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`bedrock-cost: examples file '${bad}': line 3: a quoted field is never closed\n`);
    expect(existsSync(join(directory, 'bad.json'))).toBe(false);
  });

  test('bedrock-cost hands `classifier ...` to the classifier command', () => {
    const cli = join(__dirname, '..', '..', 'bin', 'bedrock-cost.js');
    const help = spawnSync(process.execPath, [cli, 'classifier', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('bedrock-cost classifier train <examples.csv> --out <model.json>');
    const bad = spawnSync(process.execPath, [cli, 'classifier', 'train', CSV], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('classifier train needs --out <model.json>');
  });
});

describe('the example model of the reference app', () => {
  test('is what training on examples/classifier/support-router.csv gives today (retrain it after changing either)', () => {
    const examples = parseLabelledCsv(readFileSync(CSV, 'utf8'));
    expect(`${JSON.stringify(trainTextClassifier(examples))}\n`).toBe(readFileSync(join(EXAMPLES, 'support-router-model.json'), 'utf8'));
  });
});
