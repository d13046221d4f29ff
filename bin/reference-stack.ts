import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type Construct } from 'constructs';
import {
  BedrockModel,
  CostAlertTopic,
  CostAllocatedInferenceProfile,
  CostAllocationTagActivation,
  CostAllocationTagKey,
  CostAllocationTags,
  InferenceSource,
} from '../lib';

export interface ReferenceStackProps extends StackProps {
  /** Who receives cost alerts by email. */
  readonly alertEmails: readonly string[];
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

  constructor(scope: Construct, id: string, props: ReferenceStackProps) {
    super(scope, id, props);
    this.alerts = new CostAlertTopic(this, 'CostAlerts', { emails: props.alertEmails });

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

    for (const [name, created] of Object.entries(this.profiles)) {
      new CfnOutput(this, `${name}ProfileArn`, { value: created.profileArn });
    }
    new CfnOutput(this, 'PendingTagKeys', {
      value: this.tagActivation.pendingTagKeys,
      description: 'Tag keys Billing did not know yet; a daily retry activates them',
    });
  }
}
