/**
 * The staging bucket's layout and record formats: the contract between the collector, packer,
 * submitter, resumer and completer of the batch pipeline. Pure: no AWS SDK import.
 *
 *   incoming/                          producers drop .jsonl files of SubmittedRecord lines
 *   staged/<yyyy-mm-dd>/<chunk>.jsonl  validated StagedRecord lines, waiting for a job
 *   rejected/<yyyy-mm-dd>/<chunk>.jsonl RejectedRecord lines (never dropped silently)
 *   jobs/<batchId>/batch.json          BatchManifest: which staged chunks the job took
 *   jobs/<batchId>/ledger.jsonl        every StagedRecord of the job (to re-stage or fail them)
 *   jobs/<batchId>/input/part-NNNNN.jsonl   Bedrock input: { recordId, modelInput } lines
 *   jobs/<batchId>/output/             Bedrock writes <job-id>/<file>.jsonl.out and manifest.json.out
 *   jobs/<batchId>/task-token.json     the Step Functions task token waiting for the job
 *   archive/<batchId>/<staged key>     staged chunks, moved once their job was accepted
 *   results/<batchId>/part-NNNNN.jsonl ResultRecord lines
 *   failed/<batchId>/part-NNNNN.jsonl  FailedRecord lines (attempts exhausted)
 */
export const PREFIX = {
  incoming: 'incoming/',
  staged: 'staged/',
  rejected: 'rejected/',
  jobs: 'jobs/',
  archive: 'archive/',
  results: 'results/',
  failed: 'failed/',
} as const;

/** What producers send (one SQS message, or one line of an incoming .jsonl file). */
export interface SubmittedRecord {
  /** 1-128 characters: letters, digits, `_ - . :`. @default - a UUID */
  readonly recordId?: string;
  /** The model's native InvokeModel body (or a Converse request, per the pipeline's mode). */
  readonly modelInput: Record<string, unknown>;
  /** Carried through to results and failures, never sent to the model. */
  readonly metadata?: Record<string, unknown>;
}

/** A validated record waiting for a job. `attempt` counts the jobs it has been in. */
export interface StagedRecord {
  readonly recordId: string;
  readonly modelInput: Record<string, unknown>;
  readonly metadata?: Record<string, unknown>;
  readonly attempt: number;
  readonly stagedAt: string;
}

export interface RejectedRecord {
  readonly reason: string;
  /** The offending input as received (parsed where possible, else the raw text). */
  readonly input: unknown;
  readonly rejectedAt: string;
}

/** One line of a job input file, as Bedrock batch inference reads it. */
export interface BedrockInputRecord {
  readonly recordId: string;
  readonly modelInput: Record<string, unknown>;
}

export interface BatchManifest {
  readonly batchId: string;
  readonly stagedKeys: readonly string[];
  readonly inputKeys: readonly string[];
  readonly recordCount: number;
  readonly inputBytes: number;
  readonly createdAt: string;
}

export interface ResultRecord {
  readonly recordId: string;
  readonly modelOutput: unknown;
  readonly metadata?: Record<string, unknown>;
}

export interface FailedRecord {
  readonly recordId: string;
  readonly modelInput: Record<string, unknown>;
  readonly metadata?: Record<string, unknown>;
  readonly attempts: number;
  readonly error: { readonly errorCode?: string | number; readonly errorMessage: string };
}

const RECORD_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** `jobs/<batchId>/...` keys. */
export function jobKey(batchId: string, name: string): string {
  return `${PREFIX.jobs}${batchId}/${name}`;
}

/** `part-00001.jsonl` for index 1. */
export function partName(index: number, extension = 'jsonl'): string {
  return `part-${String(index).padStart(5, '0')}.${extension}`;
}

/** The UTC day of a timestamp, for date-partitioned prefixes. */
export function day(timestamp: Date): string {
  return timestamp.toISOString().slice(0, 10);
}

export type Validation = { readonly ok: true; readonly record: SubmittedRecord } | { readonly ok: false; readonly reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks one submitted record. `maxRecordBytes` bounds the record's JSON size (a record larger
 * than a job file could hold can never run).
 */
export function validateSubmittedRecord(value: unknown, maxRecordBytes: number): Validation {
  if (!isPlainObject(value)) {
    return { ok: false, reason: 'a record must be a JSON object { recordId?, modelInput, metadata? }' };
  }
  const unknownKey = Object.keys(value).find((key) => !['recordId', 'modelInput', 'metadata'].includes(key));
  if (unknownKey !== undefined) {
    return { ok: false, reason: `unknown field '${unknownKey}'; allowed: recordId, modelInput, metadata` };
  }
  if (value.recordId !== undefined && (typeof value.recordId !== 'string' || !RECORD_ID_PATTERN.test(value.recordId))) {
    return { ok: false, reason: `recordId must be 1-128 letters, digits, '_', '-', '.' or ':', got ${JSON.stringify(value.recordId)}` };
  }
  if (!isPlainObject(value.modelInput) || Object.keys(value.modelInput).length === 0) {
    return { ok: false, reason: 'modelInput must be a non-empty JSON object (the model request body)' };
  }
  if (value.metadata !== undefined && !isPlainObject(value.metadata)) {
    return { ok: false, reason: 'metadata must be a JSON object when present' };
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > maxRecordBytes) {
    return { ok: false, reason: `record is ${bytes} bytes; the limit is ${maxRecordBytes} bytes` };
  }
  return { ok: true, record: value as unknown as SubmittedRecord };
}
