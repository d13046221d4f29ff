import { createHash } from 'node:crypto';
import { type Logger } from '@aws-lambda-powertools/logger';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { estimateCost, type InferenceSource, InvocationMode, JSON_DECIMALS, PriceTable, type Usd } from '../../lib/pricing';
import { type FailedRecord, jobKey, partName, PREFIX, type ResultRecord, type StagedRecord } from '../batch-shared/layout';
import { JsonlWriter, listKeys, readJson, readLines, writeJson } from '../batch-shared/s3-jsonl';
import { stagedChunkKey, writeStagedChunk } from '../batch-shared/staged-chunks';
import { type BatchJobManifest, parseJobManifest, recordUsage, type UsageFamily } from './usage';

/** The states a batch inference job ends in. */
export const TERMINAL_JOB_STATUSES = ['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'] as const;
export type TerminalJobStatus = (typeof TERMINAL_JOB_STATUSES)[number];

export function isTerminalJobStatus(value: unknown): value is TerminalJobStatus {
  return typeof value === 'string' && (TERMINAL_JOB_STATUSES as readonly string[]).includes(value);
}

export interface CompletionInput {
  readonly batchId: string;
  readonly status: TerminalJobStatus;
}

/** Where the completer logs: a Powertools `Logger`. */
export type CompletionLogger = Pick<Logger, 'info' | 'warn'>;

export interface CompletionOptions {
  /** Jobs a record may be in before it is moved to `failed/`. */
  readonly maxAttempts: number;
  /** The model id or cross-region profile id the job ran with, to price its tokens. */
  readonly modelId: string;
  /** The `stagedAt` of re-staged records. */
  readonly now: Date;
  /** @default PriceTable.DEFAULT */
  readonly priceTable?: PriceTable;
  /** @default - nothing is logged */
  readonly logger?: CompletionLogger;
  /** Lines per `results/` and `failed/` part. @default 50_000 */
  readonly linesPerPart?: number;
  /** Records per re-staged chunk. @default 10_000 */
  readonly recordsPerStagedChunk?: number;
}

/** What became of a job's records and what they cost: `jobs/<batchId>/completed.json`. */
export interface CompletionSummary {
  readonly batchId: string;
  readonly status: TerminalJobStatus;
  /** Records the job was given (ledger lines); always `succeeded + restaged + failed`. */
  readonly records: number;
  readonly succeeded: number;
  /** Sent back to `staged/` for another job. */
  readonly restaged: number;
  /** Moved to `failed/` (attempts exhausted or an error that would repeat). */
  readonly failed: number;
  /** Output lines that were not JSON, had no recordId or named a record not in the job. */
  readonly malformedLines: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** What the tokens cost at batch prices, USD rounded to 6 decimals. */
  readonly batchCostUsd: number;
  /** What the same tokens would have cost on demand. */
  readonly onDemandCostUsd: number;
  readonly savedUsd: number;
}

/** A record's error as Bedrock writes it on an output line. */
export interface RecordError {
  readonly errorCode?: string | number;
  readonly errorMessage: string;
}

/** What the completer keeps per record between passes: no modelInput, so memory stays bounded by the record count. */
interface LedgerEntry {
  readonly metadata?: Record<string, unknown>;
  readonly attempt: number;
  /** The ledger line that holds the record (a repeated recordId on a later line is another record). */
  readonly lineNumber: number;
  succeeded: boolean;
  error?: RecordError;
}

const DEFAULT_LINES_PER_PART = 50_000;
const DEFAULT_RECORDS_PER_STAGED_CHUNK = 10_000;
/** Malformed lines logged one by one; the rest are only counted. */
const MALFORMED_LINES_LOGGED = 100;

const RETRYABLE_ERROR_PATTERN = /thrott|timeout|timed ?out|too ?many ?requests|service ?unavailable|internal ?server|model ?not ?ready/i;

const silentLogger: CompletionLogger = { info: () => undefined, warn: () => undefined };

/**
 * Whether another job may succeed where this one failed: HTTP 429 and 5xx codes, and codes or
 * messages that name throttling, a timeout or an unavailable service. Other 4xx errors (a bad
 * request) would fail the same way again.
 */
