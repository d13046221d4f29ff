import { createHash } from 'node:crypto';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type BatchManifest,
  type BedrockInputRecord,
  jobKey,
  partName,
  PREFIX,
  type RejectedRecord,
  type StagedRecord,
  validateSubmittedRecord,
} from '../batch-shared/layout';
import { JsonlWriter, listKeys, readJson, readLines, writeJson } from '../batch-shared/s3-jsonl';
import { recordCountOf, restagedChunkKey, writeRejected, writeStagedChunk } from '../batch-shared/staged-chunks';

/** Bedrock's batch inference quotas, as the packer applies them to one job. */
export interface PackLimits {
  readonly maxRecordsPerFile: number;
  readonly maxBytesPerFile: number;
  readonly maxRecordsPerJob: number;
  readonly minRecordsPerJob: number;
  readonly maxBytesPerJob: number;
}

export interface PackedBatch {
  readonly batchId: string;
  readonly recordCount: number;
  readonly inputFileCount: number;
}

/** Too few records for a job: they wait for the next window. */
export interface NothingPacked {
  readonly batchId: null;
  readonly stagedRecords: number;
  readonly reason: string;
}

export type PackResult = PackedBatch | NothingPacked;

interface StagedChunk {
  readonly key: string;
  readonly size: number;
}

interface JobPlan {
  /** The chunks the job takes, oldest first; the last may be taken in part. */
  readonly chunks: readonly StagedChunk[];
  /** Records the job will hold at most. */
  readonly records: number;
}

/** Rejected records are written in chunks of this many, so memory stays bounded. */
const REJECTED_CHUNK_RECORDS = 1_000;
/**
 * S3's smallest multipart part: the packer holds two (input file and ledger), each buffered and
 * then copied once for upload. Even 5 GB jobs stay within S3's 10,000 parts per object.
 */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * Packs the oldest staged chunks into one Bedrock batch job under `jobs/<batchId>/`: input files
 * of `{recordId, modelInput}` lines, the ledger of every StagedRecord sent, and `batch.json`
 * last. Records stream through; memory holds one part buffer per output and the job's recordIds.
 * Staged chunks stay where they are (the submitter archives them once Bedrock accepted the job).
 */
export async function packStagedRecords(s3: S3Client, bucket: string, limits: PackLimits, now: Date): Promise<PackResult> {
  checkLimits(limits);
  const staged: StagedChunk[] = [];
  for await (const object of listKeys(s3, bucket, PREFIX.staged)) {
    if (object.key.endsWith('.jsonl')) staged.push(object);
  }
  const counts = new Map<string, number>();
  const countOf = async (chunk: StagedChunk): Promise<number> => {
    let count = counts.get(chunk.key) ?? recordCountOf(chunk.key);
    if (count === undefined) {
      count = await countLines(s3, bucket, chunk.key);
    }
    counts.set(chunk.key, count);
    return count;
  };

  const plan = await planJob(staged, countOf, limits);
  if (plan.records < limits.minRecordsPerJob) {
    let stagedRecords = 0;
    for (const chunk of staged) stagedRecords += await countOf(chunk);
    return {
      batchId: null,
      stagedRecords,
      reason:
        stagedRecords === 0
          ? 'no staged records'
          : `${plan.records} records fit in a job, fewer than the minimum of ${limits.minRecordsPerJob}; they wait for the next window`,
    };
  }

  const stagedKeys = plan.chunks.map((chunk) => chunk.key);
  const batchId = batchIdOf(stagedKeys, now);
  const existing = await readManifest(s3, bucket, batchId);
  if (existing !== undefined) {
    return { batchId, recordCount: existing.recordCount, inputFileCount: existing.inputKeys.length };
  }
  const manifest = await writeJob(s3, bucket, batchId, stagedKeys, limits, now);
  return { batchId, recordCount: manifest.recordCount, inputFileCount: manifest.inputKeys.length };
}

/** `<yyyymmdd>-<12 hex>`: the same chunks on the same day always make the same batch. */
export function batchIdOf(stagedKeys: readonly string[], now: Date): string {
  const hash = createHash('sha256').update(stagedKeys.join('\n')).digest('hex');
  return `${now.toISOString().slice(0, 10).replace(/-/g, '')}-${hash.slice(0, 12)}`;
}

