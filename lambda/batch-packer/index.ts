import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { type PackLimits, packStagedRecords, type PackResult } from './pack';
import { positiveIntegerEnv } from '../shared/env';

/** Bedrock's usual quotas (per model and account): see the pipeline's props. */
const DEFAULT_LIMITS: PackLimits = {
  maxRecordsPerFile: 50_000,
  maxBytesPerFile: 1_000_000_000,
  maxRecordsPerJob: 50_000,
  minRecordsPerJob: 100,
  maxBytesPerJob: 5_000_000_000,
};

// s3rver (tests) serves path-style URLs only; real S3 keeps the SDK's default.
const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
const logger = new Logger();

/** Called by the pipeline's state machine on each window; the event (`{}`) carries nothing. */
export const handler = async (_event?: unknown): Promise<PackResult> => {
  const bucket = process.env.BUCKET;
  if (!bucket) {
    throw new Error('Environment variable BUCKET (the batch pipeline bucket) is not set');
  }
  const limits: PackLimits = {
    maxRecordsPerFile: positiveIntegerEnv('MAX_RECORDS_PER_FILE', DEFAULT_LIMITS.maxRecordsPerFile),
    maxBytesPerFile: positiveIntegerEnv('MAX_BYTES_PER_FILE', DEFAULT_LIMITS.maxBytesPerFile),
    maxRecordsPerJob: positiveIntegerEnv('MAX_RECORDS_PER_JOB', DEFAULT_LIMITS.maxRecordsPerJob),
    minRecordsPerJob: positiveIntegerEnv('MIN_RECORDS_PER_JOB', DEFAULT_LIMITS.minRecordsPerJob),
    maxBytesPerJob: positiveIntegerEnv('MAX_BYTES_PER_JOB', DEFAULT_LIMITS.maxBytesPerJob),
  };
  const result = await packStagedRecords(s3, bucket, limits, new Date());
  if (result.batchId === null) {
    logger.info(`Nothing packed: ${result.reason}`, { stagedRecords: result.stagedRecords });
  } else {
    logger.info(`Packed batch ${result.batchId}`, { ...result });
  }
  return result;
};

