import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type LoggingConfig } from '@aws-sdk/client-bedrock';
import type * as InvocationLoggingHandler from '../../lambda/invocation-logging';
import { listenLocally, pointSdkAt } from '../support/local-endpoint';

/**
 * Bedrock's control plane as the SDK sees it: GET, PUT and DELETE /logging/modelinvocations with
 * JSON bodies (botocore's `bedrock` 2023-04-20 model). The handler's real BedrockClient talks to
 * it over HTTP, so the tests see the requests exactly as the SDK serializes them.
 */
class BedrockLoggingStub {
  public config: LoggingConfig | undefined;
  public readonly requests: { method: string; body?: unknown }[] = [];
  /** Buckets Bedrock cannot write to: a PUT naming one fails as the service's permission check does. */
  public readonly unwritableBuckets = new Set<string>();
  private server?: Server;

  public async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    return listenLocally(this.server);
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  public writes(): { method: string; body?: unknown }[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    this.requests.push({ method: request.method ?? '', ...(body === undefined ? {} : { body }) });
    const reply = (status: number, payload: unknown, errorType?: string) => {
      response.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      response.end(JSON.stringify(payload));
    };
    if (request.url !== '/logging/modelinvocations') {
      return reply(404, { message: `no route ${request.url}` }, 'ResourceNotFoundException');
    }
    switch (request.method) {
      case 'GET':
        return reply(200, this.config ? { loggingConfig: this.config } : {});
      case 'PUT': {
        const config = (body as { loggingConfig: LoggingConfig }).loggingConfig;
        if (config.s3Config && this.unwritableBuckets.has(config.s3Config.bucketName ?? '')) {
          return reply(400, { message: 'Failed to validate permissions for log delivery to the S3 bucket' }, 'ValidationException');
        }
        this.config = config;
        return reply(200, {});
      }
      case 'DELETE':
        this.config = undefined;
        return reply(200, {});
      default:
        return reply(405, { message: 'method' }, 'ValidationException');
    }
  }
}

const OURS: LoggingConfig = {
  s3Config: { bucketName: 'stack-logs-bucket', keyPrefix: 'bedrock' },
  textDataDeliveryEnabled: false,
  imageDataDeliveryEnabled: false,
  embeddingDataDeliveryEnabled: false,
  videoDataDeliveryEnabled: false,
  audioDataDeliveryEnabled: false,
};
const OURS_WITH_CLOUDWATCH: LoggingConfig = {
  ...OURS,
  cloudWatchConfig: { logGroupName: 'stack-log-group', roleArn: 'arn:aws:iam::111122223333:role/stack-bedrock-logs' },
};
/** What a platform team configured by hand before the stack: everything logged, to their own places. */
const EXISTING: LoggingConfig = {
  s3Config: { bucketName: 'security-team-audit', keyPrefix: 'genai' },
  cloudWatchConfig: { logGroupName: '/security/bedrock', roleArn: 'arn:aws:iam::111122223333:role/SecurityBedrockLogging' },
  textDataDeliveryEnabled: true,
  imageDataDeliveryEnabled: true,
  embeddingDataDeliveryEnabled: true,
  videoDataDeliveryEnabled: true,
  audioDataDeliveryEnabled: true,
};

const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:provider-framework-onEvent',
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/BedrockCost/guid',
  RequestId: 'request-1',
  LogicalResourceId: 'LoggingConfiguration',
  ResourceType: 'Custom::BedrockInvocationLogging',
};

function properties(config: LoggingConfig, overwrite = false): InvocationLoggingHandler.InvocationLoggingProperties {
  return { LoggingConfig: JSON.stringify(config), OverwriteExisting: String(overwrite) };
}

function createEvent(config: LoggingConfig, overwrite = false): InvocationLoggingHandler.InvocationLoggingEvent {
  return { ...common, RequestType: 'Create', ResourceProperties: { ServiceToken: common.ServiceToken, ...properties(config, overwrite) } };
}

function updateEvent(physicalResourceId: string, config: LoggingConfig, old: LoggingConfig): InvocationLoggingHandler.InvocationLoggingEvent {
  return {
    ...common,
    RequestType: 'Update',
    PhysicalResourceId: physicalResourceId,
    ResourceProperties: { ServiceToken: common.ServiceToken, ...properties(config) },
    OldResourceProperties: properties(old),
  };
}

function deleteEvent(physicalResourceId: string, config: LoggingConfig): InvocationLoggingHandler.InvocationLoggingEvent {
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalResourceId, ResourceProperties: { ServiceToken: common.ServiceToken, ...properties(config) } };
}

const stub = new BedrockLoggingStub();
let handler: typeof InvocationLoggingHandler.handler;

beforeAll(async () => {
  pointSdkAt('AWS_ENDPOINT_URL_BEDROCK', await stub.start());
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Imported after the endpoint variable is set, so the module's client talks to the stub.
  ({ handler } = await import('../../lambda/invocation-logging'));
});
afterAll(() => stub.stop());
beforeEach(() => {
  stub.config = undefined;
  stub.requests.length = 0;
  stub.unwritableBuckets.clear();
});

