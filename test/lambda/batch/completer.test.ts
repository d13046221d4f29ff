import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  completeBatch,
  type CompletionLogger,
  type CompletionOptions,
  type CompletionSummary,
  isRetryableError,
  type RecordError,
  type TerminalJobStatus,
} from '../../../lambda/batch-completer/complete';
import { recordUsage } from '../../../lambda/batch-completer/usage';
import { type FailedRecord, jobKey, type ResultRecord, type StagedRecord } from '../../../lambda/batch-shared/layout';
import { listKeys, readLines } from '../../../lambda/batch-shared/s3-jsonl';
import { recordCountOf } from '../../../lambda/batch-shared/staged-chunks';
import { type LocalS3, startLocalS3 } from '../../support/s3rver';
import type * as Completer from '../../../lambda/batch-completer';

const FIXTURES = process.env.BEDROCK_BATCH_FIXTURES ?? resolve(__dirname, '../../../../shared/fixtures/bedrock-batch');
const HAVE_FIXTURES = existsSync(resolve(FIXTURES, 'claude3-haiku-100.jsonl.out'));
if (!HAVE_FIXTURES) {
  console.log(`Real Bedrock batch fixtures not found at ${FIXTURES}: skipping the fixture tests`);
}
const fixtureTest = HAVE_FIXTURES ? test : test.skip;

/**
 * A Claude model with batch prices, unlike the fixtures' Claude 3 Haiku: through global., $1.00 / $5.00
 * on demand, $0.50 / $2.50 batch, per 1M tokens.
 */
const CLAUDE_HAIKU_4_5 = 'global.anthropic.claude-haiku-4-5-20251001-v1:0';
/** $0.035 / $0.14 on demand, $0.0175 / $0.07 batch. */
const NOVA_MICRO = 'amazon.nova-micro-v1:0';
const NOW = new Date('2026-11-26T10:15:00.000Z');
/** The Bedrock job id folder under the job's output prefix. */
const JOB_ID = 'x7k2m9p4q1w8';

let s3: LocalS3;
let bucketCount = 0;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  s3 = await startLocalS3();
});
afterAll(async () => s3.close());