export function isRetryableError(error: RecordError): boolean {
  const code = typeof error.errorCode === 'string' && /^\s*\d+\s*$/.test(error.errorCode) ? Number(error.errorCode) : error.errorCode;
  if (typeof code === 'number' && (code === 429 || code >= 500)) {
    return true;
  }
  return RETRYABLE_ERROR_PATTERN.test(`${String(error.errorCode ?? '')} ${error.errorMessage}`);
}

/** The summary of a batch already completed, if there is one. */
export async function readCompletionSummary(s3: S3Client, bucket: string, batchId: string): Promise<CompletionSummary | undefined> {
  try {
    return await readJson<CompletionSummary>(s3, bucket, jobKey(batchId, 'completed.json'));
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Accounts for every record of a finished batch inference job:
 *
 * 1. successes go to `results/<batchId>/` as ResultRecords (first success of a recordId wins);
 * 2. records with a retryable error or no output at all are re-staged with `attempt + 1` while
 *    attempts remain; the others go to `failed/<batchId>/` with their error;
 * 3. the job's tokens are priced at batch and on-demand prices;
 * 4. `jobs/<batchId>/completed.json` is written last, and only if
 *    `succeeded + restaged + failed` equals the records of the ledger.
 *
 * Idempotent: once `completed.json` exists it is returned as it is and nothing is written.
 */
export async function completeBatch(
  s3: S3Client,
  bucket: string,
  input: CompletionInput,
  options: CompletionOptions,
): Promise<CompletionSummary> {
  const { batchId, status } = input;
  const logger = options.logger ?? silentLogger;
  const previous = await readCompletionSummary(s3, bucket, batchId);
  if (previous !== undefined) {
    logger.info('Batch already completed; returning the stored summary', { batchId });
    return previous;
  }
  if (!Number.isSafeInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number >= 1, got ${options.maxAttempts}`);
  }
  // Priced up front: a model the table does not know fails before anything is written.
  const source = (options.priceTable ?? PriceTable.DEFAULT).resolve(options.modelId);
  if (!source.model.supportsBatch) {
    throw new RangeError(`${source} has no batch prices in the price table; cannot report the batch cost`);
  }
  const linesPerPart = options.linesPerPart ?? DEFAULT_LINES_PER_PART;

  const ledger = await readLedger(s3, bucket, batchId, logger);
  const results = new PartedJsonlWriter(s3, bucket, `${PREFIX.results}${batchId}/`, linesPerPart);
  const failures = new PartedJsonlWriter(s3, bucket, `${PREFIX.failed}${batchId}/`, linesPerPart);
  try {
    const output = await readOutput(s3, bucket, batchId, ledger.entries, results, logger);
    await results.close();
    const usage = jobUsage(output, logger, batchId);
    const settled = await settleUnsucceeded(s3, bucket, batchId, status, ledger.entries, failures, options, logger);
    await failures.close();

    const summary = summarize(input, source, usage, {
      records: ledger.lines,
      succeeded: settled.succeeded,
      restaged: settled.restaged,
      failed: settled.failed,
      malformedLines: output.malformedLines,
    });
    // The no-loss invariant: every ledger record is in exactly one of results/, staged/ and failed/.
    const accounted = summary.succeeded + summary.restaged + summary.failed;
    if (accounted !== summary.records || results.lines !== summary.succeeded || failures.lines !== summary.failed) {
      throw new Error(
        `Batch ${batchId} does not add up: ${summary.records} ledger records, but ${summary.succeeded} succeeded ` +
          `(${results.lines} result lines) + ${summary.restaged} re-staged + ${summary.failed} failed ` +
          `(${failures.lines} failed lines) = ${accounted}; not marking the batch completed`,
      );
    }
    await writeJson(s3, bucket, jobKey(batchId, 'completed.json'), summary);
    logger.info('Batch completed', { ...summary, restagedChunks: settled.stagedKeys });
    return summary;
  } catch (error) {
    // Best effort: the error that stopped the completion is the one to report.
    await results.abort().catch(() => undefined);
    await failures.abort().catch(() => undefined);
    throw error;
  }
}

interface Ledger {
  readonly entries: Map<string, LedgerEntry>;
  /** Ledger lines, repeated recordIds included: the records to account for. */
  readonly lines: number;
}

/** Pass 1 over the ledger: recordId -> metadata and attempt. */
async function readLedger(s3: S3Client, bucket: string, batchId: string, logger: CompletionLogger): Promise<Ledger> {
  const key = jobKey(batchId, 'ledger.jsonl');
  const entries = new Map<string, LedgerEntry>();
  let lines = 0;
  try {
    for await (const { line, lineNumber } of readLines(s3, bucket, key)) {
      const record = parseLedgerLine(line, key, lineNumber);
      lines++;
      if (entries.has(record.recordId)) {
        logger.warn('The ledger lists a recordId twice; the later record will be failed', { key, lineNumber, recordId: record.recordId });
        continue;
      }
      entries.set(record.recordId, { metadata: record.metadata, attempt: record.attempt, lineNumber, succeeded: false });
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'NoSuchKey') {
      throw new Error(`${key} does not exist: without the ledger the job's records cannot be accounted for`, { cause: error });
    }
    throw error;
  }
  return { entries, lines };
}

/** A ledger line is ours: one we cannot read means the job cannot be accounted for, so it throws. */
function parseLedgerLine(line: string, key: string, lineNumber: number): StagedRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${key} line ${lineNumber} is not JSON; cannot account for the job's records`);
  }
  if (
    !isObject(value) ||
    typeof value.recordId !== 'string' ||
    value.recordId === '' ||
    !isObject(value.modelInput) ||
    !(typeof value.attempt === 'number' && Number.isSafeInteger(value.attempt) && value.attempt >= 0) ||
    (value.metadata !== undefined && !isObject(value.metadata))
  ) {
    throw new Error(`${key} line ${lineNumber} is not a StagedRecord { recordId, modelInput, metadata?, attempt, stagedAt }`);
  }
  return value as unknown as StagedRecord;
}

