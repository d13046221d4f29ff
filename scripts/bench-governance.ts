/**
 * Synth time and largest-stack size of BedrockCostGovernance for growing tenant counts.
 * Run by `npm run bench`; each count in a fresh App.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, Stack } from 'aws-cdk-lib';
import { BedrockCostGovernance, BedrockModel, InferenceSource } from '../lib';

export interface GovernanceBenchResult {
  readonly tenants: number;
  readonly synthMs: number;
  readonly largestStackResources: number;
  readonly stacks: number;
}

export function benchGovernance(tenantCount: number): GovernanceBenchResult {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-governance-'));
  const start = performance.now();
  const app = new App({ outdir });
  const stack = new Stack(app, 'Platform');
  const governance = new BedrockCostGovernance(stack, 'Governance', {
    tenants: Array.from({ length: tenantCount }, (_, i) => ({
      id: `tenant-${i}`,
      costCenter: `cc-${i % 20}`,
      monthlyBudgetUsd: 100,
      models: [BedrockModel.NOVA_MICRO, InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us')],
    })),
    monthlyBudgetUsd: 10_000,
  });
  app.synth();
  const synthMs = performance.now() - start;
  const sizes = governance.stackSizes();
  rmSync(outdir, { recursive: true, force: true });
  return { tenants: tenantCount, synthMs, largestStackResources: sizes[0].resources, stacks: sizes.length };
}

if (require.main === module) {
  for (const tenants of [10, 100, 300, 1000]) {
    const result = benchGovernance(tenants);
    console.log(
      `${String(tenants).padStart(5)} tenants: synth ${(result.synthMs / 1000).toFixed(1)} s, ` +
        `largest stack ${result.largestStackResources} resources, ${result.stacks} stacks`,
    );
  }
}
