import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type S3Event } from 'aws-lambda';
import type * as Collector from '../../../lambda/batch-collector';
import type * as Packer from '../../../lambda/batch-packer';
import { type PackedBatch, type PackLimits, packStagedRecords } from '../../../lambda/batch-packer/pack';
import { type BatchManifest, type RejectedRecord, type StagedRecord } from '../../../lambda/batch-shared/layout';
import { listKeys, readJson, readLines } from '../../../lambda/batch-shared/s3-jsonl';
import { recordCountOf, writeStagedChunk } from '../../../lambda/batch-shared/staged-chunks';
import { type LocalS3, startLocalS3 } from '../../support/s3rver';

const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/bedrock-batch/claude3-haiku-100.jsonl');
const fixtureTest = existsSync(FIXTURE) ? test : test.skip;
if (!existsSync(FIXTURE)) {
  console.warn(`Skipping the real-fixture packer test: ${FIXTURE} is absent`);
}

const LIMITS: PackLimits = {
  maxRecordsPerFile: 50_000,
  maxBytesPerFile: 1_000_000_000,
  maxRecordsPerJob: 50_000,
  minRecordsPerJob: 1,
  maxBytesPerJob: 5_000_000_000,
};
const NOW = new Date('2026-11-26T12:00:00.000Z');

let s3: LocalS3;
let bucket: string;
let bucketNumber = 0;

beforeAll(async () => {
  s3 = await startLocalS3();
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});
afterAll(async () => s3.close());

