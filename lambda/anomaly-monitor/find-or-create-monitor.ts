import {
  type AnomalyMonitor,
  CreateAnomalyMonitorCommand,
  type CostExplorerClient,
  DeleteAnomalyMonitorCommand,
  GetAnomalyMonitorsCommand,
  type ResourceTag,
} from '@aws-sdk/client-cost-explorer';
import { type RetryOptions, retryingCaller } from '../shared/retry-throttled';

const UNKNOWN_MONITOR = 'UnknownMonitorException';

/** A monitor of `MonitorType DIMENSIONAL` and `MonitorDimension SERVICE`: at most one per account. */
export type ServiceMonitor = AnomalyMonitor & { readonly MonitorArn: string };

/** Retry settings of every Cost Explorer call. */
export type MonitorCallOptions = RetryOptions;

/**
 * Finds the account's SERVICE monitor, usually the `Default-Services-Monitor` AWS creates when
 * Cost Explorer is enabled. Pages through all monitors; returns undefined when there is none.
 */
export async function findServiceMonitor(
  client: CostExplorerClient,
  options: MonitorCallOptions = {},
): Promise<ServiceMonitor | undefined> {
  const call = retryingCaller(options);
  let nextPageToken: string | undefined;
  do {
    const page = await call(() => client.send(new GetAnomalyMonitorsCommand({ NextPageToken: nextPageToken })));
    const found = (page.AnomalyMonitors ?? []).find(isServiceMonitor);
    if (found) {
      return found;
    }
    nextPageToken = page.NextPageToken;
  } while (nextPageToken);
  return undefined;
}

/** Returns the monitor with this ARN, or undefined when it no longer exists. */
export async function describeMonitor(
  client: CostExplorerClient,
  monitorArn: string,
  options: MonitorCallOptions = {},
): Promise<AnomalyMonitor | undefined> {
  const call = retryingCaller(options);
  try {
    const response = await call(() => client.send(new GetAnomalyMonitorsCommand({ MonitorArnList: [monitorArn] })));
    return (response.AnomalyMonitors ?? []).find((monitor) => monitor.MonitorArn === monitorArn);
  } catch (error) {
    if (error instanceof Error && error.name === UNKNOWN_MONITOR) {
      return undefined;
    }
    throw error;
  }
}

/** Creates a SERVICE monitor and returns its ARN. Fails if the account already has one. */
export async function createServiceMonitor(
  client: CostExplorerClient,
  name: string,
  tags: readonly ResourceTag[],
  options: MonitorCallOptions = {},
): Promise<string> {
  const call = retryingCaller(options);
  const response = await call(() =>
    client.send(
      new CreateAnomalyMonitorCommand({
        AnomalyMonitor: { MonitorName: name, MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' },
        ResourceTags: tags.length > 0 ? [...tags] : undefined,
      }),
    ),
  );
  if (!response.MonitorArn) {
    throw new Error(`CreateAnomalyMonitor returned no MonitorArn for monitor ${name}`);
  }
  return response.MonitorArn;
}

/** Deletes a monitor; one that is already gone (`UnknownMonitorException`) counts as deleted. */
export async function deleteMonitor(
  client: CostExplorerClient,
  monitorArn: string,
  options: MonitorCallOptions = {},
): Promise<void> {
  const call = retryingCaller(options);
  try {
    await call(() => client.send(new DeleteAnomalyMonitorCommand({ MonitorArn: monitorArn })));
  } catch (error) {
    if (!(error instanceof Error && error.name === UNKNOWN_MONITOR)) {
      throw error;
    }
  }
}

function isServiceMonitor(monitor: AnomalyMonitor): monitor is ServiceMonitor {
  return monitor.MonitorType === 'DIMENSIONAL' && monitor.MonitorDimension === 'SERVICE' && !!monitor.MonitorArn;
}