/** A bucket of its own per test, so staged/ (shared by all batches) holds only this test's records. */
async function newBucket(): Promise<string> {
  const bucket = `completer-${++bucketCount}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function put(bucket: string, key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

function jsonl(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join('\n') + '\n';
}

function staged(recordId: string, attempt = 0, metadata: Record<string, unknown> = { source: recordId }): StagedRecord {
  return { recordId, modelInput: { prompt: `input of ${recordId}` }, metadata, attempt, stagedAt: '2026-11-25T02:00:00.000Z' };
}

function claudeOutput(inputTokens: number, outputTokens: number, text = 'ok'): Record<string, unknown> {
  return {
    type: 'message',
    role: 'assistant',
    content: [{ type: 'text', text }],
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  };
}

function success(record: StagedRecord, modelOutput: unknown = claudeOutput(10, 5)): Record<string, unknown> {
  return { recordId: record.recordId, modelInput: record.modelInput, modelOutput };
}

function failure(record: StagedRecord, errorCode: number | string, errorMessage: string): Record<string, unknown> {
  return { recordId: record.recordId, modelInput: record.modelInput, error: { errorCode, errorMessage } };
}

interface Job {
  readonly bucket: string;
  readonly batchId: string;
  readonly ledger: readonly StagedRecord[];
}

/** Writes a job's ledger and Bedrock's output files (`<name>` -> lines) under output/<job id>/. */
async function writeJob(
  batchId: string,
  ledger: readonly StagedRecord[],
  outputs: Record<string, string> = {},
  bucket?: string,
): Promise<Job> {
  const target = bucket ?? (await newBucket());
  await put(target, jobKey(batchId, 'ledger.jsonl'), jsonl(ledger));
  for (const [name, body] of Object.entries(outputs)) {
    await put(target, jobKey(batchId, `output/${JOB_ID}/${name}`), body);
  }
  return { bucket: target, batchId, ledger };
}

function options(overrides: Partial<CompletionOptions> = {}): CompletionOptions {
  return { maxAttempts: 3, modelId: CLAUDE_HAIKU_4_5, now: NOW, ...overrides };
}

async function complete(job: Job, status: TerminalJobStatus, overrides: Partial<CompletionOptions> = {}): Promise<CompletionSummary> {
  return completeBatch(s3.client, job.bucket, { batchId: job.batchId, status }, options(overrides));
}

async function readAll<T>(bucket: string, prefix: string): Promise<{ key: string; records: T[] }[]> {
  const files: { key: string; records: T[] }[] = [];
  for await (const { key } of listKeys(s3.client, bucket, prefix)) {
    const records: T[] = [];
    for await (const { line } of readLines(s3.client, bucket, key)) records.push(JSON.parse(line) as T);
    files.push({ key, records });
  }
  return files;
}

interface Accounted {
  readonly results: ResultRecord[];
  readonly staged: StagedRecord[];
  readonly failed: FailedRecord[];
  readonly stagedKeys: string[];
}

/**
 * The no-loss invariant, from what is in S3: every ledger record is in exactly one of results/,
 * staged/ and failed/, and the summary's counts are those of the files.
 */
async function expectNoLoss(job: Job, summary: CompletionSummary): Promise<Accounted> {
  const resultFiles = await readAll<ResultRecord>(job.bucket, `results/${job.batchId}/`);
  const stagedFiles = await readAll<StagedRecord>(job.bucket, 'staged/');
  const failedFiles = await readAll<FailedRecord>(job.bucket, `failed/${job.batchId}/`);
  const results = resultFiles.flatMap((file) => file.records);
  const stagedRecords = stagedFiles.flatMap((file) => file.records);
  const failed = failedFiles.flatMap((file) => file.records);

  expect(summary.records).toBe(job.ledger.length);
  expect([results.length, stagedRecords.length, failed.length]).toEqual([summary.succeeded, summary.restaged, summary.failed]);
  expect(summary.succeeded + summary.restaged + summary.failed).toBe(summary.records);
  const accounted = [...results, ...stagedRecords, ...failed].map((record) => record.recordId).sort();
  expect(accounted).toEqual(job.ledger.map((record) => record.recordId).sort());
  for (const file of stagedFiles) {
    expect(recordCountOf(file.key)).toBe(file.records.length);
  }
  return { results, staged: stagedRecords, failed, stagedKeys: stagedFiles.map((file) => file.key) };
}

async function storedSummary(job: Job): Promise<unknown> {
  const response = await s3.client.send(new GetObjectCommand({ Bucket: job.bucket, Key: jobKey(job.batchId, 'completed.json') }));
  return JSON.parse((await response.Body?.transformToString()) ?? '');
}

function shuffled<T>(values: readonly T[], seed: number): T[] {
  const copy = [...values];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES, name), 'utf8');
}

function fixtureLines(name: string): Record<string, unknown>[] {
  return fixture(name)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The ledger of a job whose input was the real claude3-haiku-100.jsonl. */
function claudeFixtureLedger(): StagedRecord[] {
  return fixtureLines('claude3-haiku-100.jsonl').map((line, row) => ({
    recordId: line.recordId as string,
    modelInput: line.modelInput as Record<string, unknown>,
    metadata: { row },
    attempt: 0,
    stagedAt: '2026-11-25T02:00:00.000Z',
  }));
}

describe('completeBatch with real Bedrock output', () => {
  fixtureTest('accounts for the 100 real Claude outputs and prices 18,448 input and 11,504 output tokens', async () => {
    const job = await writeJob('fixture-claude', claudeFixtureLedger(), { 'part-00001.jsonl.out': fixture('claude3-haiku-100.jsonl.out') });

    const summary = await complete(job, 'Completed');

    // Claude Haiku 4.5 (global.) per 1M tokens: batch $0.50 in / $2.50 out, on demand $1.00 / $5.00.
    // Batch:     18,448 * 0.50e-6 + 11,504 * 2.50e-6 = 0.009224 + 0.02876 = 0.037984
    // On demand: 18,448 * 1.00e-6 + 11,504 * 5.00e-6 = 0.018448 + 0.05752 = 0.075968
    expect(summary).toEqual({
      batchId: 'fixture-claude',
      status: 'Completed',
      records: 100,
      succeeded: 100,
      restaged: 0,
      failed: 0,
      malformedLines: 0,
      inputTokens: 18_448,
      outputTokens: 11_504,
      batchCostUsd: 0.037984,
      onDemandCostUsd: 0.075968,
      savedUsd: 0.037984,
    });
    expect(await storedSummary(job)).toEqual(summary);
    const { results } = await expectNoLoss(job, summary);
    const outputs = new Map(fixtureLines('claude3-haiku-100.jsonl.out').map((line) => [line.recordId, line.modelOutput]));
    const rows = new Map(job.ledger.map((record) => [record.recordId, record.metadata]));
    for (const result of results) {
      expect(result).toEqual({ recordId: result.recordId, modelOutput: outputs.get(result.recordId), metadata: rows.get(result.recordId) });
    }
  });

  fixtureTest('reads the real output shuffled across two files the same way: order is not guaranteed', async () => {
    const lines = shuffled(fixture('claude3-haiku-100.jsonl.out').split('\n').filter(Boolean), 7);
    const job = await writeJob('fixture-shuffled', claudeFixtureLedger(), {
      'part-00002.jsonl.out': lines.slice(0, 37).join('\n'),
      'part-00001.jsonl.out': lines.slice(37).join('\n') + '\n',
    });

    const summary = await complete(job, 'Completed');

    expect([summary.succeeded, summary.inputTokens, summary.outputTokens, summary.batchCostUsd]).toEqual([100, 18_448, 11_504, 0.037984]);
    await expectNoLoss(job, summary);
  });

  fixtureTest('the AWS documentation example: the success is a result, the 400 error fails at once', async () => {
    const [ok, bad] = fixtureLines('aws-docs-example-output.jsonl.out');
    const ledger = [ok, bad].map((line, row) => ({
      recordId: line.recordId as string,
      modelInput: line.modelInput as Record<string, unknown>,
      metadata: { row },
      attempt: 0,
      stagedAt: '2026-11-25T02:00:00.000Z',
    }));
    const job = await writeJob('fixture-docs', ledger, { 'input.jsonl.out': fixture('aws-docs-example-output.jsonl.out') });

    const summary = await complete(job, 'PartiallyCompleted', { modelId: NOVA_MICRO });

    // Titan Text usage: inputTextTokenCount 8, results[].tokenCount 3.
    expect(summary).toMatchObject({ records: 2, succeeded: 1, restaged: 0, failed: 1, inputTokens: 8, outputTokens: 3 });
    const { results, failed } = await expectNoLoss(job, summary);
    expect(results).toEqual([{ recordId: '3223593EFGH', modelOutput: ok.modelOutput, metadata: { row: 0 } }]);
    expect(failed).toEqual([
      {
        recordId: '1223213ABCD',
        modelInput: { inputText: 'Hello world' },
        metadata: { row: 1 },
        attempts: 1,
        error: { errorCode: 400, errorMessage: 'bad request' },
      },
    ]);
  });

  fixtureTest('prefers the token counts of manifest.json.out to the per-record sums', async () => {
    const ledger = ['n1', 'n2'].map((id) => staged(id));
    const nova = (inputTokens: number, outputTokens: number) => ({
      output: { message: { role: 'assistant', content: [] } },
      usage: { inputTokens, outputTokens },
    });
    const job = await writeJob('manifest', ledger, {
      'part-00001.jsonl.out': jsonl([success(ledger[0], nova(100, 10)), success(ledger[1], nova(200, 20))]),
      'manifest.json.out': fixture('manifest.json.out'),
    });

    const summary = await complete(job, 'Completed', { modelId: NOVA_MICRO });

    // The real manifest: 1,951,382 input and 405,633 output tokens. Nova Micro per 1M tokens:
    // batch $0.0175 / $0.07:     1,951,382 * 0.0175e-6 + 405,633 * 0.07e-6 = 0.034149185 + 0.02839431 = 0.062543495
    // on demand $0.035 / $0.14:  0.06829837 + 0.05678862 = 0.12508699
    expect(summary).toMatchObject({
      inputTokens: 1_951_382,
      outputTokens: 405_633,
      batchCostUsd: 0.062543,
      onDemandCostUsd: 0.125087,
      savedUsd: 0.062543,
    });
    await expectNoLoss(job, summary);
  });
});

describe('completeBatch', () => {
  test('sums per-record usage when there is no manifest, whatever the order of the lines', async () => {
    const ledger = Array.from({ length: 20 }, (_, i) => staged(`shuffle-${i}`));
    const lines = ledger.map((record, i) => success(record, claudeOutput(100 + i, 10 + i)));
    const job = await writeJob('shuffled', ledger, {
      'part-00001.jsonl.out': jsonl(shuffled(lines.slice(0, 12), 3)),
      'part-00002.jsonl.out': jsonl(shuffled(lines.slice(12), 5)),
    });

    const summary = await complete(job, 'Completed');

    // 100 + ... + 119 = 2,190 input, 10 + ... + 29 = 390 output tokens.
    expect(summary).toMatchObject({ succeeded: 20, inputTokens: 2_190, outputTokens: 390 });
    const { results } = await expectNoLoss(job, summary);
    for (const result of results) {
      expect(result.metadata).toEqual({ source: result.recordId });
    }
  });

  test('PartiallyCompleted: records without output are re-staged with attempt + 1, their input and metadata', async () => {
    const ledger = [staged('p-1'), staged('p-2', 1), staged('p-3'), staged('p-4')];
    const job = await writeJob('partial', ledger, { 'part-00001.jsonl.out': jsonl([success(ledger[2]), success(ledger[0])]) });

    const summary = await complete(job, 'PartiallyCompleted');

    expect(summary).toMatchObject({ records: 4, succeeded: 2, restaged: 2, failed: 0 });
    const { staged: restaged, stagedKeys } = await expectNoLoss(job, summary);
    expect(restaged).toEqual([
      { ...ledger[1], attempt: 2, stagedAt: NOW.toISOString() },
      { ...ledger[3], attempt: 1, stagedAt: NOW.toISOString() },
    ]);
    expect(stagedKeys).toEqual([expect.stringMatching(/^staged\/\d{4}-\d{2}-\d{2}\/\d{8}T\d{9}Z-[0-9a-f]{8}\.r2\.jsonl$/)]);
  });

  test.each(['Failed', 'Stopped', 'Expired'] as const)('%s with no output at all: every record is re-staged', async (status) => {
    const ledger = [staged(`${status}-1`), staged(`${status}-2`, 1), staged(`${status}-3`)];
    const job = await writeJob(`no-output-${status}`, ledger);

    const summary = await complete(job, status);

    expect(summary).toEqual({
      batchId: `no-output-${status}`,
      status,
      records: 3,
      succeeded: 0,
      restaged: 3,
      failed: 0,
      malformedLines: 0,
      inputTokens: 0,
      outputTokens: 0,
      batchCostUsd: 0,
      onDemandCostUsd: 0,
      savedUsd: 0,
    });
    const { staged: restaged } = await expectNoLoss(job, summary);
    expect(restaged.map((record) => [record.recordId, record.attempt])).toEqual([
      [`${status}-1`, 1],
      [`${status}-2`, 2],
      [`${status}-3`, 1],
    ]);
  });

  test('attempts exhausted: the record moves to failed/ with its error and the number of jobs it was in', async () => {
    const ledger = [staged('last-missing', 2), staged('last-throttled', 2), staged('early-throttled', 0)];
    const job = await writeJob('exhausted', ledger, {
      'part-00001.jsonl.out': jsonl([failure(ledger[1], 429, 'Too many requests'), failure(ledger[2], 429, 'Too many requests')]),
    });

    const summary = await complete(job, 'PartiallyCompleted');

    expect(summary).toMatchObject({ succeeded: 0, restaged: 1, failed: 2 });
    const { failed, staged: restaged } = await expectNoLoss(job, summary);
    expect(failed).toEqual([
      {
        recordId: 'last-missing',
        modelInput: ledger[0].modelInput,
        metadata: ledger[0].metadata,
        attempts: 3,
        error: { errorMessage: 'no output for this record (job PartiallyCompleted)' },
      },
      {
        recordId: 'last-throttled',
        modelInput: ledger[1].modelInput,
        metadata: ledger[1].metadata,
        attempts: 3,
        error: { errorCode: 429, errorMessage: 'Too many requests' },
      },
    ]);
    expect(restaged.map((record) => [record.recordId, record.attempt])).toEqual([['early-throttled', 1]]);
  });

  test('429 and 5xx errors, throttling and timeouts are retried; 400 and other 4xx errors fail at once', async () => {
    const cases: [string, number | string, string][] = [
      ['e429', 429, 'Your request rate is too high.'],
      ['e500', 500, 'Something went wrong'],
      ['e503', '503', 'Service unavailable'],
      ['throttled', 'ThrottlingException', 'Rate exceeded'],
      ['timeout', 408, 'Model invocation timed out'],
      ['e400', 400, 'bad request'],
      ['e424', 424, 'The model returned an error'],
      ['validation', 'ValidationException', 'Malformed input request'],
    ];
    const ledger = cases.map(([id]) => staged(id));
    const job = await writeJob('retryable', ledger, {
      'part-00001.jsonl.out': jsonl(cases.map(([, code, message], i) => failure(ledger[i], code, message))),
    });

    const summary = await complete(job, 'Completed');

    const { staged: restaged, failed } = await expectNoLoss(job, summary);
    expect(restaged.map((record) => record.recordId)).toEqual(['e429', 'e500', 'e503', 'throttled', 'timeout']);
    expect(failed.map((record) => [record.recordId, record.attempts, record.error.errorCode])).toEqual([
      ['e400', 1, 400],
      ['e424', 1, 424],
      ['validation', 1, 'ValidationException'],
    ]);
  });

  test('malformed output lines are counted and logged, and their records are not lost', async () => {
    const ledger = [staged('m-1'), staged('m-2'), staged('m-3'), staged('m-4')];
    const logger = { info: jest.fn(), warn: jest.fn() };
    const job = await writeJob('malformed', ledger, {
      'part-00001.jsonl.out': [
        '{"recordId": "m-1", "modelInput": {"prompt": "inp',
        JSON.stringify({ modelInput: {}, modelOutput: claudeOutput(1, 1) }),
        JSON.stringify(success(staged('not-in-this-job'))),
        JSON.stringify({ recordId: 'm-3', modelInput: {} }),
        JSON.stringify(success(ledger[3])),
        'not json at all',
      ].join('\n'),
    });

    const summary = await complete(job, 'Completed', { logger: logger as CompletionLogger });

    expect(summary).toMatchObject({ records: 4, succeeded: 1, restaged: 3, failed: 0, malformedLines: 5 });
    const reasons = logger.warn.mock.calls
      .filter(([message]) => message === 'Malformed batch output line')
      .map(([, extra]) => (extra as { reason: string }).reason);
    expect(reasons).toEqual(['not JSON', 'no recordId', 'recordId is not in the job ledger', 'neither modelOutput nor error', 'not JSON']);
    await expectNoLoss(job, summary);
  });

  test('a recordId seen twice in the output: the first success wins, over errors before or after it', async () => {
    const ledger = [staged('twice-1'), staged('twice-2'), staged('twice-3')];
    const job = await writeJob('twice', ledger, {
      'part-00001.jsonl.out': jsonl([
        success(ledger[0], claudeOutput(1, 1, 'first')),
        failure(ledger[1], 500, 'Internal server error'),
        success(ledger[0], claudeOutput(2, 2, 'second')),
        success(ledger[1], claudeOutput(3, 3, 'after an error')),
        success(ledger[2], claudeOutput(4, 4, 'before an error')),
      ]),
      'part-00002.jsonl.out': jsonl([failure(ledger[2], 400, 'bad request')]),
    });

    const summary = await complete(job, 'Completed');

    // Usage counts each record's first success once: 1 + 3 + 4 input, 1 + 3 + 4 output tokens.
    expect(summary).toMatchObject({ succeeded: 3, restaged: 0, failed: 0, inputTokens: 8, outputTokens: 8 });
    const { results } = await expectNoLoss(job, summary);
    const texts = results.map((result) => [result.recordId, (result.modelOutput as { content: { text: string }[] }).content[0].text]);
    expect(texts).toEqual([
      ['twice-1', 'first'],
      ['twice-2', 'after an error'],
      ['twice-3', 'before an error'],
    ]);
  });

  test('outputs of an unknown model family count as 0 tokens, and that is logged', async () => {
    const ledger = [staged('u-1'), staged('u-2')];
    const logger = { info: jest.fn(), warn: jest.fn() };
    const job = await writeJob('unknown-usage', ledger, {
      'part-00001.jsonl.out': jsonl([success(ledger[0], { outputs: [{ text: 'hi' }] }), success(ledger[1], claudeOutput(7, 3))]),
    });

    const summary = await complete(job, 'Completed', { logger: logger as CompletionLogger });

    expect(summary).toMatchObject({ succeeded: 2, inputTokens: 7, outputTokens: 3 });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('does not know'),
      expect.objectContaining({ recordsWithUnknownUsage: 1 }),
    );
    await expectNoLoss(job, summary);
  });

  test('writes results and failures in parts of at most linesPerPart lines, re-staged records in chunks', async () => {
    const ledger = Array.from({ length: 12 }, (_, i) => staged(`part-${String(i).padStart(2, '0')}`, i < 9 ? 0 : 2));
    // 0-6 succeed; 7-8 have no output (re-staged); 9-11 are on their last attempt (failed).
    const job = await writeJob('parts', ledger, { 'part-00001.jsonl.out': jsonl(ledger.slice(0, 7).map((record) => success(record))) });

    const summary = await complete(job, 'PartiallyCompleted', { linesPerPart: 3, recordsPerStagedChunk: 1 });

    const results = await readAll<ResultRecord>(job.bucket, 'results/parts/');
    expect(results.map((file) => [file.key, file.records.length])).toEqual([
      ['results/parts/part-00001.jsonl', 3],
      ['results/parts/part-00002.jsonl', 3],
      ['results/parts/part-00003.jsonl', 1],
    ]);
    const failed = await readAll<FailedRecord>(job.bucket, 'failed/parts/');
    expect(failed.map((file) => [file.key, file.records.length])).toEqual([['failed/parts/part-00001.jsonl', 3]]);
    const { stagedKeys } = await expectNoLoss(job, summary);
    expect(stagedKeys.map((key) => recordCountOf(key))).toEqual([1, 1]);
  });

  test('a second call returns the stored summary and writes nothing new', async () => {
    const ledger = [staged('again-1'), staged('again-2'), staged('again-3', 2)];
    const job = await writeJob('again', ledger, { 'part-00001.jsonl.out': jsonl([success(ledger[0])]) });
    const first = await complete(job, 'PartiallyCompleted');
    const before = await snapshot(job.bucket);

    const second = await complete(job, 'Completed', { now: new Date('2026-11-27T00:00:00.000Z') });

    expect(second).toEqual(first);
    expect(await snapshot(job.bucket)).toEqual(before);
    await expectNoLoss(job, second);
  });

  test('a run that stopped before completed.json, run again, rewrites the same files instead of staging records twice', async () => {
    const ledger = [staged('crash-1'), staged('crash-2'), staged('crash-3')];
    const job = await writeJob('crash', ledger, { 'part-00001.jsonl.out': jsonl([success(ledger[1])]) });
    const first = await complete(job, 'PartiallyCompleted');
    const keysBefore = Object.keys(await snapshot(job.bucket));
    await s3.client.send(new DeleteObjectCommand({ Bucket: job.bucket, Key: jobKey('crash', 'completed.json') }));

    const second = await complete(job, 'PartiallyCompleted', { now: new Date('2026-11-26T10:30:00.000Z') });

    expect(second).toEqual(first);
    expect(Object.keys(await snapshot(job.bucket))).toEqual(keysBefore);
    await expectNoLoss(job, second);
  });

  test('fails before writing anything for a model the price table does not know', async () => {
    const job = await writeJob('unknown-model', [staged('x-1')]);
    const before = await snapshot(job.bucket);

    await expect(complete(job, 'Completed', { modelId: 'anthropic.claude-3-haiku-20240307-v1:0' })).rejects.toThrow(/unknown model id/);

    expect(await snapshot(job.bucket)).toEqual(before);
  });

  test('a ledger line it cannot read stops the completion: completed.json is not written', async () => {
    const job = await writeJob('bad-ledger', [staged('ok-1')]);
    const ledger = `${JSON.stringify(staged('ok-1'))}\n{"recordId": "no-input", "attempt": 0}\n`;
    await put(job.bucket, jobKey('bad-ledger', 'ledger.jsonl'), ledger);

    await expect(complete(job, 'Completed')).rejects.toThrow(/line 2 is not a StagedRecord/);

    const completed = new HeadObjectCommand({ Bucket: job.bucket, Key: jobKey('bad-ledger', 'completed.json') });
    await expect(s3.client.send(completed)).rejects.toThrow();
  });

  test('a batch without a ledger is an error that names the ledger', async () => {
    const job: Job = { bucket: await newBucket(), batchId: 'no-ledger', ledger: [] };

    await expect(complete(job, 'Completed')).rejects.toThrow('jobs/no-ledger/ledger.jsonl does not exist');
  });

  test('a recordId the ledger lists twice: the first is matched with the output, the second is failed, none is lost', async () => {
    const ledger = [staged('dup'), staged('dup'), staged('single')];
    const job = await writeJob('ledger-dup', ledger, { 'part-00001.jsonl.out': jsonl([success(ledger[0]), success(ledger[2])]) });

    const summary = await complete(job, 'Completed');

    expect(summary).toMatchObject({ records: 3, succeeded: 2, restaged: 0, failed: 1 });
    const { failed } = await expectNoLoss(job, summary);
    expect(failed[0].error.errorMessage).toMatch(/appears more than once/);
  });
});

/** Every object of a bucket with its ETag and modification time. */
async function snapshot(bucket: string): Promise<Record<string, string>> {
  const objects: Record<string, string> = {};
  for await (const { key } of listKeys(s3.client, bucket, '')) {
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    objects[key] = `${head.ETag} ${head.LastModified?.toISOString()}`;
  }
  return objects;
}

describe('isRetryableError', () => {
  test.each<[RecordError, boolean]>([
    [{ errorCode: 429, errorMessage: 'Your request rate is too high.' }, true],
    [{ errorCode: 500, errorMessage: 'Something went wrong' }, true],
    [{ errorCode: 'InternalServerException', errorMessage: 'Something went wrong' }, true],
    [{ errorCode: 503, errorMessage: 'Service unavailable' }, true],
    [{ errorCode: '502', errorMessage: 'Bad gateway' }, true],
    [{ errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }, true],
    [{ errorCode: 'ModelTimeoutException', errorMessage: 'Model took too long' }, true],
    [{ errorMessage: 'Request timed out' }, true],
    [{ errorCode: 400, errorMessage: 'bad request' }, false],
    [{ errorCode: 403, errorMessage: 'Access denied' }, false],
    [{ errorCode: 424, errorMessage: 'Model error' }, false],
    [{ errorCode: 'ValidationException', errorMessage: 'Input is too long for requested model' }, false],
  ])('%j -> %s', (error, retryable) => {
    expect(isRetryableError(error)).toBe(retryable);
  });
});

describe('recordUsage', () => {
  test.each<[string, unknown, { inputTokens: number; outputTokens: number } | undefined]>([
    ['Claude (Messages API)', { usage: { input_tokens: 145, output_tokens: 106 } }, { inputTokens: 145, outputTokens: 106 }],
    ['Nova', { output: {}, usage: { inputTokens: 12, outputTokens: 34, totalTokens: 46 } }, { inputTokens: 12, outputTokens: 34 }],
    ['Titan Text', { inputTextTokenCount: 8, results: [{ tokenCount: 3 }, { tokenCount: 4 }] }, { inputTokens: 8, outputTokens: 7 }],
    ['Llama', { generation: 'hi', prompt_token_count: 20, generation_token_count: 2 }, { inputTokens: 20, outputTokens: 2 }],
    ['an unknown shape', { outputs: [{ text: 'hi' }] }, undefined],
    ['negative counts', { usage: { input_tokens: -1, output_tokens: 2 } }, undefined],
    ['not an object', 'text', undefined],
  ])('%s', (_name, modelOutput, expected) => {
    const usage = recordUsage(modelOutput);
    expect(usage && { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }).toEqual(expected);
  });
});

describe('batch completer handler', () => {
  const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:bedrock-cost-alerts';
  const sns = mockClient(SNSClient);
  let handler: typeof Completer.handler;
  let bucket: string;

  beforeAll(async () => {
    Object.assign(process.env, {
      MODEL_ID: CLAUDE_HAIKU_4_5,
      MAX_ATTEMPTS: '2',
      ALERT_TOPIC_ARN: TOPIC_ARN,
      PIPELINE_NAME: 'billing-Batch',
    });
    // Imported after startLocalS3, so its S3 client points at s3rver.
    ({ handler } = await import('../../../lambda/batch-completer'));
  });

  beforeEach(async () => {
    bucket = await newBucket();
    process.env.BUCKET = bucket;
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    process.env.ALERT_TOPIC_ARN = TOPIC_ARN;
  });
  afterEach(() => jest.restoreAllMocks());

  /** Powertools writes EMF lines to stdout; the test reads them there. */
  function captureStdout(): jest.SpyInstance {
    return jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  }

  function emf(stdout: jest.SpyInstance): Record<string, unknown>[] {
    return stdout.mock.calls
      .flatMap(([chunk]) => String(chunk).split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  test('completes the batch, publishes the summary, emits metrics under the Pipeline dimension; a second call does neither', async () => {
    const ledger = [staged('h-1'), staged('h-2'), staged('h-3', 1), staged('h-4')];
    const job = await writeJob('handler-1', ledger, {
      'part-00001.jsonl.out': jsonl([
        success(ledger[0], claudeOutput(600_000, 100_000)),
        success(ledger[1], claudeOutput(400_000, 150_000)),
        failure(ledger[3], 400, 'bad request'),
      ]),
    }, bucket);
    const log = captureStdout();

    const jobArn = 'arn:aws:bedrock:us-east-1:111122223333:model-invocation-job/abc123def456';
    const summary = await handler({ batchId: 'handler-1', jobArn, status: 'PartiallyCompleted' });

    // 1M input and 250k output tokens of Claude Haiku 4.5 (global.): batch 0.50 + 0.625, on demand 1.00 + 1.25.
    expect(summary).toEqual({
      batchId: 'handler-1',
      status: 'PartiallyCompleted',
      records: 4,
      succeeded: 2,
      restaged: 0,
      failed: 2,
      malformedLines: 0,
      inputTokens: 1_000_000,
      outputTokens: 250_000,
      batchCostUsd: 1.125,
      onDemandCostUsd: 2.25,
      savedUsd: 1.125,
    });
    await expectNoLoss(job, summary);

    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input as PublishCommandInput);
    expect(published).toHaveLength(1);
    expect(published[0].TopicArn).toBe(TOPIC_ARN);
    expect(published[0].Subject).toBe('Bedrock batch handler-1: 2 of 4 records, saved $1.13');
    expect(published[0].Message).toContain('ended PartiallyCompleted');
    expect(published[0].Message).toContain('Failed: 2 (failed/handler-1/)');
    expect(published[0].Message).toContain('Saved: $1.125');

    const [metrics] = emf(log);
    expect(metrics).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'BedrockCost', Dimensions: [['Pipeline']] }] },
      Pipeline: 'billing-Batch',
      Records: 4,
      Succeeded: 2,
      Restaged: 0,
      Failed: 2,
      InputTokens: 1_000_000,
      OutputTokens: 250_000,
      BatchCostUsd: 1.125,
      SavedUsd: 1.125,
    });
    expect(metrics).not.toHaveProperty('service');

    log.mockClear();
    expect(await handler({ batchId: 'handler-1', status: 'PartiallyCompleted' })).toEqual(summary);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(emf(log)).toEqual([]);
  });

  test('keeps the subject under 100 ASCII characters for a long batch id', async () => {
    const batchId = `long-${'x'.repeat(120)}`;
    await writeJob(batchId, [staged('long-1')], { 'part-00001.jsonl.out': jsonl([success(staged('long-1'))]) }, bucket);
    captureStdout();

    await handler({ batchId, status: 'Completed' });

    const subject = (sns.commandCalls(PublishCommand)[0].args[0].input as PublishCommandInput).Subject ?? '';
    expect(subject).toMatch(/^Bedrock batch: 1 of 1 records, saved \$/);
    expect(subject.length).toBeLessThan(100);
  });

  test('publishes nothing without a topic, and a failed publish does not undo the completion', async () => {
    captureStdout();
    await writeJob('no-topic', [staged('nt-1')], {}, bucket);
    process.env.ALERT_TOPIC_ARN = '';
    await expect(handler({ batchId: 'no-topic', status: 'Expired' })).resolves.toMatchObject({ restaged: 1 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);

    process.env.ALERT_TOPIC_ARN = TOPIC_ARN;
    sns.on(PublishCommand).rejects(new Error('SNS is down'));
    await writeJob('sns-down', [staged('sd-1')], {}, bucket);
    await expect(handler({ batchId: 'sns-down', status: 'Failed' })).resolves.toMatchObject({ restaged: 1 });
  });

  test('accepts a null jobArn, as the timeout path sends when no job ARN was recorded', async () => {
    captureStdout();
    await writeJob('timed-out', [staged('to-1')], {}, bucket);
    await expect(handler({ batchId: 'timed-out', jobArn: null, status: 'Stopped' } as unknown as Parameters<typeof handler>[0])).resolves.toMatchObject({
      restaged: 1,
    });
  });

  test('rejects an input that is not a terminal job status', async () => {
    await expect(handler({ batchId: 'b', status: 'Duplicate' } as unknown as Parameters<typeof handler>[0])).rejects.toThrow(
      /status one of Completed, PartiallyCompleted, Failed, Stopped, Expired/,
    );
  });
});
