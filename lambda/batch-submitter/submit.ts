import {
  type BedrockClient,
  CreateModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  type ModelInvocationType,
  StopModelInvocationJobCommand,
} from '@aws-sdk/client-bedrock';
import { type S3Client } from '@aws-sdk/client-s3';
import { type BatchManifest, jobKey, PREFIX } from '../batch-shared/layout';
import { moveObject, readJson, writeJson } from '../batch-shared/s3-jsonl';

/** Where the resumer finds the Step Functions task waiting for a job. */
export interface TaskTokenFile {
  readonly taskToken: string;
  readonly jobArn?: string;
}

export interface SubmitConfig {
  readonly bucket: string;
  /** What callers pass as modelId: a model id, a cross-region profile id or an inference profile ARN. */
  readonly modelId: string;
  readonly roleArn: string;
  readonly jobNamePrefix: string;
  readonly modelInvocationType: ModelInvocationType;
  readonly timeoutHours: number;
  readonly maxConcurrentJobs: number;
}

/** Thrown while the account or the pipeline is at its limit of running jobs; Step Functions waits and retries. */
export class JobSlotsFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchJobSlotsFull';
  }
}

/** Statuses that hold one of the account's concurrent batch job slots. */
const ACTIVE_STATUSES = ['Submitted', 'Validating', 'Scheduled', 'InProgress', 'Stopping'] as const;

/** Job names allow letters, digits, `+ - .`; the batch id keeps the name deterministic. */
export function jobName(prefix: string, batchId: string): string {
  return `${prefix}-${batchId}`.slice(0, 63);
}

async function activeJobCount(bedrock: BedrockClient, prefix: string): Promise<number> {
  let count = 0;
  for (const statusEquals of ACTIVE_STATUSES) {
    let nextToken: string | undefined;
    do {
      const page = await bedrock.send(new ListModelInvocationJobsCommand({ nameContains: `${prefix}-`, statusEquals, nextToken }));
      count += (page.invocationJobSummaries ?? []).filter((job) => job.jobName?.startsWith(`${prefix}-`)).length;
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return count;
}

async function existingJobArn(bedrock: BedrockClient, name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await bedrock.send(new ListModelInvocationJobsCommand({ nameContains: name, nextToken }));
    const job = (page.invocationJobSummaries ?? []).find((summary) => summary.jobName === name);
    if (job?.jobArn) {
      return job.jobArn;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

export type SubmitOutcome =
  | { readonly kind: 'submitted'; readonly jobArn: string; readonly archived: number }
  | { readonly kind: 'duplicate'; readonly jobArn: string }
  | { readonly kind: 'empty'; readonly archived: number };

/**
 * Submits the packed batch as a Bedrock batch inference job and, once Bedrock accepted it,
 * archives the staged chunks it took. The task token is stored first, so the job's completion
 * event always finds it. A second trigger for the same batch finds the job by its deterministic
 * name and reports a duplicate instead of creating another job.
 */
export async function submitBatchJob(
  bedrock: BedrockClient,
  s3: S3Client,
  input: { readonly batchId: string; readonly taskToken: string },
  config: SubmitConfig,
): Promise<SubmitOutcome> {
  const name = jobName(config.jobNamePrefix, input.batchId);
  const duplicateOf = await existingJobArn(bedrock, name);
  if (duplicateOf !== undefined) {
    return { kind: 'duplicate', jobArn: duplicateOf };
  }
  const running = await activeJobCount(bedrock, config.jobNamePrefix);
  if (running >= config.maxConcurrentJobs) {
    throw new JobSlotsFullError(`${running} jobs of this pipeline are running; the limit is ${config.maxConcurrentJobs}`);
  }
  const manifest = await readJson<BatchManifest>(s3, config.bucket, jobKey(input.batchId, 'batch.json'));
  if (manifest.recordCount === 0) {
    // Every record of these chunks was rejected by the packer (and kept in rejected/): nothing to run.
    return { kind: 'empty', archived: await archiveStagedChunks(s3, config.bucket, input.batchId, manifest) };
  }
  await writeJson(s3, config.bucket, jobKey(input.batchId, 'task-token.json'), { taskToken: input.taskToken } satisfies TaskTokenFile);

  let jobArn: string;
  try {
    const created = await bedrock.send(
      new CreateModelInvocationJobCommand({
        jobName: name,
        clientRequestToken: input.batchId,
        modelId: config.modelId,
        roleArn: config.roleArn,
        modelInvocationType: config.modelInvocationType,
        timeoutDurationInHours: config.timeoutHours,
        inputDataConfig: {
          s3InputDataConfig: { s3Uri: `s3://${config.bucket}/${jobKey(input.batchId, 'input/')}`, s3InputFormat: 'JSONL' },
        },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${config.bucket}/${jobKey(input.batchId, 'output/')}` } },
      }),
    );
    jobArn = created.jobArn ?? '';
  } catch (error) {
    if (error instanceof Error && ['ServiceQuotaExceededException', 'ThrottlingException'].includes(error.name)) {
      throw new JobSlotsFullError(`Bedrock refused a new job for now (${error.name}: ${error.message})`);
    }
    throw error;
  }
  await writeJson(s3, config.bucket, jobKey(input.batchId, 'task-token.json'), { taskToken: input.taskToken, jobArn } satisfies TaskTokenFile);

  // Only now is the staged input safe to archive: Bedrock has accepted the job.
  return { kind: 'submitted', jobArn, archived: await archiveStagedChunks(s3, config.bucket, input.batchId, manifest) };
}

async function archiveStagedChunks(s3: S3Client, bucket: string, batchId: string, manifest: BatchManifest): Promise<number> {
  let archived = 0;
  for (const key of manifest.stagedKeys) {
    try {
      await moveObject(s3, bucket, key, `${PREFIX.archive}${batchId}/${key}`);
      archived++;
    } catch (error) {
      // Archived by an earlier, interrupted run.
      if (!(error instanceof Error && ['NoSuchKey', 'NotFound'].includes(error.name))) {
        throw error;
      }
    }
  }
  return archived;
}

/** Stops a job whose wait timed out; the completer then accounts for every record. */
export async function stopBatchJob(bedrock: BedrockClient, s3: S3Client, bucket: string, batchId: string): Promise<string | undefined> {
  const token = await readJson<TaskTokenFile>(s3, bucket, jobKey(batchId, 'task-token.json'));
  if (token.jobArn) {
    try {
      await bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: token.jobArn }));
    } catch (error) {
      // A job that already ended cannot be stopped; that is fine.
      if (!(error instanceof Error && ['ValidationException', 'ResourceNotFoundException'].includes(error.name))) {
        throw error;
      }
    }
  }
  return token.jobArn;
}
