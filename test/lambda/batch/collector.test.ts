import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type S3Event, type SQSBatchResponse, type SQSEvent } from 'aws-lambda';
import type * as Collector from '../../../lambda/batch-collector';
import { collectMessages, decodeEventKey } from '../../../lambda/batch-collector/collect';
import { type RejectedRecord, type StagedRecord } from '../../../lambda/batch-shared/layout';
import { listKeys, readLines } from '../../../lambda/batch-shared/s3-jsonl';
import { recordCountOf, restagedChunkKey, stagedChunkKey, writeRejected, writeStagedChunk } from '../../../lambda/batch-shared/staged-chunks';
import { type LocalS3, startLocalS3 } from '../../support/s3rver';

let s3: LocalS3;
let handler: typeof Collector.handler;
let bucketNumber = 0;

beforeAll(async () => {
  s3 = await startLocalS3();
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Imported after startLocalS3, so the module's client sees AWS_ENDPOINT_URL_S3.
  ({ handler } = await import('../../../lambda/batch-collector'));
});
afterAll(async () => s3.close());

beforeEach(async () => {
  delete process.env.CHUNK_RECORDS;
  delete process.env.MAX_RECORD_BYTES;
  process.env.BUCKET = await freshBucket();
});

/** A bucket of its own for each test, so listings see only that test's objects. */
async function freshBucket(): Promise<string> {
  const bucket = `collector-${++bucketNumber}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function bucket(): string {
  return process.env.BUCKET ?? '';
}

function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `message-${index + 1}`,
      receiptHandle: `receipt-${index + 1}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1764152100000',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1764152100001',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:bedrock-batch-records',
      awsRegion: 'us-east-1',
    })),
  };
}

