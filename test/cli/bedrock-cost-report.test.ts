import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CostReportDigest } from '../../lib/reporting/report-engine';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'bedrock-cost.js');
const SAMPLE = 'examples/metrics/sample-week.json';

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface ExportedResult {
  readonly Label: string;
  readonly Values: number[];
}

/** The sample's spend, summed straight from the file: tokens x list price per 1M. */
function sampleSpend(section: 'current' | 'previous'): number {
  const doc = JSON.parse(readFileSync(join(ROOT, SAMPLE), 'utf8')) as Record<string, { MetricDataResults: ExportedResult[] }>;
  const prices: Record<string, Record<string, number>> = {
    'amazon.nova-pro-v1:0': { InputTokenCount: 0.8, OutputTokenCount: 3.2 },
    'amazon.nova-lite-v1:0': { InputTokenCount: 0.06, OutputTokenCount: 0.24 },
    'global.anthropic.claude-sonnet-4-5-20250929-v1:0': { InputTokenCount: 3, OutputTokenCount: 15, CacheReadInputTokenCount: 0.3, CacheWriteInputTokenCount: 3.75 },
  };
  let total = 0;
  for (const result of doc[section].MetricDataResults) {
    const [modelId, metric] = result.Label.split(' ');
    const price = prices[modelId][metric] ?? 0;
    total += (result.Values.reduce((sum, value) => sum + value, 0) * price) / 1_000_000;
  }
  return total;
}

