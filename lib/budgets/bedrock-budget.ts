import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type CostAlertTopic, validateEmails } from '../alerts/cost-alert-topic';
import { BudgetScope } from './budget-scope';

/** How long a budget period is. */
export enum BudgetPeriod {
  MONTHLY = 'MONTHLY',
  QUARTERLY = 'QUARTERLY',
  ANNUALLY = 'ANNUALLY',
}

/** Whether a notification watches the spend so far or the forecast for the period. */
export enum BudgetNotificationType {
  ACTUAL = 'ACTUAL',
  FORECASTED = 'FORECASTED',
}

/** When a hard stop applies: at once, or after someone approves it in the Budgets console. */
export enum BudgetActionApproval {
  AUTOMATIC = 'AUTOMATIC',
  MANUAL = 'MANUAL',
}

/** A budget notification: a percentage of the budget, or an amount in USD. */
export interface BudgetNotification {
  readonly type: BudgetNotificationType;
  /** Percent of the budgeted amount, in (0, 1000]. Give this or `thresholdUsd`. */
  readonly thresholdPercent?: number;
  /** An amount in USD, at least 0.1. Give this or `thresholdPercent`. */
  readonly thresholdUsd?: number;
}

/** A hard stop: attach a deny policy on Bedrock invocation to principals at a threshold. */
export interface BudgetEnforcement {
  /** Percent of the budgeted amount, in (0, 1000]. */
  readonly thresholdPercent: number;
  /** @default BudgetNotificationType.ACTUAL */
  readonly type?: BudgetNotificationType;
  /** Applied at once, or after approval in the Budgets console. No default: choose. */
  readonly approval: BudgetActionApproval;
  /** @default - none */
  readonly roles?: readonly iam.IRole[];
  /** @default - none */
  readonly groups?: readonly iam.IGroup[];
  /** @default - none */
  readonly users?: readonly iam.IUser[];
}

export interface BedrockBudgetProps {
  /** The budgeted amount per period, in USD. */
  readonly limitUsd: number;
  /** Where notifications go. Its topic policy and key already admit AWS Budgets. */
  readonly alertTopic: CostAlertTopic;
  /**
   * @default BudgetPeriod.MONTHLY
   */
  readonly period?: BudgetPeriod;
  /**
   * What the budget counts.
   *
   * @default BudgetScope.bedrock() - Amazon Bedrock and the third-party model services
   */
  readonly scope?: BudgetScope;
  /**
   * Letters, digits and most punctuation but `:` and `\`, at most 100 characters; unique in the account.
   *
   * @default - `<stack name>-<construct id>`
   */
  readonly budgetName?: string;
  /**
   * @default - ACTUAL at 50%, 80% and 100%, FORECASTED at 100%
   */
  readonly notifications?: readonly BudgetNotification[];
  /**
   * Up to 10 addresses that get every notification by email as well.
   *
   * @default - none
   */
  readonly emails?: readonly string[];
  /**
   * A hard stop at a threshold.
   *
   * @default - notifications only
   */
  readonly enforcement?: BudgetEnforcement;
}

/** AWS Budgets allows ten notifications a budget, each with one SNS and ten email subscribers. */
const MAX_NOTIFICATIONS = 10;
const MAX_EMAIL_SUBSCRIBERS = 10;
const MAX_PERCENT = 1000;
const MIN_ABSOLUTE_USD = 0.1;
const BUDGET_NAME_PATTERN = /^[^:\\]{1,100}$/;

const DEFAULT_NOTIFICATIONS: readonly BudgetNotification[] = [
  { type: BudgetNotificationType.ACTUAL, thresholdPercent: 50 },
  { type: BudgetNotificationType.ACTUAL, thresholdPercent: 80 },
  { type: BudgetNotificationType.ACTUAL, thresholdPercent: 100 },
  { type: BudgetNotificationType.FORECASTED, thresholdPercent: 100 },
];

/** What the deny policy of a hard stop blocks: model calls (Converse included) and batch jobs. */
export const BEDROCK_HARD_STOP_ACTIONS: readonly string[] = [
  'bedrock:InvokeModel',
  'bedrock:InvokeModelWithResponseStream',
  'bedrock:InvokeModelWithBidirectionalStream',
  'bedrock:Converse',
  'bedrock:ConverseStream',
  'bedrock:CreateModelInvocationJob',
];

