import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  BATCH_METRICS_NAMESPACE,
  BatchInferencePipeline,
  type BatchInferencePipelineProps,
  BedrockModel,
  CostAlertTopic,
  CostAllocatedInferenceProfile,
  InferenceSource,
  ModelVendor,
} from '../../lib';
import { METRICS_NAMESPACE as COMPLETER_METRICS_NAMESPACE } from '../../lambda/batch-completer';

function unsynthesized(props: Partial<BatchInferencePipelineProps> = {}, env?: { account: string; region: string }) {
  const stack = new Stack(new App(), 'Moderation', { env });
  const alertTopic = new CostAlertTopic(stack, 'Alerts');
  const pipeline = new BatchInferencePipeline(stack, 'Batch', { model: BedrockModel.NOVA_MICRO, alertTopic, ...props });
  return { stack, pipeline };
}

function build(props: Partial<BatchInferencePipelineProps> = {}, env?: { account: string; region: string }) {
  const built = unsynthesized(props, env);
  return { ...built, template: Template.fromStack(built.stack) };
}

describe('BatchInferencePipeline', () => {
  const { template, stack, pipeline } = build({}, { account: '111122223333', region: 'us-east-1' });

  test('stages in an encrypted, versioned, TLS-only, private bucket with lifecycle rules', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'archive/', ExpirationInDays: 90 }), Match.objectLike({ Prefix: 'results/', ExpirationInDays: 90 })]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('Bedrock assumes the service role only for this account and its batch jobs', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111122223333' },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:us-east-1:111122223333:model-invocation-job/*']] } },
            },
          },
        ],
      },
    });
  });

  test('the service role reads job input, lists job prefixes and writes job output, nothing else in S3', () => {
    const roleId = stack.getLogicalId(pipeline.serviceRole.node.defaultChild as iam.CfnRole);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
    const s3Statements = statements.filter((statement) => String(statement.Action).startsWith('s3:'));
    expect(s3Statements.map((statement) => statement.Action)).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(JSON.stringify(s3Statements[0].Resource)).toContain('/jobs/*/input/*');
    expect(s3Statements[1].Condition).toEqual({ StringLike: { 's3:prefix': ['jobs/*'] } });
    expect(JSON.stringify(s3Statements[2].Resource)).toContain('/jobs/*/output/*');
  });

  test('a state machine packs, submits and waits for the job, then completes; a timeout stops the job', () => {
    const definition = JSON.stringify(Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.DefinitionString);
    for (const state of ['Pack', 'AnythingToRun', 'SubmitAndWait', 'AlreadyRunning', 'Complete', 'StopTimedOutJob', 'CompleteAfterTimeout']) {
      expect(definition).toContain(`\\"${state}\\"`);
    }
    expect(definition).toContain('.waitForTaskToken');
    expect(definition).toContain('BatchJobSlotsFull');
    expect(definition).toContain('States.Timeout');
    expect(definition).toContain('\\"TimeoutSeconds\\":90000');
  });

  test('resumes on the Batch Inference Job State Change event of terminal states', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.bedrock'],
        'detail-type': ['Batch Inference Job State Change'],
        detail: { status: ['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'] },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 2 * * ? *)' });
  });

  test('runs five handlers on Node.js 24 arm64; the submitter knows the model, role and limits', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Runtime === 'nodejs24.x' && JSON.stringify(fn.Properties.Environment ?? {}).includes('BUCKET'),
    );
    expect(functions).toHaveLength(5);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          MODEL_ID: 'amazon.nova-micro-v1:0',
          JOB_NAME_PREFIX: 'Moderation-Batch',
          MODEL_INVOCATION_TYPE: 'InvokeModel',
          JOB_TIMEOUT_HOURS: '24',
          MAX_CONCURRENT_JOBS: '20',
          ROLE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BatchBedrockServiceRole'), 'Arn'] },
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_RECORDS_PER_JOB: '50000', MIN_RECORDS_PER_JOB: '100', MAX_BYTES_PER_FILE: '1000000000' }) },
    });
  });

  test('collects from an encrypted queue with a dead-letter queue, and from incoming/*.jsonl', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BatchDeadLetters'), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jsonl' }, { Name: 'prefix', Value: 'incoming/' }] } },
          }),
        ],
      },
    });
  });

  test('alarms on dead letters, failed runs and waiting submissions, to the alert topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((alarm) => alarm.Properties.MetricName).sort()).toEqual([
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'ExecutionsFailed',
      'Failed',
    ]);
    const failed = alarms.find((alarm) => alarm.Properties.MetricName === 'Failed');
    expect(failed?.Properties).toMatchObject({ Namespace: 'BedrockCost', Dimensions: [{ Name: 'Pipeline', Value: 'Moderation-Batch' }], Statistic: 'Sum' });
    const waiting = alarms.find((alarm) => alarm.Properties.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(waiting?.Properties.Threshold).toBe(3600);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertsTopic/) }]);
    }
  });

  test('alarms read the metrics the completer publishes', () => {
    expect(BATCH_METRICS_NAMESPACE).toBe(COMPLETER_METRICS_NAMESPACE);
  });

  test('grantSubmit and grantReadResults', () => {
    const { stack: s, pipeline: p } = unsynthesized();
    const producer = new iam.Role(s, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    const consumer = new iam.Role(s, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
    p.grantSubmit(producer);
    p.grantReadResults(consumer);
    const t = Template.fromStack(s);
    const policyOf = (roleId: string) =>
      JSON.stringify(Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))[0]);
    const producerPolicy = policyOf(s.getLogicalId(producer.node.defaultChild as iam.CfnRole));
    expect(producerPolicy).toContain('sqs:SendMessage');
    expect(producerPolicy).toContain('/incoming/*');
    const consumerPolicy = policyOf(s.getLogicalId(consumer.node.defaultChild as iam.CfnRole));
    expect(consumerPolicy).toContain('/results/*');
    expect(consumerPolicy).toContain('/failed/*');
    expect(consumerPolicy).not.toContain('s3:PutObject');
  });

  test('a cost-allocated profile is called by its ARN and the service role may invoke it', () => {
    const { stack: s } = unsynthesized();
    const profile = new CostAllocatedInferenceProfile(s, 'Moderation', {
      profileName: 'moderation',
      model: InferenceSource.crossRegion(BedrockModel.NOVA_LITE, 'us'),
      costAllocationTags: { team: 'trust-and-safety' },
    });
    new BatchInferencePipeline(s, 'Tagged', { model: profile });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODEL_ID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Moderation'), 'InferenceProfileArn'] } }) },
    });
  });

  describe('validation', () => {
    const noBatch = BedrockModel.custom({
      modelId: 'vendor.online-v1:0',
      displayName: 'Online',
      vendor: ModelVendor.OTHER,
      family: 'x',
      prices: { inputPerMillionTokens: 1, outputPerMillionTokens: 1 },
    });
    test.each([
      [{ model: noBatch }, 'BatchInferencePipeline model: Online (vendor.online-v1:0) does not support batch inference'],
      [{ maxRecordsPerJob: 60_000 }, 'maxRecordsPerJob: a whole number from 100 to 50000 (the records-per-job quota), got 60000'],
      [{ minRecordsPerJob: 50 }, 'minRecordsPerJob: a whole number from 100 to 50000 (Bedrock rejects smaller jobs), got 50'],
      [{ maxRecordsPerFile: 60_000 }, 'maxRecordsPerFile: a whole number from 1 to 50000 (at most maxRecordsPerJob), got 60000'],
      [{ maxBytesPerFile: 2_000_000_000 }, 'maxBytesPerFile: a whole number from 1048576 to 1000000000 (the file-size quota), got 2000000000'],
      [{ maxConcurrentJobs: 0 }, 'maxConcurrentJobs: a whole number from 1 to 20'],
      [{ maxAttempts: 0 }, 'maxAttempts: a whole number from 1 to 10'],
    ])('rejects %j', (props, message) => {
      expect(() => build(props as Partial<BatchInferencePipelineProps>)).toThrow(message);
    });

    test('a raised quota is stated, then allowed', () => {
      expect(() => build({ quotas: { maxRecordsPerJob: 100_000 }, maxRecordsPerJob: 80_000 })).not.toThrow();
    });
  });
});