/**
 * Takes whole chunks, oldest first, while the job stays within maxRecordsPerJob and
 * maxBytesPerJob (staged bytes bound input bytes: an input line is part of its staged line). It
 * takes the next chunk in part only when the job would otherwise be empty or below
 * minRecordsPerJob; the rest of that chunk is re-staged.
 */
async function planJob(
  staged: readonly StagedChunk[],
  countOf: (chunk: StagedChunk) => Promise<number>,
  limits: PackLimits,
): Promise<JobPlan> {
  const chunks: StagedChunk[] = [];
  let records = 0;
  let bytes = 0;
  for (const chunk of staged) {
    const count = await countOf(chunk);
    if (records + count <= limits.maxRecordsPerJob && bytes + chunk.size <= limits.maxBytesPerJob) {
      chunks.push(chunk);
      records += count;
      bytes += chunk.size;
      continue;
    }
    if (chunks.length === 0 || records < limits.minRecordsPerJob) {
      chunks.push(chunk);
      records = Math.min(limits.maxRecordsPerJob, records + count);
    }
    break;
  }
  return { chunks, records };
}

async function writeJob(
  s3: S3Client,
  bucket: string,
  batchId: string,
  stagedKeys: readonly string[],
  limits: PackLimits,
  now: Date,
): Promise<BatchManifest> {
  const input = new JobInputFiles(s3, bucket, batchId, limits);
  const ledger = new JsonlWriter(s3, bucket, jobKey(batchId, 'ledger.jsonl'), PART_BYTES);
  const rejected = new RejectedRecords(s3, bucket, now);
  const recordIds = new Set<string>();
  const restaged: StagedRecord[] = [];
  /** Where the job filled up: every later record is re-staged, so records keep their order. */
  let fullAt: string | undefined;

  try {
    for (const stagedKey of stagedKeys) {
      for await (const { line, lineNumber } of readLines(s3, bucket, stagedKey)) {
        const where = `${stagedKey} line ${lineNumber}`;
        const parsed = parseStagedRecord(line);
        if (!parsed.ok) {
          await rejected.add({ reason: `${where}: ${parsed.reason}`, input: parsed.input, rejectedAt: now.toISOString() });
          continue;
        }
        const record = parsed.record;
        const inputLine = JSON.stringify({ recordId: record.recordId, modelInput: record.modelInput } satisfies BedrockInputRecord);
        const inputBytes = Buffer.byteLength(inputLine) + 1;
        if (fullAt === undefined && (input.records >= limits.maxRecordsPerJob || input.bytes + inputBytes > limits.maxBytesPerJob)) {
          fullAt = stagedKey;
        }
        if (fullAt !== undefined) {
          restaged.push(record);
          continue;
        }
        if (recordIds.has(record.recordId)) {
          await rejected.add({
            reason: `${where}: duplicate recordId ${record.recordId} in batch ${batchId}; the first one was sent`,
            input: record,
            rejectedAt: now.toISOString(),
          });
          continue;
        }
        if (inputBytes > limits.maxBytesPerFile) {
          await rejected.add({
            reason: `${where}: the record is ${inputBytes} bytes as a job input line; maxBytesPerFile is ${limits.maxBytesPerFile}`,
            input: record,
            rejectedAt: now.toISOString(),
          });
          continue;
        }
        recordIds.add(record.recordId);
        await input.writeLine(inputLine, inputBytes);
        await ledger.writeLine(line);
      }
    }
    const inputKeys = await input.close();
    await ledger.close();
    await rejected.flush();
    if (fullAt !== undefined) {
      await writeStagedChunk(s3, bucket, restaged, now, restagedChunkKey(fullAt, restaged.length, now));
    }
    await deleteStrayInputFiles(s3, bucket, batchId, inputKeys);

    const manifest: BatchManifest = {
      batchId,
      stagedKeys,
      inputKeys,
      recordCount: input.records,
      inputBytes: input.bytes,
      createdAt: now.toISOString(),
    };
    await writeJson(s3, bucket, jobKey(batchId, 'batch.json'), manifest);
    return manifest;
  } catch (error) {
    await Promise.allSettled([input.abort(), ledger.abort()]);
    throw error;
  }
}

type ParsedStagedRecord =
  | { readonly ok: true; readonly record: StagedRecord }
  | { readonly ok: false; readonly reason: string; readonly input: unknown };

