import { Logger } from '@aws-lambda-powertools/logger';
import {
  CostExplorerClient,
  LimitExceededException,
  ListCostAllocationTagsCommand,
  type ListCostAllocationTagsCommandInput,
  UpdateCostAllocationTagsStatusCommand,
  type UpdateCostAllocationTagsStatusCommandInput,
} from '@aws-sdk/client-cost-explorer';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { activateTagKeys } from '../../lambda/tag-activation/activate-tag-keys';
import type * as TagActivation from '../../lambda/tag-activation';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:bedrock-cost-alerts';
const PHYSICAL_ID = 'cost-allocation-tag-activation-ActivateTags';
const ACCESS_DENIED_MESSAGE =
  'Cost allocation tags can be activated only from the management account of an AWS Organization or from a ' +
  'standalone account; this account was refused (AccessDeniedException: User: ' +
  'arn:aws:sts::111122223333:assumed-role/deployer/session is not authorized to perform: ce:ListCostAllocationTags)';

const costExplorer = mockClient(CostExplorerClient);
const sns = mockClient(SNSClient);
let handler: typeof TagActivation.handler;

beforeAll(async () => {
  process.env.ALERT_TOPIC_ARN = TOPIC_ARN;
  process.env.AWS_REGION = 'eu-west-1';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Imported here, not at the top, so the module's clients and logger see the variables above.
  ({ handler } = await import('../../lambda/tag-activation'));
});

beforeEach(() => {
  costExplorer.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  process.env.ALERT_TOPIC_ARN = TOPIC_ARN;
  jest.restoreAllMocks();
});

/**
 * Billing as the tests see it: the keys it knows, with their status. Keys it does not know are
 * absent from listings and come back in `Errors` on Update.
 */
function billingKnows(statuses: Record<string, 'Active' | 'Inactive'>): void {
  const known = new Map(Object.entries(statuses));
  costExplorer.on(ListCostAllocationTagsCommand).callsFake((input: ListCostAllocationTagsCommandInput) => ({
    CostAllocationTags: (input.TagKeys ?? [])
      .filter((key) => known.has(key))
      .map((TagKey) => ({ TagKey, Type: 'UserDefined', Status: known.get(TagKey) })),
  }));
  costExplorer.on(UpdateCostAllocationTagsStatusCommand).callsFake((input: UpdateCostAllocationTagsStatusCommandInput) => ({
    Errors: (input.CostAllocationTagsStatus ?? [])
      .filter((entry) => !known.has(entry.TagKey ?? ''))
      .map(({ TagKey }) => ({ TagKey, Code: 'TagKeyNotFound', Message: `Tag key ${TagKey} was not found` })),
  }));
}

function listInputs(): ListCostAllocationTagsCommandInput[] {
  return costExplorer.commandCalls(ListCostAllocationTagsCommand).map((call) => call.args[0].input);
}

function updateInputs(): UpdateCostAllocationTagsStatusCommandInput[] {
  return costExplorer.commandCalls(UpdateCostAllocationTagsStatusCommand).map((call) => call.args[0].input);
}

function activating(...tagKeys: string[]): UpdateCostAllocationTagsStatusCommandInput {
  return { CostAllocationTagsStatus: tagKeys.map((TagKey) => ({ TagKey, Status: 'Active' })) };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

const accessDenied = () =>
  awsError(
    'AccessDeniedException',
    'User: arn:aws:sts::111122223333:assumed-role/deployer/session is not authorized to perform: ce:ListCostAllocationTags',
  );

const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:provider-framework-onEvent',
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/BedrockCost/guid',
  RequestId: 'request-1',
  LogicalResourceId: 'ActivateTags',
  ResourceType: 'Custom::CostAllocationTagActivation',
};

function properties(tagKeys: string[]) {
  return { ServiceToken: common.ServiceToken, TagKeys: tagKeys };
}

function createEvent(tagKeys: string[]): TagActivation.TagActivationEvent {
  return { ...common, RequestType: 'Create', ResourceProperties: properties(tagKeys) };
}

