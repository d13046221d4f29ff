import { Logger } from '@aws-lambda-powertools/logger';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { type CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createServiceMonitor, deleteMonitor, describeMonitor, findServiceMonitor } from './find-or-create-monitor';

/** Longest monitor name Cost Explorer accepts. */
export const MAX_MONITOR_NAME_LENGTH = 1024;

/** The custom resource's properties, as the anomaly detection construct sets them. */
export interface AnomalyMonitorProperties {
  /** Name given to the SERVICE monitor if this resource has to create one. */
  readonly MonitorName: string;
  /** Tags for a monitor this resource creates; a found monitor keeps its own. */
  readonly Tags?: { Key: string; Value: string }[];
}

/** Relayed by the aws-cdk-lib `custom-resources` Provider framework. */
export type AnomalyMonitorEvent = CloudFormationCustomResourceEvent<AnomalyMonitorProperties>;

/** What the Provider framework reports to CloudFormation. Attribute values are strings. */
export interface AnomalyMonitorResponse {
  /** `found:<arn>` for the account's existing monitor, `created:<arn>` for one this resource created. */
  readonly PhysicalResourceId: string;
  readonly Data?: {
    readonly MonitorArn: string;
    readonly Created: 'true' | 'false';
    readonly MonitorName: string;
  };
}

type Origin = 'found' | 'created';

// Cost Explorer has a single endpoint, in us-east-1, whatever region the function runs in.
const costExplorer = new CostExplorerClient({ region: 'us-east-1' });
const logger = new Logger();

export const handler = async (event: AnomalyMonitorEvent): Promise<AnomalyMonitorResponse> => {
  switch (event.RequestType) {
    case 'Create':
      return findOrCreate(validProperties(event.ResourceProperties));
    case 'Update':
      return onUpdate(event.PhysicalResourceId, validProperties(event.ResourceProperties));
    case 'Delete':
      return onDelete(event.PhysicalResourceId);
    default:
      throw new Error(`Unexpected RequestType: ${String(JSON.stringify((event as { RequestType?: unknown }).RequestType))}`);
  }
};

/**
 * Subscribes to the account's SERVICE monitor: an account may have only one, and most already do
 * (`Default-Services-Monitor`). Creates one only where there is none.
 */
async function findOrCreate(properties: AnomalyMonitorProperties): Promise<AnomalyMonitorResponse> {
  const existing = await findServiceMonitor(costExplorer);
  if (existing) {
    const monitorName = existing.MonitorName ?? '';
    logger.info('Using the SERVICE monitor the account already has instead of creating a second one', {
      monitorArn: existing.MonitorArn,
      monitorName,
    });
    return response('found', existing.MonitorArn, monitorName);
  }

  const monitorArn = await createServiceMonitor(costExplorer, properties.MonitorName, properties.Tags ?? []);
  logger.info('The account had no SERVICE monitor; created one', { monitorArn, monitorName: properties.MonitorName });
  return response('created', monitorArn, properties.MonitorName);
}

async function onUpdate(physicalResourceId: string, properties: AnomalyMonitorProperties): Promise<AnomalyMonitorResponse> {
  const previous = parsePhysicalId(physicalResourceId);
  if (!previous) {
    logger.warn('Physical id is not one this function returned; looking the SERVICE monitor up again', { physicalResourceId });
    return findOrCreate(properties);
  }

  // A monitor is not renamed or retagged on Update: a found one is not ours to change.
  const monitor = await describeMonitor(costExplorer, previous.arn);
  if (!monitor) {
    // The new physical id makes CloudFormation send a Delete for the old one, which finds it gone.
    logger.warn('The SERVICE monitor no longer exists; looking it up again', { monitorArn: previous.arn });
    return findOrCreate(properties);
  }
  logger.info('The SERVICE monitor still exists; nothing to change', { monitorArn: previous.arn, origin: previous.origin });
  return response(previous.origin, previous.arn, monitor.MonitorName ?? '');
}

async function onDelete(physicalResourceId: string): Promise<AnomalyMonitorResponse> {
  const previous = parsePhysicalId(physicalResourceId);
  if (previous?.origin !== 'created') {
    // A found monitor, or a failed Create's placeholder id: nothing this stack may delete.
    logger.info('Leaving the SERVICE monitor in place: this resource did not create it', { physicalResourceId });
    return { PhysicalResourceId: physicalResourceId };
  }

  await deleteMonitor(costExplorer, previous.arn);
  logger.info('Deleted the SERVICE monitor this resource created', { monitorArn: previous.arn });
  return { PhysicalResourceId: physicalResourceId };
}

function response(origin: Origin, monitorArn: string, monitorName: string): AnomalyMonitorResponse {
  return {
    PhysicalResourceId: `${origin}:${monitorArn}`,
    Data: { MonitorArn: monitorArn, Created: origin === 'created' ? 'true' : 'false', MonitorName: monitorName },
  };
}

function parsePhysicalId(physicalResourceId: string): { origin: Origin; arn: string } | undefined {
  const match = /^(found|created):(.+)$/.exec(physicalResourceId);
  return match ? { origin: match[1] as Origin, arn: match[2] } : undefined;
}

function validProperties(properties: AnomalyMonitorProperties): AnomalyMonitorProperties {
  const { MonitorName: name, Tags: tags } = properties as { MonitorName?: unknown; Tags?: unknown };
  if (typeof name !== 'string' || name === '' || name.length > MAX_MONITOR_NAME_LENGTH) {
    throw new Error(
      `ResourceProperties.MonitorName must be a non-empty string of at most ${MAX_MONITOR_NAME_LENGTH} characters, ` +
        `got ${String(JSON.stringify(name)).slice(0, 100)}`,
    );
  }
  if (tags === undefined) {
    return { MonitorName: name };
  }
  if (!Array.isArray(tags) || !tags.every(isTag)) {
    throw new Error(
      `ResourceProperties.Tags must be an array of {Key, Value} strings, got ${String(JSON.stringify(tags)).slice(0, 500)}`,
    );
  }
  return { MonitorName: name, Tags: tags };
}

function isTag(value: unknown): value is { Key: string; Value: string } {
  const tag = typeof value === 'object' && value !== null ? (value as { Key?: unknown; Value?: unknown }) : {};
  return typeof tag.Key === 'string' && typeof tag.Value === 'string';
}
