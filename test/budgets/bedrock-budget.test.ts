import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  BEDROCK_BILLING_SERVICES,
  BEDROCK_HARD_STOP_ACTIONS,
  BedrockBudget,
  type BedrockBudgetProps,
  BudgetActionApproval,
  BudgetNotificationType,
  BudgetPeriod,
  BudgetScope,
  CostAlertTopic,
} from '../../lib';

function build(props: Partial<BedrockBudgetProps> = {}, configure?: (stack: Stack) => Partial<BedrockBudgetProps>) {
  const stack = new Stack(new App(), 'Billing');
  const alertTopic = new CostAlertTopic(stack, 'Alerts');
  const budget = new BedrockBudget(stack, 'Bedrock', { limitUsd: 1000, alertTopic, ...props, ...configure?.(stack) });
  return { stack, budget, template: Template.fromStack(stack) };
}

const TOPIC = { Ref: Match.stringLikeRegexp('^AlertsTopic') };

describe('BedrockBudget', () => {
  test('is a monthly USD cost budget over Amazon Bedrock and the third-party model services', () => {
    // Amazon Bedrock, then each Claude model of the price catalog under its Marketplace name.
    expect(BEDROCK_BILLING_SERVICES[0]).toBe('Amazon Bedrock');
    expect(BEDROCK_BILLING_SERVICES).toEqual(
      expect.arrayContaining([
        'Claude 3.5 Haiku (Amazon Bedrock Edition)',
        'Claude 3.7 Sonnet (Amazon Bedrock Edition)',
        'Claude Sonnet 4 (Amazon Bedrock Edition)',
        'Claude Haiku 4.5 (Amazon Bedrock Edition)',
        'Claude Sonnet 4.5 (Amazon Bedrock Edition)',
        'Claude Sonnet 4.6 (Amazon Bedrock Edition)',
        'Claude Opus 5 (Amazon Bedrock Edition)',
      ]),
    );
    expect(BEDROCK_BILLING_SERVICES.slice(1).every((service) => / \(Amazon Bedrock Edition\)$/.test(service))).toBe(true);
    build().template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'Billing-Bedrock',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 1000, Unit: 'USD' },
        FilterExpression: { Dimensions: { Key: 'SERVICE', Values: [...BEDROCK_BILLING_SERVICES] } },
        Metrics: ['UnblendedCost'],
      },
    });
  });

  test('never uses the deprecated CostFilters', () => {
    const budgets = build().template.findResources('AWS::Budgets::Budget');
    expect(JSON.stringify(budgets)).not.toContain('CostFilters');
  });

  test('alerts the topic at 50%, 80% and 100% of actual spend and 100% of the forecast', () => {
    const { template } = build();
    const notifications = (Object.values(template.findResources('AWS::Budgets::Budget'))[0].Properties
      .NotificationsWithSubscribers as { Notification: Record<string, unknown>; Subscribers: unknown[] }[]);
    expect(notifications.map((n) => n.Notification)).toEqual([
      { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 50, ThresholdType: 'PERCENTAGE' },
      { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' },
      { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
      { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
    ]);
    for (const notification of notifications) {
      expect(notification.Subscribers).toEqual([{ SubscriptionType: 'SNS', Address: { Ref: expect.stringMatching(/^AlertsTopic/) } }]);
    }
  });

  test('the alert topic admits AWS Budgets: topic policy with source conditions, key policy for encryption', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: TOPIC,
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::', { Ref: 'AWS::AccountId' }, ':*']] } },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: Match.arrayWith(['budgets.amazonaws.com']) }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] }),
        ]),
      },
    });
  });

  test('takes custom notifications, emails and period', () => {
    const { template } = build({
      period: BudgetPeriod.QUARTERLY,
      emails: ['finops@example.com'],
      notifications: [
        { type: BudgetNotificationType.ACTUAL, thresholdUsd: 250 },
        { type: BudgetNotificationType.FORECASTED, thresholdPercent: 120 },
      ],
    });
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ TimeUnit: 'QUARTERLY' }),
      NotificationsWithSubscribers: [
        {
          Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 250, ThresholdType: 'ABSOLUTE_VALUE' },
          Subscribers: [
            { SubscriptionType: 'SNS', Address: TOPIC },
            { SubscriptionType: 'EMAIL', Address: 'finops@example.com' },
          ],
        },
        Match.objectLike({ Notification: Match.objectLike({ NotificationType: 'FORECASTED', Threshold: 120 }) }),
      ],
    });
  });

  describe('scope', () => {
    test('by cost allocation tag: the tag key and values, any service', () => {
      build({ scope: BudgetScope.costAllocationTags({ team: ['support'] }) }).template.hasResourceProperties('AWS::Budgets::Budget', {
        Budget: Match.objectLike({ FilterExpression: { Tags: { Key: 'team', Values: ['support'] } } }),
      });
    });

    test('Bedrock and tags together: AND of the services and each tag', () => {
      build({
        scope: BudgetScope.bedrockWithTags({ team: ['support', 'sales'], environment: ['prod'] }, ['Amazon Bedrock']),
      }).template.hasResourceProperties('AWS::Budgets::Budget', {
        Budget: Match.objectLike({
          FilterExpression: {
            And: [
              { Dimensions: { Key: 'SERVICE', Values: ['Amazon Bedrock'] } },
              { Tags: { Key: 'team', Values: ['support', 'sales'] } },
              { Tags: { Key: 'environment', Values: ['prod'] } },
            ],
          },
        }),
      });
    });

    test.each([
      [() => BudgetScope.bedrock([]), 'BudgetScope services: list at least one billing service name, none empty'],
      [() => BudgetScope.costAllocationTags({}), 'BudgetScope tags: name at least one cost allocation tag'],
      [() => BudgetScope.costAllocationTags({ team: [] }), "BudgetScope tags: tag 'team' needs at least one value to match"],
      [() => BudgetScope.costAllocationTags({ 'aws:team': ['x'] }), /must not start with 'aws:'/],
    ])('rejects a bad scope (%#)', (make, message) => {
      expect(make).toThrow(message);
    });
  });

  describe('enforcement (hard stop)', () => {
    function withHardStop(approval = BudgetActionApproval.AUTOMATIC) {
      return build({}, (stack) => ({
        enforcement: {
          thresholdPercent: 100,
          approval,
          roles: [new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })],
        },
      }));
    }

    test('attaches a managed policy denying Bedrock calls and batch jobs to the principals at the threshold', () => {
      const { template } = withHardStop();
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: [{ Sid: 'BedrockBudgetExceeded', Effect: 'Deny', Action: [...BEDROCK_HARD_STOP_ACTIONS], Resource: '*' }],
        },
      });
      template.hasResourceProperties('AWS::Budgets::BudgetsAction', {
        BudgetName: 'Billing-Bedrock',
        ActionType: 'APPLY_IAM_POLICY',
        NotificationType: 'ACTUAL',
        ActionThreshold: { Type: 'PERCENTAGE', Value: 100 },
        ApprovalModel: 'AUTOMATIC',
        Definition: {
          IamActionDefinition: {
            PolicyArn: { Ref: Match.stringLikeRegexp('^BedrockHardStopPolicy') },
            Roles: [{ Ref: Match.stringLikeRegexp('^AppRole') }],
          },
        },
        Subscribers: [{ Type: 'SNS', Address: TOPIC }],
      });
    });

    test('Budgets runs it with a role that may only attach and detach that one policy on those principals', () => {
      const { template } = withHardStop(BudgetActionApproval.MANUAL);
      template.hasResourceProperties('AWS::Budgets::BudgetsAction', { ApprovalModel: 'MANUAL' });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'budgets.amazonaws.com' },
              Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
            }),
          ],
        },
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AppRole'), 'Arn'] },
              Condition: { ArnEquals: { 'iam:PolicyARN': { Ref: Match.stringLikeRegexp('^BedrockHardStopPolicy') } } },
            },
          ],
        },
      });
    });

    test('needs at least one principal', () => {
      expect(() => build({ enforcement: { thresholdPercent: 100, approval: BudgetActionApproval.MANUAL } })).toThrow(
        'BedrockBudget enforcement: name at least one role, group or user to stop',
      );
    });
  });

  describe('validation', () => {
    const emails = Array.from({ length: 11 }, (_, i) => `p${i}@example.com`);
    test.each([
      [{ limitUsd: 0 }, 'BedrockBudget limitUsd: must be a number of USD > 0, got 0'],
      [{ limitUsd: -50 }, 'got -50'],
      [{ notifications: [{ type: BudgetNotificationType.ACTUAL, thresholdPercent: 0 }] }, 'notifications[0]: a percentage must be in (0, 1000], got 0'],
      [{ notifications: [{ type: BudgetNotificationType.ACTUAL, thresholdPercent: 1001 }] }, 'a percentage must be in (0, 1000], got 1001'],
      [{ notifications: [{ type: BudgetNotificationType.ACTUAL, thresholdUsd: 0.05 }] }, 'thresholdUsd must be at least 0.1 USD, got 0.05'],
      [{ notifications: [{ type: BudgetNotificationType.ACTUAL }] }, 'give exactly one of thresholdPercent and thresholdUsd'],
      [{ notifications: [{ type: BudgetNotificationType.ACTUAL, thresholdPercent: 10, thresholdUsd: 5 }] }, 'give exactly one of thresholdPercent and thresholdUsd'],
      [
        {
          notifications: [
            { type: BudgetNotificationType.ACTUAL, thresholdPercent: 80 },
            { type: BudgetNotificationType.ACTUAL, thresholdPercent: 80 },
          ],
        },
        'notifications[1]: duplicates an earlier notification (ACTUAL at the same threshold)',
      ],
      [
        { notifications: Array.from({ length: 11 }, (_, i) => ({ type: BudgetNotificationType.ACTUAL, thresholdPercent: i + 1 })) },
        'BedrockBudget notifications: AWS Budgets allows 10 per budget, got 11',
      ],
      [{ notifications: [] }, 'BedrockBudget notifications: list at least one'],
      [{ emails }, 'BedrockBudget emails: AWS Budgets allows 10 email subscribers, got 11'],
      [{ emails: ['nope'] }, "BedrockBudget emails: 'nope' is not an email address"],
      [{ budgetName: 'team:support' }, "BedrockBudget budgetName: 1-100 characters without ':' or '\\', got 'team:support'"],
      [
        { enforcement: { thresholdPercent: 0, approval: BudgetActionApproval.AUTOMATIC, roles: [] } },
        'BedrockBudget enforcement.thresholdPercent: a percentage must be in (0, 1000], got 0',
      ],
    ])('rejects %j', (props, message) => {
      expect(() => build(props as Partial<BedrockBudgetProps>)).toThrow(message);
    });
  });
});