function updateEvent(tagKeys: string[], oldTagKeys: string[]): TagActivation.TagActivationEvent {
  return {
    ...common,
    RequestType: 'Update',
    PhysicalResourceId: PHYSICAL_ID,
    ResourceProperties: properties(tagKeys),
    OldResourceProperties: properties(oldTagKeys),
  };
}

function deleteEvent(tagKeys: string[]): TagActivation.TagActivationEvent {
  return { ...common, RequestType: 'Delete', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: properties(tagKeys) };
}

function retryEvent(tagKeys: string[]): TagActivation.TagActivationEvent {
  return { action: 'retry-pending-activation', tagKeys };
}

function publishInputs() {
  return sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

describe('activateTagKeys', () => {
  const noWait = () => jest.fn((_ms: number) => Promise.resolve());

  test('retries a throttled call with a growing delay, then succeeds', async () => {
    billingKnows({ team: 'Inactive' });
    costExplorer
      .on(UpdateCostAllocationTagsStatusCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(new LimitExceededException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ Errors: [] });
    const sleep = noWait();

    const outcome = await activateTagKeys(new CostExplorerClient({}), ['team'], { sleep });

    expect(outcome).toEqual({ alreadyActive: [], activated: ['team'], pending: [] });
    expect(updateInputs()).toEqual([activating('team'), activating('team'), activating('team')]);
    expect(sleep.mock.calls).toEqual([[200], [400]]);
  });

  test('gives up after maxAttempts and rethrows the throttling error', async () => {
    const throttled = awsError('TooManyRequestsException', 'Too many requests');
    costExplorer.on(ListCostAllocationTagsCommand).rejects(throttled);
    const sleep = noWait();

    await expect(activateTagKeys(new CostExplorerClient({}), ['team'], { maxAttempts: 3, baseDelayMs: 50, sleep })).rejects.toBe(
      throttled,
    );

    expect(listInputs()).toHaveLength(3);
    expect(updateInputs()).toEqual([]);
    expect(sleep.mock.calls).toEqual([[50], [100]]);
  });

  test('does not retry other errors, and lets them through unchanged', async () => {
    const invalid = awsError('ValidationException', 'Invalid tag key');
    costExplorer.on(ListCostAllocationTagsCommand).rejects(invalid);
    const sleep = noWait();

    await expect(activateTagKeys(new CostExplorerClient({}), ['team'], { sleep })).rejects.toBe(invalid);

    expect(listInputs()).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('lists statuses 100 keys at a time, following NextToken', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `key-${i}`);
    costExplorer
      .on(ListCostAllocationTagsCommand)
      .resolvesOnce({ CostAllocationTags: [{ TagKey: 'key-0', Type: 'UserDefined', Status: 'Active' }], NextToken: 'page-2' })
      .resolvesOnce({ CostAllocationTags: [{ TagKey: 'key-1', Type: 'UserDefined', Status: 'Active' }] })
      .resolvesOnce({ CostAllocationTags: [{ TagKey: 'key-149', Type: 'UserDefined', Status: 'Active' }] });
    costExplorer.on(UpdateCostAllocationTagsStatusCommand).resolves({ Errors: [] });

    const outcome = await activateTagKeys(new CostExplorerClient({}), keys);

    const first100 = keys.slice(0, 100);
    expect(listInputs()).toEqual([
      { TagKeys: first100, Type: 'UserDefined', MaxResults: 100, NextToken: undefined },
      { TagKeys: first100, Type: 'UserDefined', MaxResults: 100, NextToken: 'page-2' },
      { TagKeys: keys.slice(100), Type: 'UserDefined', MaxResults: 100, NextToken: undefined },
    ]);
    expect(outcome.alreadyActive).toEqual(['key-0', 'key-1', 'key-149']);
    expect(outcome.activated).toHaveLength(147);
    expect(updateInputs().flatMap((input) => input.CostAllocationTagsStatus?.map((entry) => entry.TagKey))).not.toContain('key-0');
  });

  test('sends each key once, in the order given', async () => {
    billingKnows({ team: 'Inactive', tenant: 'Inactive' });

    const outcome = await activateTagKeys(new CostExplorerClient({}), ['tenant', 'team', 'tenant']);

    expect(listInputs()).toEqual([{ TagKeys: ['tenant', 'team'], Type: 'UserDefined', MaxResults: 100 }]);
    expect(updateInputs()).toEqual([activating('tenant', 'team')]);
    expect(outcome.activated).toEqual(['tenant', 'team']);
  });
});

describe('tag-activation handler: custom resource', () => {
  test('Create activates inactive keys and does not send already-active keys to Update', async () => {
    billingKnows({ team: 'Inactive', application: 'Active', tenant: 'Inactive' });

    const response = await handler(createEvent(['team', 'application', 'tenant']));

    expect(listInputs()).toEqual([{ TagKeys: ['team', 'application', 'tenant'], Type: 'UserDefined', MaxResults: 100 }]);
    expect(updateInputs()).toEqual([activating('team', 'tenant')]);
    expect(response).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { ActivatedTagKeys: 'team,tenant', AlreadyActiveTagKeys: 'application', PendingTagKeys: '' },
    });
  });

  test('a key Billing does not know yet is reported in PendingTagKeys, and the Create still succeeds', async () => {
    billingKnows({ team: 'Inactive' });
    const warn = jest.spyOn(Logger.prototype, 'warn');

    const response = await handler(createEvent(['team', 'tenant']));

    expect(updateInputs()).toEqual([activating('team', 'tenant')]);
    expect(response).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { ActivatedTagKeys: 'team', AlreadyActiveTagKeys: '', PendingTagKeys: 'tenant' },
    });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/tenant.*daily retry will activate/), {
      pending: [{ tagKey: 'tenant', code: 'TagKeyNotFound', message: 'Tag key tenant was not found' }],
    });
  });

  test('activates 45 keys in Update calls of 20, 20 and 5', async () => {
    const keys = Array.from({ length: 45 }, (_, i) => `tenant-${i}`);
    billingKnows(Object.fromEntries(keys.map((key) => [key, 'Inactive'])));

    const response = await handler(createEvent(keys));

    expect(updateInputs()).toEqual([
      activating(...keys.slice(0, 20)),
      activating(...keys.slice(20, 40)),
      activating(...keys.slice(40)),
    ]);
    expect(response).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { ActivatedTagKeys: keys.join(','), AlreadyActiveTagKeys: '', PendingTagKeys: '' },
    });
  });

  test('fails the deployment outside a management or standalone account, saying so', async () => {
    costExplorer.on(ListCostAllocationTagsCommand).rejects(accessDenied());

    await expect(handler(createEvent(['team']))).rejects.toMatchObject({ message: ACCESS_DENIED_MESSAGE });

    expect(listInputs()).toHaveLength(1);
    expect(updateInputs()).toEqual([]);
  });

  test('Delete makes no Cost Explorer call and leaves the keys active', async () => {
    const response = await handler(deleteEvent(['team', 'tenant']));

    expect(costExplorer.calls()).toHaveLength(0);
    expect(response).toEqual({ PhysicalResourceId: PHYSICAL_ID });
  });

  test('Update with changed keys activates the new ones and keeps the existing PhysicalResourceId', async () => {
    billingKnows({ team: 'Active', tenant: 'Active', 'cost-center': 'Inactive' });

    const response = await handler(updateEvent(['team', 'cost-center'], ['team', 'tenant']));

    // The dropped key (tenant) is not deactivated: other stacks' reports may group by it.
    expect(listInputs()).toEqual([{ TagKeys: ['team', 'cost-center'], Type: 'UserDefined', MaxResults: 100 }]);
    expect(updateInputs()).toEqual([activating('cost-center')]);
    expect(response).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { ActivatedTagKeys: 'cost-center', AlreadyActiveTagKeys: 'team', PendingTagKeys: '' },
    });
  });

  test.each([
    ['missing', undefined],
    ['empty', []],
    ['not an array', 'team'],
    ['holding an empty key', ['team', '']],
    ['holding a non-string', ['team', 7]],
  ])('rejects TagKeys (%s) with an error naming TagKeys', async (_case, tagKeys) => {
    await expect(handler(createEvent(tagKeys as string[]))).rejects.toThrow(
      'ResourceProperties.TagKeys must be a non-empty array of non-empty strings',
    );
    expect(costExplorer.calls()).toHaveLength(0);
  });
});