function checkPercent(value: number, field: string): void {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_PERCENT) {
    throw new Error(`${field}: a percentage must be in (0, ${MAX_PERCENT}], got ${value}`);
  }
}

/**
 * An AWS Budgets cost budget for Bedrock, in USD, with notifications to the alert topic (and
 * optional emails) and an optional hard stop that denies Bedrock calls to chosen principals.
 * Built with `FilterExpression`, never the deprecated `CostFilters`. Budgets see billing data,
 * which lags by hours: the CloudWatch alarms of `BedrockUsageAlarms` are the fast path.
 *
 * @example
 * new BedrockBudget(this, 'SupportBudget', {
 *   limitUsd: 500,
 *   scope: BudgetScope.bedrockWithTags({ team: ['support'] }),
 *   alertTopic,
 * });
 */
export class BedrockBudget extends Construct {
  public readonly budget: budgets.CfnBudget;
  public readonly budgetName: string;
  /** The hard stop, when `enforcement` is set. */
  public readonly action?: budgets.CfnBudgetsAction;
  /** The policy the hard stop attaches, when `enforcement` is set. */
  public readonly denyPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: BedrockBudgetProps) {
    super(scope, id);
    if (!Number.isFinite(props.limitUsd) || props.limitUsd <= 0) {
      throw new Error(`BedrockBudget limitUsd: must be a number of USD > 0, got ${props.limitUsd}`);
    }
    this.budgetName = props.budgetName ?? `${Stack.of(this).stackName}-${id}`.slice(0, 100);
    if (!Token.isUnresolved(this.budgetName) && !BUDGET_NAME_PATTERN.test(this.budgetName)) {
      throw new Error(`BedrockBudget budgetName: 1-100 characters without ':' or '\\', got '${this.budgetName}'`);
    }
    validateEmails(props.emails, 'BedrockBudget emails');
    if ((props.emails?.length ?? 0) > MAX_EMAIL_SUBSCRIBERS) {
      throw new Error(`BedrockBudget emails: AWS Budgets allows ${MAX_EMAIL_SUBSCRIBERS} email subscribers, got ${props.emails?.length}`);
    }
    const notifications = props.notifications ?? DEFAULT_NOTIFICATIONS;
    validateNotifications(notifications);

    const subscribers: budgets.CfnBudget.SubscriberProperty[] = [
      { subscriptionType: 'SNS', address: props.alertTopic.topicArn },
      ...(props.emails ?? []).map((address) => ({ subscriptionType: 'EMAIL', address })),
    ];
    this.budget = new budgets.CfnBudget(this, 'Resource', {
      budget: {
        budgetName: this.budgetName,
        budgetType: 'COST',
        timeUnit: props.period ?? BudgetPeriod.MONTHLY,
        budgetLimit: { amount: props.limitUsd, unit: 'USD' },
        filterExpression: (props.scope ?? BudgetScope.bedrock()).toFilterExpression(),
        metrics: ['UnblendedCost'],
      },
      notificationsWithSubscribers: notifications.map((notification) => ({
        notification: {
          notificationType: notification.type,
          comparisonOperator: 'GREATER_THAN',
          threshold: notification.thresholdPercent ?? (notification.thresholdUsd as number),
          thresholdType: notification.thresholdPercent === undefined ? 'ABSOLUTE_VALUE' : 'PERCENTAGE',
        },
        subscribers,
      })),
    });
    // Budgets publishes through the topic policy; make sure it exists before the budget does.
    this.budget.node.addDependency(props.alertTopic);

    if (props.enforcement) {
      const { action, denyPolicy } = this.hardStop(props.enforcement, props.alertTopic);
      this.action = action;
      this.denyPolicy = denyPolicy;
    }
  }

  private hardStop(
    enforcement: BudgetEnforcement,
    alertTopic: CostAlertTopic,
  ): { action: budgets.CfnBudgetsAction; denyPolicy: iam.ManagedPolicy } {
    checkPercent(enforcement.thresholdPercent, 'BedrockBudget enforcement.thresholdPercent');
    const roles = enforcement.roles ?? [];
    const groups = enforcement.groups ?? [];
    const users = enforcement.users ?? [];
    if (roles.length + groups.length + users.length === 0) {
      throw new Error('BedrockBudget enforcement: name at least one role, group or user to stop');
    }
    const denyPolicy = new iam.ManagedPolicy(this, 'HardStopPolicy', {
      description: `Denies Bedrock calls once budget ${this.budgetName} is exceeded (attached by AWS Budgets)`,
      statements: [
        new iam.PolicyStatement({
          sid: 'BedrockBudgetExceeded',
          effect: iam.Effect.DENY,
          actions: [...BEDROCK_HARD_STOP_ACTIONS],
          resources: ['*'],
        }),
      ],
    });

    const stackAccount = Stack.of(this).account;
    const executionRole = new iam.Role(this, 'HardStopRole', {
      description: `Lets AWS Budgets attach and detach the hard-stop policy of ${this.budgetName}`,
      assumedBy: new iam.ServicePrincipal('budgets.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stackAccount },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:budgets::${stackAccount}:budget/*` },
        },
      }),
    });
    const attachDetach = (kind: 'Role' | 'Group' | 'User', arns: string[]) => {
      if (arns.length > 0) {
        executionRole.addToPolicy(
          new iam.PolicyStatement({
            actions: [`iam:Attach${kind}Policy`, `iam:Detach${kind}Policy`],
            resources: arns,
            conditions: { ArnEquals: { 'iam:PolicyARN': denyPolicy.managedPolicyArn } },
          }),
        );
      }
    };
    attachDetach('Role', roles.map((role) => role.roleArn));
    attachDetach('Group', groups.map((group) => group.groupArn));
    attachDetach('User', users.map((user) => user.userArn));

    const action = new budgets.CfnBudgetsAction(this, 'HardStop', {
      budgetName: this.budgetName,
      actionType: 'APPLY_IAM_POLICY',
      notificationType: enforcement.type ?? BudgetNotificationType.ACTUAL,
      actionThreshold: { type: 'PERCENTAGE', value: enforcement.thresholdPercent },
      approvalModel: enforcement.approval,
      executionRoleArn: executionRole.roleArn,
      definition: {
        iamActionDefinition: {
          policyArn: denyPolicy.managedPolicyArn,
          roles: roles.length > 0 ? roles.map((role) => role.roleName) : undefined,
          groups: groups.length > 0 ? groups.map((group) => group.groupName) : undefined,
          users: users.length > 0 ? users.map((user) => user.userName) : undefined,
        },
      },
      subscribers: [{ type: 'SNS', address: alertTopic.topicArn }],
    });
    action.node.addDependency(this.budget);
    action.node.addDependency(executionRole);
    return { action, denyPolicy };
  }
}

