import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createHandlerFunction } from '../internal/handler-function';
import { type CostAlertTopic, validateEmails } from './cost-alert-topic';

export interface ReadableAlertsProps {
  /** The topic whose alerts are rewritten. */
  readonly alertTopic: CostAlertTopic;
  /**
   * People who get the plain-text messages by email.
   *
   * @default - none; subscribe to `readableTopic` yourself
   */
  readonly emails?: readonly string[];
  /**
   * A dashboard to link from every message, e.g. `BedrockCostDashboard.dashboardUrl`.
   *
   * @default - no link
   */
  readonly dashboardUrl?: string;
  /**
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Turns the alert topic's raw notifications (CloudWatch alarm JSON, Budgets text, Cost Anomaly
 * Detection JSON) into short plain-text messages on a second, human-facing topic: what, how much,
 * since when, the estimated dollars and a dashboard link.
 *
 * A notification the formatter cannot read is forwarded unchanged; one it cannot deliver goes to
 * a dead-letter queue, which raises an alarm on the alert topic. Nothing is dropped.
 */
export class ReadableAlerts extends Construct {
  /** Where the plain-text messages go. */
  public readonly readableTopic: sns.Topic;
  public readonly function: nodejs.NodejsFunction;
  /** Notifications the formatter failed to deliver, kept 14 days. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReadableAlertsProps) {
    super(scope, id);
    validateEmails(props.emails, 'ReadableAlerts emails');

    this.readableTopic = new sns.Topic(this, 'Topic', {
      displayName: 'Bedrock cost alerts',
      masterKey: props.alertTopic.key,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) {
      this.readableTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the alert formatter.',
    });

    this.function = createHandlerFunction(this, 'Function', {
      handler: 'alert-formatter',
      description: 'Rewrites Bedrock cost alerts as plain text for people',
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        READABLE_TOPIC_ARN: this.readableTopic.topicArn,
        ...(props.dashboardUrl === undefined ? {} : { DASHBOARD_URL: props.dashboardUrl }),
      },
    });
    this.readableTopic.grantPublish(this.function);
    if (this.function.role) {
      Validations.of(this.function.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'Publishing to the KMS-encrypted readable topic needs kms:GenerateDataKey* on that one key.',
      });
    }
    props.alertTopic.addSubscription(new subscriptions.LambdaSubscription(this.function, { deadLetterQueue: this.deadLetterQueue }));

    new cloudwatch.Alarm(this, 'UndeliveredAlerts', {
      alarmDescription:
        'Cost alerts the formatter could not deliver are waiting in its dead-letter queue. The raw alerts still ' +
        'reached the alert topic; read the queue to see which ones people missed.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(props.alertTopic);
  }
}
