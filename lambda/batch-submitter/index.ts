import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockClient, type ModelInvocationType } from '@aws-sdk/client-bedrock';
import { S3Client } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { stopBatchJob, submitBatchJob, type SubmitConfig } from './submit';

/** From the state machine: submit (with the task token of a waitForTaskToken task) or stop after a timeout. */
export type SubmitterEvent =
  | { readonly action: 'submit'; readonly batchId: string; readonly taskToken: string }
  | { readonly action: 'stop'; readonly batchId: string };

const bedrock = new BedrockClient({});
const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
const sfn = new SFNClient({});
const logger = new Logger();

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

function config(): SubmitConfig {
  return {
    bucket: required('BUCKET'),
    modelId: required('MODEL_ID'),
    roleArn: required('ROLE_ARN'),
    jobNamePrefix: required('JOB_NAME_PREFIX'),
    modelInvocationType: required('MODEL_INVOCATION_TYPE') as ModelInvocationType,
    timeoutHours: Number(required('JOB_TIMEOUT_HOURS')),
    maxConcurrentJobs: Number(required('MAX_CONCURRENT_JOBS')),
  };
}

export const handler = async (event: SubmitterEvent): Promise<unknown> => {
  if (event.action === 'stop') {
    const jobArn = await stopBatchJob(bedrock, s3, required('BUCKET'), event.batchId);
    logger.warn('The wait for the batch job timed out; stopped the job', { batchId: event.batchId, jobArn });
    // null, not undefined: the state machine reads $.job.jobArn, and JSON drops undefined keys.
    return { batchId: event.batchId, jobArn: jobArn ?? null, status: 'Stopped' };
  }
  const outcome = await submitBatchJob(bedrock, s3, event, config());
  if (outcome.kind === 'duplicate' || outcome.kind === 'empty') {
    // A second trigger for a batch already running, or a batch left empty by rejections: end this
    // execution (the first one, if any, keeps waiting for its job).
    logger.warn('Nothing to submit; ending this run', { batchId: event.batchId, ...outcome });
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: event.taskToken,
        output: JSON.stringify({
          batchId: event.batchId,
          jobArn: outcome.kind === 'duplicate' ? outcome.jobArn : null,
          status: outcome.kind === 'duplicate' ? 'Duplicate' : 'Empty',
        }),
      }),
    );
  } else {
    logger.info('Submitted batch inference job', { batchId: event.batchId, ...outcome });
  }
  return outcome;
};
