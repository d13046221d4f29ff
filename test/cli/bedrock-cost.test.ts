import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
      optimized: { monthlyUsd: 433.125 },
      savingsPercent: 63.91,
      strategies: [
        { strategy: 'prompt-caching', monthlyUsd: 618.75, savingsPercent: 48.44 },
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
  test('lists the catalog as a table: status, tiers, cache, profiles', () => {
    const { status, stdout } = run('models');
    expect(status).toBe(0);
    expect(stdout).toContain('USD per 1M tokens, us-east-1, as of 2026-11-29 (built-in catalog)');
    expect(stdout).toMatch(/^amazon\.nova-micro-v1:0 +active +0\.035 +0\.14 +0\.00875\/0\/- +0\.0175\/0\.07 +- +- +- +us, eu, apac$/m);
    expect(stdout).toMatch(/^amazon\.nova-pro-v1:0 +active +0\.8 +3\.2 +0\.2\/0\/- +0\.4\/1\.6 +0\.4\/1\.6 +1\.4\/5\.6 +- +us, eu, apac$/m);
    expect(stdout).toMatch(
      /^anthropic\.claude-sonnet-4-5-20250929-v1:0 +legacy 2027-04-08 +3 +15 +0\.3\/3\.75\/6 +1\.5\/7\.5 +- +- +>200K 6\/22\.5 +global, us x1\.1, eu x1\.1, jp x1\.1, au x1\.1, us-gov x1\.2 \(no batch\)$/m,
    );
    expect(stdout).toMatch(/^anthropic\.claude-sonnet-4-20250514-v1:0 +end-of-life 2026-10-14 /m);
  });

  test('--json prints the documented document', () => {
    const document = JSON.parse(run('models', '--json').stdout) as { asOf: string; models: Record<string, unknown>[] };
    expect(document.asOf).toBe('2026-11-29');
    expect(document.models.length).toBeGreaterThanOrEqual(35);
    const sonnet45 = document.models.find((model) => model.modelId === 'anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(sonnet45).toEqual({
      modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      displayName: 'Claude Sonnet 4.5',
      vendor: 'Anthropic',
      lifecycle: { status: 'legacy', endOfLife: '2027-04-08' },
      minCacheTokens: 1024,
      geographies: [
        { geography: 'global', priceFactor: 1 },
        { geography: 'us', priceFactor: 1.1 },
        { geography: 'eu', priceFactor: 1.1 },
        { geography: 'jp', priceFactor: 1.1 },
        { geography: 'au', priceFactor: 1.1 },
        { geography: 'us-gov', priceFactor: 1.2, batch: false },
      ],
      prices: {
        standard: { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 },
        batch: { input: 1.5, output: 7.5 },
        longContext: { thresholdTokens: 200000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite5m: 7.5, cacheWrite1h: 12 },
      },
    });
    const novaPro = document.models.find((model) => model.modelId === 'amazon.nova-pro-v1:0') as { prices: Record<string, unknown> };
    expect(novaPro.prices.flex).toEqual({ input: 0.4, output: 1.6, cacheRead: 0.1, cacheWrite5m: 0 });
    expect(novaPro.prices.priority).toEqual({ input: 1.4, output: 5.6, cacheRead: 0.35, cacheWrite5m: 0 });
  });
});

describe('bedrock-cost prices refresh', () => {
  const FIXTURES = join(ROOT, 'test', 'fixtures', 'price-list');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bedrock-cost-prices-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes a catalog from the offer files that --prices then uses', () => {
    // A base catalog with a stale Nova Pro price: the offer corrects it.
    const base = JSON.parse(readFileSync(join(ROOT, 'lib', 'pricing', 'catalog.json'), 'utf8')) as {
      models: { modelId: string; prices: { standard: { input: number } } }[];
    };
    base.models.find((model) => model.modelId === 'amazon.nova-pro-v1:0')!.prices.standard.input = 0.9;
    const baseFile = join(dir, 'base.json');
    writeFileSync(baseFile, JSON.stringify(base));
    const out = join(dir, 'refreshed.json');
    const { status, stdout, stderr } = run(
      'prices',
      'refresh',
      '--offer-file',
      join(FIXTURES, 'AmazonBedrock-us-east-1.json'),
      `--offer-file=${join(FIXTURES, 'AmazonBedrockFoundationModels-us-east-1.json')}`,
      '--region',
      'us-east-1',
      '--base',
      baseFile,
      '--out',
      out,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('Refreshed 9 models from 2 offer file(s) for us-east-1 (catalog as of 2026-11-20):');
    expect(stdout).toContain('  amazon.nova-pro-v1:0: prices.standard.input 0.9 -> 0.8');
    expect(stdout).toContain('Offer models no catalog entry claims (add the name to a model\'s priceList.codes): xai.grok-4.3');
    expect(stdout).toContain(`Wrote ${out}`);

    // The refreshed catalog prices the estimate: Nova Pro at 0.80 again, $1,040.
    const estimate = run('estimate', 'examples/workloads/customer-support.json', '--prices', out);
    expect(estimate.status).toBe(0);
    expect(estimate.stdout).toContain(`Prices: us-east-1, as of 2026-11-20, USD (catalog ${out}`);
    expect(estimate.stdout).toMatch(/^Baseline: all on Amazon Nova Pro +\$1,040\.00 +-$/m);
    // And the stale base prices it at 0.90: 500 x 0.90 + 200 x 3.20 = 1,090 per 1M requests.
    expect(run('estimate', 'examples/workloads/customer-support.json', '--prices', baseFile).stdout).toMatch(
      /^Baseline: all on Amazon Nova Pro +\$1,090\.00 +-$/m,
    );
  });

  test('prints the catalog to stdout and the summary to stderr without --out', () => {
    const { status, stdout, stderr } = run('prices', 'refresh', '--offer-file', join(FIXTURES, 'AmazonBedrock-us-east-1.json'));
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ schemaVersion: 1, asOf: '2026-11-20', region: 'us-east-1' });
    expect(stderr).toContain('Refreshed 7 models');
  });

  test.each([
    [['prices', 'refresh'], /prices refresh needs --offer-file/],
    [['prices', 'refresh', '--offer-file', 'absent.json'], /cannot read offer file 'absent.json': no such file/],
    [['prices', 'refresh', '--offer-file', 'examples/workloads/customer-support.json'], /invalid offer file: examples\/workloads\/customer-support\.json: products: must be an object keyed by SKU/],
    [['prices', 'refresh', '--offer-file', 'test/fixtures/price-list/AmazonBedrock-us-east-1.json', '--region', 'eu-central-1'], /hold no per-token Bedrock prices for eu-central-1/],
    [['prices', 'refresh', '--offer-file', 'x.json', '--region', 'Virginia'], /--region must be an AWS Region code/],
    [['models', '--prices', 'examples/workloads/customer-support.json'], /invalid price catalog: examples\/workloads\/customer-support\.json: name: unknown field; allowed: schemaVersion/],
    [['models', '--from-file', 'x.json'], /unknown option '--from-file' for models; options: --json, --prices, --help/],
    [['prices'], /unknown command 'prices'/],
  ])('exits 2 naming the problem: %j', (args, message) => {
    const { status, stderr } = run(...args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
  });
});
