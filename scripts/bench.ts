/**
 * `npm run bench`: how long the reference app takes to synthesize, and how fast the estimator
 * and the per-call cost function are, the batch packer, governance at scale, the router and its
 * trained classifier.
 * Figures, not pass/fail: CI does not run this.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from 'aws-cdk-lib';
import { addReferenceStack } from '../bin/reference-app';
import { BedrockModel, compareStrategies, estimateCost, parseWorkload, Usd } from '../lib/pricing';

const ROOT = join(__dirname, '..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function timeSynth(runs: number): number[] {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
    const start = performance.now();
    const app = new App({ outdir, context });
    addReferenceStack(app);
    app.synth();
    times.push(performance.now() - start);
    rmSync(outdir, { recursive: true, force: true });
  }
  return times;
}

function timeCdkSynthCommand(): number {
  const start = performance.now();
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', join(tmpdir(), 'bench-cdk-out')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`cdk synth failed: ${result.stderr}`);
  }
  return performance.now() - start;
}

function timeEstimates(): { workload: string; microseconds: number }[] {
  const dir = join(ROOT, 'examples', 'workloads');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const document: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const iterations = 20_000;
      for (let warmup = 0; warmup < 1_000; warmup++) compareStrategies(parseWorkload(document));
      const start = performance.now();
      for (let run = 0; run < iterations; run++) compareStrategies(parseWorkload(document));
      return { workload: file, microseconds: ((performance.now() - start) * 1000) / iterations };
    });
}

function timeCallCosts(calls: number): number {
  const usage = { inputTokens: 512, outputTokens: 128, cacheReadInputTokens: 1024 };
  let total = Usd.ZERO;
  const start = performance.now();
  for (let call = 0; call < calls; call++) {
    total = total.plus(estimateCost(BedrockModel.NOVA_LITE, usage));
  }
  const elapsed = performance.now() - start;
  if (total.isZero()) throw new Error('unreachable: keeps the loop from being optimized away');
  return elapsed;
}

const synthTimes = timeSynth(5);
console.log('Reference app synthesis (in process, cdk-nag on)');
console.log(`  median ${median(synthTimes).toFixed(0)} ms over ${synthTimes.length} runs (first ${synthTimes[0].toFixed(0)} ms)`);
console.log(`  \`npx cdk synth --quiet\` end to end: ${timeCdkSynthCommand().toFixed(0)} ms`);
console.log('\nEstimator: parseWorkload + compareStrategies per workload');
for (const { workload, microseconds } of timeEstimates()) {
  console.log(`  ${workload.padEnd(36)} ${microseconds.toFixed(1).padStart(7)} us`);
}
const calls = 1_000_000;
const callMs = timeCallCosts(calls);
console.log(`\nestimateCost, exact sum: ${calls.toLocaleString('en-US')} calls in ${callMs.toFixed(0)} ms (${((callMs * 1e6) / calls).toFixed(0)} ns a call)`);

// In its own process, so the peak RSS is the packer's, not this process's (aws-cdk-lib is loaded here).
console.log('\nBatch packer against s3rver (records of about 1 KB), own process');
const packer = spawnSync('npx', ['tsx', join(ROOT, 'scripts', 'bench-batch-packer.ts')], { cwd: ROOT, encoding: 'utf8' });
console.log(packer.stdout.trimEnd().split('\n').map((line) => `  ${line}`).join('\n'));
if (packer.status !== 0) {
  throw new Error(`batch packer benchmark failed: ${packer.stderr}`);
}

// Also in its own process: a fresh heap for the governance synths.
console.log('\nBedrockCostGovernance: synth time and largest stack by tenant count (two models a tenant), own process');
const governance = spawnSync('npx', ['tsx', join(ROOT, 'scripts', 'bench-governance.ts')], { cwd: ROOT, encoding: 'utf8' });
console.log(governance.stdout.trimEnd().split('\n').map((line) => `  ${line}`).join('\n'));
if (governance.status !== 0) {
  throw new Error(`governance benchmark failed: ${governance.stderr}`);
}

// The router's phases each load a handler with its own configuration: each runs in its own process.
console.log('\nModelRouter, in process against local servers (the Bedrock stub answers at once)');
const router = spawnSync('npx', ['tsx', join(ROOT, 'scripts', 'bench-router.ts')], { cwd: ROOT, encoding: 'utf8' });
console.log(router.stdout.trimEnd().split('\n').map((line) => `  ${line}`).join('\n'));
if (router.status !== 0) {
  throw new Error(`router benchmark failed: ${router.stderr}`);
}

// Its own process too: training allocates a lot, and the cold starts spawn fresh processes.
console.log('\nTrained router classifier (RouterClassifier.trained), own process');
const classifier = spawnSync('npx', ['tsx', join(ROOT, 'scripts', 'bench-classifier.ts')], { cwd: ROOT, encoding: 'utf8' });
console.log(classifier.stdout.trimEnd().split('\n').map((line) => `  ${line}`).join('\n'));
if (classifier.status !== 0) {
  throw new Error(`classifier benchmark failed: ${classifier.stderr}`);
}
