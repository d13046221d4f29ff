import { randomUUID } from 'node:crypto';
import { type S3Client } from '@aws-sdk/client-s3';
import { type SQSBatchResponse, type SQSRecord } from 'aws-lambda';
import { PREFIX, type RejectedRecord, type StagedRecord, validateSubmittedRecord } from '../batch-shared/layout';
import { moveObject, readLines } from '../batch-shared/s3-jsonl';
import { writeRejected, writeStagedChunk } from '../batch-shared/staged-chunks';

export interface CollectorSettings {
  readonly bucket: string;
  /** Largest accepted record, as JSON. */
  readonly maxRecordBytes: number;
  /** Most records per staged (and rejected) chunk written from an incoming file. */
  readonly chunkRecords: number;
}

export type Checked = { readonly staged: StagedRecord } | { readonly rejected: RejectedRecord };

/**
 * Turns one submitted text (an SQS body or a line of an incoming file) into a staged record, or a
 * rejected one whose reason starts with `where`.
 */
export function checkSubmission(text: string, maxRecordBytes: number, now: Date, where: string): Checked {
  const rejectedAt = now.toISOString();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { rejected: { reason: `${where}: invalid JSON (${message})`, input: text, rejectedAt } };
  }
  const validation = validateSubmittedRecord(value, maxRecordBytes);
  if (!validation.ok) {
    return { rejected: { reason: `${where}: ${validation.reason}`, input: value, rejectedAt } };
  }
  const { recordId, modelInput, metadata } = validation.record;
  return {
    staged: {
      recordId: recordId ?? randomUUID(),
      modelInput,
      ...(metadata === undefined ? {} : { metadata }),
      attempt: 0,
      stagedAt: rejectedAt,
    },
  };
}

export interface MessagesOutcome {
  /** Messages whose chunk could not be written: SQS delivers them again. */
  readonly response: SQSBatchResponse;
  readonly staged: number;
  readonly rejected: number;
  readonly stagedKey?: string;
  readonly rejectedKey?: string;
  /** Why writes failed, for the log. */
  readonly writeErrors: readonly unknown[];
}

/**
 * Stages the valid records of one SQS batch as one chunk and the rejected ones as one rejected
 * chunk. A message fails (and comes back) only when the chunk holding it could not be written;
 * rejected records are not failures.
 */
export async function collectMessages(
  s3: S3Client,
  settings: CollectorSettings,
  messages: readonly Pick<SQSRecord, 'messageId' | 'body'>[],
  now: Date,
): Promise<MessagesOutcome> {
  const staged: { messageId: string; record: StagedRecord }[] = [];
  const rejected: { messageId: string; record: RejectedRecord }[] = [];
  for (const { messageId, body } of messages) {
    const checked = checkSubmission(body, settings.maxRecordBytes, now, `SQS message ${messageId}`);
    if ('staged' in checked) {
      staged.push({ messageId, record: checked.staged });
    } else {
      rejected.push({ messageId, record: checked.rejected });
    }
  }

  const [stagedWrite, rejectedWrite] = await Promise.allSettled([
    writeStagedChunk(s3, settings.bucket, staged.map((entry) => entry.record), now),
    writeRejected(s3, settings.bucket, rejected.map((entry) => entry.record), now),
  ]);
  const failed = [
    ...(stagedWrite.status === 'rejected' ? staged : []),
    ...(rejectedWrite.status === 'rejected' ? rejected : []),
  ];
  return {
    response: { batchItemFailures: failed.map((entry) => ({ itemIdentifier: entry.messageId })) },
    staged: staged.length,
    rejected: rejected.length,
    stagedKey: stagedWrite.status === 'fulfilled' ? stagedWrite.value : undefined,
    rejectedKey: rejectedWrite.status === 'fulfilled' ? rejectedWrite.value : undefined,
    writeErrors: [stagedWrite, rejectedWrite].flatMap((write) => (write.status === 'rejected' ? [write.reason as unknown] : [])),
  };
}

/** An S3 event's object key, decoded (S3 URL-encodes keys in events, with `+` for spaces). */
export function decodeEventKey(eventKey: string): string {
  return decodeURIComponent(eventKey.replace(/\+/g, ' '));
}

/** Whether the collector takes this key: a `.jsonl` file under `incoming/`. */
export function isIncomingFile(key: string): boolean {
  return key.startsWith(PREFIX.incoming) && key.endsWith('.jsonl') && key.length > PREFIX.incoming.length + '.jsonl'.length;
}

/** `archive/incoming/<name>` for `incoming/<name>`. */
export function archiveKeyOf(incomingKey: string): string {
  return `${PREFIX.archive}${incomingKey}`;
}

export interface IncomingOutcome {
  readonly staged: number;
  readonly rejected: number;
  readonly stagedKeys: readonly string[];
  readonly rejectedKeys: readonly string[];
  readonly archivedKey: string;
}

/**
 * Streams an incoming file: its valid lines into staged chunks of at most `chunkRecords` records,
 * the others into rejected chunks, then moves the file to `archive/incoming/`. Memory holds one
 * chunk at a time. Undefined when the file is gone (a repeated event for an archived file).
 */
export async function collectIncomingFile(
  s3: S3Client,
  settings: CollectorSettings,
  key: string,
  now: Date,
): Promise<IncomingOutcome | undefined> {
  let staged: StagedRecord[] = [];
  let rejected: RejectedRecord[] = [];
  const stagedKeys: string[] = [];
  const rejectedKeys: string[] = [];
  let stagedCount = 0;
  let rejectedCount = 0;

  const flushStaged = async (): Promise<void> => {
    const written = await writeStagedChunk(s3, settings.bucket, staged, now);
    if (written !== undefined) stagedKeys.push(written);
    stagedCount += staged.length;
    staged = [];
  };
  const flushRejected = async (): Promise<void> => {
    const written = await writeRejected(s3, settings.bucket, rejected, now);
    if (written !== undefined) rejectedKeys.push(written);
    rejectedCount += rejected.length;
    rejected = [];
  };

  try {
    for await (const { line, lineNumber } of readLines(s3, settings.bucket, key)) {
      const checked = checkSubmission(line, settings.maxRecordBytes, now, `${key} line ${lineNumber}`);
      if ('staged' in checked) {
        staged.push(checked.staged);
        if (staged.length >= settings.chunkRecords) await flushStaged();
      } else {
        rejected.push(checked.rejected);
        if (rejected.length >= settings.chunkRecords) await flushRejected();
      }
    }
  } catch (error) {
    if (stagedKeys.length === 0 && rejectedKeys.length === 0 && isNoSuchKey(error)) {
      return undefined;
    }
    throw error;
  }
  await flushStaged();
  await flushRejected();

  const archivedKey = archiveKeyOf(key);
  await moveObject(s3, settings.bucket, key, archivedKey);
  return { staged: stagedCount, rejected: rejectedCount, stagedKeys, rejectedKeys, archivedKey };
}

function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && error.name === 'NoSuchKey';
}
