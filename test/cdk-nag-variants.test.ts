import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  AnomalyMonitorSource,
  AnomalyAlertFrequency,
  BatchInferencePipeline,
  BedrockBudget,
  BedrockCostAnomalyDetection,
  BedrockInvocationLogging,
  BedrockModel,
  BudgetActionApproval,
  BudgetScope,
  CostAlertTopic,
  CostAllocatedInferenceProfile,
  CostReport,
  InferenceSource,
  ModelRouter,
  ResponseCache,
  RouterClassifier,
} from '../lib';
import { cfnLint, cfnLintAvailable } from './support/cfn-lint';

interface ValidationReport {
  readonly pluginReports: readonly { readonly violations?: readonly { ruleName: string }[] }[];
}

/**
 * The reference app covers the defaults; this stack covers the other prop paths that create
 * resources (hard stop, custom monitors, batch through a profile, the report with PT prices).
 */
describe('cdk-nag and cfn-lint on the constructs beyond the reference app', () => {
  test('finds nothing unacknowledged', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'nag-variants-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Variants', { env: { region: 'us-east-1', account: '111122223333' } });
      const alertTopic = new CostAlertTopic(stack, 'Alerts', { emails: ['finops@example.com'] });
      const appRole = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      new BedrockBudget(stack, 'HardStop', {
        limitUsd: 100,
        alertTopic,
        scope: BudgetScope.costAllocationTags({ team: ['support'] }),
        enforcement: { thresholdPercent: 100, approval: BudgetActionApproval.MANUAL, roles: [appRole] },
      });
      new BedrockCostAnomalyDetection(stack, 'TagMonitor', {
        alertTopic,
        monitor: AnomalyMonitorSource.costAllocationTag('team', ['support']),
        frequency: AnomalyAlertFrequency.DAILY,
        emails: ['finops@example.com'],
        threshold: { percent: 25 },
      });
      const profile = new CostAllocatedInferenceProfile(stack, 'Moderation', {
        profileName: 'moderation',
        model: InferenceSource.crossRegion(BedrockModel.NOVA_LITE, 'us'),
        costAllocationTags: { team: 'trust-and-safety' },
      });
      new BatchInferencePipeline(stack, 'Batch', { model: profile, alertTopic });
      // Invocation logging with every optional part: CloudWatch Logs, text, overwrite, profile prices.
      new BedrockInvocationLogging(stack, 'InvocationLogging', {
        cloudWatchLogs: {},
        textDataDelivery: true,
        overwriteExisting: true,
        analytics: { profiles: [profile], metadataKeys: ['tenant', 'feature'] },
      });
      new CostReport(stack, 'Report', {
        alertTopic,
        provisionedThroughput: { 'amazon.nova-pro-v1:0': { hourlyUsdPerModelUnit: 21.18, tokensPerMinutePerModelUnit: 50_000 } },
      });
      // A router with its cache in Valkey (router in the VPC), a rules-only classifier and a fallback model.
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, flowLogs: { all: {} } });
      new ModelRouter(stack, 'RedisRouter', {
        tiers: [
          { name: 'faq', description: 'FAQ', model: BedrockModel.NOVA_MICRO, maxTokens: 300, systemPrompt: 'Answer FAQs.' },
          {
            name: 'expert',
            description: 'Everything else',
            model: InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'us'),
            maxTokens: 2000,
            systemPrompt: 'Answer carefully.',
            fallbackModel: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'),
          },
        ],
        classifier: RouterClassifier.rules([{ tier: 'expert', patterns: [/\bwhy\b/i] }]),
        responseCache: ResponseCache.redis({ vpc, maxDataStorageGb: 1 }),
        alertTopic,
      });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      app.synth();
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
      expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? []).map((violation) => violation.ruleName)).toEqual([]);
      if (cfnLintAvailable()) {
        const templates = readdirSync(outdir).filter((file) => file.endsWith('.template.json')).map((file) => join(outdir, file));
        expect(cfnLint(templates).filter((finding) => finding.Level === 'Error')).toEqual([]);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
