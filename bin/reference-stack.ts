import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type Construct } from 'constructs';
import {
  BatchInferencePipeline,
  type BedrockAlarmTarget,
  BedrockCostDashboard,
  BedrockModel,
  BedrockUsageAlarms,
  CostAlertTopic,
  CostAllocatedInferenceProfile,
  CostAllocationTagActivation,
  CostAllocationTagKey,
  CostAllocationTags,
  InferenceSource,
  ReadableAlerts,
  type SlackChannelOptions,
} from '../lib';

export interface ReferenceStackProps extends StackProps {
  /** Who receives cost alerts by email, as readable text. */
  readonly alertEmails: readonly string[];
  /** A Slack channel for the alerts, if the workspace is authorized in AWS Chatbot. */
  readonly slackChannel?: SlackChannelOptions;
  /** The `team` tag on every resource. */
  readonly team: string;
  /** The `environment` tag on every resource. */
  readonly environment: string;
}

/**
 * What a platform team deploys to control its Bedrock spend. Each capability of the library is
 * added here as it lands.
 */
export class BedrockCostReferenceStack extends Stack {
  public readonly alerts: CostAlertTopic;
  public readonly profiles: Readonly<Record<'supportMicro' | 'supportLite' | 'advisoryPro', CostAllocatedInferenceProfile>>;
  public readonly tagActivation: CostAllocationTagActivation;
  public readonly dashboard: BedrockCostDashboard;
  public readonly alarms: BedrockUsageAlarms;
  public readonly readableAlerts: ReadableAlerts;
  public readonly moderationPipeline: BatchInferencePipeline;

  constructor(scope: Construct, id: string, props: ReferenceStackProps) {
    super(scope, id, props);
    // People read the formatted copy; the raw topic is for machines (and Slack, which formats itself).
    this.alerts = new CostAlertTopic(this, 'CostAlerts');
    if (props.slackChannel) {
      this.alerts.addSlackChannel('Slack', props.slackChannel);
    }

    // Every resource carries the platform's tags; each profile adds the agent it serves.
    const stackTags = CostAllocationTags.apply(this, {
      team: props.team,
      environment: props.environment,
      application: 'bedrock-cost-reference',
    });
    const profile = (name: string, model: BedrockModel | InferenceSource, agent: string) =>
      new CostAllocatedInferenceProfile(this, name, {
        // Profile names are unique per account and Region: the stack name keeps two copies apart.
        profileName: `${this.stackName}-${agent}`,
        model,
        costAllocationTags: { [CostAllocationTagKey.AGENT]: agent },
        description: `${agent} agent of ${this.stackName}`,
      });
    this.profiles = {
      supportMicro: profile('SupportChatbotMicro', BedrockModel.NOVA_MICRO, 'support-chatbot-micro'),
      supportLite: profile('SupportChatbotLite', BedrockModel.NOVA_LITE, 'support-chatbot-lite'),
      advisoryPro: profile('AdvisoryPro', InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'), 'advisory-pro'),
    };

    this.tagActivation = new CostAllocationTagActivation(this, 'TagActivation', {
      tagKeys: [...stackTags.keys, CostAllocationTagKey.AGENT],
      alertTopic: this.alerts,
    });

    // What an application's function would assume: it may call the advisory agent's profile only.
    const advisoryRole = new iam.Role(this, 'AdvisoryAgentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Demo: a Lambda role allowed to call Bedrock through the advisory-pro profile only',
    });
    this.profiles.advisoryPro.grantInvoke(advisoryRole);

    // Thresholds for the seed's traffic: a runaway support chatbot on Nova Micro crosses $2 an hour
    // long before anyone reads a bill; direct calls to the models bypass the tagged profiles.
    const targets: BedrockAlarmTarget[] = [
      {
        source: this.profiles.supportMicro,
        estimatedCostPerHourAbove: { warning: 2 },
        outputTokensAbove: { spike: 2_000_000 },
      },
      { source: this.profiles.supportLite, estimatedCostPerHourAbove: { warning: 2 } },
      {
        source: this.profiles.advisoryPro,
        estimatedCostPerHourAbove: { warning: 5, critical: 20 },
        throttlesAbove: { sustained: { threshold: 10, datapointsToAlarm: 2, evaluationPeriods: 3 } },
        clientErrorRateAbove: { high: 5 },
        latencyP90Above: { slow: Duration.seconds(10) },
      },
      ...[BedrockModel.NOVA_MICRO, BedrockModel.NOVA_LITE, BedrockModel.NOVA_PRO].map((model) => ({
        source: model,
        name: `untagged-${model.modelId.split('.')[1].replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}`,
        estimatedCostPerHourAbove: { any: 1 },
        runawayDetection: false,
      })),
    ];
    this.dashboard = new BedrockCostDashboard(this, 'Dashboard', { targets });
    this.alarms = new BedrockUsageAlarms(this, 'Alarms', { alertTopic: this.alerts, targets, dashboard: this.dashboard });
    this.readableAlerts = new ReadableAlerts(this, 'ReadableAlerts', {
      alertTopic: this.alerts,
      emails: props.alertEmails,
      dashboardUrl: this.dashboard.dashboardUrl,
    });

    // The seed's nightly content moderation: posts collected all day, reviewed at batch prices.
    this.moderationPipeline = new BatchInferencePipeline(this, 'ContentModeration', {
      model: BedrockModel.NOVA_MICRO,
      alertTopic: this.alerts,
    });
    new CfnOutput(this, 'ModerationSubmitQueueUrl', { value: this.moderationPipeline.submitQueue.queueUrl });
    new CfnOutput(this, 'ModerationBucket', { value: this.moderationPipeline.bucket.bucketName });

    for (const [name, created] of Object.entries(this.profiles)) {
      new CfnOutput(this, `${name}ProfileArn`, { value: created.profileArn });
    }
    new CfnOutput(this, 'PendingTagKeys', {
      value: this.tagActivation.pendingTagKeys,
      description: 'Tag keys Billing did not know yet; a daily retry activates them',
    });
  }
}
