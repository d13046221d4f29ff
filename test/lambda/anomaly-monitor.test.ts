import {
  type AnomalyMonitor,
  CostExplorerClient,
  CreateAnomalyMonitorCommand,
  type CreateAnomalyMonitorCommandInput,
  DeleteAnomalyMonitorCommand,
  type DeleteAnomalyMonitorCommandInput,
  GetAnomalyMonitorsCommand,
  type GetAnomalyMonitorsCommandInput,
  LimitExceededException,
  UnknownMonitorException,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { findServiceMonitor } from '../../lambda/anomaly-monitor/find-or-create-monitor';
import type * as AnomalyMonitorHandler from '../../lambda/anomaly-monitor';

const ACCOUNT_ARN = 'arn:aws:ce::111122223333:anomalymonitor';
const DEFAULT_MONITOR_ARN = `${ACCOUNT_ARN}/1a2b3c4d-default-services`;
const CREATED_MONITOR_ARN = `${ACCOUNT_ARN}/5e6f7a8b-bedrock-services`;
const MONITOR_NAME = 'bedrock-cost-services';
const TAGS = [
  { Key: 'team', Value: 'platform' },
  { Key: 'cost-center', Value: 'cc-1234' },
];

const costExplorer = mockClient(CostExplorerClient);
let handler: typeof AnomalyMonitorHandler.handler;

beforeAll(async () => {
  process.env.AWS_REGION = 'eu-west-1';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Imported here, not at the top, so the module's client and logger see the variables above.
  ({ handler } = await import('../../lambda/anomaly-monitor'));
});

beforeEach(() => {
  costExplorer.reset();
  costExplorer.on(CreateAnomalyMonitorCommand).resolves({ MonitorArn: CREATED_MONITOR_ARN });
  costExplorer.on(DeleteAnomalyMonitorCommand).resolves({});
});

const defaultServicesMonitor: AnomalyMonitor = {
  MonitorArn: DEFAULT_MONITOR_ARN,
  MonitorName: 'Default-Services-Monitor',
  MonitorType: 'DIMENSIONAL',
  MonitorDimension: 'SERVICE',
  CreationDate: '2023-06-01',
};
const createdMonitor: AnomalyMonitor = { ...defaultServicesMonitor, MonitorArn: CREATED_MONITOR_ARN, MonitorName: MONITOR_NAME };
const linkedAccountMonitor: AnomalyMonitor = {
  MonitorArn: `${ACCOUNT_ARN}/linked-accounts`,
  MonitorName: 'accounts',
  MonitorType: 'DIMENSIONAL',
  MonitorDimension: 'LINKED_ACCOUNT',
};
const customMonitor: AnomalyMonitor = {
  MonitorArn: `${ACCOUNT_ARN}/bedrock-only`,
  MonitorName: 'bedrock-only',
  MonitorType: 'CUSTOM',
  MonitorSpecification: { Dimensions: { Key: 'SERVICE', Values: ['Amazon Bedrock'] } },
};

/** Cost Explorer as the tests see it: these monitors, on one page, also when asked by ARN. */
function accountHas(...monitors: AnomalyMonitor[]): void {
  costExplorer.on(GetAnomalyMonitorsCommand).callsFake((input: GetAnomalyMonitorsCommandInput) => ({
    AnomalyMonitors: input.MonitorArnList
      ? monitors.filter((monitor) => input.MonitorArnList?.includes(monitor.MonitorArn ?? ''))
      : monitors,
  }));
}

function getInputs(): GetAnomalyMonitorsCommandInput[] {
  return costExplorer.commandCalls(GetAnomalyMonitorsCommand).map((call) => call.args[0].input);
}

function createInputs(): CreateAnomalyMonitorCommandInput[] {
  return costExplorer.commandCalls(CreateAnomalyMonitorCommand).map((call) => call.args[0].input);
}

function deleteInputs(): DeleteAnomalyMonitorCommandInput[] {
  return costExplorer.commandCalls(DeleteAnomalyMonitorCommand).map((call) => call.args[0].input);
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

const common = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:provider-framework-onEvent',
  ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/response',
  StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/BedrockCost/guid',
  RequestId: 'request-1',
  LogicalResourceId: 'ServiceMonitor',
  ResourceType: 'Custom::ServiceAnomalyMonitor',
};

function properties(monitorName: string, tags?: { Key: string; Value: string }[]) {
  return { ServiceToken: common.ServiceToken, MonitorName: monitorName, ...(tags ? { Tags: tags } : {}) };
}

function createEvent(monitorName = MONITOR_NAME, tags?: { Key: string; Value: string }[]): AnomalyMonitorHandler.AnomalyMonitorEvent {
  return { ...common, RequestType: 'Create', ResourceProperties: properties(monitorName, tags) };
}

function updateEvent(physicalResourceId: string): AnomalyMonitorHandler.AnomalyMonitorEvent {
  return {
    ...common,
    RequestType: 'Update',
    PhysicalResourceId: physicalResourceId,
    ResourceProperties: properties(MONITOR_NAME, TAGS),
    OldResourceProperties: properties(MONITOR_NAME),
  };
}

function deleteEvent(physicalResourceId: string): AnomalyMonitorHandler.AnomalyMonitorEvent {
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalResourceId, ResourceProperties: properties(MONITOR_NAME) };
}

