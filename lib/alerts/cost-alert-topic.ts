import { Annotations, Aws, Stack, Token } from 'aws-cdk-lib';
import { type AlarmActionConfig, type IAlarm, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** The AWS services that publish cost alerts to the topic. */
export enum AlertPublisher {
  /** CloudWatch alarms (the fast path: Bedrock usage and estimated-dollar alarms). */
  CLOUDWATCH = 'cloudwatch.amazonaws.com',
  /** AWS Budgets notifications. */
  BUDGETS = 'budgets.amazonaws.com',
  /** Cost Anomaly Detection subscriptions. */
  COST_ANOMALY_DETECTION = 'costalerts.amazonaws.com',
}

export interface CostAlertTopicProps {
  /**
   * The topic's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly topicName?: string;
  /**
   * The display name, used as the sender name of email notifications.
   *
   * @default 'Bedrock cost alerts'
   */
  readonly displayName?: string;
  /**
   * Email addresses to subscribe. Each recipient must confirm the subscription email.
   *
   * @default - none
   */
  readonly emails?: readonly string[];
  /**
   * HTTPS endpoints to subscribe (chat webhooks, incident tools).
   *
   * @default - none
   */
  readonly httpsEndpoints?: readonly string[];
  /**
   * An existing customer-managed key to encrypt the topic with. When it is defined in this
   * app, the publishing services are added to its key policy; when it is imported, you must
   * grant them `kms:GenerateDataKey*` and `kms:Decrypt` yourself (a warning says so).
   * The AWS-managed `alias/aws/sns` key does not work: CloudWatch, Budgets and Cost Anomaly
   * Detection cannot use it.
   *
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
}

/** A Slack channel for `CostAlertTopic.addSlackChannel()`. */
export interface SlackChannelOptions {
  /** The workspace (team) id, e.g. `T0123ABCDEF`, from the AWS Chatbot console. */
  readonly slackWorkspaceId: string;
  /** The channel id, e.g. `C0123ABCDEF` (in Slack: channel details, at the bottom). */
  readonly slackChannelId: string;
  /**
   * @default - `<stack name>-<id>`
   */
  readonly configurationName?: string;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SNS_TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * The one SNS topic every cost alert goes to: CloudWatch alarms, AWS Budgets and Cost Anomaly
 * Detection publish to it, and people subscribe by email or HTTPS.
 *
 * The topic is encrypted with a customer-managed KMS key whose policy lets those services use
 * it, its policy lets them publish only on behalf of this account, and publishing without TLS is
 * denied. Pass it to `alarm.addAlarmAction()` directly: it is an `IAlarmAction`.
 *
 * @example
 * const alerts = new CostAlertTopic(this, 'CostAlerts', { emails: ['finops@example.com'] });
 * alarm.addAlarmAction(alerts);
 */
export class CostAlertTopic extends Construct implements IAlarmAction {
  public readonly topic: sns.Topic;
  /** The key the topic is encrypted with. */
  public readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: CostAlertTopicProps = {}) {
    super(scope, id);
    validateProps(props);

    this.key =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `Encrypts the Bedrock cost alert topic ${this.node.path}`,
        enableKeyRotation: true,
      });

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: props.displayName ?? 'Bedrock cost alerts',
      masterKey: this.key,
      enforceSSL: true,
    });

    this.allowServicesToPublish();
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    for (const url of props.httpsEndpoints ?? []) {
      this.topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
  }

  public get topicArn(): string {
    return this.topic.topicArn;
  }

  /** Lets an alarm notify this topic: `alarm.addAlarmAction(costAlertTopic)`. */
  public bind(_scope: Construct, _alarm: IAlarm): AlarmActionConfig {
    return { alarmActionArn: this.topic.topicArn };
  }

  /** Subscribes another endpoint, e.g. `new LambdaSubscription(fn)`. */
  public addSubscription(subscription: sns.ITopicSubscription): sns.Subscription {
    return this.topic.addSubscription(subscription);
  }

  /**
   * Sends the alerts to a Slack channel through AWS Chatbot. The Slack workspace must be
   * authorized in the AWS Chatbot console once per account first. The channel's guardrail is
   * `AWSDenyAll`: it receives notifications but cannot run AWS commands.
   */
  public addSlackChannel(id: string, options: SlackChannelOptions): chatbot.SlackChannelConfiguration {
    const name = options.configurationName ?? `${Stack.of(this).stackName}-${id}`.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 128);
    if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,128}$/.test(name)) {
      throw new Error(`CostAlertTopic addSlackChannel: configurationName must be 1-128 letters, digits, '-' or '_', got '${name}'`);
    }
    for (const [field, value, pattern] of [
      ['slackWorkspaceId', options.slackWorkspaceId, /^[0-9A-Z]{1,255}$/],
      ['slackChannelId', options.slackChannelId, /^[A-Za-z0-9]+$/],
    ] as const) {
      if (!Token.isUnresolved(value) && !pattern.test(value)) {
        throw new Error(`CostAlertTopic addSlackChannel: ${field} '${value}' does not look like a Slack id (${pattern.source})`);
      }
    }
    return new chatbot.SlackChannelConfiguration(this, id, {
      slackChannelConfigurationName: name,
      slackWorkspaceId: options.slackWorkspaceId,
      slackChannelId: options.slackChannelId,
      notificationTopics: [this.topic],
      guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll')],
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
  }

  /**
   * Lets `grantee` publish alerts: `sns:Publish` on the topic, and `kms:Decrypt` and
   * `kms:GenerateDataKey*` on its key.
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }

  private allowServicesToPublish(): void {
    const account = Stack.of(this).account;
    const sourceAccount = { StringEquals: { 'aws:SourceAccount': account } };
    const publishers: [string, AlertPublisher, Record<string, unknown>][] = [
      ['AllowCloudWatchAlarms', AlertPublisher.CLOUDWATCH, sourceAccount],
      [
        'AllowBudgets',
        AlertPublisher.BUDGETS,
        { ...sourceAccount, ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:budgets::${account}:*` } },
      ],
      ['AllowCostAnomalyDetection', AlertPublisher.COST_ANOMALY_DETECTION, sourceAccount],
    ];
    for (const [sid, service, conditions] of publishers) {
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions,
        }),
      );
    }

    // The topic policy already confines publishing to this account; the key policy stays
    // unconditioned because not every one of these services sends source context to KMS, and a
    // condition it cannot meet would drop alerts silently.
    const keyStatement = new iam.PolicyStatement({
      sid: 'AllowCostAlertPublishersToUseKey',
      principals: publishers.map(([, service]) => new iam.ServicePrincipal(service)),
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
    });
    if (!this.key.addToResourcePolicy(keyStatement).statementAdded) {
      Annotations.of(this).addWarningV2(
        'cdk-bedrock-cost:importedAlertKey',
        `The imported key's policy cannot be changed here: grant ${publishers
          .map(([, service]) => service)
          .join(', ')} kms:GenerateDataKey* and kms:Decrypt on it, or alerts will not be delivered.`,
      );
    }
  }
}

function rejectDuplicates(values: readonly string[] | undefined, field: string): void {
  const duplicate = values?.find((value, index) => values.indexOf(value) !== index);
  if (duplicate !== undefined) {
    throw new Error(`${field}: '${duplicate}' is listed twice`);
  }
}

/** Throws an error naming `field` for an address that is not an email address, or listed twice. */
export function validateEmails(emails: readonly string[] | undefined, field: string): void {
  for (const email of emails ?? []) {
    if (!Token.isUnresolved(email) && !EMAIL_PATTERN.test(email)) {
      throw new Error(`${field}: '${email}' is not an email address`);
    }
  }
  rejectDuplicates(emails, field);
}

function validateProps(props: CostAlertTopicProps): void {
  if (props.topicName !== undefined && !Token.isUnresolved(props.topicName) && !SNS_TOPIC_NAME_PATTERN.test(props.topicName)) {
    throw new Error(
      `CostAlertTopic topicName must be 1-256 letters, digits, hyphens or underscores, got '${props.topicName}'`,
    );
  }
  validateEmails(props.emails, 'CostAlertTopic emails');
  for (const url of props.httpsEndpoints ?? []) {
    if (!Token.isUnresolved(url) && !isHttpsUrl(url)) {
      throw new Error(`CostAlertTopic httpsEndpoints: '${url}' must be an https:// URL`);
    }
  }
  rejectDuplicates(props.httpsEndpoints, 'CostAlertTopic httpsEndpoints');
}

function isHttpsUrl(candidate: string): boolean {
  try {
    return new URL(candidate).protocol === 'https:';
  } catch {
    return false;
  }
}
