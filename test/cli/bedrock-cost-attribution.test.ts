import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runAttribution } from '../../bin/attribution-command';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = 'test/fixtures/invocation-logs';
const SAMPLE = `${FIXTURES}/attribution-sample.jsonl`;
const PROFILES = `${FIXTURES}/profiles.json`;

/**
 * Runs the command in this process (from the repository root, as the file paths are relative to
 * it); the executable's dispatch is run by a spawned process below.
 */
function run(...args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const status = runAttribution(args, { write: (text: string) => (stdout += text) }, { write: (text: string) => (stderr += text) });
    return { status, stdout, stderr };
  } finally {
    process.chdir(cwd);
  }
}

/** The hand-computed attribution of the sample by tenant, with profiles.json (see the fixtures' README). */
const EXPECTED_BY_TENANT = {
  by: 'tenant',
  requests: 8,
  groups: [
    { key: 'globex', requests: 2, inputTokens: 155, outputTokens: 746, cacheReadInputTokens: 4096, cacheWriteInputTokens: 0, costUsd: '0.00223256', unpricedRequests: 1, failedRequests: 0 },
    { key: 'initech', requests: 2, inputTokens: 2100, outputTokens: 600, cacheReadInputTokens: 10, cacheWriteInputTokens: 0, costUsd: '0.00024', unpricedRequests: 1, failedRequests: 0 },
    { key: 'acme', requests: 3, inputTokens: 1003, outputTokens: 212, cacheReadInputTokens: 0, cacheWriteInputTokens: 18779, costUsd: '0.0001038', unpricedRequests: 0, failedRequests: 1 },
    { key: null, requests: 1, inputTokens: 500, outputTokens: 100, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, costUsd: '0.000054', unpricedRequests: 0, failedRequests: 0 },
  ],
  unpriced: [
    { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', reason: 'model not in the price table', requests: 1, inputTokens: 35, outputTokens: 446, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
    {
      modelId: 'meta.llama3-1-8b-instruct-v1:0',
      reason: 'Llama 3.1 8B Instruct (meta.llama3-1-8b-instruct-v1:0) does not support prompt caching, but usage reports cache tokens',
      requests: 1,
      inputTokens: 100,
      outputTokens: 100,
      cacheReadInputTokens: 10,
      cacheWriteInputTokens: 0,
    },
  ],
  totalUsd: '0.00263036',
};

describe('bedrock-cost attribution', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'attribution-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('prints the hand-computed attribution by tenant as JSON, with exact costs', () => {
    const { status, stdout, stderr } = run('--from-file', SAMPLE, '--by', 'tenant', '--profiles', PROFILES, '--json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual(EXPECTED_BY_TENANT);
  });

  test('reads a gzipped log, whatever its name, through the executable', () => {
    const zipped = join(tmp, 'logs.bin');
    writeFileSync(zipped, gzipSync(readFileSync(join(ROOT, SAMPLE))));
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'bedrock-cost.js'), '--json', 'attribution', `--from-file=${zipped}`, '--by=tenant', `--profiles=${PROFILES}`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED_BY_TENANT);
  });

  test('lists application-profile calls as unpriced without a profiles map, never as $0', () => {
    const { stdout } = run('--from-file', SAMPLE, '--by', 'tenant', '--json');
    const report = JSON.parse(stdout) as typeof EXPECTED_BY_TENANT;
    expect(report.totalUsd).toBe('0.00257636');
    expect(report.groups.find((group) => group.key === null)).toMatchObject({ costUsd: '0', unpricedRequests: 1 });
    expect(report.unpriced.map((model) => model.modelId)).toContain('arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123xyz');
  });

  test('groups by model or by caller', () => {
    const byModel = JSON.parse(run('--from-file', SAMPLE, '--by', 'modelId', '--json').stdout) as typeof EXPECTED_BY_TENANT;
    expect(byModel.groups.find((group) => group.key === 'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-pro-v1:0')).toMatchObject({ costUsd: '0.0000408' });
    const byCaller = JSON.parse(run('--from-file', SAMPLE, '--by', 'identity', '--json').stdout) as typeof EXPECTED_BY_TENANT;
    expect(byCaller.groups.find((group) => group.key === 'arn:aws:sts::111122223333:assumed-role/support-agent')).toMatchObject({ requests: 3, costUsd: '0.0001038' });
  });

  test('prints a table with six decimals and the unpriced models', () => {
    const { status, stdout } = run('--from-file', SAMPLE, '--by', 'tenant', '--profiles', PROFILES);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^acme +3 +1,003 +0 +18,779 +212 +\$0\.000104$/m);
    expect(stdout).toMatch(/^globex +2 +155 +4,096 +0 +746 +\$0\.002233 +1$/m);
    expect(stdout).toMatch(/^\(no tenant\) +1 +500 +0 +0 +100 +\$0\.000054$/m);
    expect(stdout).toContain('Total $0.002630\n');
    expect(stdout).toContain('  anthropic.claude-3-haiku-20240307-v1:0: 1 request, model not in the price table\n');
  });

  test.each([
    ['no --by', ['--from-file', SAMPLE], 'attribution needs --from-file <log file> and --by <key>', true],
    ['an unknown option', ['--from-file', SAMPLE, '--by', 'tenant', '--since', '2026-01-01'], "unknown option '--since'", true],
    ['--by twice', ['--from-file', SAMPLE, '--by', 'a', '--by', 'b'], '--by given twice', true],
    ['an empty metadata key', ['--from-file', SAMPLE, '--by', 'requestMetadata.'], '--by needs modelId, identity or a requestMetadata key', true],
    ['a missing file', ['--from-file', 'missing.jsonl', '--by', 'tenant'], "cannot read log file 'missing.jsonl': no such file", false],
    ['a log that is not invocation records', ['--from-file', PROFILES, '--by', 'tenant'], `${PROFILES} line 1: not valid JSON`, false],
    ['a profiles file that is not JSON', ['--from-file', SAMPLE, '--by', 'tenant', '--profiles', SAMPLE], `profiles file '${SAMPLE}' is not valid JSON`, false],
  ])('exits 2 on %s, naming the problem', (_case, args, message, help) => {
    const { status, stdout, stderr } = run(...args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`bedrock-cost: ${message}`);
    expect(stderr.includes('Usage:')).toBe(help);
  });

  test('exits 2 on a profiles file that is not an object', () => {
    const profiles = join(tmp, 'list.json');
    writeFileSync(profiles, '["abc"]');
    const { status, stderr } = run('--from-file', SAMPLE, '--by', 'tenant', '--profiles', profiles);
    expect(status).toBe(2);
    expect(stderr).toContain(`bedrock-cost: profiles file '${profiles}' must be a JSON object of profile ARN or id -> model id`);
  });

  test('exits 2 on a profiles entry naming a model the price table does not know', () => {
    const profiles = join(tmp, 'bad-profiles.json');
    writeFileSync(profiles, JSON.stringify({ 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/x': 'amazon.titan-text-lite-v1' }));
    const { status, stderr } = run('--from-file', SAMPLE, '--by', 'tenant', '--profiles', profiles);
    expect(status).toBe(2);
    expect(stderr).toContain(
      `bedrock-cost: profiles file '${profiles}': profile arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/x: unknown model id 'amazon.titan-text-lite-v1'`,
    );
  });

  test('is listed in the help', () => {
    const help = spawnSync(process.execPath, [join(ROOT, 'bin', 'bedrock-cost.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.stdout).toContain('bedrock-cost attribution --from-file <log.jsonl[.gz]> --by <key>');
  });
});
