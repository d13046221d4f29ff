import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { type S3Event, type SQSBatchResponse, type SQSEvent } from 'aws-lambda';
import { collectIncomingFile, collectMessages, type CollectorSettings, decodeEventKey, isIncomingFile } from './collect';
import { positiveIntegerEnv } from '../shared/env';

/**
 * The batch pipeline's front door: records arrive as SQS messages (one SubmittedRecord per body)
 * or as `.jsonl` files dropped under `incoming/`; valid ones are staged, the others rejected.
 */
export type CollectorEvent = SQSEvent | S3Event;

/** What an `incoming/` file event returns. */
export interface IncomingSummary {
  readonly staged: number;
  readonly rejected: number;
}

const DEFAULT_MAX_RECORD_BYTES = 1_048_576;
const DEFAULT_CHUNK_RECORDS = 10_000;

// s3rver (tests) serves path-style URLs only; real S3 keeps the SDK's default.
const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
const logger = new Logger();

export const handler = async (event: CollectorEvent): Promise<SQSBatchResponse | IncomingSummary> => {
  const settings = settingsFromEnv();
  const records: readonly { eventSource?: string }[] = isObject(event) && Array.isArray(event.Records) ? event.Records : [];
  const source = records[0]?.eventSource;
  if (source === 'aws:sqs') {
    return onMessages(event as SQSEvent, settings);
  }
  if (source === 'aws:s3') {
    return onIncomingFiles(event as S3Event, settings);
  }
  throw new Error(
    'Unexpected event: expected an SQS event or an S3 ObjectCreated event, ' +
      `got ${String(JSON.stringify(event)).slice(0, 500)}`,
  );
};

async function onMessages(event: SQSEvent, settings: CollectorSettings): Promise<SQSBatchResponse> {
  const outcome = await collectMessages(s3, settings, event.Records, new Date());
  const failures = outcome.response.batchItemFailures.length;
  if (outcome.writeErrors.length > 0) {
    logger.error(`Writing to s3://${settings.bucket} failed; ${failures} of ${event.Records.length} messages go back to the queue`, {
      errors: outcome.writeErrors,
    });
  }
  logger.info('Collected SQS messages', {
    messages: event.Records.length,
    staged: outcome.staged,
    rejected: outcome.rejected,
    stagedKey: outcome.stagedKey,
    rejectedKey: outcome.rejectedKey,
    failures,
  });
  return outcome.response;
}

async function onIncomingFiles(event: S3Event, settings: CollectorSettings): Promise<IncomingSummary> {
  let staged = 0;
  let rejected = 0;
  for (const record of event.Records) {
    const key = decodeEventKey(record.s3.object.key);
    if (record.s3.bucket.name !== settings.bucket) {
      logger.warn(`Ignoring s3://${record.s3.bucket.name}/${key}: not in the pipeline's bucket ${settings.bucket}`);
      continue;
    }
    if (!isIncomingFile(key)) {
      logger.warn(`Ignoring ${key}: the collector takes .jsonl files under incoming/ only`);
      continue;
    }
    const outcome = await collectIncomingFile(s3, settings, key, new Date());
    if (outcome === undefined) {
      logger.info(`Skipping ${key}: it is gone (already collected and archived)`);
      continue;
    }
    logger.info(`Collected ${key}`, { ...outcome });
    staged += outcome.staged;
    rejected += outcome.rejected;
  }
  return { staged, rejected };
}

function settingsFromEnv(): CollectorSettings {
  const bucket = process.env.BUCKET;
  if (!bucket) {
    throw new Error('Environment variable BUCKET (the batch pipeline bucket) is not set');
  }
  return {
    bucket,
    maxRecordBytes: positiveIntegerEnv('MAX_RECORD_BYTES', DEFAULT_MAX_RECORD_BYTES),
    chunkRecords: positiveIntegerEnv('CHUNK_RECORDS', DEFAULT_CHUNK_RECORDS),
  };
}


function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
