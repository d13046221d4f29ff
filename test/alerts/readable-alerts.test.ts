import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CostAlertTopic, ReadableAlerts } from '../../lib';

function build(props: Partial<ConstructorParameters<typeof ReadableAlerts>[2]> = {}) {
  const stack = new Stack(new App(), 'Test');
  const alertTopic = new CostAlertTopic(stack, 'Alerts');
  const readable = new ReadableAlerts(stack, 'Readable', {
    alertTopic,
    emails: ['oncall@example.com'],
    dashboardUrl: 'https://example.com/dashboard',
    ...props,
  });
  return { readable, template: Template.fromStack(stack) };
}

describe('ReadableAlerts', () => {
  const { template } = build();

  test('subscribes the formatter to the alert topic, with a dead-letter queue for failed deliveries', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlertsTopic') },
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReadableFunction'), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReadableDeadLetters'), 'Arn'] } },
    });
  });

  test('runs the formatter on Node.js 24, arm64, publishing to the readable topic with the dashboard link', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReadableDeadLetters'), 'Arn'] } },
      Environment: {
        Variables: Match.objectLike({
          READABLE_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^ReadableTopic') },
          DASHBOARD_URL: 'https://example.com/dashboard',
          POWERTOOLS_SERVICE_NAME: 'alert-formatter',
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('^ReadableTopic') } })]),
      },
    });
  });

  test('people subscribe to the readable topic, which is encrypted with the alert key and TLS-only', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^ReadableTopic') },
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsKey'), 'Arn'] },
      DisplayName: 'Bedrock cost alerts',
    });
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });

  test('an alert stuck in the dead-letter queue raises an alarm on the alert topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
    });
  });

  test('leaves DASHBOARD_URL out without a dashboard', () => {
    const { template: plain } = build({ dashboardUrl: undefined });
    const fns = Object.values(plain.findResources('AWS::Lambda::Function'));
    expect(fns.every((fn) => fn.Properties.Environment.Variables.DASHBOARD_URL === undefined)).toBe(true);
  });

  test('rejects an address that is not an email address', () => {
    expect(() => build({ emails: ['oncall'] })).toThrow("ReadableAlerts emails: 'oncall' is not an email address");
  });
});
