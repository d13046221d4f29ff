import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CostAlertTopic, CostReport } from '../../lib';

function build(props: Partial<ConstructorParameters<typeof CostReport>[2]> = {}) {
  const stack = new Stack(new App(), 'Platform');
  const alertTopic = new CostAlertTopic(stack, 'Alerts');
  new CostReport(stack, 'Report', { alertTopic, ...props });
  return Template.fromStack(stack);
}

describe('CostReport', () => {
  test('runs weekly on Node.js 24 arm64, reads metrics and profiles, publishes to the alert topic', () => {
    const template = build({
      provisionedThroughput: { 'amazon.nova-pro-v1:0': { hourlyUsdPerModelUnit: 21.18, tokensPerMinutePerModelUnit: 50_000 } },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 8 ? * MON *)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^AlertsTopic') },
          PROVISIONED_THROUGHPUT: JSON.stringify({ 'amazon.nova-pro-v1:0': { hourlyUsdPerModelUnit: 21.18, tokensPerMinutePerModelUnit: 50_000 } }),
          POWERTOOLS_SERVICE_NAME: 'cost-report',
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'bedrock:ListInferenceProfiles'], Resource: '*' },
          Match.objectLike({ Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  test('rejects a Provisioned Throughput price that is not positive', () => {
    expect(() => build({ provisionedThroughput: { m: { hourlyUsdPerModelUnit: 0, tokensPerMinutePerModelUnit: 1 } } })).toThrow(
      "CostReport provisionedThroughput['m']: hourlyUsdPerModelUnit and tokensPerMinutePerModelUnit must be > 0",
    );
  });
});