/** A bucket of its own for each test, so `staged/` holds only that test's chunks. */
beforeEach(async () => {
  bucket = `packer-${++bucketNumber}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
});

function record(recordId: string, extra: Partial<StagedRecord> = {}): StagedRecord {
  return {
    recordId,
    modelInput: { anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, messages: [{ role: 'user', content: `Prompt ${recordId}` }] },
    metadata: { team: 'search' },
    attempt: 0,
    stagedAt: '2026-11-26T10:00:00.000Z',
    ...extra,
  };
}

function records(prefix: string, count: number): StagedRecord[] {
  return Array.from({ length: count }, (_, n) => record(`${prefix}-${n}`));
}

/** Stages chunks one second apart, so their keys sort in the order given. */
async function stage(...chunks: StagedRecord[][]): Promise<string[]> {
  const keys: string[] = [];
  for (const [index, chunk] of chunks.entries()) {
    keys.push((await writeStagedChunk(s3.client, bucket, chunk, new Date(Date.UTC(2026, 10, 26, 10, 0, index)))) ?? '');
  }
  return keys;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of listKeys(s3.client, bucket, prefix)) keys.push(key);
  return keys;
}

async function lines(key: string): Promise<string[]> {
  const all: string[] = [];
  for await (const { line } of readLines(s3.client, bucket, key)) all.push(line);
  return all;
}

async function values<T>(prefix: string): Promise<T[]> {
  const all: T[] = [];
  for (const key of await keysUnder(prefix)) all.push(...(await lines(key)).map((line) => JSON.parse(line) as T));
  return all;
}

async function pack(limits: Partial<PackLimits> = {}, now = NOW): Promise<PackedBatch> {
  const result = await packStagedRecords(s3.client, bucket, { ...LIMITS, ...limits }, now);
  if (result.batchId === null) throw new Error(`nothing packed: ${result.reason}`);
  return result;
}

async function manifestOf(batchId: string): Promise<BatchManifest> {
  return readJson<BatchManifest>(s3.client, bucket, `jobs/${batchId}/batch.json`);
}

describe('batch packer', () => {
  test('an empty window packs nothing', async () => {
    const result = await packStagedRecords(s3.client, bucket, { ...LIMITS, minRecordsPerJob: 100 }, NOW);

    expect(result).toEqual({ batchId: null, stagedRecords: 0, reason: 'no staged records' });
    expect(await keysUnder('')).toEqual([]);
  });

  test('fewer than minRecordsPerJob records wait for the next window', async () => {
    const staged = await stage(records('a', 60), records('b', 39));

    const result = await packStagedRecords(s3.client, bucket, { ...LIMITS, minRecordsPerJob: 100 }, NOW);

    expect(result).toEqual({ batchId: null, stagedRecords: 99, reason: expect.stringMatching(/fewer than the minimum of 100/) });
    expect(await keysUnder('')).toEqual(staged);
  });

  test('input lines are exactly {recordId, modelInput}, and the ledger holds every staged record unchanged', async () => {
    const [key] = await stage(records('r', 5));

    const result = await pack();

    expect(result).toEqual({ batchId: expect.stringMatching(/^20261126-[0-9a-f]{12}$/), recordCount: 5, inputFileCount: 1 });
    const input = await lines(`jobs/${result.batchId}/input/part-00001.jsonl`);
    expect(input.map((line) => JSON.parse(line) as unknown)).toEqual(
      records('r', 5).map(({ recordId, modelInput }) => ({ recordId, modelInput })),
    );
    expect(input.every((line) => Object.keys(JSON.parse(line) as object).join() === 'recordId,modelInput')).toBe(true);
    expect(await lines(`jobs/${result.batchId}/ledger.jsonl`)).toEqual(await lines(key));
    const manifest = await manifestOf(result.batchId);
    expect(manifest).toEqual({
      batchId: result.batchId,
      stagedKeys: [key],
      inputKeys: [`jobs/${result.batchId}/input/part-00001.jsonl`],
      recordCount: 5,
      inputBytes: input.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0),
      createdAt: NOW.toISOString(),
    });
    // Staged chunks stay until the submitter archives them.
    expect(await keysUnder('staged/')).toEqual([key]);
  });

  test('records are split across input files by maxRecordsPerFile', async () => {
    await stage(records('a', 4), records('b', 3));

    const result = await pack({ maxRecordsPerFile: 3 });

    expect(result.inputFileCount).toBe(3);
    const manifest = await manifestOf(result.batchId);
    expect(manifest.inputKeys).toEqual([1, 2, 3].map((n) => `jobs/${result.batchId}/input/part-0000${n}.jsonl`));
    expect(await Promise.all(manifest.inputKeys.map(async (key) => (await lines(key)).length))).toEqual([3, 3, 1]);
  });

  test('records are split across input files by maxBytesPerFile', async () => {
    await stage(records('r', 10));
    const lineBytes = Buffer.byteLength(JSON.stringify({ recordId: 'r-0', modelInput: record('r-0').modelInput })) + 1;

    const result = await pack({ maxBytesPerFile: lineBytes * 4 + 1 });

    const manifest = await manifestOf(result.batchId);
    const sizes = await Promise.all(manifest.inputKeys.map(async (key) => (await lines(key)).length));
    expect(sizes).toEqual([4, 4, 2]);
    for (const key of manifest.inputKeys) {
      const bytes = (await lines(key)).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      expect(bytes).toBeLessThanOrEqual(lineBytes * 4 + 1);
    }
  });

  test('maxRecordsPerJob takes whole chunks, oldest first, and leaves later chunks staged', async () => {
    const [first, second, third] = await stage(records('a', 40), records('b', 40), records('c', 40));

    const result = await pack({ maxRecordsPerJob: 100 });

    expect(result.recordCount).toBe(80);
    expect((await manifestOf(result.batchId)).stagedKeys).toEqual([first, second]);
    expect(await keysUnder('staged/')).toEqual([first, second, third]);
    expect(await keysUnder('rejected/')).toEqual([]);
  });

  test('a chunk bigger than maxRecordsPerJob is split and its rest re-staged, no record lost', async () => {
    const [big, later] = await stage(records('big', 25), records('later', 5));

    const result = await pack({ maxRecordsPerJob: 10 });

    expect(result.recordCount).toBe(10);
    const manifest = await manifestOf(result.batchId);
    expect(manifest.stagedKeys).toEqual([big]);
    const staged = await keysUnder('staged/');
    expect(staged).toHaveLength(3);
    const restaged = staged.filter((key) => key !== big && key !== later);
    expect(restaged.map(recordCountOf)).toEqual([15]);
    // The rest keeps its place in line: before the later chunk.
    expect(staged).toEqual([big, restaged[0], later]);
    const sent = (await values<{ recordId: string }>(`jobs/${result.batchId}/input/`)).map((r) => r.recordId);
    const waiting = (await lines(restaged[0])).map((line) => (JSON.parse(line) as StagedRecord).recordId);
    expect(sent).toEqual(records('big', 10).map((r) => r.recordId));
    expect([...sent, ...waiting]).toEqual(records('big', 25).map((r) => r.recordId));
  });

  test('a job below minRecordsPerJob takes part of the next chunk instead of waiting behind it forever', async () => {
    const [small, big] = await stage(records('small', 5), records('big', 20));

    const result = await pack({ maxRecordsPerJob: 10, minRecordsPerJob: 8 });

    expect(result.recordCount).toBe(10);
    expect((await manifestOf(result.batchId)).stagedKeys).toEqual([small, big]);
    const restaged = (await keysUnder('staged/')).filter((key) => key !== small && key !== big);
    expect(restaged.map(recordCountOf)).toEqual([15]);
  });

  test('maxBytesPerJob leaves later chunks staged', async () => {
    const [first, second] = await stage(records('a', 10), records('b', 10));
    const firstBytes = (await lines(first)).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);

    const result = await pack({ maxBytesPerJob: firstBytes + 100 });

    expect(result.recordCount).toBe(10);
    expect((await manifestOf(result.batchId)).stagedKeys).toEqual([first]);
    expect(await keysUnder('staged/')).toEqual([first, second]);
  });

  test('a re-run of a split pack re-stages the rest to the same key, not twice', async () => {
    await stage(records('big', 25));
    const first = await pack({ maxRecordsPerJob: 10 });
    const staged = await keysUnder('staged/');
    // As if the first run had stopped before writing batch.json, leaving an extra input file.
    await s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `jobs/${first.batchId}/batch.json` }));
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `jobs/${first.batchId}/input/part-00009.jsonl`, Body: '{}' }));

    const second = await pack({ maxRecordsPerJob: 10 });

    expect(second).toEqual(first);
    expect(await keysUnder('staged/')).toEqual(staged);
    // A stray input file from the interrupted run is gone.
    expect(await keysUnder(`jobs/${first.batchId}/input/`)).toEqual([`jobs/${first.batchId}/input/part-00001.jsonl`]);
  });

  test('a duplicate recordId in a batch is rejected, not sent', async () => {
    await stage([record('same'), record('other')], [record('same', { attempt: 1 })]);

    const result = await pack();

    expect(result.recordCount).toBe(2);
    expect((await values<{ recordId: string }>(`jobs/${result.batchId}/input/`)).map((r) => r.recordId)).toEqual(['same', 'other']);
    const rejected = await values<RejectedRecord>('rejected/');
    expect(rejected).toEqual([
      {
        reason: expect.stringMatching(new RegExp(`line 1: duplicate recordId same in batch ${result.batchId}`)),
        input: record('same', { attempt: 1 }),
        rejectedAt: NOW.toISOString(),
      },
    ]);
    expect((await values<StagedRecord>(`jobs/${result.batchId}/ledger.jsonl`)).map((r) => r.attempt)).toEqual([0, 0]);
  });

  test('a line that is not a valid staged record is rejected with its reason', async () => {
    const key = 'staged/2026-11-26/20261126T100000000Z-00000000.r4.jsonl';
    const good = JSON.stringify(record('good'));
    const noAttempt = JSON.stringify({ ...record('no-attempt'), attempt: undefined });
    await s3.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: [good, 'oops', noAttempt, JSON.stringify({ recordId: 'x y', modelInput: {} })].join('\n') }),
    );

    const result = await pack();

    expect(result.recordCount).toBe(1);
    const reasons = (await values<RejectedRecord>('rejected/')).map((r) => r.reason);
    expect(reasons).toEqual([
      expect.stringMatching(new RegExp(`^${key} line 2: invalid JSON`)),
      `${key} line 3: attempt must be a non-negative integer, got undefined`,
      expect.stringMatching(new RegExp(`^${key} line 4: recordId must be`)),
    ]);
  });

  test('a staged key without its record count is counted by reading it', async () => {
    const key = 'staged/2026-11-26/hand-made.jsonl';
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: records('h', 3).map((r) => JSON.stringify(r)).join('\n') }));

    expect(await packStagedRecords(s3.client, bucket, { ...LIMITS, minRecordsPerJob: 4 }, NOW)).toMatchObject({ batchId: null, stagedRecords: 3 });
    expect(await pack({ minRecordsPerJob: 3 })).toMatchObject({ recordCount: 3 });
  });

  test('the same staged chunks give the same batchId, and a second call does not rewrite the job', async () => {
    await stage(records('a', 3), records('b', 3));
    const first = await pack();
    const manifestBefore = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: `jobs/${first.batchId}/batch.json` }));

    const second = await pack({}, new Date(NOW.getTime() + 60_000));

    expect(second).toEqual(first);
    const manifestAfter = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: `jobs/${first.batchId}/batch.json` }));
    expect(manifestAfter.LastModified).toEqual(manifestBefore.LastModified);
    expect((await manifestOf(first.batchId)).createdAt).toBe(NOW.toISOString());
    expect((await keysUnder('jobs/')).filter((key) => key.endsWith('batch.json'))).toHaveLength(1);
  });

  test('other staged chunks give another batchId', async () => {
    await stage(records('a', 3));
    const first = await pack();
    await stage(records('b', 3));

    expect((await pack()).batchId).not.toBe(first.batchId);
  });

  test('limits that cannot hold a job are refused', async () => {
    await expect(packStagedRecords(s3.client, bucket, { ...LIMITS, minRecordsPerJob: 10, maxRecordsPerJob: 5 }, NOW)).rejects.toThrow(
      /minRecordsPerJob/,
    );
    await expect(packStagedRecords(s3.client, bucket, { ...LIMITS, maxBytesPerFile: 0 }, NOW)).rejects.toThrow(/maxBytesPerFile/);
  });
});

describe('batch packer handler', () => {
  let packer: typeof Packer.handler;
  beforeAll(async () => {
    ({ handler: packer } = await import('../../../lambda/batch-packer'));
  });
  afterEach(() => {
    delete process.env.MIN_RECORDS_PER_JOB;
    delete process.env.MAX_RECORDS_PER_FILE;
  });

  test('reads the bucket and limits from the environment and ignores its input', async () => {
    process.env.BUCKET = bucket;
    process.env.MIN_RECORDS_PER_JOB = '2';
    process.env.MAX_RECORDS_PER_FILE = '2';
    await stage(records('r', 3));

    const result = await packer({});

    expect(result).toEqual({ batchId: expect.any(String), recordCount: 3, inputFileCount: 2 });
  });

  test('waits with the default minimum of 100 records', async () => {
    process.env.BUCKET = bucket;
    await stage(records('r', 99));

    expect(await packer({})).toMatchObject({ batchId: null, stagedRecords: 99 });
  });

  test('a missing BUCKET is a clear error', async () => {
    delete process.env.BUCKET;
    await expect(packer({})).rejects.toThrow(/BUCKET/);
  });
});

describe('collector and packer on a real Bedrock input file', () => {
  fixtureTest('all 100 recordIds of claude3-haiku-100.jsonl reach the job input, with their modelInput unchanged', async () => {
    const fixture = readFileSync(FIXTURE, 'utf8');
    const expected = new Map(
      fixture
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { recordId: string; modelInput: unknown })
        .map((r) => [r.recordId, r.modelInput]),
    );
    expect(expected.size).toBe(100);
    process.env.BUCKET = bucket;
    const { handler: collector } = (await import('../../../lambda/batch-collector')) as typeof Collector;
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/claude3-haiku-100.jsonl', Body: fixture }));

    expect(await collector(incomingEvent('incoming/claude3-haiku-100.jsonl'))).toEqual({ staged: 100, rejected: 0 });
    const result = await pack({ minRecordsPerJob: 100 });

    expect(result.recordCount).toBe(100);
    const input = await values<{ recordId: string; modelInput: unknown }>(`jobs/${result.batchId}/input/`);
    expect(new Map(input.map((r) => [r.recordId, r.modelInput]))).toEqual(expected);
    expect(await keysUnder('archive/incoming/')).toEqual(['archive/incoming/claude3-haiku-100.jsonl']);
  });
});

function incomingEvent(key: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: NOW.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'EXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'incoming',
          bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key, size: 1, eTag: 'etag', sequencer: '0A1B2C3D4E5F678901' },
        },
      },
    ],
  };
}