interface OutputPass {
  readonly malformedLines: number;
  readonly manifests: { readonly key: string; readonly manifest: BatchJobManifest }[];
  /** Tokens summed from each first success's modelOutput. */
  readonly recordInputTokens: number;
  readonly recordOutputTokens: number;
  /** Successes whose modelOutput had no usage shape we know. */
  readonly unknownUsage: number;
  readonly families: ReadonlySet<UsageFamily>;
}

/** Pass over Bedrock's output: successes to results/, errors remembered, usage summed. */
async function readOutput(
  s3: S3Client,
  bucket: string,
  batchId: string,
  ledger: Map<string, LedgerEntry>,
  results: PartedJsonlWriter,
  logger: CompletionLogger,
): Promise<OutputPass> {
  let malformedLines = 0;
  let recordInputTokens = 0;
  let recordOutputTokens = 0;
  let unknownUsage = 0;
  let repeatedSuccesses = 0;
  const families = new Set<UsageFamily>();
  const manifests: { key: string; manifest: BatchJobManifest }[] = [];

  const malformed = (key: string, lineNumber: number, reason: string, line: string): void => {
    malformedLines++;
    if (malformedLines <= MALFORMED_LINES_LOGGED) {
      logger.warn('Malformed batch output line', { batchId, key, lineNumber, reason, line: line.slice(0, 300) });
    }
  };

  // Bedrock writes <output prefix>/<job id>/<input file>.out: listed recursively.
  for await (const { key } of listKeys(s3, bucket, jobKey(batchId, 'output/'))) {
    if (key.endsWith('manifest.json.out')) {
      const manifest = parseJobManifest(await readManifestJson(s3, bucket, key));
      if (manifest === undefined) {
        logger.warn('Unreadable manifest.json.out; summing usage per record instead', { batchId, key });
      } else {
        manifests.push({ key, manifest });
      }
      continue;
    }
    if (!key.endsWith('.jsonl.out')) {
      continue;
    }
    for await (const { line, lineNumber } of readLines(s3, bucket, key)) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        malformed(key, lineNumber, 'not JSON', line);
        continue;
      }
      if (!isObject(value) || typeof value.recordId !== 'string') {
        malformed(key, lineNumber, 'no recordId', line);
        continue;
      }
      const entry = ledger.get(value.recordId);
      if (entry === undefined) {
        malformed(key, lineNumber, 'recordId is not in the job ledger', line);
        continue;
      }
      if (value.error !== undefined && value.error !== null) {
        if (!entry.succeeded) {
          entry.error = recordError(value.error);
        }
        continue;
      }
      if (value.modelOutput === undefined || value.modelOutput === null) {
        malformed(key, lineNumber, 'neither modelOutput nor error', line);
        continue;
      }
      if (entry.succeeded) {
        repeatedSuccesses++;
        continue;
      }
      entry.succeeded = true;
      entry.error = undefined;
      const result: ResultRecord = { recordId: value.recordId, modelOutput: value.modelOutput, metadata: entry.metadata };
      await results.write(result);
      const usage = recordUsage(value.modelOutput);
      if (usage === undefined) {
        unknownUsage++;
      } else {
        families.add(usage.family);
        recordInputTokens += usage.inputTokens;
        recordOutputTokens += usage.outputTokens;
      }
    }
  }
  if (malformedLines > MALFORMED_LINES_LOGGED) {
    logger.warn(`${malformedLines} malformed batch output lines; the first ${MALFORMED_LINES_LOGGED} were logged`, { batchId });
  }
  if (repeatedSuccesses > 0) {
    logger.info('Some records succeeded more than once in the output; the first success was kept', { batchId, repeatedSuccesses });
  }
  return { malformedLines, manifests, recordInputTokens, recordOutputTokens, unknownUsage, families };
}

