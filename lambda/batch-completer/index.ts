import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  completeBatch,
  type CompletionSummary,
  isTerminalJobStatus,
  readCompletionSummary,
  TERMINAL_JOB_STATUSES,
  type TerminalJobStatus,
} from './complete';

/** What the state machine passes once the job's wait ended. */
export interface CompleterEvent {
  readonly batchId: string;
  readonly jobArn?: string;
  readonly status: TerminalJobStatus;
}

export const METRICS_NAMESPACE = 'BedrockCost';
const DEFAULT_MAX_ATTEMPTS = 3;

const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
const sns = new SNSClient({});
const logger = new Logger();
// Only the Pipeline dimension: Powertools would add a `service` one by default.
const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
metrics.clearDefaultDimensions();

export const handler = async (event: CompleterEvent): Promise<CompletionSummary> => {
  const { batchId, status, jobArn } = validEvent(event);
  const bucket = requiredEnv('BUCKET');
  const pipeline = process.env.PIPELINE_NAME || 'default';

  // A retried or repeated invocation returns the stored summary without counting or announcing it twice.
  const previous = await readCompletionSummary(s3, bucket, batchId);
  if (previous !== undefined) {
    logger.info('Batch already completed; not publishing again', { batchId, jobArn });
    return previous;
  }

  const summary = await completeBatch(
    s3,
    bucket,
    { batchId, status },
    { maxAttempts: maxAttempts(), modelId: requiredEnv('MODEL_ID'), now: new Date(), logger },
  );
  emitMetrics(summary, pipeline);
  await announce(summary, pipeline, jobArn);
  return summary;
};

function emitMetrics(summary: CompletionSummary, pipeline: string): void {
  // Added per invocation: publishStoredMetrics clears it.
  metrics.addDimension('Pipeline', pipeline);
  metrics.addMetric('Records', MetricUnit.Count, summary.records);
  metrics.addMetric('Succeeded', MetricUnit.Count, summary.succeeded);
  metrics.addMetric('Restaged', MetricUnit.Count, summary.restaged);
  metrics.addMetric('Failed', MetricUnit.Count, summary.failed);
  metrics.addMetric('InputTokens', MetricUnit.Count, summary.inputTokens);
  metrics.addMetric('OutputTokens', MetricUnit.Count, summary.outputTokens);
  metrics.addMetric('BatchCostUsd', MetricUnit.NoUnit, summary.batchCostUsd);
  metrics.addMetric('SavedUsd', MetricUnit.NoUnit, summary.savedUsd);
  metrics.publishStoredMetrics();
}

/** Publishes the summary to the alert topic, if there is one. A failed publish is logged, not thrown: the records are settled. */
async function announce(summary: CompletionSummary, pipeline: string, jobArn: string | undefined): Promise<void> {
  // The construct sets an empty string when it has no topic.
  const topicArn = process.env.ALERT_TOPIC_ARN;
  if (!topicArn) {
    return;
  }
  try {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject(summary), Message: message(summary, pipeline, jobArn) }));
  } catch (error) {
    logger.error('Publishing the batch summary failed', { error, batchId: summary.batchId });
  }
}

/** Under 100 printable ASCII characters, as SNS requires. */
export function subject(summary: CompletionSummary): string {
  const figures = `${summary.succeeded} of ${summary.records} records, saved $${formatDollars(summary.savedUsd)}`;
  const full = `Bedrock batch ${summary.batchId}: ${figures}`;
  if (full.length < 100 && /^[\x20-\x7e]*$/.test(full)) {
    return full;
  }
  return `Bedrock batch: ${figures}`.slice(0, 99);
}

export function message(summary: CompletionSummary, pipeline: string, jobArn?: string): string {
  return [
    `The Bedrock batch inference job of batch ${summary.batchId} (pipeline ${pipeline}) ended ${summary.status}.`,
    ...(jobArn ? [`Job: ${jobArn}`] : []),
    '',
    `Records: ${summary.records}`,
    `Succeeded: ${summary.succeeded} (results/${summary.batchId}/)`,
    `Re-staged for another job: ${summary.restaged}`,
    `Failed: ${summary.failed} (failed/${summary.batchId}/)`,
    `Malformed output lines: ${summary.malformedLines}`,
    '',
    `Tokens: ${summary.inputTokens.toLocaleString('en-US')} input, ${summary.outputTokens.toLocaleString('en-US')} output`,
    `Cost at batch prices: $${summary.batchCostUsd}`,
    `The same tokens on demand: $${summary.onDemandCostUsd}`,
    `Saved: $${summary.savedUsd}`,
  ].join('\n');
}

/** Two decimals from a cent up; below a cent, up to six (so $0.0042 does not read as $0.00). */
function formatDollars(amount: number): string {
  return Math.abs(amount) >= 0.01 || amount === 0 ? amount.toFixed(2) : String(Number(amount.toFixed(6)));
}

function validEvent(event: unknown): CompleterEvent {
  const fields: Record<string, unknown> = typeof event === 'object' && event !== null ? { ...event } : {};
  if (
    typeof fields.batchId !== 'string' ||
    fields.batchId === '' ||
    !isTerminalJobStatus(fields.status) ||
    // null: a timed-out wait whose job ARN was never recorded.
    !(fields.jobArn === undefined || fields.jobArn === null || typeof fields.jobArn === 'string')
  ) {
    throw new Error(
      `Expected { batchId, jobArn?, status } with status one of ${TERMINAL_JOB_STATUSES.join(', ')}, ` +
        `got ${String(JSON.stringify(event)).slice(0, 500)}`,
    );
  }
  return { batchId: fields.batchId, jobArn: typeof fields.jobArn === 'string' ? fields.jobArn : undefined, status: fields.status };
}

function maxAttempts(): number {
  const text = process.env.MAX_ATTEMPTS;
  if (text === undefined || text === '') {
    return DEFAULT_MAX_ATTEMPTS;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`MAX_ATTEMPTS must be a whole number >= 1, got '${text}'`);
  }
  return value;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}
