import {
  BedrockClient,
  CreateModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  ServiceQuotaExceededException,
  StopModelInvocationJobCommand,
} from '@aws-sdk/client-bedrock';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { jobKey } from '../../../lambda/batch-shared/layout';
import { listKeys, readJson, writeJson } from '../../../lambda/batch-shared/s3-jsonl';
import { jobName, JobSlotsFullError, stopBatchJob, submitBatchJob, type SubmitConfig } from '../../../lambda/batch-submitter/submit';
import { type LocalS3, startLocalS3 } from '../../support/s3rver';

const bedrockMock = mockClient(BedrockClient);
const JOB_ARN = 'arn:aws:bedrock:us-east-1:111122223333:model-invocation-job/abc123';

describe('batch submitter', () => {
  let s3: LocalS3;
  let config: SubmitConfig;
  const bedrock = new BedrockClient({ region: 'us-east-1' });

  beforeAll(async () => {
    s3 = await startLocalS3();
    config = {
      bucket: s3.bucket,
      modelId: 'amazon.nova-micro-v1:0',
      roleArn: 'arn:aws:iam::111122223333:role/BedrockBatchRole',
      jobNamePrefix: 'moderation',
      modelInvocationType: 'InvokeModel',
      timeoutHours: 24,
      maxConcurrentJobs: 2,
    };
  });
  afterAll(async () => s3.close());
  beforeEach(() => {
    bedrockMock.reset();
    bedrockMock.on(ListModelInvocationJobsCommand).resolves({ invocationJobSummaries: [] });
    bedrockMock.on(CreateModelInvocationJobCommand).resolves({ jobArn: JOB_ARN });
  });

  async function packedBatch(batchId: string, stagedKeys: string[]): Promise<void> {
    for (const key of stagedKeys) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: '{}\n' }));
    }
    await writeJson(s3.client, s3.bucket, jobKey(batchId, 'batch.json'), {
      batchId,
      stagedKeys,
      inputKeys: [jobKey(batchId, 'input/part-00001.jsonl')],
      recordCount: 100,
      inputBytes: 1000,
      createdAt: '2026-11-26T02:00:00.000Z',
    });
  }

  async function keys(prefix: string): Promise<string[]> {
    const found: string[] = [];
    for await (const { key } of listKeys(s3.client, s3.bucket, prefix)) found.push(key);
    return found;
  }

  test('creates the job with a deterministic name and client token, the service role and the batch S3 prefixes', async () => {
    await packedBatch('20261126-aaaa', ['staged/2026-11-25/a.r50.jsonl', 'staged/2026-11-25/b.r50.jsonl']);
    const outcome = await submitBatchJob(bedrock, s3.client, { batchId: '20261126-aaaa', taskToken: 'token-1' }, config);

    expect(outcome).toEqual({ kind: 'submitted', jobArn: JOB_ARN, archived: 2 });
    expect(bedrockMock.commandCalls(CreateModelInvocationJobCommand).map((call) => call.args[0].input)).toEqual([
      {
        jobName: 'moderation-20261126-aaaa',
        clientRequestToken: '20261126-aaaa',
        modelId: 'amazon.nova-micro-v1:0',
        roleArn: 'arn:aws:iam::111122223333:role/BedrockBatchRole',
        modelInvocationType: 'InvokeModel',
        timeoutDurationInHours: 24,
        inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${s3.bucket}/jobs/20261126-aaaa/input/`, s3InputFormat: 'JSONL' } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${s3.bucket}/jobs/20261126-aaaa/output/` } },
      },
    ]);
    expect(await readJson(s3.client, s3.bucket, jobKey('20261126-aaaa', 'task-token.json'))).toEqual({ taskToken: 'token-1', jobArn: JOB_ARN });
  });

  test('archives the staged chunks only after Bedrock accepted the job', async () => {
    expect(await keys('staged/2026-11-25/')).toEqual([]);
    expect(await keys('archive/20261126-aaaa/')).toEqual([
      'archive/20261126-aaaa/staged/2026-11-25/a.r50.jsonl',
      'archive/20261126-aaaa/staged/2026-11-25/b.r50.jsonl',
    ]);

    await packedBatch('20261126-bbbb', ['staged/2026-11-26/c.r100.jsonl']);
    bedrockMock.on(CreateModelInvocationJobCommand).rejects(new Error('ValidationException: bad model'));
    await expect(submitBatchJob(bedrock, s3.client, { batchId: '20261126-bbbb', taskToken: 't' }, config)).rejects.toThrow('bad model');
    expect(await keys('staged/2026-11-26/')).toEqual(['staged/2026-11-26/c.r100.jsonl']);
  });

  test('waits (a retryable error) while the pipeline runs its maximum of jobs', async () => {
    await packedBatch('20261126-cccc', ['staged/2026-11-26/d.r100.jsonl']);
    bedrockMock.on(ListModelInvocationJobsCommand, { statusEquals: 'InProgress' }).resolves({
      invocationJobSummaries: [
        { jobName: 'moderation-1', jobArn: 'a1' },
        { jobName: 'moderation-2', jobArn: 'a2' },
      ] as never,
    });
    const error = await submitBatchJob(bedrock, s3.client, { batchId: '20261126-cccc', taskToken: 't' }, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobSlotsFullError);
    expect((error as Error).name).toBe('BatchJobSlotsFull');
    expect(bedrockMock.commandCalls(CreateModelInvocationJobCommand)).toHaveLength(0);
  });

  test("turns Bedrock's concurrent-job quota into the same retryable error", async () => {
    bedrockMock.on(CreateModelInvocationJobCommand).rejects(new ServiceQuotaExceededException({ message: 'too many jobs', $metadata: {} }));
    await expect(submitBatchJob(bedrock, s3.client, { batchId: '20261126-cccc', taskToken: 't' }, config)).rejects.toMatchObject({
      name: 'BatchJobSlotsFull',
    });
    expect(await keys('staged/2026-11-26/d')).toEqual(['staged/2026-11-26/d.r100.jsonl']);
  });

  test('a duplicate trigger finds the job by name and creates no second one', async () => {
    bedrockMock.on(ListModelInvocationJobsCommand, { nameContains: 'moderation-20261126-aaaa' }).resolves({
      invocationJobSummaries: [{ jobName: 'moderation-20261126-aaaa', jobArn: JOB_ARN }] as never,
    });
    const outcome = await submitBatchJob(bedrock, s3.client, { batchId: '20261126-aaaa', taskToken: 'token-2' }, config);
    expect(outcome).toEqual({ kind: 'duplicate', jobArn: JOB_ARN });
    expect(bedrockMock.commandCalls(CreateModelInvocationJobCommand)).toHaveLength(0);
    // The first execution keeps waiting on its own token.
    expect(await readJson(s3.client, s3.bucket, jobKey('20261126-aaaa', 'task-token.json'))).toEqual({ taskToken: 'token-1', jobArn: JOB_ARN });
  });

  test('a batch whose records were all rejected is archived without a job', async () => {
    await packedBatch('20261126-eeee', ['staged/2026-11-27/e.r10.jsonl']);
    await writeJson(s3.client, s3.bucket, jobKey('20261126-eeee', 'batch.json'), {
      batchId: '20261126-eeee',
      stagedKeys: ['staged/2026-11-27/e.r10.jsonl'],
      inputKeys: [],
      recordCount: 0,
      inputBytes: 0,
      createdAt: '2026-11-27T02:00:00.000Z',
    });
    expect(await submitBatchJob(bedrock, s3.client, { batchId: '20261126-eeee', taskToken: 't' }, config)).toEqual({ kind: 'empty', archived: 1 });
    expect(bedrockMock.commandCalls(CreateModelInvocationJobCommand)).toHaveLength(0);
    expect(await keys('staged/2026-11-27/')).toEqual([]);
  });

  test('stops a job whose wait timed out', async () => {
    bedrockMock.on(StopModelInvocationJobCommand).resolves({});
    expect(await stopBatchJob(bedrock, s3.client, s3.bucket, '20261126-aaaa')).toBe(JOB_ARN);
    expect(bedrockMock.commandCalls(StopModelInvocationJobCommand)[0].args[0].input).toEqual({ jobIdentifier: JOB_ARN });
  });

  test('job names stay within 63 characters', () => {
    expect(jobName('p'.repeat(60), '20261126-0123456789ab')).toHaveLength(63);
  });
});
