import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type LoggingConfig } from '@aws-sdk/client-bedrock';

/** The five data-delivery flags of `LoggingConfig`. */
const DELIVERY_FLAGS = [
  'textDataDeliveryEnabled',
  'imageDataDeliveryEnabled',
  'embeddingDataDeliveryEnabled',
  'videoDataDeliveryEnabled',
  'audioDataDeliveryEnabled',
] as const;

/** True when the configuration sends logs anywhere; Get answers an empty one where logging is off. */
export function isEnabled(config: LoggingConfig | undefined): config is LoggingConfig {
  return config?.s3Config !== undefined || config?.cloudWatchConfig !== undefined;
}

function s3Key(config: { bucketName?: string; keyPrefix?: string } | undefined): string {
  return config === undefined ? '' : `${config.bucketName ?? ''}/${config.keyPrefix ?? ''}`;
}

/**
 * Whether two configurations log the same data to the same places. A flag Get leaves out counts
 * as on: the API's default for the delivery flags is to include the data.
 */
export function sameConfig(a: LoggingConfig, b: LoggingConfig): boolean {
  return (
    s3Key(a.s3Config) === s3Key(b.s3Config) &&
    a.cloudWatchConfig?.logGroupName === b.cloudWatchConfig?.logGroupName &&
    a.cloudWatchConfig?.roleArn === b.cloudWatchConfig?.roleArn &&
    s3Key(a.cloudWatchConfig?.largeDataDeliveryS3Config) === s3Key(b.cloudWatchConfig?.largeDataDeliveryS3Config) &&
    DELIVERY_FLAGS.every((flag) => (a[flag] ?? true) === (b[flag] ?? true))
  );
}

/** Where a configuration sends logs, for messages. */
export function describeConfig(config: LoggingConfig): string {
  const places: string[] = [];
  if (config.s3Config) {
    places.push(`S3 s3://${s3Key(config.s3Config)}`);
  }
  if (config.cloudWatchConfig) {
    places.push(`CloudWatch Logs group ${config.cloudWatchConfig.logGroupName ?? '?'}`);
  }
  const data = DELIVERY_FLAGS.filter((flag) => config[flag] ?? true).map((flag) => flag.replace('DataDeliveryEnabled', ''));
  return `${places.join(' and ')} (data: ${data.length > 0 ? data.join(', ') : 'metadata only'})`;
}

const PREFIX = 'bedrock-invocation-logging:';
const NONE = `${PREFIX}none`;
const PREVIOUS = `${PREFIX}previous:`;
/** CloudFormation's limit on a custom resource's physical id. */
export const MAX_PHYSICAL_ID_LENGTH = 1024;

/**
 * The physical id carries the configuration found at Create, so Delete can put it back: Delete
 * events hold only the physical id and the resource properties. Compressed, since role ARNs and
 * prefixes can be long.
 */
export function physicalIdFor(previous: LoggingConfig | undefined): string {
  if (!isEnabled(previous)) {
    return NONE;
  }
  const id = `${PREVIOUS}${deflateRawSync(JSON.stringify(previous)).toString('base64url')}`;
  if (id.length > MAX_PHYSICAL_ID_LENGTH) {
    throw new Error(
      `The existing invocation logging configuration (${describeConfig(previous)}) is too long to keep for restoring ` +
        'on delete; delete it (DeleteModelInvocationLoggingConfiguration) before deploying this stack',
    );
  }
  return id;
}

/** What was there before this resource, as its physical id records it; `undefined` when the id is not one of ours. */
export function previousConfigOf(physicalResourceId: string): { readonly previous?: LoggingConfig } | undefined {
  if (physicalResourceId === NONE) {
    return {};
  }
  if (!physicalResourceId.startsWith(PREVIOUS)) {
    return undefined;
  }
  try {
    const previous: unknown = JSON.parse(inflateRawSync(Buffer.from(physicalResourceId.slice(PREVIOUS.length), 'base64url')).toString('utf8'));
    return isEnabled(previous as LoggingConfig) ? { previous: previous as LoggingConfig } : undefined;
  } catch {
    return undefined;
  }
}

/** The `LoggingConfig` property the construct writes (a JSON string, so booleans stay booleans). */
export function parseLoggingConfig(text: unknown, property: string): LoggingConfig {
  let config: unknown;
  try {
    config = JSON.parse(String(text));
  } catch {
    throw new Error(`ResourceProperties.${property} must be a JSON LoggingConfig, got ${String(text).slice(0, 200)}`);
  }
  const candidate = config as LoggingConfig;
  const bucketOk = candidate.s3Config === undefined || typeof candidate.s3Config.bucketName === 'string';
  const cloudWatchOk =
    candidate.cloudWatchConfig === undefined ||
    (typeof candidate.cloudWatchConfig.logGroupName === 'string' && typeof candidate.cloudWatchConfig.roleArn === 'string');
  const flagsOk = DELIVERY_FLAGS.every((flag) => typeof candidate[flag] === 'boolean');
  if (typeof config !== 'object' || config === null || !isEnabled(candidate) || !bucketOk || !cloudWatchOk || !flagsOk) {
    throw new Error(
      `ResourceProperties.${property} must name an S3 bucket or a CloudWatch log group and role, and set all five ` +
        `data-delivery flags; got ${String(text).slice(0, 500)}`,
    );
  }
  return candidate;
}
