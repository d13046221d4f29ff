import { App, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  BedrockClient,
  type LoggingConfig,
  PutModelInvocationLoggingConfigurationCommand,
} from '@aws-sdk/client-bedrock';
import {
  BedrockCostGovernance,
  BedrockInvocationLogging,
  type BedrockInvocationLoggingProps,
  BedrockModel,
  CostAllocatedInferenceProfile,
  InferenceSource,
} from '../../lib';
import { parseLoggingConfig } from '../../lambda/invocation-logging/logging-config';

function synth(props?: BedrockInvocationLoggingProps, configure?: (stack: Stack) => void): Template {
  const stack = new Stack(new App(), 'Logs');
  new BedrockInvocationLogging(stack, 'Logging', props);
  configure?.(stack);
  return Template.fromStack(stack);
}

/** A CloudFormation value with every Ref and GetAtt replaced by `<LogicalId>` or `<LogicalId.Attr>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const node = value as Record<string, unknown>;
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if ('Ref' in node) {
    return `<${String(node.Ref)}>`;
  }
  if ('Fn::GetAtt' in node) {
    return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

function customResource(template: Template): { LoggingConfig: unknown; OverwriteExisting: string; DependsOn?: string[] } {
  const [resource] = Object.values(template.findResources('Custom::BedrockInvocationLogging')) as {
    Properties: { LoggingConfig: unknown; OverwriteExisting: string };
    DependsOn?: string[];
  }[];
  return { ...resource.Properties, DependsOn: resource.DependsOn };
}

function loggingConfigOf(template: Template): LoggingConfig {
  return parseLoggingConfig(flatten(customResource(template).LoggingConfig), 'LoggingConfig');
}

/** What the real SDK serializes for a Put with `config`: members it does not know are dropped. */
async function serializedPut(config: LoggingConfig): Promise<unknown> {
  const client = new BedrockClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  let body: unknown;
  client.middlewareStack.add(
    () => async (args) => {
      const sent = (args.request as { body: string | Uint8Array }).body;
      body = JSON.parse(typeof sent === 'string' ? sent : new TextDecoder().decode(sent));
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'finalizeRequest', name: 'capture' },
  );
  await client.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig: config }));
  return body;
}