describe('findServiceMonitor', () => {
  const noWait = () => jest.fn((_ms: number) => Promise.resolve());

  test('retries a throttled GetAnomalyMonitors with a growing delay, then succeeds', async () => {
    costExplorer
      .on(GetAnomalyMonitorsCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(new LimitExceededException({ message: 'You made too many calls', $metadata: {} }))
      .rejectsOnce(awsError('TooManyRequestsException', 'Too many requests'))
      .resolves({ AnomalyMonitors: [defaultServicesMonitor] });
    const sleep = noWait();

    const monitor = await findServiceMonitor(new CostExplorerClient({}), { sleep });

    expect(monitor).toEqual(defaultServicesMonitor);
    expect(getInputs()).toHaveLength(4);
    expect(sleep.mock.calls).toEqual([[200], [400], [800]]);
  });

  test('gives up after maxAttempts and rethrows the throttling error', async () => {
    const throttled = awsError('ThrottlingException', 'Rate exceeded');
    costExplorer.on(GetAnomalyMonitorsCommand).rejects(throttled);
    const sleep = noWait();

    await expect(findServiceMonitor(new CostExplorerClient({}), { maxAttempts: 3, baseDelayMs: 50, sleep })).rejects.toBe(throttled);

    expect(getInputs()).toHaveLength(3);
    expect(sleep.mock.calls).toEqual([[50], [100]]);
  });

  test('does not retry other errors, and lets them through unchanged', async () => {
    const denied = awsError('AccessDeniedException', 'not authorized to perform: ce:GetAnomalyMonitors');
    costExplorer.on(GetAnomalyMonitorsCommand).rejects(denied);
    const sleep = noWait();

    await expect(findServiceMonitor(new CostExplorerClient({}), { sleep })).rejects.toBe(denied);

    expect(getInputs()).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('returns undefined when no page holds a SERVICE monitor', async () => {
    accountHas(customMonitor, linkedAccountMonitor);

    await expect(findServiceMonitor(new CostExplorerClient({}))).resolves.toBeUndefined();
  });
});

describe('anomaly-monitor handler: Create', () => {
  test("subscribes to the account's existing SERVICE monitor instead of creating a second one", async () => {
    accountHas(defaultServicesMonitor);

    const response = await handler(createEvent(MONITOR_NAME, TAGS));

    expect(getInputs()).toEqual([{ NextPageToken: undefined }]);
    expect(createInputs()).toEqual([]);
    expect(response).toEqual({
      PhysicalResourceId: `found:${DEFAULT_MONITOR_ARN}`,
      Data: { MonitorArn: DEFAULT_MONITOR_ARN, Created: 'false', MonitorName: 'Default-Services-Monitor' },
    });
  });

  test('ignores CUSTOM and other DIMENSIONAL monitors when looking for the SERVICE monitor', async () => {
    accountHas(customMonitor, linkedAccountMonitor, defaultServicesMonitor);

    const response = await handler(createEvent());

    expect(createInputs()).toEqual([]);
    expect(response).toEqual({
      PhysicalResourceId: `found:${DEFAULT_MONITOR_ARN}`,
      Data: { MonitorArn: DEFAULT_MONITOR_ARN, Created: 'false', MonitorName: 'Default-Services-Monitor' },
    });
  });

  test('creates a SERVICE monitor, with its tags, only where the account has none', async () => {
    accountHas(customMonitor, linkedAccountMonitor);

    const response = await handler(createEvent(MONITOR_NAME, TAGS));

    expect(createInputs()).toEqual([
      {
        AnomalyMonitor: { MonitorName: MONITOR_NAME, MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' },
        ResourceTags: TAGS,
      },
    ]);
    expect(response).toEqual({
      PhysicalResourceId: `created:${CREATED_MONITOR_ARN}`,
      Data: { MonitorArn: CREATED_MONITOR_ARN, Created: 'true', MonitorName: MONITOR_NAME },
    });
  });

  test('creates the monitor without ResourceTags when Tags is not set', async () => {
    accountHas();

    await handler(createEvent());

    expect(createInputs()).toEqual([
      { AnomalyMonitor: { MonitorName: MONITOR_NAME, MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' } },
    ]);
  });

  test('follows NextPageToken across pages to find the SERVICE monitor', async () => {
    costExplorer
      .on(GetAnomalyMonitorsCommand)
      .resolvesOnce({ AnomalyMonitors: [customMonitor, linkedAccountMonitor], NextPageToken: 'page-2' })
      .resolvesOnce({ AnomalyMonitors: [defaultServicesMonitor] });

    const response = await handler(createEvent());

    expect(getInputs()).toEqual([{ NextPageToken: undefined }, { NextPageToken: 'page-2' }]);
    expect(createInputs()).toEqual([]);
    expect(response.PhysicalResourceId).toBe(`found:${DEFAULT_MONITOR_ARN}`);
  });

  test('fails the deployment when the account refuses the lookup, creating nothing', async () => {
    const denied = awsError('AccessDeniedException', 'not authorized to perform: ce:GetAnomalyMonitors');
    costExplorer.on(GetAnomalyMonitorsCommand).rejects(denied);

    await expect(handler(createEvent())).rejects.toBe(denied);

    expect(createInputs()).toEqual([]);
  });

  test.each([
    ['missing', {}],
    ['empty', { MonitorName: '' }],
    ['not a string', { MonitorName: 42 }],
    ['longer than 1024 characters', { MonitorName: 'm'.repeat(1025) }],
  ])('rejects a MonitorName (%s) with an error naming MonitorName', async (_case, monitorName) => {
    const event = { ...createEvent(), ResourceProperties: { ServiceToken: common.ServiceToken, ...monitorName } };

    await expect(handler(event as AnomalyMonitorHandler.AnomalyMonitorEvent)).rejects.toThrow(
      'ResourceProperties.MonitorName must be a non-empty string of at most 1024 characters',
    );
    expect(costExplorer.calls()).toHaveLength(0);
  });

  test('rejects Tags that are not {Key, Value} strings, naming Tags', async () => {
    const tags = [{ Key: 'team' }] as unknown as { Key: string; Value: string }[];

    await expect(handler(createEvent(MONITOR_NAME, tags))).rejects.toThrow('ResourceProperties.Tags must be an array');
    expect(costExplorer.calls()).toHaveLength(0);
  });
});

describe('anomaly-monitor handler: Update', () => {
  test.each([
    ['found', defaultServicesMonitor, 'false'],
    ['created', createdMonitor, 'true'],
  ])('Update keeps the %s physical id and creates nothing while the monitor exists', async (origin, monitor, created) => {
    accountHas(monitor);
    const arn = monitor.MonitorArn ?? '';

    const response = await handler(updateEvent(`${origin}:${arn}`));

    expect(getInputs()).toEqual([{ MonitorArnList: [arn] }]);
    expect(createInputs()).toEqual([]);
    expect(deleteInputs()).toEqual([]);
    expect(response).toEqual({
      PhysicalResourceId: `${origin}:${arn}`,
      Data: { MonitorArn: arn, Created: created, MonitorName: monitor.MonitorName },
    });
  });

  test('Update recreates the lookup when the monitor it pointed to is gone', async () => {
    // Someone deleted the monitor we created; the account has made a new default one since.
    accountHas(defaultServicesMonitor);

    const response = await handler(updateEvent(`created:${CREATED_MONITOR_ARN}`));

    expect(getInputs()).toEqual([{ MonitorArnList: [CREATED_MONITOR_ARN] }, { NextPageToken: undefined }]);
    expect(createInputs()).toEqual([]);
    expect(response).toEqual({
      PhysicalResourceId: `found:${DEFAULT_MONITOR_ARN}`,
      Data: { MonitorArn: DEFAULT_MONITOR_ARN, Created: 'false', MonitorName: 'Default-Services-Monitor' },
    });
  });

  test('Update creates a new SERVICE monitor when the found one is gone (UnknownMonitorException) and none is left', async () => {
    costExplorer.on(GetAnomalyMonitorsCommand).callsFake((input: GetAnomalyMonitorsCommandInput) => {
      if (input.MonitorArnList) {
        throw new UnknownMonitorException({ message: 'Monitor does not exist', $metadata: {} });
      }
      return { AnomalyMonitors: [customMonitor] };
    });

    const response = await handler(updateEvent(`found:${DEFAULT_MONITOR_ARN}`));

    expect(createInputs()).toEqual([
      {
        AnomalyMonitor: { MonitorName: MONITOR_NAME, MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' },
        ResourceTags: TAGS,
      },
    ]);
    expect(response).toEqual({
      PhysicalResourceId: `created:${CREATED_MONITOR_ARN}`,
      Data: { MonitorArn: CREATED_MONITOR_ARN, Created: 'true', MonitorName: MONITOR_NAME },
    });
  });

  test('Update of a physical id without our prefix looks the SERVICE monitor up again', async () => {
    accountHas(defaultServicesMonitor);

    const response = await handler(updateEvent('ServiceMonitor'));

    expect(getInputs()).toEqual([{ NextPageToken: undefined }]);
    expect(response.PhysicalResourceId).toBe(`found:${DEFAULT_MONITOR_ARN}`);
  });
});

describe('anomaly-monitor handler: Delete', () => {
  test('Delete removes a monitor it created', async () => {
    const response = await handler(deleteEvent(`created:${CREATED_MONITOR_ARN}`));

    expect(deleteInputs()).toEqual([{ MonitorArn: CREATED_MONITOR_ARN }]);
    expect(response).toEqual({ PhysicalResourceId: `created:${CREATED_MONITOR_ARN}` });
  });

  test('Delete never removes a monitor it found', async () => {
    const response = await handler(deleteEvent(`found:${DEFAULT_MONITOR_ARN}`));

    expect(costExplorer.calls()).toHaveLength(0);
    expect(response).toEqual({ PhysicalResourceId: `found:${DEFAULT_MONITOR_ARN}` });
  });

  test('Delete of a created monitor that is already gone succeeds', async () => {
    costExplorer
      .on(DeleteAnomalyMonitorCommand)
      .rejects(new UnknownMonitorException({ message: 'Monitor does not exist', $metadata: {} }));

    const response = await handler(deleteEvent(`created:${CREATED_MONITOR_ARN}`));

    expect(deleteInputs()).toEqual([{ MonitorArn: CREATED_MONITOR_ARN }]);
    expect(response).toEqual({ PhysicalResourceId: `created:${CREATED_MONITOR_ARN}` });
  });

  test('Delete retries a throttled DeleteAnomalyMonitor', async () => {
    costExplorer
      .on(DeleteAnomalyMonitorCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({});

    // The handler waits the default 200 ms before its retry.
    await handler(deleteEvent(`created:${CREATED_MONITOR_ARN}`));

    expect(deleteInputs()).toEqual([{ MonitorArn: CREATED_MONITOR_ARN }, { MonitorArn: CREATED_MONITOR_ARN }]);
  });

  test('Delete fails on errors other than an already-gone monitor', async () => {
    const denied = awsError('AccessDeniedException', 'not authorized to perform: ce:DeleteAnomalyMonitor');
    costExplorer.on(DeleteAnomalyMonitorCommand).rejects(denied);

    await expect(handler(deleteEvent(`created:${CREATED_MONITOR_ARN}`))).rejects.toBe(denied);
  });

  test.each([
    ["a failed Create's placeholder id", 'ServiceMonitor'],
    ['an empty ARN after the prefix', 'created:'],
  ])('Delete of %s makes no Cost Explorer call', async (_case, physicalResourceId) => {
    const response = await handler(deleteEvent(physicalResourceId));

    expect(costExplorer.calls()).toHaveLength(0);
    expect(response).toEqual({ PhysicalResourceId: physicalResourceId });
  });
});
