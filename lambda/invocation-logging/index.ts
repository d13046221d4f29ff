import { Logger } from '@aws-lambda-powertools/logger';
import {
  BedrockClient,
  DeleteModelInvocationLoggingConfigurationCommand,
  GetModelInvocationLoggingConfigurationCommand,
  type LoggingConfig,
  PutModelInvocationLoggingConfigurationCommand,
} from '@aws-sdk/client-bedrock';
import { type CloudFormationCustomResourceEvent } from 'aws-lambda';
import { retryingCaller } from '../shared/retry-throttled';
import { describeConfig, isEnabled, parseLoggingConfig, physicalIdFor, previousConfigOf, sameConfig } from './logging-config';

/** The custom resource's properties, as BedrockInvocationLogging sets them. */
export interface InvocationLoggingProperties {
  /** The `LoggingConfig` to put, as JSON. */
  readonly LoggingConfig: string;
  /** `'true'` lets Create replace a configuration the account already has. */
  readonly OverwriteExisting?: string;
}

/** Relayed by the aws-cdk-lib `custom-resources` Provider framework. */
export type InvocationLoggingEvent = CloudFormationCustomResourceEvent<InvocationLoggingProperties>;

export interface InvocationLoggingResponse {
  /** Records the configuration found at Create, which Delete puts back. */
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly ReplacedExisting: 'true' | 'false' };
}

// Model invocation logging is a setting of the account in the function's own Region.
const bedrock = new BedrockClient({});
const call = retryingCaller();
const logger = new Logger();

export const handler = async (event: InvocationLoggingEvent): Promise<InvocationLoggingResponse> => {
  switch (event.RequestType) {
    case 'Create':
      return onCreate(event.ResourceProperties);
    case 'Update':
      return onUpdate(event.PhysicalResourceId, event.ResourceProperties, event.OldResourceProperties);
    case 'Delete':
      return onDelete(event.PhysicalResourceId, event.ResourceProperties);
    default:
      throw new Error(`Unexpected RequestType: ${String(JSON.stringify((event as { RequestType?: unknown }).RequestType))}`);
  }
};

async function currentConfig(): Promise<LoggingConfig | undefined> {
  const response = await call(() => bedrock.send(new GetModelInvocationLoggingConfigurationCommand({})));
  return isEnabled(response.loggingConfig) ? response.loggingConfig : undefined;
}

async function put(loggingConfig: LoggingConfig): Promise<void> {
  await call(() => bedrock.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig })));
}

/** Turns logging on; an account's existing configuration is replaced only when the stack says so. */
async function onCreate(properties: InvocationLoggingProperties): Promise<InvocationLoggingResponse> {
  const desired = parseLoggingConfig(properties.LoggingConfig, 'LoggingConfig');
  const existing = await currentConfig();
  if (existing && !sameConfig(existing, desired) && properties.OverwriteExisting !== 'true') {
    throw new Error(
      `Bedrock model invocation logging is already configured in this account and Region: ${describeConfig(existing)}. ` +
        'Set overwriteExisting: true to replace it (it is restored when this stack deletes its configuration), ' +
        'or remove the existing configuration first.',
    );
  }
  // Before the Put: a configuration too long to record must not be replaced.
  const physicalResourceId = physicalIdFor(existing);
  await put(desired);
  logger.info('Turned on model invocation logging', {
    logging: describeConfig(desired),
    replaced: existing ? describeConfig(existing) : undefined,
  });
  return { PhysicalResourceId: physicalResourceId, Data: { ReplacedExisting: existing ? 'true' : 'false' } };
}

async function onUpdate(
  physicalResourceId: string,
  properties: InvocationLoggingProperties,
  oldProperties: InvocationLoggingProperties,
): Promise<InvocationLoggingResponse> {
  if (previousConfigOf(physicalResourceId) === undefined) {
    logger.warn('Physical id is not one this function returned; creating the configuration afresh', { physicalResourceId });
    return onCreate(properties);
  }
  const desired = parseLoggingConfig(properties.LoggingConfig, 'LoggingConfig');
  const current = await currentConfig();
  // The stack has owned the setting since Create. Refusing here could not be rolled back (the
  // rollback's Update would meet the same configuration), so a change made outside the stack is
  // replaced, and logged.
  if (current && !sameConfig(current, parseLoggingConfig(oldProperties.LoggingConfig, 'LoggingConfig')) && !sameConfig(current, desired)) {
    logger.warn('The invocation logging configuration was changed outside this stack; replacing it', { found: describeConfig(current) });
  }
  await put(desired);
  logger.info('Updated model invocation logging', { logging: describeConfig(desired) });
  // The same physical id: a new one would make CloudFormation delete the old, restoring the
  // configuration of before the stack over the one just put.
  return { PhysicalResourceId: physicalResourceId, Data: { ReplacedExisting: previousConfigOf(physicalResourceId)?.previous ? 'true' : 'false' } };
}

/** Puts back what Create found, but only while the configuration is still this stack's. */
async function onDelete(physicalResourceId: string, properties: InvocationLoggingProperties): Promise<InvocationLoggingResponse> {
  const recorded = previousConfigOf(physicalResourceId);
  if (recorded === undefined) {
    // A failed Create's placeholder id: this resource never changed the setting.
    logger.info('Nothing to undo: this resource did not configure invocation logging', { physicalResourceId });
    return { PhysicalResourceId: physicalResourceId };
  }
  const ours = parseLoggingConfig(properties.LoggingConfig, 'LoggingConfig');
  const current = await currentConfig();
  if (!current || !sameConfig(current, ours)) {
    logger.warn('Leaving invocation logging as it is: the configuration is no longer this stack\'s', {
      found: current ? describeConfig(current) : 'none',
    });
    return { PhysicalResourceId: physicalResourceId };
  }
  if (recorded.previous) {
    try {
      await put(recorded.previous);
    } catch (error) {
      throw new Error(
        `Could not restore the invocation logging configuration this stack replaced (${describeConfig(recorded.previous)}): ` +
          `${(error as Error).name}: ${(error as Error).message}. Restore or delete it by hand, then retry the deletion.`,
        { cause: error },
      );
    }
    logger.info('Restored the invocation logging configuration this stack replaced', { logging: describeConfig(recorded.previous) });
  } else {
    await call(() => bedrock.send(new DeleteModelInvocationLoggingConfigurationCommand({})));
    logger.info('Turned off model invocation logging');
  }
  return { PhysicalResourceId: physicalResourceId };
}
