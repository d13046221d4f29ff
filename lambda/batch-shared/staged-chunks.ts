import { createHash, randomBytes } from 'node:crypto';
import { type S3Client } from '@aws-sdk/client-s3';
import { day, PREFIX, type RejectedRecord, type StagedRecord } from './layout';
import { JsonlWriter } from './s3-jsonl';

/**
 * Names of the chunks under `staged/` and `rejected/`. A staged chunk's key carries its record
 * count, so the packer plans a job from a listing alone:
 *
 *   staged/2026-11-26/20261126T101500123Z-1a2b3c4d.r500.jsonl
 *
 * The UTC day and timestamp come first, so lexicographic key order is staging order (oldest first).
 */
const STAGED_KEY = /^staged\/\d{4}-\d{2}-\d{2}\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[0-9a-f]{8}\.r(\d+)\.jsonl$/;

/** `20261126T101500123Z` for 2026-11-26T10:15:00.123Z. */
function compactTimestamp(timestamp: Date): string {
  return timestamp.toISOString().replace(/[-:.]/g, '');
}

function randomHex(): string {
  return randomBytes(4).toString('hex');
}

function chunkKey(prefix: string, timestamp: Date, hex: string, suffix: string): string {
  return `${prefix}${day(timestamp)}/${compactTimestamp(timestamp)}-${hex}${suffix}`;
}

/** A new, unique key for a staged chunk of `recordCount` records. */
export function stagedChunkKey(now: Date, recordCount: number, hex = randomHex()): string {
  if (!Number.isInteger(recordCount) || recordCount < 1) {
    throw new RangeError(`a staged chunk holds at least one record, got ${recordCount}`);
  }
  return chunkKey(PREFIX.staged, now, hex, `.r${recordCount}.jsonl`);
}

/** The record count a staged chunk key carries; undefined for a key not in the staged form. */
export function recordCountOf(key: string): number | undefined {
  const match = STAGED_KEY.exec(key);
  return match ? Number(match[8]) : undefined;
}

/**
 * The key for records re-staged out of `originalKey` (the part of a chunk a job had no room for).
 * Deterministic, so re-staging the same chunk twice overwrites instead of duplicating. Its
 * timestamp is the original's plus 1 ms: it sorts after the original (so a re-run plans the same
 * job) and ahead of chunks staged later, so those records keep their place in line.
 * A key not in the staged form falls back to `now`.
 */
export function restagedChunkKey(originalKey: string, recordCount: number, now: Date): string {
  const match = STAGED_KEY.exec(originalKey);
  const timestamp = match
    ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6], +match[7]) + 1)
    : now;
  const hex = createHash('sha256').update(`restaged:${originalKey}`).digest('hex').slice(0, 8);
  return stagedChunkKey(timestamp, recordCount, hex);
}

async function writeLines(s3: S3Client, bucket: string, key: string, values: readonly unknown[]): Promise<void> {
  const writer = new JsonlWriter(s3, bucket, key);
  try {
    for (const value of values) {
      await writer.write(value);
    }
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

/**
 * Writes `records` as one staged chunk and returns its key; writes nothing and returns undefined
 * for no records. `key` (whose count must match) replaces the new random key, e.g. a
 * `restagedChunkKey`.
 */
export async function writeStagedChunk(
  s3: S3Client,
  bucket: string,
  records: readonly StagedRecord[],
  now: Date,
  key?: string,
): Promise<string | undefined> {
  if (records.length === 0) {
    return undefined;
  }
  if (key !== undefined && recordCountOf(key) !== records.length) {
    throw new RangeError(`staged chunk key ${key} does not carry the chunk's record count ${records.length}`);
  }
  const chunk = key ?? stagedChunkKey(now, records.length);
  await writeLines(s3, bucket, chunk, records);
  return chunk;
}

/** Writes `rejected` as one chunk under `rejected/<day>/` and returns its key; nothing for none. */
export async function writeRejected(
  s3: S3Client,
  bucket: string,
  rejected: readonly RejectedRecord[],
  now: Date,
): Promise<string | undefined> {
  if (rejected.length === 0) {
    return undefined;
  }
  const key = chunkKey(PREFIX.rejected, now, randomHex(), '.jsonl');
  await writeLines(s3, bucket, key, rejected);
  return key;
}