describe('bedrock-cost report', () => {
  test('prints the digest of the sample week', () => {
    const { status, stdout, stderr } = run('report', '--from-file', SAMPLE);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Bedrock cost report: 2026-11-16 00:00 UTC to 2026-11-23 00:00 UTC \(7 days\)\n/);
    const spend = sampleSpend('current');
    expect(stdout).toMatch(new RegExp(`^Spend +\\$${spend.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}$`, 'm'));
    expect(stdout).toMatch(/^Change +[+-]\d+\.\d%$/m);
    for (const label of ['support-assistant', 'ticket-triage', 'nightly-digests']) {
      expect(stdout).toMatch(new RegExp(`^${label} +[\\d,]+ `, 'm'));
    }
    expect(stdout).toMatch(/^\d\. \[prompt-caching\] Turn on prompt caching for support-assistant: saves about \$[\d,]+\.\d\d per month$/m);
    expect(stdout).toMatch(/^\d\. \[cheaper-tier\] Try Amazon Nova Lite for ticket-triage: saves about \$[\d,]+\.\d\d per month$/m);
    expect(stdout).toMatch(/^\d\. \[batch\] Run the 02:00-05:00 UTC burst of nightly-digests as batch inference: saves about/m);
    expect(stdout).toMatch(/us-east-1, as of 2026-\d\d-\d\d/);
    // The cost column of the table lines up.
    const tableRows = stdout.split('\n').filter((line) => /^(support-assistant|ticket-triage|nightly-digests|Total) /.test(line));
    const costEnds = tableRows.map((row) => row.indexOf('$') + row.slice(row.indexOf('$')).search(/\s/));
    expect(tableRows).toHaveLength(4);
    expect(new Set(costEnds).size).toBe(1);
  });

  test('--json prints the report document', () => {
    const { status, stdout } = run('report', `--from-file=${SAMPLE}`, '--json');
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as CostReportDigest;
    expect(report.periodStart).toBe('2026-11-16T00:00:00.000Z');
    expect(report.totalUsd).toBeCloseTo(sampleSpend('current'), 6);
    expect(report.previousTotalUsd).toBeCloseTo(sampleSpend('previous'), 6);
    expect(report.changePercent).toBeCloseTo(((report.totalUsd - report.previousTotalUsd!) / report.previousTotalUsd!) * 100, 2);
    expect(report.lines.map((line) => line.label)).toEqual(['support-assistant', 'ticket-triage', 'nightly-digests']);
    expect(report.lines.reduce((sum, line) => sum + line.costUsd, 0)).toBeCloseTo(report.totalUsd, 5);
    expect(report.lines.every((line) => line.inputTokens > 0 && line.cacheRead === 0)).toBe(true);
    expect(report.recommendations.map((r) => [r.kind, r.modelId])).toEqual([
      ['prompt-caching', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['cheaper-tier', 'amazon.nova-pro-v1:0'],
      ['batch', 'amazon.nova-lite-v1:0'],
    ]);
    const savings = report.recommendations.map((r) => r.estimatedMonthlySavingsUsd);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    expect(report.unpriced).toEqual([]);
  });

  describe('bad input', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bedrock-cost-report-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const label = (metric: string) => `amazon.nova-pro-v1:0 ${metric}`;
    const results = (...list: unknown[]) => ({ MetricDataResults: list });
    const ok = { Label: label('Invocations'), Timestamps: ['2026-11-16T00:00:00Z'], Values: [3] };
    const base = { periodSeconds: 3600, start: '2026-11-16T00:00:00Z', end: '2026-11-23T00:00:00Z', current: results(ok) };

    test.each([
      ['invalid JSON', '{ "periodSeconds": ', /is not valid JSON/],
      ['a document that is not an object', [], /: \(root\): must be an object, got \[\]/],
      ['an unknown field', { ...base, lables: {} }, /: lables: unknown field; expected periodSeconds, start, end, current, previous, labels\n$/],
      ['a period given as a string', { ...base, periodSeconds: '3600' }, /: periodSeconds: must be a whole number of seconds >= 1, got "3600"/],
      ['a missing start', { ...base, start: undefined }, /: start: must be an ISO 8601 timestamp with a time zone, got nothing/],
      ['an end before the start', { ...base, end: '2026-11-15T00:00:00Z' }, /: end: must be after start/],
      ['no current results', { ...base, current: {} }, /: current\.MetricDataResults: must be an array/],
      ['a label without a metric', { ...base, current: results({ ...ok, Label: 'amazon.nova-pro-v1:0' }) }, /: current\.MetricDataResults\[0\]\.Label must be "<ModelId> <MetricName>"/],
      ['an unknown metric', { ...base, current: results({ ...ok, Label: label('InvocationLatency') }) }, /: current\.MetricDataResults\[0\]\.Label: metric must be one of Invocations/],
      ['more values than timestamps', { ...base, current: results({ ...ok, Values: [3, 4] }) }, /: current\.MetricDataResults\[0\]\.Values must be an array with one value per timestamp \(1\)/],
      ['a negative value', { ...base, current: results({ ...ok, Values: [-3] }) }, /: current\.MetricDataResults\[0\]\.Values\[0\] must be a whole number >= 0/],
      ['a malformed timestamp', { ...base, current: results({ ...ok, Timestamps: ['Nov 16'] }) }, /: current\.MetricDataResults\[0\]\.Timestamps\[0\] must be an ISO 8601 timestamp/],
      ['a data point outside the period', { ...base, previous: results(ok) }, /: previous\.MetricDataResults: amazon\.nova-pro-v1:0 has a data point at 2026-11-16T00:00:00\.000Z, outside/],
      ['labels that are not strings', { ...base, labels: { 'amazon.nova-pro-v1:0': 7 } }, /: labels: must map ModelIds to strings/],
    ])('exits 2 with one line naming the field for %s', (name, content, message) => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      const { status, stdout, stderr } = run('report', '--from-file', path);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(`^bedrock-cost: invalid metrics file '${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'|^bedrock-cost: metrics file`));
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    });

    test('exits 2 with one line for a missing file', () => {
      const { status, stderr } = run('report', '--from-file', join(dir, 'absent.json'));
      expect(status).toBe(2);
      expect(stderr).toBe(`bedrock-cost: cannot read metrics file '${join(dir, 'absent.json')}': no such file\n`);
    });

    test('exits 2 with the usage for a malformed command line', () => {
      for (const args of [['report'], ['report', '--from-file'], ['report', SAMPLE], ['estimate', '--from-file', SAMPLE], ['report', '--from-file', SAMPLE, '--csv']]) {
        const { status, stderr } = run(...args);
        expect(status).toBe(2);
        expect(stderr).toMatch(/^bedrock-cost: .+\nUsage:/);
      }
    });
  });

  test('--help documents the report command and its file format', () => {
    const { status, stdout } = run('--help');
    expect(status).toBe(0);
    expect(stdout).toContain('bedrock-cost report --from-file <metrics.json> [--json]');
    expect(stdout).toContain('"Label": "<ModelId> <MetricName>"');
  });
});
