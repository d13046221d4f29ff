import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type CostAlertTopic } from '../alerts';
import { createCustomResourceProvider } from '../internal/custom-resource-provider';
import { createHandlerFunction } from '../internal/handler-function';
import { validateTagKey } from './cost-allocation-tag-rules';

export interface CostAllocationTagActivationProps {
  /** The tag keys to activate for cost allocation, e.g. `['team', 'tenant']`. */
  readonly tagKeys: readonly string[];
  /**
   * Where the daily retry reports keys it activated, and failures.
   *
   * @default - the retry only logs
   */
  readonly alertTopic?: CostAlertTopic;
  /**
   * How often to retry keys Billing did not know yet.
   *
   * @default Schedule.rate(Duration.days(1))
   */
  readonly retrySchedule?: events.Schedule;
  /**
   * How long the function's logs are kept.
   *
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The retry rule's event; lambda/tag-activation reads the same shape (a test keeps them equal). */
const RETRY_ACTION = 'retry-pending-activation';

/**
 * Activates cost allocation tag keys in AWS Billing (`ce:UpdateCostAllocationTagsStatus`), which
 * no CloudFormation resource does: until a key is active, Cost Explorer cannot group spend by it.
 *
 * - Activation works only in the management account of an AWS Organization or a standalone
 *   account; elsewhere the deployment fails with a message that says so.
 * - A key Billing has not seen yet (never used on a resource, or first used under 24 hours ago)
 *   does not fail the deployment: it is reported in `pendingTagKeys`, and a daily retry activates
 *   it later and reports to the alert topic.
 * - Deleting the resource leaves the keys active: other stacks' reports may rely on them.
 */
export class CostAllocationTagActivation extends Construct {
  /** The function behind the custom resource and the daily retry. */
  public readonly function: nodejs.NodejsFunction;
  public readonly resource: CustomResource;
  public readonly retryRule: events.Rule;
  /** The tag keys activated. */
  public readonly tagKeys: readonly string[];

  constructor(scope: Construct, id: string, props: CostAllocationTagActivationProps) {
    super(scope, id);
    const tagKeys = [...new Set(props.tagKeys)];
    if (tagKeys.length === 0) {
      throw new Error('CostAllocationTagActivation tagKeys: at least one tag key is required');
    }
    tagKeys.forEach((key, index) => validateTagKey(key, `CostAllocationTagActivation tagKeys[${index}]`));
    this.tagKeys = tagKeys;

    this.function = createHandlerFunction(this, 'Function', {
      handler: 'tag-activation',
      description: 'Activates Bedrock cost allocation tag keys in AWS Billing',
      timeout: Duration.minutes(2),
      // A failed daily retry alerts once; Lambda's own async retries would repeat the alert.
      retryAttempts: 0,
      logRetention: props.logRetention,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'cost-allocation-tag-activation',
        ALERT_TOPIC_ARN: props.alertTopic?.topicArn ?? '',
      },
    });
    const role = this.function.role as iam.Role;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ce:UpdateCostAllocationTagsStatus', 'ce:ListCostAllocationTags'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Cost Explorer tag actions support no resource-level permissions: the resource must be *.',
    });
    if (props.alertTopic) {
      props.alertTopic.grantPublish(this.function);
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'Publishing to the KMS-encrypted alert topic needs kms:GenerateDataKey* on that one key.',
      });
    }

    const provider = createCustomResourceProvider(this, 'Provider', this.function, props.logRetention);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CostAllocationTagActivation',
      properties: { TagKeys: tagKeys },
    });

    this.retryRule = new events.Rule(this, 'DailyRetry', {
      description: 'Retries cost allocation tag keys Billing did not know yet',
      schedule: props.retrySchedule ?? events.Schedule.rate(Duration.days(1)),
      targets: [
        new targets.LambdaFunction(this.function, {
          event: events.RuleTargetInput.fromObject({ action: RETRY_ACTION, tagKeys }),
          retryAttempts: 2,
        }),
      ],
    });
  }

  /** Keys Billing did not know at deployment, comma-separated; the daily retry activates them. */
  public get pendingTagKeys(): string {
    return this.resource.getAttString('PendingTagKeys');
  }

  /** Keys the deployment activated, comma-separated. */
  public get activatedTagKeys(): string {
    return this.resource.getAttString('ActivatedTagKeys');
  }
}
