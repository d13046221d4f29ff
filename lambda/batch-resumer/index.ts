import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockClient, GetModelInvocationJobCommand } from '@aws-sdk/client-bedrock';
import { S3Client } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type TerminalJobStatus } from '../batch-completer/complete';
import { jobKey } from '../batch-shared/layout';
import { readJson } from '../batch-shared/s3-jsonl';
import { type TaskTokenFile } from '../batch-submitter/submit';

/** What Bedrock sends to EventBridge when a batch inference job changes state (only the fields used here). */
export interface BatchJobStateChangeEvent {
  readonly source: 'aws.bedrock';
  readonly 'detail-type': 'Batch Inference Job State Change';
  readonly detail: {
    readonly batchJobArn: string;
    readonly batchJobName?: string;
    readonly status: string;
    readonly failureMessage?: string;
  };
}

/** What the state machine's waiting task receives: the completer's input. */
export interface ResumedJob {
  readonly batchId: string;
  readonly jobArn: string;
  readonly status: TerminalJobStatus;
}

export type ResumeOutcome =
  | ({ readonly action: 'resumed' } & ResumedJob)
  | { readonly action: 'ignored'; readonly reason: string; readonly jobArn: string; readonly status: string };

/** The states a job ends in; the others (Submitted, InProgress, Stopping...) need nothing. */
const TERMINAL_STATUSES: readonly string[] = [
  'Completed',
  'PartiallyCompleted',
  'Failed',
  'Stopped',
  'Expired',
] satisfies readonly TerminalJobStatus[];

/** Step Functions errors that mean the task no longer waits: a duplicate or late event. */
const WAIT_ENDED_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const bedrock = new BedrockClient({});
const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
const sfn = new SFNClient({});
const logger = new Logger();

export const handler = async (event: BatchJobStateChangeEvent): Promise<ResumeOutcome> => {
  const { batchJobArn: jobArn, status, failureMessage } = validDetail(event);
  const ignore = (reason: string): ResumeOutcome => ({ action: 'ignored', reason, jobArn, status });
  if (!isTerminal(status)) {
    logger.info('Batch job has not ended yet; nothing to do', { jobArn, status });
    return ignore(`status ${status} is not terminal`);
  }

  const prefix = `${requiredEnv('JOB_NAME_PREFIX')}-`;
  const job = await bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }));
  const jobName = job.jobName ?? '';
  if (!jobName.startsWith(prefix) || jobName.length === prefix.length) {
    logger.info('Batch job of another pipeline; ignoring it', { jobArn, jobName, prefix });
    return ignore(`job ${jobName} is not one of this pipeline's (${prefix}<batchId>)`);
  }
  const batchId = jobName.slice(prefix.length);

  const bucket = requiredEnv('BUCKET');
  const token = await readTaskToken(bucket, batchId);
  if (token === undefined) {
    logger.warn('No task token for this batch: a duplicate or late event, or the wait ended already', { jobArn, batchId, status });
    return ignore(`no ${jobKey(batchId, 'task-token.json')}`);
  }
  if (token.jobArn && token.jobArn !== jobArn) {
    logger.warn('The task token waits for another job of this batch; ignoring the event', { jobArn, batchId, tokenJobArn: token.jobArn });
    return ignore(`the task token is for job ${token.jobArn}`);
  }

  const resumed: ResumedJob = { batchId, jobArn, status };
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token.taskToken, output: JSON.stringify(resumed) }));
  } catch (error) {
    if (error instanceof Error && WAIT_ENDED_ERRORS.has(error.name)) {
      logger.warn('The pipeline no longer waits for this job; nothing to resume', { jobArn, batchId, status, error: error.name });
      return ignore(`${error.name}: the wait already ended`);
    }
    throw error;
  }
  logger.info('Resumed the batch pipeline', { ...resumed, failureMessage });
  return { action: 'resumed', ...resumed };
};

async function readTaskToken(bucket: string, batchId: string): Promise<TaskTokenFile | undefined> {
  let token: TaskTokenFile;
  try {
    token = await readJson<TaskTokenFile>(s3, bucket, jobKey(batchId, 'task-token.json'));
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) {
      return undefined;
    }
    throw error;
  }
  if (typeof token?.taskToken !== 'string' || token.taskToken === '') {
    throw new Error(`${jobKey(batchId, 'task-token.json')} holds no taskToken`);
  }
  return token;
}

function validDetail(event: unknown): BatchJobStateChangeEvent['detail'] {
  const detail: unknown = typeof event === 'object' && event !== null ? (event as { detail?: unknown }).detail : undefined;
  const fields: Record<string, unknown> = typeof detail === 'object' && detail !== null ? { ...detail } : {};
  if (typeof fields.batchJobArn !== 'string' || fields.batchJobArn === '' || typeof fields.status !== 'string') {
    throw new Error(
      'Expected a Bedrock "Batch Inference Job State Change" event with detail.batchJobArn and detail.status, ' +
        `got ${String(JSON.stringify(event)).slice(0, 500)}`,
    );
  }
  return {
    batchJobArn: fields.batchJobArn,
    status: fields.status,
    failureMessage: typeof fields.failureMessage === 'string' && fields.failureMessage !== '' ? fields.failureMessage : undefined,
  };
}

function isTerminal(status: string): status is TerminalJobStatus {
  return TERMINAL_STATUSES.includes(status);
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}
