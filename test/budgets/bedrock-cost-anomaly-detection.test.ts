import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  AnomalyAlertFrequency,
  AnomalyMonitorSource,
  BedrockCostAnomalyDetection,
  type BedrockCostAnomalyDetectionProps,
  CostAlertTopic,
} from '../../lib';

/** `region: null` makes a Region-agnostic stack. */
function build(props: Partial<BedrockCostAnomalyDetectionProps> = {}, region: string | null = 'us-east-1') {
  const stack = new Stack(new App(), 'Billing', region === null ? undefined : { env: { region, account: '111122223333' } });
  const alertTopic = new CostAlertTopic(stack, 'Alerts');
  const detection = new BedrockCostAnomalyDetection(stack, 'Anomalies', { alertTopic, ...props });
  return { stack, detection, template: Template.fromStack(stack) };
}

const TOPIC = { Ref: Match.stringLikeRegexp('^AlertsTopic') };

describe('BedrockCostAnomalyDetection', () => {
  test("by default subscribes IMMEDIATE alerts to the account's services monitor, found by a custom resource", () => {
    const { template } = build();
    template.resourceCountIs('AWS::CE::AnomalyMonitor', 0);
    template.hasResourceProperties('Custom::AnomalyServicesMonitor', { MonitorName: 'Billing-services' });
    template.hasResourceProperties('AWS::CE::AnomalySubscription', {
      SubscriptionName: 'Billing-Anomalies',
      Frequency: 'IMMEDIATE',
      MonitorArnList: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AnomaliesServicesMonitor'), 'MonitorArn'] }],
      Subscribers: [{ Type: 'SNS', Address: TOPIC }],
      ThresholdExpression: JSON.stringify({
        Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['100'] },
      }),
    });
    const subscription = Object.values(template.findResources('AWS::CE::AnomalySubscription'))[0];
    expect(subscription.Properties.Threshold).toBeUndefined();
  });

  test('the lookup function may read, create and delete monitors, and runs on Node.js 24 arm64', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'anomaly-monitor' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: ['ce:GetAnomalyMonitors', 'ce:CreateAnomalyMonitor', 'ce:DeleteAnomalyMonitor', 'ce:TagResource'], Resource: '*' },
        ]),
      },
    });
  });

  test('the alert topic admits Cost Anomaly Detection: topic policy for this account, key policy for encryption', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'costalerts.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: TOPIC,
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: Match.arrayWith(['costalerts.amazonaws.com']) } })]),
      },
    });
  });

  test.each([
    [{ absoluteUsd: 50, percent: 20 }, { AND: [
      { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['50'] } },
      { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['20'] } },
    ] }],
    [{ absoluteUsd: 50, percent: 20, combine: 'OR' as const }, { OR: [
      { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['50'] } },
      { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['20'] } },
    ] }],
    [{ percent: 40 }, { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['40'] } }],
  ])('threshold %j becomes a ThresholdExpression', (threshold, expected) => {
    build({ threshold }).template.hasResourceProperties('AWS::CE::AnomalySubscription', { ThresholdExpression: JSON.stringify(expected) });
  });

  test('DAILY and WEEKLY summaries go to emails', () => {
    build({ frequency: AnomalyAlertFrequency.WEEKLY, emails: ['finops@example.com'] }).template.hasResourceProperties(
      'AWS::CE::AnomalySubscription',
      { Frequency: 'WEEKLY', Subscribers: [{ Type: 'EMAIL', Address: 'finops@example.com' }] },
    );
  });

  describe('monitor sources', () => {
    test('a cost allocation tag creates a CUSTOM monitor', () => {
      const { template } = build({ monitor: AnomalyMonitorSource.costAllocationTag('team', ['support']) });
      template.hasResourceProperties('AWS::CE::AnomalyMonitor', {
        MonitorType: 'CUSTOM',
        MonitorSpecification: JSON.stringify({ Tags: { Key: 'team', Values: ['support'], MatchOptions: ['EQUALS'] } }),
      });
      template.resourceCountIs('Custom::AnomalyServicesMonitor', 0);
    });

    test('a cost category creates a CUSTOM monitor', () => {
      build({ monitor: AnomalyMonitorSource.costCategory('BusinessUnit', ['Retail']) }).template.hasResourceProperties('AWS::CE::AnomalyMonitor', {
        MonitorType: 'CUSTOM',
        MonitorSpecification: JSON.stringify({ CostCategories: { Key: 'BusinessUnit', Values: ['Retail'], MatchOptions: ['EQUALS'] } }),
      });
    });

    test('an existing monitor is subscribed to as it is', () => {
      const arn = 'arn:aws:ce::111122223333:anomalymonitor/12345678-abcd-ef01-2345-6789abcdef01';
      const { template } = build({ monitor: AnomalyMonitorSource.existing(arn) });
      template.resourceCountIs('AWS::CE::AnomalyMonitor', 0);
      template.resourceCountIs('Custom::AnomalyServicesMonitor', 0);
      template.hasResourceProperties('AWS::CE::AnomalySubscription', { MonitorArnList: [arn] });
    });
  });

  describe('us-east-1 only', () => {
    test('fails at synth in another known Region, saying how to fix it', () => {
      expect(() => build({}, 'eu-west-1')).toThrow(
        "BedrockCostAnomalyDetection creates AWS::CE::* resources, which deploy only in us-east-1: put it in a stack with env: { region: 'us-east-1' } (a separate \"billing\" stack works well); this stack is in eu-west-1",
      );
    });

    test('adds a CloudFormation Rule that stops the deployment outside us-east-1 when the Region is unknown', () => {
      const { template } = build({}, null);
      const rules = template.toJSON().Rules as Record<string, { Assertions: { Assert: unknown; AssertDescription: string }[] }>;
      expect(rules.CostExplorerResourcesOnlyInUsEast1.Assertions).toEqual([
        {
          Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
          AssertDescription: expect.stringContaining('deploy only in us-east-1'),
        },
      ]);
    });

    test('needs no rule when the stack is in us-east-1', () => {
      const rules = build().template.toJSON().Rules as Record<string, unknown> | undefined;
      expect(rules?.CostExplorerResourcesOnlyInUsEast1).toBeUndefined();
    });
  });

  describe('validation', () => {
    test.each([
      [{ emails: ['a@example.com'] }, 'IMMEDIATE alerts go to the SNS topic only; use DAILY or WEEKLY for email summaries'],
      [{ frequency: AnomalyAlertFrequency.DAILY }, 'DAILY summaries go by email; list at least one address'],
      [{ threshold: {} }, 'BedrockCostAnomalyDetection threshold: give absoluteUsd, percent or both'],
      [{ threshold: { absoluteUsd: 0 } }, 'threshold.absoluteUsd: must be > 0 USD, got 0'],
      [{ threshold: { percent: -5 } }, 'threshold.percent: must be > 0, got -5'],
      [
        { frequency: AnomalyAlertFrequency.DAILY, emails: Array.from({ length: 11 }, (_, i) => `p${i}@example.com`) },
        'BedrockCostAnomalyDetection emails: at most 10 addresses, got 11',
      ],
    ])('rejects %j', (props, message) => {
      expect(() => build(props)).toThrow(message);
    });

    test.each([
      [() => AnomalyMonitorSource.existing('arn:aws:ce::1:monitor/x'), /is not an anomaly monitor ARN/],
      [() => AnomalyMonitorSource.costAllocationTag('team', []), "tag 'team' needs at least one value"],
      [() => AnomalyMonitorSource.costCategory('', ['x']), 'give the category name and at least one value'],
    ])('rejects a bad monitor source (%#)', (make, message) => {
      expect(make).toThrow(message);
    });
  });
});
