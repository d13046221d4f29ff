/**
 * Bedrock model invocation log records, as Bedrock writes them to S3 (gzipped JSON lines under
 * `<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/yyyy/mm/dd/hh/`) and to
 * CloudWatch Logs. Pure TypeScript: no aws-cdk-lib import. Sources of the format are listed in
 * test/fixtures/invocation-logs/README.md.
 */
import { gunzipSync } from 'node:zlib';

/** The `schemaType` of every model invocation log record. */
export const INVOCATION_LOG_SCHEMA_TYPE = 'ModelInvocationLog';

/** The fields of one record that attribution and pricing use. */
export interface InvocationLogRecord {
  readonly timestamp: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly requestId?: string;
  /** `Converse`, `ConverseStream`, `InvokeModel` or `InvokeModelWithResponseStream`. */
  readonly operation?: string;
  /** What the caller passed: a model id, a cross-region profile id, or an ARN (profiles appear as ARNs). */
  readonly modelId: string;
  /** The caller: `identity.arn`, e.g. an assumed-role session ARN. */
  readonly identityArn?: string;
  /** `input.inputTokenCount`: input billed at the input price (cached tokens excluded). */
  readonly inputTokens: number;
  /** `output.outputTokenCount`. */
  readonly outputTokens: number;
  /** `input.cacheReadInputTokenCount`. */
  readonly cacheReadInputTokens: number;
  /** `input.cacheWriteInputTokenCount`. */
  readonly cacheWriteInputTokens: number;
  /** `requestMetadata`, as the caller passed it to Converse. */
  readonly requestMetadata: Readonly<Record<string, string>>;
  /** `errorCode` of a failed invocation, which is not billed. */
  readonly errorCode?: string;
}

/** A line of a log file that is not a model invocation log record; the message names the line and field. */
export class InvocationLogError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvocationLogError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(record: Json, field: string, where: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InvocationLogError(`${where}: ${field} must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function tokenCount(parent: Json | undefined, parentName: string, field: string, where: string, required: boolean): number {
  const value = parent?.[field];
  if (value === undefined || value === null) {
    if (required) {
      throw new InvocationLogError(`${where}: ${parentName}.${field} is missing`);
    }
    return 0;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvocationLogError(`${where}: ${parentName}.${field} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function metadataOf(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isObject(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    throw new InvocationLogError(`${where}: requestMetadata must be an object of strings, got ${JSON.stringify(value).slice(0, 200)}`);
  }
  return value as Record<string, string>;
}

/**
 * Reads one parsed JSON record. Throws an `InvocationLogError` naming `where` and the field when
 * the value is not a model invocation log record with the fields cost needs. A failed invocation
 * (`errorCode` set) may lack token counts; they count as 0.
 */
export function parseInvocationLogRecord(value: unknown, where: string): InvocationLogRecord {
  if (!isObject(value)) {
    throw new InvocationLogError(`${where}: not a JSON object`);
  }
  if (value.schemaType !== INVOCATION_LOG_SCHEMA_TYPE) {
    throw new InvocationLogError(`${where}: schemaType must be '${INVOCATION_LOG_SCHEMA_TYPE}', got ${JSON.stringify(value.schemaType)}`);
  }
  const modelId = optionalString(value, 'modelId', where);
  if (modelId === undefined || modelId === '') {
    throw new InvocationLogError(`${where}: modelId is missing`);
  }
  const timestamp = optionalString(value, 'timestamp', where);
  if (timestamp === undefined) {
    throw new InvocationLogError(`${where}: timestamp is missing`);
  }
  const { input, output } = value;
  if ((input !== undefined && !isObject(input)) || (output !== undefined && !isObject(output))) {
    throw new InvocationLogError(`${where}: input and output must be objects`);
  }
  const identity = value.identity;
  if (identity !== undefined && !isObject(identity)) {
    throw new InvocationLogError(`${where}: identity must be an object`);
  }
  const errorCode = optionalString(value, 'errorCode', where);
  const billed = errorCode === undefined;
  return {
    timestamp,
    accountId: optionalString(value, 'accountId', where),
    region: optionalString(value, 'region', where),
    requestId: optionalString(value, 'requestId', where),
    operation: optionalString(value, 'operation', where),
    modelId,
    identityArn: identity === undefined ? undefined : optionalString(identity, 'arn', `${where}: identity`),
    inputTokens: tokenCount(input, 'input', 'inputTokenCount', where, billed),
    outputTokens: tokenCount(output, 'output', 'outputTokenCount', where, false),
    cacheReadInputTokens: tokenCount(input, 'input', 'cacheReadInputTokenCount', where, false),
    cacheWriteInputTokens: tokenCount(input, 'input', 'cacheWriteInputTokenCount', where, false),
    requestMetadata: metadataOf(value.requestMetadata, where),
    errorCode,
  };
}

/** Gzip members start with these two bytes (RFC 1952). */
function isGzip(content: Uint8Array): boolean {
  return content.length >= 2 && content[0] === 0x1f && content[1] === 0x8b;
}

/**
 * Every record of a log file: JSON lines as Bedrock writes them, gzipped or not (told by the
 * gzip magic bytes, not the file name). Blank lines are skipped; any other line that is not a
 * record throws an `InvocationLogError` naming `source` and the line number, so no record is
 * silently dropped.
 */
export function parseInvocationLogFile(content: Uint8Array, source: string): InvocationLogRecord[] {
  let text: string;
  try {
    text = Buffer.from(isGzip(content) ? gunzipSync(content) : content).toString('utf8');
  } catch (error) {
    throw new InvocationLogError(`${source}: not a readable gzip file: ${(error as Error).message}`);
  }
  const records: InvocationLogRecord[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') {
      return;
    }
    const where = `${source} line ${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new InvocationLogError(`${where}: not valid JSON: ${(error as Error).message}`);
    }
    records.push(parseInvocationLogRecord(parsed, where));
  });
  return records;
}