function s3Event(eventKey: string, bucketName = bucket()): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-11-26T10:15:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'EXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'incoming',
          bucket: { name: bucketName, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucketName}` },
          object: { key: eventKey, size: 1, eTag: 'etag', sequencer: '0A1B2C3D4E5F678901' },
        },
      },
    ],
  };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of listKeys(s3.client, bucket(), prefix)) keys.push(key);
  return keys;
}

async function linesOf<T>(prefix: string): Promise<T[]> {
  const values: T[] = [];
  for (const key of await keysUnder(prefix)) {
    for await (const { line } of readLines(s3.client, bucket(), key)) values.push(JSON.parse(line) as T);
  }
  return values;
}

async function put(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body }));
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.client.send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
    return true;
  } catch {
    return false;
  }
}

const modelInput = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };

describe('staged chunk keys', () => {
  test('carry the UTC day, a millisecond timestamp, 8 random hex digits and the record count', () => {
    const key = stagedChunkKey(new Date('2026-11-26T10:15:00.123Z'), 500);
    expect(key).toMatch(/^staged\/2026-11-26\/20261126T101500123Z-[0-9a-f]{8}\.r500\.jsonl$/);
    expect(recordCountOf(key)).toBe(500);
  });

  test('a key not in the staged form has no record count', () => {
    expect(recordCountOf('staged/2026-11-26/hand-made.jsonl')).toBeUndefined();
    expect(recordCountOf('rejected/2026-11-26/20261126T101500123Z-1a2b3c4d.r5.jsonl')).toBeUndefined();
  });

  test('sort in staging order, oldest first', () => {
    const keys = ['2026-11-26T23:59:59.999Z', '2026-11-27T00:00:00.000Z', '2026-11-27T00:00:00.001Z'].map((t) =>
      stagedChunkKey(new Date(t), 1),
    );
    expect([...keys].sort()).toEqual(keys);
  });

  test('a re-staged chunk key is deterministic and sorts right after its original', () => {
    const original = 'staged/2026-11-26/20261126T101500123Z-1a2b3c4d.r500.jsonl';
    const restaged = restagedChunkKey(original, 200, new Date());
    expect(restaged).toMatch(/^staged\/2026-11-26\/20261126T101500124Z-[0-9a-f]{8}\.r200\.jsonl$/);
    expect(restagedChunkKey(original, 200, new Date())).toBe(restaged);
    expect(restaged > original).toBe(true);
  });

  test('nothing is written for no records', async () => {
    const now = new Date();
    expect(await writeStagedChunk(s3.client, bucket(), [], now)).toBeUndefined();
    expect(await writeRejected(s3.client, bucket(), [], now)).toBeUndefined();
    expect(await keysUnder('')).toEqual([]);
  });

  test('rejected chunks go under rejected/<day>/', async () => {
    const now = new Date('2026-11-26T10:15:00.123Z');
    const key = await writeRejected(s3.client, bucket(), [{ reason: 'r', input: 'x', rejectedAt: now.toISOString() }], now);
    expect(key).toMatch(/^rejected\/2026-11-26\/20261126T101500123Z-[0-9a-f]{8}\.jsonl$/);
  });
});

describe('batch collector, SQS messages', () => {
  test('valid records are staged as one chunk, with assigned recordIds and attempt 0', async () => {
    const bodies = [
      JSON.stringify({ recordId: 'order-1', modelInput, metadata: { team: 'search' } }),
      JSON.stringify({ modelInput }),
      JSON.stringify({ modelInput }),
    ];
    const response = (await handler(sqsEvent(bodies))) as SQSBatchResponse;

    expect(response).toEqual({ batchItemFailures: [] });
    const chunks = await keysUnder('staged/');
    expect(chunks).toHaveLength(1);
    expect(recordCountOf(chunks[0])).toBe(3);
    const staged = await linesOf<StagedRecord>('staged/');
    expect(staged[0]).toEqual({ recordId: 'order-1', modelInput, metadata: { team: 'search' }, attempt: 0, stagedAt: expect.any(String) });
    expect(staged[1].recordId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(staged.map((r) => r.recordId)).size).toBe(3);
    expect(staged.every((r) => r.attempt === 0 && !Number.isNaN(Date.parse(r.stagedAt)))).toBe(true);
    expect(await keysUnder('rejected/')).toEqual([]);
  });

  test('invalid JSON, a missing modelInput, an unknown field and an oversized record are rejected with their reasons; nothing is dropped', async () => {
    process.env.MAX_RECORD_BYTES = '200';
    const bodies = [
      JSON.stringify({ recordId: 'good', modelInput }),
      '{"modelInput": {"prompt": "unterminated"',
      JSON.stringify({ recordId: 'no-input' }),
      JSON.stringify({ modelInput, priority: 'high' }),
      JSON.stringify({ recordId: 'big', modelInput: { prompt: 'x'.repeat(300) } }),
    ];
    const response = (await handler(sqsEvent(bodies))) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([]);
    const staged = await linesOf<StagedRecord>('staged/');
    const rejected = await linesOf<RejectedRecord>('rejected/');
    expect(staged.length + rejected.length).toBe(bodies.length);
    expect(staged.map((r) => r.recordId)).toEqual(['good']);
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^SQS message message-2: invalid JSON/),
      'SQS message message-3: modelInput must be a non-empty JSON object (the model request body)',
      "SQS message message-4: unknown field 'priority'; allowed: recordId, modelInput, metadata",
      expect.stringMatching(/^SQS message message-5: record is \d+ bytes; the limit is 200 bytes$/),
    ]);
    expect(rejected[0].input).toBe(bodies[1]);
    expect(rejected[1].input).toEqual({ recordId: 'no-input' });
    expect(rejected.every((r) => !Number.isNaN(Date.parse(r.rejectedAt)))).toBe(true);
  });

  test('an S3 write failure reports every message as a batch item failure', async () => {
    process.env.BUCKET = 'no-such-bucket';
    const bodies = [JSON.stringify({ modelInput }), 'not json', JSON.stringify({ recordId: 'r-2', modelInput })];

    const response = (await handler(sqsEvent(bodies))) as SQSBatchResponse;

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['message-1', 'message-2', 'message-3']);
  });

  test('when only the rejected chunk cannot be written, only the rejected messages come back', async () => {
    const failingRejects = {
      send: async (command: { input: { Key?: string } }) =>
        command.input.Key?.startsWith('rejected/') ? Promise.reject(new Error('Access Denied')) : s3.client.send(command as never),
    } as unknown as S3Client;
    const messages = sqsEvent([JSON.stringify({ modelInput }), 'not json']).Records;

    const outcome = await collectMessages(failingRejects, { bucket: bucket(), maxRecordBytes: 1_048_576, chunkRecords: 10 }, messages, new Date());

    expect(outcome.response.batchItemFailures).toEqual([{ itemIdentifier: 'message-2' }]);
    expect(await linesOf<StagedRecord>('staged/')).toHaveLength(1);
  });
});

describe('batch collector, incoming files', () => {
  test('an incoming .jsonl file is streamed into chunks of CHUNK_RECORDS records and archived', async () => {
    process.env.CHUNK_RECORDS = '4';
    const lines = Array.from({ length: 10 }, (_, n) => JSON.stringify({ recordId: `r-${n}`, modelInput }));
    lines.splice(5, 0, '', 'garbage');
    await put('incoming/day-1.jsonl', lines.join('\n'));

    const summary = await handler(s3Event('incoming/day-1.jsonl'));

    expect(summary).toEqual({ staged: 10, rejected: 1 });
    const chunks = await keysUnder('staged/');
    expect(chunks.map(recordCountOf)).toEqual(expect.arrayContaining([4, 4, 2]));
    expect(chunks).toHaveLength(3);
    const staged = await linesOf<StagedRecord>('staged/');
    expect(staged.map((r) => r.recordId).sort()).toEqual(Array.from({ length: 10 }, (_, n) => `r-${n}`).sort());
    const rejected = await linesOf<RejectedRecord>('rejected/');
    expect(rejected).toEqual([{ reason: expect.stringMatching(/^incoming\/day-1\.jsonl line 7: invalid JSON/), input: 'garbage', rejectedAt: expect.any(String) }]);
    expect(await exists('incoming/day-1.jsonl')).toBe(false);
    expect(await exists('archive/incoming/day-1.jsonl')).toBe(true);
  });

  test('URL-encoded event keys (spaces as +) are decoded', async () => {
    await put('incoming/team a/prompts (1) é.jsonl', JSON.stringify({ modelInput }));

    const summary = await handler(s3Event('incoming/team+a/prompts+%281%29+%C3%A9.jsonl'));

    expect(summary).toEqual({ staged: 1, rejected: 0 });
    expect(await keysUnder('archive/')).toEqual(['archive/incoming/team a/prompts (1) é.jsonl']);
  });

  test('an encoded + in an event key is a plus sign, a bare + a space', () => {
    // Decoding only: s3rver's CopyObject (decodeURI) cannot copy keys holding '+', real S3 can.
    expect(decodeEventKey('incoming/a+b%2Bc.jsonl')).toBe('incoming/a b+c.jsonl');
  });

  test('keys outside incoming/ or not ending in .jsonl are ignored', async () => {
    await put('incoming/notes.txt', JSON.stringify({ modelInput }));
    await put('elsewhere/a.jsonl', JSON.stringify({ modelInput }));

    expect(await handler(s3Event('incoming/notes.txt'))).toEqual({ staged: 0, rejected: 0 });
    expect(await handler(s3Event('elsewhere/a.jsonl'))).toEqual({ staged: 0, rejected: 0 });
    expect((await keysUnder('')).sort()).toEqual(['elsewhere/a.jsonl', 'incoming/notes.txt']);
  });

  test('a repeated event for a file already archived stages nothing twice', async () => {
    await put('incoming/once.jsonl', JSON.stringify({ modelInput }));
    expect(await handler(s3Event('incoming/once.jsonl'))).toEqual({ staged: 1, rejected: 0 });

    expect(await handler(s3Event('incoming/once.jsonl'))).toEqual({ staged: 0, rejected: 0 });
    expect(await keysUnder('staged/')).toHaveLength(1);
  });
});

describe('batch collector, configuration', () => {
  test('a missing BUCKET is a clear error', async () => {
    delete process.env.BUCKET;
    await expect(handler(sqsEvent([JSON.stringify({ modelInput })]))).rejects.toThrow(/BUCKET/);
  });

  test('an event that is neither SQS nor S3 is refused', async () => {
    await expect(handler({ Records: [] } as unknown as SQSEvent)).rejects.toThrow(/Unexpected event/);
  });
});
