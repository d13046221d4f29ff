import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'bedrock-cost.js');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bedrock-cost estimate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bedrock-cost-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function workloadFile(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  test('prints an aligned table with the baseline, each strategy, the total and the savings', () => {
    const { status, stdout, stderr } = run('estimate', 'examples/workloads/customer-support.json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('Workload: customer-support (1,000,000 requests/month)');
    expect(stdout).toContain('Prices: us-east-1, as of 2026-11');
    expect(stdout).toMatch(/^Baseline: all on Amazon Nova Pro +\$1,040\.00 +-$/m);
    expect(stdout).toMatch(/^Model routing alone +\$57\.95 +94\.43%$/m);
    expect(stdout).toMatch(/^Optimized \(all together\) +\$57\.95 +94\.43%$/m);
    expect(stdout).toMatch(/^Saved per month +\$982\.05$/m);
    // Columns line up: every money cell ends at the same column.
    const moneyEnds = stdout
      .split('\n')
      .filter((line) => line.includes('$'))
      .map((line) => line.indexOf('$') + line.slice(line.indexOf('$')).search(/\s|$/));
    expect(new Set(moneyEnds).size).toBe(1);
  });

  test('--json prints the documented document', () => {
    const { status, stdout } = run('estimate', 'examples/workloads/ecommerce-recommendations.json', '--json');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      name: 'ecommerce-recommendations',
      baseline: { model: 'amazon.nova-lite-v1:0', monthlyUsd: 1200 },
      optimized: { monthlyUsd: 485.625 },
      savingsPercent: 59.53,
      strategies: [
        { strategy: 'prompt-caching', monthlyUsd: 693.75, savingsPercent: 42.19 },
        { strategy: 'response-cache', monthlyUsd: 840, savingsPercent: 30 },
      ],
      warnings: [],
    });
  });

  const base = { name: 'w', requestsPerMonth: 100, inputTokens: 10, outputTokens: 10, baselineModel: 'amazon.nova-pro-v1:0' };
  test.each([
    ['an unknown model id', { ...base, baselineModel: 'amazon.titan-nope' }, /baselineModel: unknown model id 'amazon.titan-nope'/],
    [
      'shares that do not sum to 1',
      { ...base, routes: [{ model: 'amazon.nova-micro-v1:0', share: 0.5 }, { model: 'amazon.nova-lite-v1:0', share: 0.4 }] },
      /routes: shares must sum to 1 \(within 1e-9\), got 0.9/,
    ],
    ['a negative number', { ...base, outputTokens: -3 }, /outputTokens: must be a number >= 0, got -3/],
    ['a hit rate above 1', { ...base, responseCache: { hitRate: 1.01 } }, /responseCache.hitRate: must be a number in \[0, 1\], got 1.01/],
    ['a hit rate below 0', { ...base, promptCaching: { cachedPrefixTokens: 1, hitRate: -1 } }, /promptCaching.hitRate: must be a number in \[0, 1\]/],
    ['invalid JSON', '{ "name": ', /is not valid JSON/],
  ])('exits 2 with one line naming the field for %s', (_case, content, message) => {
    const { status, stdout, stderr } = run('estimate', workloadFile(`${_case.replace(/\W+/g, '-')}.json`, content));
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test('exits 2 with one line for a missing file', () => {
    const { status, stderr } = run('estimate', join(dir, 'absent.json'));
    expect(status).toBe(2);
    expect(stderr).toBe(`bedrock-cost: cannot read workload file '${join(dir, 'absent.json')}': no such file\n`);
  });

  test('exits 2 with the usage for a malformed command line', () => {
    for (const args of [[], ['estimate'], ['estimte', 'x.json'], ['estimate', 'x.json', '--csv']]) {
      const { status, stderr } = run(...args);
      expect(status).toBe(2);
      expect(stderr).toMatch(/^bedrock-cost: .+\nUsage:/);
    }
  });

  test('--help prints the usage and exits 0', () => {
    const { status, stdout } = run('--help');
    expect(status).toBe(0);
    expect(stdout).toContain('bedrock-cost estimate <workload.json> [--json]');
  });
});

describe('bedrock-cost models', () => {
  test('lists the price table with its region and date', () => {
    const { status, stdout } = run('models');
    expect(status).toBe(0);
    expect(stdout).toContain('USD per 1M tokens, us-east-1, as of 2026-11');
    expect(stdout).toMatch(/^amazon\.nova-micro-v1:0 +0\.035 +0\.14 +0\.0175\/0\.07 +0\.00875\/0\.035 +us eu apac$/m);
  });

  test('--json lists every model with its prices', () => {
    const models = JSON.parse(run('models', '--json').stdout) as { modelId: string }[];
    expect(models.map((model) => model.modelId)).toContain('anthropic.claude-sonnet-4-5-20250929-v1:0');
  });
});
