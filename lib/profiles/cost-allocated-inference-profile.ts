import { Arn, ArnFormat, Aws, type IResource, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import { CfnApplicationInferenceProfile } from 'aws-cdk-lib/aws-bedrock';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type Construct } from 'constructs';
import { BedrockMetrics } from '../monitoring/bedrock-metrics';
import { type BedrockModel, InferenceSource } from '../pricing';
import { validateCostAllocationTags } from './cost-allocation-tag-rules';
import { destinationRegions } from './cross-region-routing';
import { warnOnModelLifecycle } from '../internal/model-annotations';

/** Calling a model through a profile: Converse uses InvokeModel, ConverseStream the streaming one. */
const INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

const PROFILE_NAME_PATTERN = /^([0-9a-zA-Z][ _-]?)+$/;
const DESCRIPTION_PATTERN = /^([0-9a-zA-Z:.][ _-]?)+$/;

/** Profile tags win over stack-wide tags of the same key (`Tags.of` uses priority 100). */
const PROFILE_TAG_PRIORITY = 300;

/** An application inference profile whose calls are attributed to cost allocation tags. */
export interface ICostAllocatedInferenceProfile extends IResource {
  /** @attribute */
  readonly profileArn: string;
  /** The short id, e.g. `abc123xyz`: the `ModelId` value of the profile's CloudWatch metrics. */
  readonly profileId: string;
  /** What the profile calls, and at which prices. */
  readonly source: InferenceSource;
  /** The foundation model behind the profile. */
  readonly model: BedrockModel;

  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** The profile's metrics, for alarms and dashboards. */
  readonly metrics: BedrockMetrics;
  metricInvocations(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricInputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricOutputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricThrottles(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricClientErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricServerErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricLatency(options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricEstimatedCost(options?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;
}

export interface CostAllocatedInferenceProfileProps {
  /**
   * The profile's name: 1-64 letters and digits, single spaces, underscores or hyphens between
   * them. Changing it replaces the profile.
   */
  readonly profileName: string;
  /**
   * What the profile calls: a model on demand in the stack's Region, or a cross-region source such
   * as `InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us')`. Changing it replaces the profile.
   */
  readonly model: BedrockModel | InferenceSource;
  /**
   * Cost allocation tags (e.g. `{ team: 'support', 'cost-center': 'cc-1234' }`): keys 1-128
   * characters without the `aws:` prefix, values 0-256 characters, letters, digits, spaces and
   * `_ . : / = + @ -`. At least one is required. They win over stack-wide tags of the same key.
   */
  readonly costAllocationTags: Readonly<Record<string, string>>;
  /**
   * A description: 1-200 characters of letters, digits, `:` and `.`, with single spaces,
   * underscores or hyphens between them. Changing it replaces the profile.
   *
   * @default - none
   */
  readonly description?: string;
}

abstract class CostAllocatedInferenceProfileBase extends Resource implements ICostAllocatedInferenceProfile {
  public abstract readonly profileArn: string;
  public abstract readonly profileId: string;
  public abstract readonly source: InferenceSource;

  public get model(): BedrockModel {
    return this.source.model;
  }

  /** The profile's metrics: `ModelId` is the profile's short id. */
  public get metrics(): BedrockMetrics {
    return new BedrockMetrics({
      modelIdDimension: this.profileId,
      pricing: this.source,
      label: this.node.id,
    });
  }

  /**
   * Lets `grantee` call the model through this profile:
   * - `bedrock:InvokeModel`, `bedrock:InvokeModelWithResponseStream` (Converse and ConverseStream)
   *   and `bedrock:GetInferenceProfile` on the profile;
   * - `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream` on the foundation model in
   *   every Region the source can route to (the stack's Region for an in-Region source; every
   *   Region of the geography for a cross-region one, and all Regions for `global.`), and on the
   *   system-defined cross-region profile the application profile was copied from.
   *
   * A `global.` source needs the foundation model in every Region (`*`): cdk-nag reports that as
   * AwsSolutions-IAM5, which the grantee's owner acknowledges.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const profileGrant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...INVOKE_ACTIONS, 'bedrock:GetInferenceProfile'],
      resourceArns: [this.profileArn],
    });
    const modelGrant = iam.Grant.addToPrincipal({
      grantee,
      actions: INVOKE_ACTIONS,
      resourceArns: underlyingResourceArns(this, this.source),
    });
    return profileGrant.combine(modelGrant);
  }

  public metricInvocations(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.invocations(options);
  }

  public metricInputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.inputTokens(options);
  }

  public metricOutputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.outputTokens(options);
  }

  public metricThrottles(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.throttles(options);
  }

  public metricClientErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.clientErrors(options);
  }

  public metricServerErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.serverErrors(options);
  }

  /** Invocation latency in milliseconds. @default statistic Average */
  public metricLatency(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.latency(options);
  }

  /** Estimated USD per period from the token metrics and the price table. */
  public metricEstimatedCost(options?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.metrics.estimatedCost(options);
  }
}

/**
 * An application inference profile tagged for cost allocation, so every team, tenant or agent
 * calling through it shows up as its own line in Cost Explorer (once the tag keys are activated:
 * see `CostAllocationTagActivation`).
 *
 * @example
 * const support = new CostAllocatedInferenceProfile(this, 'Support', {
 *   profileName: 'support-chatbot-micro',
 *   model: BedrockModel.NOVA_MICRO,
 *   costAllocationTags: { team: 'support', application: 'chatbot' },
 * });
 * support.grantInvoke(chatbotFunction);
 */
export class CostAllocatedInferenceProfile extends CostAllocatedInferenceProfileBase {
  /**
   * An existing application inference profile, by ARN. `model` says what it calls, so grants
   * reach the right foundation model and `metricEstimatedCost()` the right prices.
   */
  public static fromProfileArn(
    scope: Construct,
    id: string,
    profileArn: string,
    model: BedrockModel | InferenceSource,
  ): ICostAllocatedInferenceProfile {
    const profileId = Arn.split(profileArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName;
    if (profileId === undefined) {
      throw new Error(`fromProfileArn: '${profileArn}' is not an application inference profile ARN`);
    }
    class Import extends CostAllocatedInferenceProfileBase {
      public readonly profileArn = profileArn;
      public readonly profileId = profileId as string;
      public readonly source = InferenceSource.of(model);
    }
    return new Import(scope, id, { environmentFromArn: profileArn });
  }

  public readonly profileArn: string;
  public readonly profileId: string;
  public readonly source: InferenceSource;
  /** The tags the profile was created with (stack-wide tags come on top). */
  public readonly costAllocationTags: Readonly<Record<string, string>>;
  /** The underlying CloudFormation resource. */
  public readonly resource: CfnApplicationInferenceProfile;

  constructor(scope: Construct, id: string, props: CostAllocatedInferenceProfileProps) {
    super(scope, id, { physicalName: props.profileName });
    validateProfileName(props.profileName);
    if (props.description !== undefined) {
      validateDescription(props.description);
    }
    validateCostAllocationTags(props.costAllocationTags, 'CostAllocatedInferenceProfile costAllocationTags', true);
    this.source = InferenceSource.of(props.model);
    validateSourceRegion(this, this.source);
    warnOnModelLifecycle(this, this.source);

    this.resource = new CfnApplicationInferenceProfile(this, 'Resource', {
      inferenceProfileName: props.profileName,
      description: props.description,
      modelSource: { copyFrom: sourceArn(this, this.source) },
    });
    for (const [key, value] of Object.entries(props.costAllocationTags)) {
      Tags.of(this.resource).add(key, value, { priority: PROFILE_TAG_PRIORITY });
    }
    this.costAllocationTags = { ...props.costAllocationTags };
    this.profileArn = this.resource.attrInferenceProfileArn;
    this.profileId = this.resource.attrInferenceProfileId;
  }
}

function validateProfileName(name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (name.length < 1 || name.length > 64 || !PROFILE_NAME_PATTERN.test(name)) {
    throw new Error(
      `CostAllocatedInferenceProfile profileName must be 1-64 characters: letters and digits, with single spaces, ` +
        `underscores or hyphens between them (pattern ${PROFILE_NAME_PATTERN.source}), got '${name}'`,
    );
  }
}

function validateDescription(description: string): void {
  if (Token.isUnresolved(description)) {
    return;
  }
  if (description.length < 1 || description.length > 200 || !DESCRIPTION_PATTERN.test(description)) {
    throw new Error(
      `CostAllocatedInferenceProfile description must be 1-200 characters: letters, digits, ':' and '.', with single ` +
        `spaces, underscores or hyphens between them (pattern ${DESCRIPTION_PATTERN.source}), got '${description}'`,
    );
  }
}

/** A cross-region source only works from a Region of its geography. */
function validateSourceRegion(scope: Construct, source: InferenceSource): void {
  const region = Stack.of(scope).region;
  if (source.geography === undefined || source.geography === 'global' || Token.isUnresolved(region)) {
    return;
  }
  if (!destinationRegions(source.geography).includes(region)) {
    throw new Error(
      `CostAllocatedInferenceProfile model: the '${source.geography}' profile ${source.invocationId} cannot be called ` +
        `from ${region}; deploy to a Region of that geography or pick another source`,
    );
  }
}

function foundationModelArn(scope: Construct, modelId: string, region?: string): string {
  return Stack.of(scope).formatArn({
    service: 'bedrock',
    region,
    account: '',
    resource: 'foundation-model',
    resourceName: modelId,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

function systemProfileArn(scope: Construct, profileId: string): string {
  return Stack.of(scope).formatArn({
    service: 'bedrock',
    resource: 'inference-profile',
    resourceName: profileId,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** What `ModelSource.CopyFrom` names: the foundation model, or the system-defined profile. */
function sourceArn(scope: Construct, source: InferenceSource): string {
  return source.geography === undefined
    ? foundationModelArn(scope, source.model.modelId)
    : systemProfileArn(scope, source.invocationId);
}

/** Everything a call through the profile touches besides the profile itself. */
/** @internal */
export function underlyingResourceArns(scope: Construct, source: InferenceSource): string[] {
  const modelId = source.model.modelId;
  if (source.geography === undefined) {
    return [foundationModelArn(scope, modelId)];
  }
  const destinations =
    source.geography === 'global'
      ? // Global profiles name the model without a Region as well as in each Region.
        [foundationModelArn(scope, modelId, '*'), `arn:${Aws.PARTITION}:bedrock:::foundation-model/${modelId}`]
      : [Aws.REGION, ...destinationRegions(source.geography)].map((region) => foundationModelArn(scope, modelId, region));
  return [systemProfileArn(scope, source.invocationId), ...destinations];
}
