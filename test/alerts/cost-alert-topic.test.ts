import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CostAlertTopic } from '../../lib';

function newStack(): Stack {
  return new Stack(new App(), 'Test');
}

const PUBLISHERS = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com', 'costalerts.amazonaws.com'];

describe('CostAlertTopic', () => {
  test('encrypts the topic with a new customer-managed key that rotates', () => {
    const stack = newStack();
    new CostAlertTopic(stack, 'Alerts');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsKey'), 'Arn'] },
      DisplayName: 'Bedrock cost alerts',
    });
  });

  test('key policy lets CloudWatch, Budgets and Cost Anomaly Detection encrypt messages', () => {
    const stack = newStack();
    new CostAlertTopic(stack, 'Alerts');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCostAlertPublishersToUseKey',
            Effect: 'Allow',
            Principal: { Service: PUBLISHERS },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Resource: '*',
          },
        ]),
      },
    });
  });

  test('topic policy lets each service publish only for this account, Budgets only from its own ARNs', () => {
    const stack = newStack();
    new CostAlertTopic(stack, 'Alerts');
    const topicRef = { Ref: Match.stringLikeRegexp('^AlertsTopic') };
    const sourceAccount = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchAlarms',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topicRef,
            Condition: sourceAccount,
          },
          {
            Sid: 'AllowBudgets',
            Effect: 'Allow',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topicRef,
            Condition: {
              ...sourceAccount,
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::', { Ref: 'AWS::AccountId' }, ':*']],
                },
              },
            },
          },
          {
            Sid: 'AllowCostAnomalyDetection',
            Effect: 'Allow',
            Principal: { Service: 'costalerts.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topicRef,
            Condition: sourceAccount,
          },
        ]),
      },
    });
  });

  test('denies publishing without TLS', () => {
    const stack = newStack();
    new CostAlertTopic(stack, 'Alerts');
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('subscribes emails and HTTPS endpoints', () => {
    const stack = newStack();
    new CostAlertTopic(stack, 'Alerts', {
      emails: ['finops@example.com', 'oncall@example.com'],
      httpsEndpoints: ['https://hooks.example.com/bedrock'],
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'finops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/bedrock',
    });
  });

  test('is an alarm action', () => {
    const stack = newStack();
    const alerts = new CostAlertTopic(stack, 'Alerts');
    const metric = new cloudwatch.Metric({ namespace: 'AWS/Bedrock', metricName: 'Invocations', period: Duration.minutes(5) });
    metric.createAlarm(stack, 'Alarm', { threshold: 1000, evaluationPeriods: 1 }).addAlarmAction(alerts);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
    });
  });

  test('grantPublish grants sns:Publish and the key permissions publishing needs', () => {
    const stack = newStack();
    const alerts = new CostAlertTopic(stack, 'Alerts');
    const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    alerts.grantPublish(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('^AlertsTopic') } }),
          Match.objectLike({
            Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsKey'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  test('adds the publishers to the policy of a key you pass in', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'SharedKey', { enableKeyRotation: true });
    const alerts = new CostAlertTopic(stack, 'Alerts', { encryptionKey: key });
    expect(alerts.key).toBe(key);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCostAlertPublishersToUseKey' })]) },
    });
  });

  test('warns that an imported key needs the publishers added by hand', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new CostAlertTopic(stack, 'Alerts', { encryptionKey: key });
    Annotations.fromStack(stack).hasWarning('/Test/Alerts', Match.stringLikeRegexp('imported key.*kms:GenerateDataKey\\*'));
  });

  test.each([
    [{ emails: ['not-an-email'] }, "CostAlertTopic emails: 'not-an-email' is not an email address"],
    [{ emails: ['a@example.com', 'a@example.com'] }, "CostAlertTopic emails: 'a@example.com' is listed twice"],
    [{ httpsEndpoints: ['http://hooks.example.com'] }, "CostAlertTopic httpsEndpoints: 'http://hooks.example.com' must be an https:// URL"],
    [{ topicName: 'bad name!' }, /topicName must be 1-256 letters, digits, hyphens or underscores/],
  ])('rejects %j', (props, message) => {
    expect(() => new CostAlertTopic(newStack(), 'Alerts', props)).toThrow(message);
  });
});

describe('CostAlertTopic.addSlackChannel', () => {
  test('sends the alerts to a Slack channel through AWS Chatbot, with a deny-all guardrail', () => {
    const stack = newStack();
    const alerts = new CostAlertTopic(stack, 'Alerts');
    alerts.addSlackChannel('FinOps', { slackWorkspaceId: 'T0123ABCDEF', slackChannelId: 'C0123ABCDEF' });
    Template.fromStack(stack).hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'Test-FinOps',
      SlackWorkspaceId: 'T0123ABCDEF',
      SlackChannelId: 'C0123ABCDEF',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      GuardrailPolicies: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSDenyAll']] }],
      LoggingLevel: 'ERROR',
    });
  });

  test.each([
    [{ slackWorkspaceId: 'workspace', slackChannelId: 'C0123' }, "slackWorkspaceId 'workspace' does not look like a Slack id"],
    [{ slackWorkspaceId: 'T0123', slackChannelId: '#finops' }, "slackChannelId '#finops' does not look like a Slack id"],
    [{ slackWorkspaceId: 'T0123', slackChannelId: 'C0123', configurationName: 'bad name' }, "configurationName must be 1-128 letters, digits, '-' or '_', got 'bad name'"],
  ])('rejects %j', (options, message) => {
    const alerts = new CostAlertTopic(newStack(), 'Alerts');
    expect(() => alerts.addSlackChannel('Slack', options)).toThrow(message);
  });
});