async function readManifestJson(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  try {
    return await readJson<unknown>(s3, bucket, key);
  } catch (error) {
    if (error instanceof SyntaxError) {
      return undefined;
    }
    throw error;
  }
}

function recordError(error: unknown): RecordError {
  if (!isObject(error)) {
    return { errorMessage: typeof error === 'string' && error !== '' ? error : `unexplained error ${JSON.stringify(error).slice(0, 300)}` };
  }
  const code = error.errorCode;
  const message = error.errorMessage;
  return {
    errorCode: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    errorMessage: typeof message === 'string' && message !== '' ? message : `unexplained error ${JSON.stringify(error).slice(0, 300)}`,
  };
}

/** The job's tokens: from manifest.json.out when Bedrock wrote one, else summed per record. */
function jobUsage(output: OutputPass, logger: CompletionLogger, batchId: string): { inputTokens: number; outputTokens: number } {
  const perRecord = { inputTokens: output.recordInputTokens, outputTokens: output.recordOutputTokens };
  if (output.manifests.length === 0) {
    if (output.unknownUsage > 0) {
      logger.warn('Some outputs report tokens in a shape this completer does not know; they count as 0 tokens', {
        batchId,
        recordsWithUnknownUsage: output.unknownUsage,
      });
    }
    return perRecord;
  }
  if (output.manifests.length > 1) {
    const keys = output.manifests.map((m) => m.key);
    logger.warn('More than one manifest.json.out under the job output; adding them up', { batchId, keys });
  }
  const fromManifest = {
    inputTokens: output.manifests.reduce((sum, { manifest }) => sum + manifest.inputTokenCount, 0),
    outputTokens: output.manifests.reduce((sum, { manifest }) => sum + manifest.outputTokenCount, 0),
  };
  logger.info('Token usage from manifest.json.out', {
    batchId,
    ...fromManifest,
    perRecord: { ...perRecord, recordsWithUnknownUsage: output.unknownUsage, families: [...output.families] },
    manifests: output.manifests.map((m) => m.manifest),
  });
  return fromManifest;
}

interface Settlement {
  readonly succeeded: number;
  readonly restaged: number;
  readonly failed: number;
  readonly stagedKeys: string[];
}