describe('tag-activation handler: daily retry', () => {
  test('publishes the keys it activated, with those still pending and why, to the alert topic', async () => {
    billingKnows({ team: 'Inactive', tenant: 'Active' });

    const summary = await handler(retryEvent(['team', 'tenant', 'cost-center']));

    expect(updateInputs()).toEqual([activating('team', 'cost-center')]);
    expect(publishInputs()).toEqual([
      {
        TopicArn: TOPIC_ARN,
        Subject: 'Bedrock cost allocation tags activated: team',
        Message: expect.stringContaining('Activated in this run: team\n'),
      },
    ]);
    const message = publishInputs()[0].Message;
    expect(message).toContain('Already active: tenant\n');
    expect(message).toContain('Still pending: cost-center (TagKeyNotFound: Tag key cost-center was not found)');
    expect(summary).toEqual({
      activated: ['team'],
      alreadyActive: ['tenant'],
      pending: [{ tagKey: 'cost-center', code: 'TagKeyNotFound', message: 'Tag key cost-center was not found' }],
      notified: true,
    });
  });

  test('publishes nothing when every key is already active', async () => {
    billingKnows({ team: 'Active', tenant: 'Active' });

    const summary = await handler(retryEvent(['team', 'tenant']));

    expect(updateInputs()).toEqual([]);
    expect(publishInputs()).toEqual([]);
    expect(summary).toEqual({ activated: [], alreadyActive: ['team', 'tenant'], pending: [], notified: false });
  });

  test('publishes nothing while keys are only still pending, and warns about them', async () => {
    billingKnows({ team: 'Active' });
    const warn = jest.spyOn(Logger.prototype, 'warn');

    await handler(retryEvent(['team', 'tenant']));

    expect(updateInputs()).toEqual([activating('tenant')]);
    expect(publishInputs()).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('tenant'), expect.anything());
  });

  test('publishes the error and rethrows when the account may not activate tags', async () => {
    costExplorer.on(ListCostAllocationTagsCommand).rejects(accessDenied());

    await expect(handler(retryEvent(['team']))).rejects.toMatchObject({ message: ACCESS_DENIED_MESSAGE });

    expect(publishInputs()).toEqual([
      {
        TopicArn: TOPIC_ARN,
        Subject: 'Bedrock cost allocation tag activation failed',
        Message: expect.stringContaining(`Error: ${ACCESS_DENIED_MESSAGE}`),
      },
    ]);
  });

  test('shortens a subject SNS would refuse (100 characters or more) to a count of keys', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `department-${i}`);
    billingKnows(Object.fromEntries(keys.map((key) => [key, 'Inactive'])));

    await handler(retryEvent(keys));

    expect(publishInputs()[0].Subject).toBe('Bedrock cost allocation tags activated: 10 keys');
    expect(publishInputs()[0].Message).toContain(`Activated in this run: ${keys.join(', ')}`);
  });

  test('only logs when ALERT_TOPIC_ARN is unset', async () => {
    delete process.env.ALERT_TOPIC_ARN;
    billingKnows({ team: 'Inactive' });

    const summary = await handler(retryEvent(['team']));

    expect(updateInputs()).toEqual([activating('team')]);
    expect(publishInputs()).toEqual([]);
    expect(summary).toMatchObject({ activated: ['team'], notified: false });
  });

  test('rejects an event it does not know, naming it', async () => {
    const event = { action: 'deactivate', tagKeys: ['team'] } as unknown as TagActivation.TagActivationEvent;

    await expect(handler(event)).rejects.toThrow('Unexpected event: expected a CloudFormation custom resource event');
    await expect(handler(event)).rejects.toThrow('"action":"deactivate"');
    expect(costExplorer.calls()).toHaveLength(0);
  });
});