/** Checks one line of a staged chunk. Fields beyond StagedRecord's are tolerated. */
export function parseStagedRecord(line: string): ParsedStagedRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: `invalid JSON (${error instanceof Error ? error.message : String(error)})`, input: line };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'a staged record must be a JSON object', input: value };
  }
  const fields = value as Record<string, unknown>;
  if (typeof fields.recordId !== 'string') {
    return { ok: false, reason: 'a staged record needs a recordId', input: value };
  }
  // The submitted part (recordId, modelInput, metadata) follows the submission rules; size was checked on the way in.
  const submitted = validateSubmittedRecord(
    { recordId: fields.recordId, modelInput: fields.modelInput, ...(fields.metadata === undefined ? {} : { metadata: fields.metadata }) },
    Number.POSITIVE_INFINITY,
  );
  if (!submitted.ok) {
    return { ok: false, reason: submitted.reason, input: value };
  }
  if (!Number.isSafeInteger(fields.attempt) || (fields.attempt as number) < 0) {
    return { ok: false, reason: `attempt must be a non-negative integer, got ${JSON.stringify(fields.attempt)}`, input: value };
  }
  if (typeof fields.stagedAt !== 'string') {
    return { ok: false, reason: 'stagedAt must be an ISO timestamp string', input: value };
  }
  return { ok: true, record: value as StagedRecord };
}

/** The job's input files, `input/part-00001.jsonl` on, each closed before it would break a limit. */
class JobInputFiles {
  public records = 0;
  public bytes = 0;
  private readonly keys: string[] = [];
  private writer?: JsonlWriter;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly batchId: string,
    private readonly limits: PackLimits,
  ) {}

  /** `bytes` is the line's size with its newline. */
  public async writeLine(line: string, bytes: number): Promise<void> {
    if (
      this.writer === undefined ||
      this.writer.lines + 1 > this.limits.maxRecordsPerFile ||
      this.writer.bytes + bytes > this.limits.maxBytesPerFile
    ) {
      await this.writer?.close();
      this.writer = new JsonlWriter(this.s3, this.bucket, jobKey(this.batchId, `input/${partName(this.keys.length + 1)}`), PART_BYTES);
      this.keys.push(this.writer.key);
    }
    await this.writer.writeLine(line);
    this.records++;
    this.bytes += bytes;
  }

  /** Finishes the last file; returns every file's key. */
  public async close(): Promise<string[]> {
    await this.writer?.close();
    this.writer = undefined;
    return [...this.keys];
  }

  public async abort(): Promise<void> {
    await this.writer?.abort();
  }
}

/** Rejected records, written a chunk at a time. */
class RejectedRecords {
  private pending: RejectedRecord[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly now: Date,
  ) {}

  public async add(record: RejectedRecord): Promise<void> {
    this.pending.push(record);
    if (this.pending.length >= REJECTED_CHUNK_RECORDS) {
      await this.flush();
    }
  }

  public async flush(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    await writeRejected(this.s3, this.bucket, records, this.now);
  }
}

/** Input files a crashed earlier run left beyond this run's last file, so the job reads only its own. */
async function deleteStrayInputFiles(s3: S3Client, bucket: string, batchId: string, inputKeys: readonly string[]): Promise<void> {
  const keep = new Set(inputKeys);
  for await (const { key } of listKeys(s3, bucket, jobKey(batchId, 'input/'))) {
    if (!keep.has(key)) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
  }
}

async function readManifest(s3: S3Client, bucket: string, batchId: string): Promise<BatchManifest | undefined> {
  try {
    return await readJson<BatchManifest>(s3, bucket, jobKey(batchId, 'batch.json'));
  } catch (error) {
    if (error instanceof Error && error.name === 'NoSuchKey') {
      return undefined;
    }
    throw error;
  }
}

/** The rare path: a staged key without its record count. */
async function countLines(s3: S3Client, bucket: string, key: string): Promise<number> {
  const lines = readLines(s3, bucket, key);
  let count = 0;
  while (!(await lines.next()).done) count++;
  return count;
}

function checkLimits(limits: PackLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (limits.minRecordsPerJob > limits.maxRecordsPerJob) {
    throw new RangeError(
      `minRecordsPerJob (${limits.minRecordsPerJob}) must not exceed maxRecordsPerJob (${limits.maxRecordsPerJob})`,
    );
  }
}