/** Pass 2 over the ledger (it holds modelInput): re-stage or fail every record without a success. */
async function settleUnsucceeded(
  s3: S3Client,
  bucket: string,
  batchId: string,
  status: TerminalJobStatus,
  ledger: Map<string, LedgerEntry>,
  failures: PartedJsonlWriter,
  options: CompletionOptions,
  logger: CompletionLogger,
): Promise<Settlement> {
  const chunkSize = options.recordsPerStagedChunk ?? DEFAULT_RECORDS_PER_STAGED_CHUNK;
  const stagedAt = options.now.toISOString();
  const key = jobKey(batchId, 'ledger.jsonl');
  const stagedKeys: string[] = [];
  // Chunk keys are deterministic (ledger time, batch id, chunk number): a run that crashed before
  // completed.json overwrites its chunks when retried instead of staging the records twice.
  const ledgerTime = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).LastModified ?? options.now;
  let pending: StagedRecord[] = [];
  let chunks = 0;
  let succeeded = 0;
  let restaged = 0;
  let failed = 0;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) {
      return;
    }
    chunks++;
    const hex = createHash('sha256').update(`restaged:${batchId}:${chunks}`).digest('hex').slice(0, 8);
    const stagedKey = await writeStagedChunk(s3, bucket, pending, options.now, stagedChunkKey(ledgerTime, pending.length, hex));
    if (stagedKey !== undefined) {
      stagedKeys.push(stagedKey);
    }
    restaged += pending.length;
    pending = [];
  };

  for await (const { line, lineNumber } of readLines(s3, bucket, key)) {
    const record = parseLedgerLine(line, key, lineNumber);
    const entry = ledger.get(record.recordId);
    if (entry === undefined) {
      throw new Error(`${key} changed while the batch was being completed: ${record.recordId} is new`);
    }
    const attempts = record.attempt + 1;
    if (entry.lineNumber !== lineNumber) {
      // Bedrock's output cannot tell two records of one recordId apart: this one fails.
      const error = { errorMessage: `recordId ${record.recordId} appears more than once in the job` };
      await failures.write(failedRecord(record, attempts, error));
      failed++;
      continue;
    }
    if (entry.succeeded) {
      succeeded++;
      continue;
    }
    const error = entry.error ?? { errorMessage: `no output for this record (job ${status})` };
    const retryable = entry.error === undefined || isRetryableError(entry.error);
    if (retryable && attempts < options.maxAttempts) {
      pending.push({ recordId: record.recordId, modelInput: record.modelInput, metadata: record.metadata, attempt: attempts, stagedAt });
      if (pending.length >= chunkSize) {
        await flush();
      }
    } else {
      await failures.write(failedRecord(record, attempts, error));
      failed++;
    }
  }
  await flush();
  if (restaged > 0 || failed > 0) {
    logger.info('Records without a success were re-staged or failed', { batchId, status, restaged, failed, stagedKeys });
  }
  return { succeeded, restaged, failed, stagedKeys };
}

function failedRecord(record: StagedRecord, attempts: number, error: RecordError): FailedRecord {
  return {
    recordId: record.recordId,
    modelInput: record.modelInput,
    metadata: record.metadata,
    attempts,
    error:
      error.errorCode === undefined
        ? { errorMessage: error.errorMessage }
        : { errorCode: error.errorCode, errorMessage: error.errorMessage },
  };
}

function summarize(
  input: CompletionInput,
  source: InferenceSource,
  usage: { inputTokens: number; outputTokens: number },
  counts: Pick<CompletionSummary, 'records' | 'succeeded' | 'restaged' | 'failed' | 'malformedLines'>,
): CompletionSummary {
  const batchCost = estimateCost(source, usage, InvocationMode.BATCH);
  const onDemandCost = estimateCost(source, usage, InvocationMode.ON_DEMAND);
  return {
    batchId: input.batchId,
    status: input.status,
    ...counts,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    batchCostUsd: dollars(batchCost),
    onDemandCostUsd: dollars(onDemandCost),
    savedUsd: dollars(onDemandCost.minus(batchCost)),
  };
}

function dollars(amount: Usd): number {
  return amount.toNumber(JSON_DECIMALS);
}

/** JSONL parts `<prefix>part-00001.jsonl`, `part-00002.jsonl`, ... of at most `linesPerPart` lines; none when nothing is written. */
class PartedJsonlWriter {
  private current?: JsonlWriter;
  private parts = 0;
  public lines = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly linesPerPart: number,
  ) {
    if (!Number.isSafeInteger(linesPerPart) || linesPerPart < 1) {
      throw new RangeError(`linesPerPart must be a whole number >= 1, got ${linesPerPart}`);
    }
  }

  public async write(value: unknown): Promise<void> {
    if (this.current !== undefined && this.current.lines >= this.linesPerPart) {
      await this.current.close();
      this.current = undefined;
    }
    if (this.current === undefined) {
      this.parts++;
      this.current = new JsonlWriter(this.s3, this.bucket, `${this.prefix}${partName(this.parts)}`);
    }
    await this.current.write(value);
    this.lines++;
  }

  public async close(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  public async abort(): Promise<void> {
    await this.current?.abort();
    this.current = undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
