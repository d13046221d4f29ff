/**
 * The trained router classifier's benchmark: training time on 10,000 examples (BANKING77's
 * training split, read in place from ../shared; the support router's example file where that is
 * absent), model file size, decision latency on short prompts and on 32,000-character ones (the
 * router's default prompt limit), and the router's cold start with the model bundled beside its
 * configuration: a fresh process that loads the bundle and answers its first request.
 * Figures, not pass/fail: `tsx scripts/bench-classifier.ts`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseLabelledCsv, TextClassifier, trainTextClassifier } from '../lib/classifier';
import { BedrockModel } from '../lib/pricing';
import { type RouterConfig, TRAINED_CLASSIFIER_FILE_NAME } from '../lib/routing/contract';
import { bundleHandler } from '../test/support/handler-bundle';

const ROOT = join(__dirname, '..');
const BANKING77 = join(ROOT, '..', 'shared', 'datasets', 'banking77', 'train.csv');
const FALLBACK_EXAMPLES = join(ROOT, 'examples', 'classifier', 'support-router.csv');

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function latency(classifier: TextClassifier, prompts: readonly string[], runs: number): string {
  for (let warm = 0; warm < 2000; warm++) classifier.classify(prompts[warm % prompts.length]);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    classifier.classify(prompts[run % prompts.length]);
    times.push(performance.now() - start);
  }
  const us = (ms: number) => `${(ms * 1000).toFixed(1)} us`;
  const cpuBefore = process.cpuUsage();
  for (let run = 0; run < runs; run++) classifier.classify(prompts[run % prompts.length]);
  const cpu = process.cpuUsage(cpuBefore);
  return `CPU ${us((cpu.user + cpu.system) / 1000 / runs)} a decision;  wall p50 ${us(percentile(times, 50))}  p99 ${us(percentile(times, 99))}  max ${us(Math.max(...times))}  (n=${runs})`;
}

/** A fresh process loads the router bundle and answers a first request (a 405: no agent needed), model load included. */
function coldStart(modelText: string, labels: readonly string[]): number[] {
  const directory = mkdtempSync(join(tmpdir(), 'bench-classifier-'));
  try {
    const bundle = join(directory, 'index.js');
    bundleHandler('router', bundle);
    const priced = (model: BedrockModel) => ({ modelId: model.modelId, prices: model.prices });
    const config: RouterConfig = {
      routerName: 'bench',
      tiers: [
        { name: 'faq', description: 'FAQ', maxTokens: 400, ...priced(BedrockModel.NOVA_MICRO) },
        { name: 'technical', description: 'Technical', maxTokens: 1000, ...priced(BedrockModel.NOVA_LITE) },
      ],
      defaultTier: 'faq',
      maxEscalations: 1,
      classifier: {
        rules: [],
        model: { ...priced(BedrockModel.NOVA_MICRO), maxTokens: 10, maxInputCharacters: 2000 },
        trained: {
          modelFile: TRAINED_CLASSIFIER_FILE_NAME,
          sha256: createHash('sha256').update(modelText).digest('hex'),
          tiers: Object.fromEntries(labels.map((label, index) => [label, index % 2 === 0 ? 'faq' : 'technical'])),
          minConfidence: 0.5,
        },
      },
      baseline: priced(BedrockModel.NOVA_PRO),
      cache: { kind: 'none' },
      limits: { maxBodyBytes: 65536, maxPromptCharacters: 32000, maxMessages: 50 },
      requestTimeoutMs: 30_000,
      configVersion: 'bench',
    };
    writeFileSync(join(directory, 'routing-config.json'), JSON.stringify(config));
    writeFileSync(join(directory, TRAINED_CLASSIFIER_FILE_NAME), modelText);
    const script = [
      'const t=performance.now();',
      `const {handler}=require(${JSON.stringify(bundle)});`,
      "handler({requestContext:{http:{method:'GET'}},body:''},{awsRequestId:'cold'}).then((r)=>{",
      "if(r.statusCode!==405)throw new Error('expected 405, got '+r.statusCode);",
      'process.stdout.write(`\\ncold-start-ms=${performance.now()-t}\\n`);});',
    ].join('');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LAMBDA_TASK_ROOT: directory,
      AWS_REGION: 'us-east-1',
      AGENT_FUNCTIONS: JSON.stringify({ faq: 'faq-agent', technical: 'technical-agent' }),
      CLASSIFIER_MODEL_ID: 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/classifier',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      NODE_PATH: join(ROOT, 'node_modules'),
    };
    delete env.CONFIG_FILE;
    const times: number[] = [];
    for (let run = 0; run < 10; run++) {
      const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
      if (result.status !== 0) throw new Error(`cold start failed: ${result.stderr}`);
      times.push(Number(/cold-start-ms=([\d.]+)/.exec(result.stdout)?.[1]));
    }
    return times;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const source = existsSync(BANKING77) ? BANKING77 : FALLBACK_EXAMPLES;
if (source !== BANKING77) {
  console.log(`note: ${BANKING77} is absent; training on ${FALLBACK_EXAMPLES} instead`);
}
const examples = parseLabelledCsv(readFileSync(source, 'utf8'));
const cpuBefore = process.cpuUsage();
const started = performance.now();
const model = trainTextClassifier(examples);
const wall = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const modelText = `${JSON.stringify(model)}\n`;
console.log(
  `train, ${examples.length.toLocaleString('en-US')} examples, ${model.labels.length} labels, ${model.training.folds}-fold calibration: ` +
    `${wall.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU  (target < 60 s)`,
);
console.log(`  cross-validated accuracy ${(model.training.crossValidatedAccuracy * 100).toFixed(2)}%`);
console.log(`model file ${(Buffer.byteLength(modelText) / 1024 / 1024).toFixed(2)} MB  (target < 5 MB)`);
const loadStarted = performance.now();
const classifier = TextClassifier.parse(modelText);
console.log(`model load (parse, decode, index) in this process: ${(performance.now() - loadStarted).toFixed(1)} ms`);

const short = examples.slice(0, 500).map((example) => example.text);
console.log(`decision, short prompts (the examples):            ${latency(classifier, short, 20_000)}`);
const long = short.slice(0, 20).map((text, index) => {
  let prompt = `${text} `;
  while (prompt.length < 32_000) prompt += `${short[(index + prompt.length) % short.length]} `;
  return prompt.slice(0, 32_000);
});
console.log(`decision, 32,000-character prompts (first ${model.features.maxInputCharacters} read): ${latency(classifier, long, 20_000)}  (target p99 < 1 ms)`);
const cold = coldStart(modelText, model.labels);
console.log(`router cold start with this model (load bundle, config, model; first request): p50 ${percentile(cold, 50).toFixed(1)} ms, max ${Math.max(...cold).toFixed(1)} ms  (target < 150 ms)`);
