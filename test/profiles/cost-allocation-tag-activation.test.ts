import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { CostAlertTopic, CostAllocationTagActivation } from '../../lib';
import { RETRY_ACTION } from '../../lambda/tag-activation';

function synth(configure: (stack: Stack) => void): Template {
  const stack = new Stack(new App(), 'Test');
  configure(stack);
  return Template.fromStack(stack);
}

describe('CostAllocationTagActivation', () => {
  let template: Template;
  beforeAll(() => {
    template = synth((stack) => {
      const alerts = new CostAlertTopic(stack, 'Alerts');
      new CostAllocationTagActivation(stack, 'Activate', { tagKeys: ['team', 'tenant', 'team'], alertTopic: alerts });
    });
  });

  test('activates the de-duplicated keys through a custom resource', () => {
    template.hasResourceProperties('Custom::CostAllocationTagActivation', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ActivateProviderframeworkonEvent'), 'Arn'] },
      TagKeys: ['team', 'tenant'],
    });
  });

  test('runs its handler on Node.js 24, arm64, bundled from lambda/tag-activation', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'cost-allocation-tag-activation',
          ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^AlertsTopic') },
        }),
      },
    });
  });

  test('grants the Cost Explorer tag actions and publishing to the alert topic, and no managed policy', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ActivateFunctionRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: ['ce:UpdateCostAllocationTagsStatus', 'ce:ListCostAllocationTags'], Resource: '*' },
          Match.objectLike({ Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('^AlertsTopic') } }),
        ]),
      },
    });
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { Description: 'Activates Bedrock cost allocation tag keys in AWS Billing' },
    });
    expect(Object.values(roles)).toHaveLength(1);
    expect(Object.values(roles)[0].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('retries pending keys daily with the keys in the event', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ActivateFunction'), 'Arn'] },
          Input: JSON.stringify({ action: RETRY_ACTION, tagKeys: ['team', 'tenant'] }),
        }),
      ],
    });
  });

  test('does not let Lambda repeat a failed daily retry (and its alert)', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  test('keeps its logs for three months by default', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('takes another retry schedule and log retention', () => {
    const custom = synth((stack) => {
      new CostAllocationTagActivation(stack, 'Activate', {
        tagKeys: ['team'],
        retrySchedule: events.Schedule.rate(Duration.hours(6)),
      });
    });
    custom.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALERT_TOPIC_ARN: '' }) },
    });
  });

  test.each([
    [[], 'CostAllocationTagActivation tagKeys: at least one tag key is required'],
    [['aws:createdBy'], "CostAllocationTagActivation tagKeys[0]: tag key 'aws:createdBy' must not start with 'aws:'"],
    [['ok', 'bad#key'], /tagKeys\[1\]: tag key 'bad#key' may contain only/],
  ])('rejects tagKeys %j', (tagKeys, message) => {
    expect(() => synth((stack) => new CostAllocationTagActivation(stack, 'Activate', { tagKeys }))).toThrow(message);
  });
});