describe('invocation-logging handler: Create', () => {
  test('turns logging on where the account has none, sending every delivery flag explicitly', async () => {
    const response = await handler(createEvent(OURS_WITH_CLOUDWATCH));

    expect(stub.writes()).toEqual([{ method: 'PUT', body: { loggingConfig: OURS_WITH_CLOUDWATCH } }]);
    expect(stub.config).toEqual(OURS_WITH_CLOUDWATCH);
    expect(response).toEqual({ PhysicalResourceId: 'bedrock-invocation-logging:none', Data: { ReplacedExisting: 'false' } });
  });

  test("refuses to replace the account's existing configuration, and leaves it as it was", async () => {
    stub.config = EXISTING;

    await expect(handler(createEvent(OURS))).rejects.toThrow(
      'Bedrock model invocation logging is already configured in this account and Region: S3 s3://security-team-audit/genai and ' +
        'CloudWatch Logs group /security/bedrock (data: text, image, embedding, video, audio). Set overwriteExisting: true to replace it',
    );
    expect(stub.writes()).toEqual([]);
    expect(stub.config).toEqual(EXISTING);
  });

  test('replaces it when told to, and records it in the physical id', async () => {
    stub.config = EXISTING;

    const response = await handler(createEvent(OURS, true));

    expect(stub.config).toEqual(OURS);
    expect(response.Data).toEqual({ ReplacedExisting: 'true' });
    expect(response.PhysicalResourceId).toMatch(/^bedrock-invocation-logging:previous:[A-Za-z0-9_-]+$/);
    expect(response.PhysicalResourceId.length).toBeLessThanOrEqual(1024);
  });

  test('accepts an existing configuration identical to its own without overwriteExisting', async () => {
    stub.config = OURS;

    const response = await handler(createEvent(OURS));

    expect(response.Data).toEqual({ ReplacedExisting: 'true' });
    expect(stub.config).toEqual(OURS);
  });

  test('refuses, before replacing anything, a configuration too long to record for the restore', async () => {
    stub.config = { ...EXISTING, s3Config: { bucketName: 'security-team-audit', keyPrefix: randomBytes(600).toString('hex') } };

    await expect(handler(createEvent(OURS, true))).rejects.toThrow(/too long to keep for restoring on delete/);
    expect(stub.writes()).toEqual([]);
  });

  test('fails the deployment with the service error when Bedrock cannot write to the bucket', async () => {
    stub.unwritableBuckets.add('stack-logs-bucket');

    await expect(handler(createEvent(OURS))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(stub.config).toBeUndefined();
  });

  test.each([
    ['not JSON', '{"s3Config":'],
    ['no destination', JSON.stringify({ ...OURS, s3Config: undefined })],
    ['a flag left to the API default', JSON.stringify({ ...OURS, textDataDeliveryEnabled: undefined })],
  ])('refuses a LoggingConfig property that is %s, without calling Bedrock', async (_case, text) => {
    const event = createEvent(OURS);
    await expect(handler({ ...event, ResourceProperties: { ...event.ResourceProperties, LoggingConfig: text } })).rejects.toThrow(
      /^ResourceProperties\.LoggingConfig must/,
    );
    expect(stub.requests).toEqual([]);
  });
});

describe('invocation-logging handler: Update', () => {
  test('puts the new configuration and keeps the physical id, so the restore still holds the original', async () => {
    stub.config = EXISTING;
    const created = await handler(createEvent(OURS, true));

    const updated = await handler(updateEvent(created.PhysicalResourceId, OURS_WITH_CLOUDWATCH, OURS));

    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(stub.config).toEqual(OURS_WITH_CLOUDWATCH);

    await handler(deleteEvent(updated.PhysicalResourceId, OURS_WITH_CLOUDWATCH));
    expect(stub.config).toEqual(EXISTING);
  });

  test('replaces a configuration changed outside the stack (a refusal could not be rolled back)', async () => {
    stub.config = EXISTING;

    await handler(updateEvent('bedrock-invocation-logging:none', OURS_WITH_CLOUDWATCH, OURS));

    expect(stub.config).toEqual(OURS_WITH_CLOUDWATCH);
  });

  test('treats a physical id it did not write as a Create', async () => {
    stub.config = EXISTING;

    await expect(handler(updateEvent('LoggingConfiguration', OURS, OURS))).rejects.toThrow(/already configured/);
    expect(stub.writes()).toEqual([]);
  });
});

describe('invocation-logging handler: Delete', () => {
  test('turns logging off when there was none before the stack', async () => {
    const created = await handler(createEvent(OURS));
    stub.requests.length = 0;

    await handler(deleteEvent(created.PhysicalResourceId, OURS));

    expect(stub.writes()).toEqual([{ method: 'DELETE' }]);
    expect(stub.config).toBeUndefined();
  });

  test('puts back, exactly, the configuration it replaced', async () => {
    stub.config = EXISTING;
    const created = await handler(createEvent(OURS, true));
    stub.requests.length = 0;

    await handler(deleteEvent(created.PhysicalResourceId, OURS));

    expect(stub.writes()).toEqual([{ method: 'PUT', body: { loggingConfig: EXISTING } }]);
    expect(stub.config).toEqual(EXISTING);
  });

  test("leaves the configuration alone when it is no longer the stack's", async () => {
    const created = await handler(createEvent(OURS));
    stub.config = EXISTING; // someone reconfigured logging after the deployment
    stub.requests.length = 0;

    await handler(deleteEvent(created.PhysicalResourceId, OURS));

    expect(stub.writes()).toEqual([]);
    expect(stub.config).toEqual(EXISTING);
  });

  test('fails the deletion with instructions when the replaced configuration cannot be restored', async () => {
    stub.config = EXISTING;
    const created = await handler(createEvent(OURS, true));
    stub.unwritableBuckets.add('security-team-audit');

    await expect(handler(deleteEvent(created.PhysicalResourceId, OURS))).rejects.toThrow(
      /^Could not restore the invocation logging configuration this stack replaced \(S3 s3:\/\/security-team-audit\/genai .*\): ValidationException: .* Restore or delete it by hand, then retry the deletion\.$/,
    );
    expect(stub.config).toEqual(OURS);
  });

  test("makes no call for a failed Create's placeholder id", async () => {
    await handler(deleteEvent('request-1', OURS));

    expect(stub.requests).toEqual([]);
  });
});
