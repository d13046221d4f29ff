import { CustomResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ce from 'aws-cdk-lib/aws-ce';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type CostAlertTopic, validateEmails } from '../alerts/cost-alert-topic';
import { createCustomResourceProvider } from '../internal/custom-resource-provider';
import { createHandlerFunction } from '../internal/handler-function';
import { validateTagKey, validateTagValue } from '../profiles/cost-allocation-tag-rules';
import { requireUsEast1 } from './us-east-1-only';

type MonitorKind =
  | { readonly kind: 'services'; readonly monitorName?: string }
  | { readonly kind: 'custom'; readonly specification: Record<string, unknown>; readonly description: string }
  | { readonly kind: 'existing'; readonly monitorArn: string };

/** Which spend the anomaly monitor watches. */
export class AnomalyMonitorSource {
  /**
   * The account's AWS-services monitor. An account may have only one, and most already have AWS's
   * `Default-Services-Monitor`: a custom resource finds it and subscribes to it, creating one
   * only where none exists, and never deletes a monitor it did not create.
   *
   * @param monitorName the name of a monitor created where none exists @default - `<stack>-services`
   */
  public static services(monitorName?: string): AnomalyMonitorSource {
    return new AnomalyMonitorSource({ kind: 'services', monitorName });
  }

  /** Spend carrying a cost allocation tag (a CUSTOM monitor; management account only). */
  public static costAllocationTag(key: string, values: readonly string[]): AnomalyMonitorSource {
    validateTagKey(key, 'AnomalyMonitorSource.costAllocationTag');
    if (values.length === 0) {
      throw new Error(`AnomalyMonitorSource.costAllocationTag: tag '${key}' needs at least one value`);
    }
    values.forEach((value) => validateTagValue(key, value, 'AnomalyMonitorSource.costAllocationTag'));
    return new AnomalyMonitorSource({
      kind: 'custom',
      specification: { Tags: { Key: key, Values: [...values], MatchOptions: ['EQUALS'] } },
      description: `tag ${key}`,
    });
  }

  /** Spend in a cost category (a CUSTOM monitor). */
  public static costCategory(name: string, values: readonly string[]): AnomalyMonitorSource {
    if (name.trim() === '' || values.length === 0) {
      throw new Error('AnomalyMonitorSource.costCategory: give the category name and at least one value');
    }
    return new AnomalyMonitorSource({
      kind: 'custom',
      specification: { CostCategories: { Key: name, Values: [...values], MatchOptions: ['EQUALS'] } },
      description: `cost category ${name}`,
    });
  }

  /** A monitor that already exists, by ARN. */
  public static existing(monitorArn: string): AnomalyMonitorSource {
    if (!Token.isUnresolved(monitorArn) && !/^arn:aws[a-z-]*:ce::\d{12}:anomalymonitor\/[\w-]+$/.test(monitorArn)) {
      throw new Error(`AnomalyMonitorSource.existing: '${monitorArn}' is not an anomaly monitor ARN (arn:aws:ce::<account>:anomalymonitor/<id>)`);
    }
    return new AnomalyMonitorSource({ kind: 'existing', monitorArn });
  }

  private constructor(public readonly source: MonitorKind) {}
}

/** How often Cost Anomaly Detection reports. */
export enum AnomalyAlertFrequency {
  /** Each anomaly as it is found, to the alert topic (SNS only). */
  IMMEDIATE = 'IMMEDIATE',
  /** A daily summary by email. */
  DAILY = 'DAILY',
  /** A weekly summary by email. */
  WEEKLY = 'WEEKLY',
}

/** Which anomalies to report, by their total impact. */
export interface AnomalyThreshold {
  /** Report anomalies whose impact is at least this many USD. */
  readonly absoluteUsd?: number;
  /** Report anomalies whose impact is at least this percentage of the expected spend. */
  readonly percent?: number;
  /**
   * With both: report when both hold (`AND`) or either does (`OR`).
   *
   * @default 'AND'
   */
  readonly combine?: 'AND' | 'OR';
}

