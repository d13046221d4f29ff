import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type CostAlertTopic } from '../alerts/cost-alert-topic';
import { createHandlerFunction } from '../internal/handler-function';
import { type ProvisionedThroughputPrice } from './report-engine';

export interface CostReportProps {
  /** Where the digest goes. */
  readonly alertTopic: CostAlertTopic;
  /**
   * When the report runs; it covers the 7 days before.
   *
   * @default Schedule.cron({ weekDay: 'MON', hour: '8', minute: '0' }) - Mondays 08:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * Provisioned Throughput prices by model id, for the break-even recommendation.
   *
   * @default - no Provisioned Throughput comparison
   */
  readonly provisionedThroughput?: Readonly<Record<string, ProvisionedThroughputPrice>>;
  /**
   * Names for `ModelId` values in the digest (e.g. application profile ids to tenant names).
   *
   * @default - application profiles are named after their profile names, read at run time
   */
  readonly modelLabels?: Readonly<Record<string, string>>;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A weekly digest of Bedrock spend to the alert topic: spend per model, profile or tenant, the
 * change from the week before, the top spenders, and recommendations with their estimated
 * monthly savings (a cheaper tier, batch, prompt caching, Provisioned Throughput).
 */
export class CostReport extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: CostReportProps) {
    super(scope, id);
    for (const [modelId, price] of Object.entries(props.provisionedThroughput ?? {})) {
      if (!(price.hourlyUsdPerModelUnit > 0) || !(price.tokensPerMinutePerModelUnit > 0)) {
        throw new Error(`CostReport provisionedThroughput['${modelId}']: hourlyUsdPerModelUnit and tokensPerMinutePerModelUnit must be > 0`);
      }
    }
    this.function = createHandlerFunction(this, 'Function', {
      handler: 'cost-report',
      description: 'Reads a week of Bedrock metrics, prices them and sends a digest with recommendations',
      timeout: Duration.minutes(5),
      memorySize: 512,
      logRetention: props.logRetention,
      environment: {
        ALERT_TOPIC_ARN: props.alertTopic.topicArn,
        PROVISIONED_THROUGHPUT: JSON.stringify(props.provisionedThroughput ?? {}),
        MODEL_LABELS: JSON.stringify(props.modelLabels ?? {}),
      },
    });
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'bedrock:ListInferenceProfiles'],
        resources: ['*'],
      }),
    );
    props.alertTopic.grantPublish(this.function);
    if (this.function.role) {
      Validations.of(this.function.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'GetMetricData, ListMetrics and ListInferenceProfiles take no resource-level permissions.',
      });
      Validations.of(this.function.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'Publishing to the KMS-encrypted alert topic needs kms:GenerateDataKey* on that one key.',
      });
    }
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Sends the weekly Bedrock cost report',
      schedule: props.schedule ?? events.Schedule.cron({ weekDay: 'MON', hour: '8', minute: '0' }),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