function validateNotifications(notifications: readonly BudgetNotification[]): void {
  if (notifications.length === 0) {
    throw new Error('BedrockBudget notifications: list at least one, or leave the prop out for the defaults');
  }
  if (notifications.length > MAX_NOTIFICATIONS) {
    throw new Error(`BedrockBudget notifications: AWS Budgets allows ${MAX_NOTIFICATIONS} per budget, got ${notifications.length}`);
  }
  const seen = new Set<string>();
  notifications.forEach((notification, index) => {
    const field = `BedrockBudget notifications[${index}]`;
    const { thresholdPercent, thresholdUsd } = notification;
    if ((thresholdPercent === undefined) === (thresholdUsd === undefined)) {
      throw new Error(`${field}: give exactly one of thresholdPercent and thresholdUsd`);
    }
    if (thresholdPercent !== undefined) {
      checkPercent(thresholdPercent, field);
    } else if (!Number.isFinite(thresholdUsd) || (thresholdUsd as number) < MIN_ABSOLUTE_USD) {
      throw new Error(`${field}: thresholdUsd must be at least ${MIN_ABSOLUTE_USD} USD, got ${thresholdUsd}`);
    }
    const key = `${notification.type} ${thresholdPercent ?? ''}% ${thresholdUsd ?? ''}$`;
    if (seen.has(key)) {
      throw new Error(`${field}: duplicates an earlier notification (${notification.type} at the same threshold)`);
    }
    seen.add(key);
  });
}