export interface BedrockCostAnomalyDetectionProps {
  /** IMMEDIATE alerts go here. Its topic policy and key already admit Cost Anomaly Detection. */
  readonly alertTopic: CostAlertTopic;
  /**
   * @default AnomalyMonitorSource.services()
   */
  readonly monitor?: AnomalyMonitorSource;
  /**
   * @default { absoluteUsd: 100 }
   */
  readonly threshold?: AnomalyThreshold;
  /**
   * @default AnomalyAlertFrequency.IMMEDIATE
   */
  readonly frequency?: AnomalyAlertFrequency;
  /**
   * Recipients of DAILY or WEEKLY summaries (required for those; not allowed with IMMEDIATE).
   *
   * @default - none
   */
  readonly emails?: readonly string[];
  /**
   * @default - `<stack name>-<construct id>`
   */
  readonly subscriptionName?: string;
  /**
   * Log retention of the monitor lookup function (`services()` only).
   *
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

const MAX_EMAIL_SUBSCRIBERS = 10;

function impact(key: string, value: number): Record<string, unknown> {
  return { Dimensions: { Key: key, MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: [String(value)] } };
}

/** The subscription's `ThresholdExpression` JSON (never the deprecated `Threshold`). */
export function thresholdExpression(threshold: AnomalyThreshold): string {
  const parts: Record<string, unknown>[] = [];
  if (threshold.absoluteUsd !== undefined) {
    if (!Number.isFinite(threshold.absoluteUsd) || threshold.absoluteUsd <= 0) {
      throw new Error(`BedrockCostAnomalyDetection threshold.absoluteUsd: must be > 0 USD, got ${threshold.absoluteUsd}`);
    }
    parts.push(impact('ANOMALY_TOTAL_IMPACT_ABSOLUTE', threshold.absoluteUsd));
  }
  if (threshold.percent !== undefined) {
    if (!Number.isFinite(threshold.percent) || threshold.percent <= 0) {
      throw new Error(`BedrockCostAnomalyDetection threshold.percent: must be > 0, got ${threshold.percent}`);
    }
    parts.push(impact('ANOMALY_TOTAL_IMPACT_PERCENTAGE', threshold.percent));
  }
  if (parts.length === 0) {
    throw new Error('BedrockCostAnomalyDetection threshold: give absoluteUsd, percent or both');
  }
  return JSON.stringify(parts.length === 1 ? parts[0] : { [threshold.combine ?? 'AND']: parts });
}

/**
 * Cost Anomaly Detection wired to the alert topic: a monitor (by default the account's existing
 * AWS-services monitor, found rather than duplicated) and a subscription with a typed threshold.
 * Detection runs about three times a day on billing data up to 24 hours old: it is a backstop
 * behind the CloudWatch alarms. `AWS::CE::*` resources deploy only in us-east-1.
 */
export class BedrockCostAnomalyDetection extends Construct {
  /** The ARN of the monitor subscribed to. */
  public readonly monitorArn: string;
  public readonly subscription: ce.CfnAnomalySubscription;
  /** Whether the services monitor was created by this stack (a CloudFormation attribute: 'true'/'false'). */
  public readonly monitorCreated?: string;

  constructor(scope: Construct, id: string, props: BedrockCostAnomalyDetectionProps) {
    super(scope, id);
    requireUsEast1(this, 'BedrockCostAnomalyDetection');
    const frequency = props.frequency ?? AnomalyAlertFrequency.IMMEDIATE;
    validateEmails(props.emails, 'BedrockCostAnomalyDetection emails');
    const emails = props.emails ?? [];
    if (frequency === AnomalyAlertFrequency.IMMEDIATE && emails.length > 0) {
      throw new Error('BedrockCostAnomalyDetection emails: IMMEDIATE alerts go to the SNS topic only; use DAILY or WEEKLY for email summaries');
    }
    if (frequency !== AnomalyAlertFrequency.IMMEDIATE && emails.length === 0) {
      throw new Error(`BedrockCostAnomalyDetection emails: ${frequency} summaries go by email; list at least one address`);
    }
    if (emails.length > MAX_EMAIL_SUBSCRIBERS) {
      throw new Error(`BedrockCostAnomalyDetection emails: at most ${MAX_EMAIL_SUBSCRIBERS} addresses, got ${emails.length}`);
    }
    const expression = thresholdExpression(props.threshold ?? { absoluteUsd: 100 });
    const name = `${Stack.of(this).stackName}-${id}`;

    const source = (props.monitor ?? AnomalyMonitorSource.services()).source;
    switch (source.kind) {
      case 'existing':
        this.monitorArn = source.monitorArn;
        break;
      case 'custom':
        this.monitorArn = new ce.CfnAnomalyMonitor(this, 'Monitor', {
          monitorName: `${name}-monitor`.slice(0, 1024),
          monitorType: 'CUSTOM',
          monitorSpecification: JSON.stringify(source.specification),
        }).attrMonitorArn;
        break;
      case 'services': {
        const lookup = this.servicesMonitorLookup(source.monitorName ?? `${Stack.of(this).stackName}-services`, props.logRetention);
        this.monitorArn = lookup.getAttString('MonitorArn');
        this.monitorCreated = lookup.getAttString('Created');
        break;
      }
    }

    this.subscription = new ce.CfnAnomalySubscription(this, 'Subscription', {
      subscriptionName: props.subscriptionName ?? name,
      monitorArnList: [this.monitorArn],
      frequency,
      thresholdExpression: expression,
      subscribers:
        frequency === AnomalyAlertFrequency.IMMEDIATE
          ? [{ type: 'SNS', address: props.alertTopic.topicArn }]
          : emails.map((address) => ({ type: 'EMAIL', address })),
    });
    // Cost Anomaly Detection checks it may publish when the subscription is created.
    this.subscription.node.addDependency(props.alertTopic);
  }

  private servicesMonitorLookup(monitorName: string, logRetention?: logs.RetentionDays): CustomResource {
    const fn = createHandlerFunction(this, 'MonitorLookup', {
      handler: 'anomaly-monitor',
      description: "Finds the account's AWS-services anomaly monitor, creating one only where none exists",
      timeout: Duration.minutes(2),
      logRetention,
      environment: {},
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ce:GetAnomalyMonitors', 'ce:CreateAnomalyMonitor', 'ce:DeleteAnomalyMonitor', 'ce:TagResource'],
        resources: ['*'],
      }),
    );
    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'GetAnomalyMonitors lists every monitor and the monitor to create has no ARN yet: the resource must be *.',
      });
    }
    const provider = createCustomResourceProvider(this, 'MonitorLookupProvider', fn, logRetention);
    return new CustomResource(this, 'ServicesMonitor', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AnomalyServicesMonitor',
      properties: { MonitorName: monitorName },
    });
  }
}
