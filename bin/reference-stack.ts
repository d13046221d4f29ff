import { join } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type Construct } from 'constructs';
import {
  BatchInferencePipeline,
  type BedrockAlarmTarget,
  BedrockCostDashboard,
  BedrockInvocationLogging,
  BedrockModel,
  BedrockUsageAlarms,
  CostAlertTopic,
  type CostAllocatedInferenceProfile,
  CostAllocationTagActivation,
  CostAllocationTagKey,
  CostAllocationTags,
  InferenceSource,
  ModelRouter,
  ReadableAlerts,
  RequestMetadataKey,
  RouterClassifier,
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
  /**
   * Model invocation logging (an account-wide setting): `on` refuses to replace a configuration
   * the account already has, `overwrite` replaces it (and restores it on delete), `off` leaves it.
   *
   * @default 'on'
   */
  readonly invocationLogging?: 'on' | 'off' | 'overwrite';
}

/**
 * What a platform team deploys to control its Bedrock spend. Each capability of the library is
 * added here as it lands.
 */
export class BedrockCostReferenceStack extends Stack {
  public readonly alerts: CostAlertTopic;
  /** The routers' tier profiles the alarms watch. */
  public readonly profiles: Readonly<Record<'supportMicro' | 'supportLite' | 'advisoryPro', CostAllocatedInferenceProfile>>;
  public readonly tagActivation: CostAllocationTagActivation;
  public readonly dashboard: BedrockCostDashboard;
  public readonly alarms: BedrockUsageAlarms;
  public readonly readableAlerts: ReadableAlerts;
  public readonly moderationPipeline: BatchInferencePipeline;
  public readonly supportRouter: ModelRouter;
  public readonly financeRouter: ModelRouter;
  public readonly invocationLogging?: BedrockInvocationLogging;

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
    // The seed's customer-support chatbot: most questions are FAQ and run on Nova Micro; keywords
    // catch the obvious ones for free, a classifier trained on labelled examples
    // (examples/classifier) decides most of the rest in the router, and Nova Micro decides what
    // it is unsure of.
    this.supportRouter = new ModelRouter(this, 'Support', {
      tiers: [
        {
          name: 'faq',
          description: 'Questions about orders, shipping, returns, accounts and opening hours that the FAQ answers',
          model: BedrockModel.NOVA_MICRO,
          maxTokens: 400,
          systemPrompt: SUPPORT_FAQ_PROMPT,
        },
        {
          name: 'technical',
          description: 'Troubleshooting, error messages, integrations and how-to questions about the product',
          model: BedrockModel.NOVA_LITE,
          maxTokens: 1000,
          systemPrompt: SUPPORT_TECHNICAL_PROMPT,
        },
      ],
      classifier: RouterClassifier.trained({
        model: join(__dirname, '..', 'examples', 'classifier', 'support-router-model.json'),
        tiers: SUPPORT_INTENT_TIERS,
        minConfidence: 0.6,
        fallback: RouterClassifier.model(BedrockModel.NOVA_MICRO),
        rules: [
          { tier: 'faq', keywords: ['opening hours', 'refund', 'return policy', 'shipping', 'reset my password'] },
          { tier: 'technical', patterns: [/\berror\s+(code\s+)?[A-Z]*\d{3,}\b/i, /\b(api|sdk|webhook)s?\b/i] },
        ],
      }),
      alertTopic: this.alerts,
    });

    // The seed's financial-services assistant: a router on Nova Micro in front of three agents.
    this.financeRouter = new ModelRouter(this, 'Finance', {
      tiers: [
        {
          name: 'faq',
          description: 'General questions about accounts, cards, fees and branch services',
          model: BedrockModel.NOVA_MICRO,
          maxTokens: 400,
          systemPrompt: FINANCE_FAQ_PROMPT,
        },
        {
          name: 'transactions',
          description: 'Questions about specific payments, transfers, statements and disputed transactions',
          model: BedrockModel.NOVA_LITE,
          maxTokens: 800,
          systemPrompt: FINANCE_TRANSACTIONS_PROMPT,
        },
        {
          name: 'advisory',
          description: 'Investment, retirement, mortgage and financial planning advice',
          model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'),
          maxTokens: 1500,
          systemPrompt: FINANCE_ADVISORY_PROMPT,
          fallbackModel: BedrockModel.NOVA_PRO,
        },
      ],
      classifier: RouterClassifier.model(BedrockModel.NOVA_MICRO),
      alertTopic: this.alerts,
    });
    // Every agent's spend is its own line in Cost Explorer: the routers tag each tier's profile.
    this.profiles = {
      supportMicro: this.supportRouter.profileFor('faq'),
      supportLite: this.supportRouter.profileFor('technical'),
      advisoryPro: this.financeRouter.profileFor('advisory'),
    };

