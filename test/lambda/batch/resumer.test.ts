import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockClient, GetModelInvocationJobCommand } from '@aws-sdk/client-bedrock';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidToken, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { jobKey } from '../../../lambda/batch-shared/layout';
import { type LocalS3, startLocalS3 } from '../../support/s3rver';
import type * as Resumer from '../../../lambda/batch-resumer';

const PREFIX = 'billing-Batch';
const ACCOUNT = '111122223333';

const bedrock = mockClient(BedrockClient);
const sfn = mockClient(SFNClient);
let s3: LocalS3;
let handler: typeof Resumer.handler;

beforeAll(async () => {
  s3 = await startLocalS3('bedrock-batch-resumer');
  Object.assign(process.env, { BUCKET: s3.bucket, JOB_NAME_PREFIX: PREFIX, POWERTOOLS_LOG_LEVEL: 'SILENT' });
  // Imported after startLocalS3, so its S3 client points at s3rver.
  ({ handler } = await import('../../../lambda/batch-resumer'));
});
afterAll(async () => s3.close());

beforeEach(() => {
  bedrock.reset();
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  jest.restoreAllMocks();
});

function jobArn(id: string): string {
  return `arn:aws:bedrock:us-east-1:${ACCOUNT}:model-invocation-job/${id}`;
}

/** Bedrock's EventBridge event, with the detail fields it sends. */
function stateChange(arn: string, status: string, jobName = 'unused'): Resumer.BatchJobStateChangeEvent {
  return {
    source: 'aws.bedrock',
    'detail-type': 'Batch Inference Job State Change',
    detail: { batchJobArn: arn, batchJobName: jobName, status, failureMessage: '' },
  };
}

/** Bedrock knows the job by this name. */
function bedrockHasJob(arn: string, jobName: string): void {
  bedrock.on(GetModelInvocationJobCommand, { jobIdentifier: arn }).resolves({ jobArn: arn, jobName, status: 'Completed' });
}

async function putTaskToken(batchId: string, token: { taskToken: string; jobArn?: string }): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: jobKey(batchId, 'task-token.json'), Body: JSON.stringify(token) }));
}

describe('batch resumer', () => {
  test.each(['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'])(
    'a job that ended %s sends task success with { batchId, jobArn, status }',
    async (status) => {
      const batchId = `20261126T020000Z-${status.toLowerCase()}`;
      const arn = jobArn(`job${status.length}abcdef`);
      bedrockHasJob(arn, `${PREFIX}-${batchId}`);
      await putTaskToken(batchId, { taskToken: `token-${status}`, jobArn: arn });

      const outcome = await handler(stateChange(arn, status));

      expect(outcome).toEqual({ action: 'resumed', batchId, jobArn: arn, status });
      expect(bedrock.commandCalls(GetModelInvocationJobCommand)[0].args[0].input).toEqual({ jobIdentifier: arn });
      const sent = sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input);
      expect(sent).toHaveLength(1);
      expect(sent[0].taskToken).toBe(`token-${status}`);
      expect(JSON.parse(sent[0].output ?? '')).toEqual({ batchId, jobArn: arn, status });
    },
  );

  test('a token stored before the job existed (no jobArn yet) still resumes the wait', async () => {
    const arn = jobArn('early0token1');
    bedrockHasJob(arn, `${PREFIX}-early`);
    await putTaskToken('early', { taskToken: 'token-early' });

    await expect(handler(stateChange(arn, 'Completed'))).resolves.toMatchObject({ action: 'resumed', batchId: 'early' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  test.each(['Submitted', 'Validating', 'Scheduled', 'InProgress', 'Stopping'])('a job that is %s: nothing to do', async (status) => {
    const outcome = await handler(stateChange(jobArn('running0001'), status));

    expect(outcome).toMatchObject({ action: 'ignored' });
    expect(bedrock.commandCalls(GetModelInvocationJobCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test("another pipeline's job is ignored, even with a token file of the same batch id", async () => {
    const arn = jobArn('other0pipe01');
    bedrockHasJob(arn, 'billing-Other-shared-id');
    await putTaskToken('shared-id', { taskToken: 'token-of-this-pipeline' });

    const outcome = await handler(stateChange(arn, 'Completed'));

    expect(outcome).toMatchObject({ action: 'ignored', reason: expect.stringContaining('not one of this pipeline') });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test('a job named after the prefix alone (no batch id) is ignored', async () => {
    const arn = jobArn('bare0prefix1');
    bedrockHasJob(arn, `${PREFIX}-`);

    await expect(handler(stateChange(arn, 'Completed'))).resolves.toMatchObject({ action: 'ignored' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test('a missing token file is a warning, not an error (a duplicate or late event)', async () => {
    const arn = jobArn('no0token0001');
    bedrockHasJob(arn, `${PREFIX}-never-waited`);
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const error = jest.spyOn(Logger.prototype, 'error');

    const outcome = await handler(stateChange(arn, 'Completed'));

    expect(outcome).toMatchObject({ action: 'ignored', reason: 'no jobs/never-waited/task-token.json' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('No task token'), expect.objectContaining({ batchId: 'never-waited' }));
    expect(error).not.toHaveBeenCalled();
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test('a token that waits for another job of the batch is left alone', async () => {
    const arn = jobArn('old0job00001');
    bedrockHasJob(arn, `${PREFIX}-rerun`);
    await putTaskToken('rerun', { taskToken: 'token-rerun', jobArn: jobArn('new0job00001') });

    await expect(handler(stateChange(arn, 'Failed'))).resolves.toMatchObject({ action: 'ignored' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid token', $metadata: {} })],
  ])('%s from Step Functions: the wait already ended, logged and not thrown', async (name, sfnError) => {
    const arn = jobArn(`late0${name.length}event01`);
    bedrockHasJob(arn, `${PREFIX}-late-${name}`);
    await putTaskToken(`late-${name}`, { taskToken: 'token-late', jobArn: arn });
    sfn.on(SendTaskSuccessCommand).rejects(sfnError);
    const warn = jest.spyOn(Logger.prototype, 'warn');

    const outcome = await handler(stateChange(arn, 'Completed'));

    expect(outcome).toMatchObject({ action: 'ignored', reason: expect.stringContaining(name) });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no longer waits'), expect.objectContaining({ error: name }));
  });

  test('other Step Functions errors are thrown, so EventBridge retries the event', async () => {
    const arn = jobArn('retry0event1');
    bedrockHasJob(arn, `${PREFIX}-retry`);
    await putTaskToken('retry', { taskToken: 'token-retry', jobArn: arn });
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(handler(stateChange(arn, 'Completed'))).rejects.toThrow('Rate exceeded');
  });

  test('an event without detail.batchJobArn is an error', async () => {
    await expect(handler({ detail: { status: 'Completed' } } as unknown as Resumer.BatchJobStateChangeEvent)).rejects.toThrow(
      /detail\.batchJobArn and detail\.status/,
    );
  });
});