describe('BedrockInvocationLogging', () => {
  let template: Template;
  beforeAll(() => {
    template = synth();
  });

  test('turns logging on through a custom resource, metadata only by default (no prompt text)', () => {
    expect(loggingConfigOf(template)).toEqual({
      s3Config: { bucketName: `<${logicalId(template, 'AWS::S3::Bucket', /^LoggingBucket/)}>`, keyPrefix: 'bedrock' },
      textDataDeliveryEnabled: false,
      imageDataDeliveryEnabled: false,
      embeddingDataDeliveryEnabled: false,
      videoDataDeliveryEnabled: false,
      audioDataDeliveryEnabled: false,
    });
    expect(customResource(template).OverwriteExisting).toBe('false');
  });

  test('sends a LoggingConfig the real SDK serializes unchanged', async () => {
    for (const config of [loggingConfigOf(template), loggingConfigOf(synth({ cloudWatchLogs: {}, textDataDelivery: true }))]) {
      await expect(serializedPut(config)).resolves.toEqual({ loggingConfig: config });
    }
  });

  test('waits for the bucket policy: Bedrock checks it may write when the configuration is put', () => {
    expect(customResource(template).DependsOn).toContain(logicalId(template, 'AWS::S3::BucketPolicy', /^LoggingBucketPolicy/));
  });

  test('lets only Bedrock of this account and Region write, only under the AWSLogs path, over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(template, 'AWS::S3::Bucket', /^LoggingBucket/) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AmazonBedrockLogsWrite',
            Effect: 'Allow',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: {
              'Fn::Join': [
                '',
                [
                  { 'Fn::GetAtt': [logicalId(template, 'AWS::S3::Bucket', /^LoggingBucket/), 'Arn'] },
                  '/bedrock/AWSLogs/',
                  { Ref: 'AWS::AccountId' },
                  '/BedrockModelInvocationLogs/*',
                ],
              ],
            },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']] },
              },
            },
          },
        ]),
      },
    });
  });

  test('encrypts the log bucket, blocks public access, logs access, expires logs after a year and keeps the bucket', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(template, 'AWS::S3::Bucket', /^LoggingAccessLogs/) }, LogFilePrefix: 'invocation-logs/' },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365, Status: 'Enabled' })] },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('configures logging with least privilege: the three logging actions, no role to pass', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^LoggingConfigureFunctionRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: [
              'bedrock:GetModelInvocationLoggingConfiguration',
              'bedrock:PutModelInvocationLoggingConfiguration',
              'bedrock:DeleteModelInvocationLoggingConfiguration',
            ],
            Resource: '*',
          },
        ]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('iam:PassRole');
  });

  test('runs its handler on Node.js 24, arm64, bundled from lambda/invocation-logging', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'invocation-logging' }) },
    });
  });

  test('adds the Athena analytics by default: projection on the date path Bedrock writes', () => {
    const bucket = logicalId(template, 'AWS::S3::Bucket', /^LoggingBucket/);
    const [table] = Object.values(template.findResources('AWS::Glue::Table')) as { Properties: { TableInput: Record<string, unknown> } }[];
    const input = table.Properties.TableInput as { Parameters: Record<string, unknown>; PartitionKeys: unknown; StorageDescriptor: Record<string, unknown> };
    expect(flatten(input.Parameters['storage.location.template'])).toBe(
      `s3://<${bucket}>/bedrock/AWSLogs/<AWS::AccountId>/BedrockModelInvocationLogs/<AWS::Region>/\${dt}/`,
    );
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy/MM/dd',
      'projection.dt.range': '2023/09/01,NOW',
      'projection.dt.interval.unit': 'DAYS',
    });
    expect(input.PartitionKeys).toEqual([expect.objectContaining({ Name: 'dt', Type: 'string' })]);
    expect(input.StorageDescriptor).toMatchObject({
      SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' } },
      Columns: expect.arrayContaining([
        { Name: 'input', Type: 'struct<inputcontenttype:string,inputtokencount:bigint,cachereadinputtokencount:bigint,cachewriteinputtokencount:bigint>' },
        { Name: 'requestmetadata', Type: 'map<string,string>' },
      ]),
    });
  });

  test('runs queries in a workgroup that enforces encrypted results and a scan limit', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      },
    });
  });

  test('names four queries, priced by the price table', () => {
    const queries = template.findResources('AWS::Athena::NamedQuery') as Record<string, { Properties: { Name: string; QueryString: string } }>;
    expect(Object.values(queries).map((query) => query.Properties.Name).sort()).toEqual([
      'bedrock-cache-effectiveness',
      'bedrock-cost-by-day-and-model',
      'bedrock-cost-by-tenant',
      'bedrock-top-principals',
    ]);
    for (const query of Object.values(queries)) {
      expect(query.Properties.QueryString).toContain("('amazon.nova-micro-v1:0', DECIMAL '0.000000035', DECIMAL '0.00000014'");
    }
  });

  test('prices calls through application profiles by the source each copies from', () => {
    const stack = new Stack(new App(), 'Profiles');
    const profile = new CostAllocatedInferenceProfile(stack, 'Advisory', {
      profileName: 'advisory',
      model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'),
      costAllocationTags: { team: 'finance' },
    });
    new BedrockInvocationLogging(stack, 'Logging', { analytics: { profiles: [profile], metadataKeys: ['tenant', 'Feature'] } });
    const queries = Template.fromStack(stack).findResources('AWS::Athena::NamedQuery') as Record<string, { Properties: { Name: string; QueryString: unknown } }>;
    const byTenant = Object.values(queries).find((query) => query.Properties.Name === 'bedrock-cost-by-tenant');
    expect(flatten(byTenant?.Properties.QueryString)).toMatch(
      /\('<Advisory[0-9A-F]{8}\.InferenceProfileId>', DECIMAL '0\.0000008', DECIMAL '0\.0000032', DECIMAL '0\.0000002', DECIMAL '0'\)/,
    );
    expect(Object.values(queries).map((query) => query.Properties.Name)).toContain('bedrock-cost-by-feature');
  });

  test('with CloudWatch Logs: a log group and a role Bedrock of this account may assume, writing to one stream', () => {
    const withLogs = synth({ cloudWatchLogs: { retention: logs.RetentionDays.ONE_WEEK } });
    const group = logicalId(withLogs, 'AWS::Logs::LogGroup', /^LoggingLogGroup/);
    const role = logicalId(withLogs, 'AWS::IAM::Role', /^LoggingCloudWatchRole/);
    withLogs.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    withLogs.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          },
        ],
      },
    });
    const [policy] = Object.values(withLogs.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } })) as {
      Properties: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } };
    }[];
    expect(policy.Properties.PolicyDocument.Statement).toHaveLength(1);
    expect(policy.Properties.PolicyDocument.Statement[0].Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(flatten(policy.Properties.PolicyDocument.Statement[0].Resource)).toBe(
      `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${group}>:log-stream:aws/bedrock/modelinvocations`,
    );
    expect(loggingConfigOf(withLogs).cloudWatchConfig).toEqual({ logGroupName: `<${group}>`, roleArn: `<${role}.Arn>` });
    // The configuring function may pass that role, to Bedrock only; the custom resource waits for its policy.
    withLogs.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [role, 'Arn'] }, Condition: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } } },
        ]),
      },
    });
    expect(customResource(withLogs).DependsOn).toContain(logicalId(withLogs, 'AWS::IAM::Policy', /^LoggingCloudWatchRoleDefaultPolicy/));
  });

  test('sends large bodies to S3 when data delivery is on', () => {
    const config = loggingConfigOf(synth({ cloudWatchLogs: {}, textDataDelivery: true, imageDataDelivery: true }));
    expect(config).toMatchObject({ textDataDeliveryEnabled: true, imageDataDeliveryEnabled: true, embeddingDataDeliveryEnabled: false });
    expect(config.cloudWatchConfig?.largeDataDeliveryS3Config).toEqual(config.s3Config);
  });

  test('with overwriteExisting, may pass any role to Bedrock, to restore a replaced configuration', () => {
    const overwriting = synth({ overwriteExisting: true });
    expect(customResource(overwriting).OverwriteExisting).toBe('true');
    overwriting.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/*']] },
            Condition: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
          },
        ]),
      },
    });
  });

  test('takes the key prefix, retention, removal policy and analytics settings', () => {
    const custom = synth({
      keyPrefix: 'platform/bedrock-logs',
      retention: Duration.days(90),
      removalPolicy: RemovalPolicy.DESTROY,
      analytics: { lookbackDays: 7, bytesScannedCutoffPerQuery: Size.gibibytes(1) },
    });
    expect(loggingConfigOf(custom).s3Config).toMatchObject({ keyPrefix: 'platform/bedrock-logs' });
    custom.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90 })] } }),
      DeletionPolicy: 'Delete',
    });
    custom.hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1024 ** 3 }) });
    const queries = Object.values(custom.findResources('AWS::Athena::NamedQuery')) as { Properties: { QueryString: string } }[];
    expect(queries[0].Properties.QueryString).toContain("INTERVAL '7' DAY");
  });

  test('can leave the analytics out', () => {
    const bare = synth({ analytics: false });
    bare.resourceCountIs('AWS::Glue::Table', 0);
    bare.resourceCountIs('AWS::Athena::WorkGroup', 0);
  });

  test.each([
    ['a key prefix with a leading slash', { keyPrefix: '/bedrock' }, 'BedrockInvocationLogging keyPrefix: 1-200 characters'],
    ['a key prefix with a trailing slash', { keyPrefix: 'logs/' }, 'without a slash at either end; got "logs/"'],
    ['a key prefix with a space', { keyPrefix: 'a b' }, 'BedrockInvocationLogging keyPrefix'],
    ['half a day of retention', { retention: Duration.hours(12) }, 'BedrockInvocationLogging retention (days) must be a whole number from 1 to 36500, got 0.5'],
    ['a lookback of 0 days', { analytics: { lookbackDays: 0 } }, 'InvocationLogAnalytics lookbackDays must be a whole number from 1 to 3660, got 0'],
    ['a 1 MiB scan cutoff', { analytics: { bytesScannedCutoffPerQuery: Size.mebibytes(1) } }, "bytesScannedCutoffPerQuery: at least 10 MB (Athena's minimum)"],
    ['a metadata key Converse refuses', { analytics: { metadataKeys: ['tenant id?'] } }, 'InvocationLogAnalytics metadataKeys: "tenant id?" must be 1-256 characters'],
  ])('refuses %s at synth', (_case, props, message) => {
    expect(() => synth(props as BedrockInvocationLoggingProps)).toThrow(message);
  });

  test('refuses a second logging configuration in one stack: the setting is one per account and Region', () => {
    expect(() => synth({}, (stack) => new BedrockInvocationLogging(stack, 'Again', { analytics: false }))).toThrow(
      /model invocation logging is one setting per account and Region, but this stack also configures it at Logs\/Again/,
    );
  });
});

describe('BedrockCostGovernance with invocationLogging', () => {
  test("turns logging on and prices every tenant's profiles in the named queries", () => {
    const stack = new Stack(new App(), 'Platform');
    const governance = new BedrockCostGovernance(stack, 'Governance', {
      costReport: false,
      tenants: [
        { id: 'support', models: [BedrockModel.NOVA_MICRO, BedrockModel.NOVA_LITE] },
        { id: 'finance', models: [InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us')] },
      ],
      invocationLogging: { overwriteExisting: true, analytics: { metadataKeys: ['tenant'] } },
    });
    expect(governance.invocationLogging?.node.path).toBe('Platform/Governance/InvocationLogging');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::BedrockInvocationLogging', { OverwriteExisting: 'true' });
    const [byTenant] = Object.values(template.findResources('AWS::Athena::NamedQuery', { Properties: { Name: 'bedrock-cost-by-tenant' } })) as {
      Properties: { QueryString: unknown };
    }[];
    // The profiles live in the tenants' nested stacks: their ids arrive as nested-stack outputs.
    expect(JSON.stringify(byTenant.Properties.QueryString).match(/InferenceProfileId/g)).toHaveLength(3);
  });

  test('leaves logging off by default', () => {
    const stack = new Stack(new App(), 'Platform');
    const governance = new BedrockCostGovernance(stack, 'Governance', { costReport: false, tenants: [{ id: 'support', models: [BedrockModel.NOVA_MICRO] }] });
    expect(governance.invocationLogging).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('Custom::BedrockInvocationLogging', 0);
  });
});

function logicalId(template: Template, type: string, pattern: RegExp): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} matching ${pattern}, found ${ids.join(', ') || 'none'}`);
  }
  return ids[0];
}