    this.tagActivation = new CostAllocationTagActivation(this, 'TagActivation', {
      tagKeys: [...stackTags.keys, CostAllocationTagKey.AGENT, CostAllocationTagKey.ROUTER],
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
        name: 'SupportFaq',
        estimatedCostPerHourAbove: { warning: 2 },
        outputTokensAbove: { spike: 2_000_000 },
      },
      { source: this.profiles.supportLite, name: 'SupportTechnical', estimatedCostPerHourAbove: { warning: 2 } },
      {
        source: this.profiles.advisoryPro,
        name: 'FinanceAdvisory',
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
    this.supportRouter.addToDashboard(this.dashboard);
    this.financeRouter.addToDashboard(this.dashboard);
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

    // Who spent it: per-request records (metadata only, no prompts) priced in Athena, including
    // the calls through the routers' tier profiles.
    if ((props.invocationLogging ?? 'on') !== 'off') {
      const routers = [this.supportRouter, this.financeRouter];
      this.invocationLogging = new BedrockInvocationLogging(this, 'InvocationLogging', {
        overwriteExisting: props.invocationLogging === 'overwrite',
        analytics: {
          profiles: routers.flatMap((router) => [
            ...router.tierNames.flatMap((tier) => [router.profileFor(tier), router.fallbackProfileFor(tier)]),
            router.classifierProfile,
          ]).filter((profile) => profile !== undefined),
          metadataKeys: [RequestMetadataKey.TENANT, RequestMetadataKey.TIER, RequestMetadataKey.ROUTER],
        },
      });
      new CfnOutput(this, 'InvocationLogBucket', { value: this.invocationLogging.bucket.bucketName });
    }

    new CfnOutput(this, 'SupportRouterUrl', { value: this.supportRouter.url });
    new CfnOutput(this, 'FinanceRouterUrl', { value: this.financeRouter.url });

    for (const [name, created] of Object.entries(this.profiles)) {
      new CfnOutput(this, `${name}ProfileArn`, { value: created.profileArn });
    }
    new CfnOutput(this, 'PendingTagKeys', {
      value: this.tagActivation.pendingTagKeys,
      description: 'Tag keys Billing did not know yet; a daily retry activates them',
    });
  }
}

/** The intents of examples/classifier/support-router.csv and the tier that answers each. */
export const SUPPORT_INTENT_TIERS: Readonly<Record<string, 'faq' | 'technical'>> = {
  order_status: 'faq',
  shipping_delivery: 'faq',
  returns_refunds: 'faq',
  account_password: 'faq',
  opening_hours_contact: 'faq',
  payment_billing: 'faq',
  error_message: 'technical',
  api_integration: 'technical',
  app_troubleshooting: 'technical',
  product_how_to: 'technical',
};

// Short prompts keep the example readable; a real deployment's prompts (product facts, policies,
// tone) pass the models' ~1,024-token minimum, and prompt caching then bills them at a quarter.
const SUPPORT_FAQ_PROMPT =
  'You are the customer-support assistant of an online store. Answer questions about orders, shipping, returns, ' +
  'accounts and opening hours briefly and politely, from the store policies. Never invent order details.';
const SUPPORT_TECHNICAL_PROMPT =
  'You are a technical support engineer for the store platform. Diagnose problems step by step, ask for the error ' +
  'message when it is missing, and give concrete instructions.';
const FINANCE_FAQ_PROMPT =
  'You answer general questions about a retail bank: accounts, cards, fees, branch services. Be brief and accurate, ' +
  'and never give investment advice.';
const FINANCE_TRANSACTIONS_PROMPT =
  'You help customers understand payments, transfers, statements and disputed transactions. Explain what happened ' +
  'and the next steps; never ask for full card numbers or passwords.';
const FINANCE_ADVISORY_PROMPT =
  'You are a careful financial planning assistant. Explain options, trade-offs and risks for investments, retirement ' +
  'and mortgages, state your assumptions, and recommend speaking to a licensed adviser before acting.';
