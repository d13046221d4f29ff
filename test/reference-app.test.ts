import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnElement, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { addReferenceStack } from '../bin/reference-app';
import { type BedrockCostPlatformStack } from '../bin/platform-stack';
import { BedrockModel, type ModelRouter } from '../lib';
import { cfnLint, cfnLintAvailable } from './support/cfn-lint';
import { appLikeCdkSynth } from './support/reference-app';

interface ValidationReport {
  readonly pluginReports: readonly { readonly pluginName: string; readonly violations?: readonly unknown[] }[];
}

describe('reference app', () => {
  let outdir: string;
  let templates: string[];

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'bedrock-cost-ref-'));
    const app = appLikeCdkSynth(outdir);
    addReferenceStack(app);
    app.synth();
    templates = readdirSync(outdir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => join(outdir, file));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const mainTemplate = () => join(outdir, 'BedrockCostReference.template.json');

  test('synthesizes without AWS credentials, env-agnostic', () => {
    const names = templates.map((path) => path.slice(outdir.length + 1)).sort();
    expect(names.filter((name) => !name.includes('.nested.'))).toEqual([
      'BedrockCostReference.template.json',
      'BedrockCostReferenceBilling.template.json',
      'BedrockCostReferencePlatform.template.json',
    ]);
    // The platform stack's three tenants live in nested stacks, one per shard they hash to.
    expect(names.filter((name) => name.includes('.nested.'))).toHaveLength(3);
    const template = JSON.parse(readFileSync(mainTemplate(), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'Custom::CostAllocationTagActivation']),
    );
    // Support: faq, technical, classifier; finance: faq, transactions, advisory, its fallback, classifier.
    expect(types.filter((type) => type === 'AWS::Bedrock::ApplicationInferenceProfile')).toHaveLength(8);
    // No account id is baked into any ARN: the stack deploys to whichever account runs it.
    expect(JSON.stringify(template)).not.toMatch(/:\d{12}:/);
  });

  test('has no cdk-nag AwsSolutions findings', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    const violations = report.pluginReports.flatMap((plugin) => plugin.violations ?? []);
    expect(violations).toEqual([]);
  });

  const hasCfnLint = cfnLintAvailable();
  const withCfnLint = hasCfnLint ? test : test.skip;
  if (!hasCfnLint) {
    console.warn('cfn-lint is not installed: skipping the CloudFormation lint of the reference app');
  }
  withCfnLint('every template passes cfn-lint with no errors', () => {
    const errors = cfnLint(templates).filter((finding) => finding.Level === 'Error');
    expect(errors).toEqual([]);
  });

  withCfnLint('cfn-lint reports errors it finds (so a clean run means something)', () => {
    const broken = join(outdir, 'broken.template.json');
    writeFileSync(
      broken,
      JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicNme: 'typo' } } } }),
    );
    const errors = cfnLint([broken]).filter((finding) => finding.Level === 'Error');
    expect(errors.map((finding) => finding.Rule.Id)).toContain('E3002');
  });

  test('attributes every resource: stack-wide tags, an agent tag per profile, and activation of the keys', () => {
    const template = JSON.parse(readFileSync(mainTemplate(), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties?: { Tags?: { Key: string; Value: string }[]; TagKeys?: string[] } }>;
    };
    const resources = Object.values(template.Resources);
    for (const resource of resources.filter((candidate) => candidate.Properties?.Tags)) {
      expect(resource.Properties?.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'team', Value: 'platform' },
          { Key: 'environment', Value: 'dev' },
          { Key: 'application', Value: 'bedrock-cost-reference' },
        ]),
      );
    }
    const agents = resources
      .filter((resource) => resource.Type === 'AWS::Bedrock::ApplicationInferenceProfile')
      .map((profile) => profile.Properties?.Tags?.find((tag) => tag.Key === 'agent')?.Value);
    expect(agents).toEqual(['faq', 'technical', 'router', 'faq', 'transactions', 'advisory', 'advisory', 'router']);
    const activation = resources.find((resource) => resource.Type === 'Custom::CostAllocationTagActivation');
    expect(activation?.Properties?.TagKeys).toEqual(['team', 'application', 'environment', 'agent', 'router']);
  });

  test('the demo role may call the advisory profile and nothing else in Bedrock', () => {
    const stack = addReferenceStack(appLikeCdkSynth(join(outdir, 'grants')));
    const policy = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(stack.node.findChild('AdvisoryAgentRole').node.defaultChild as CfnElement) }] },
    });
    const statements = Object.values(policy)[0].Properties.PolicyDocument.Statement as { Resource: unknown }[];
    expect(statements[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FinanceAdvisoryProfile/), 'InferenceProfileArn'] });
    expect(JSON.stringify(statements[1].Resource)).not.toMatch(/nova-(micro|lite)/);
  });

  test('a us-east-1 billing stack holds the account budget, a budget per team tag and anomaly detection', () => {
    const app = appLikeCdkSynth(join(outdir, 'billing'), { 'bedrock-cost:monthlyBudgetUsd': '2500' });
    addReferenceStack(app);
    const billing = app.node.findChild('BedrockCostReferenceBilling') as Stack;
    expect(billing.region).toBe('us-east-1');
    const template = Template.fromStack(billing);
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ BudgetName: 'BedrockCostReferenceBilling-AllBedrock', BudgetLimit: { Amount: 2500, Unit: 'USD' } }),
    });
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({
        BudgetName: 'BedrockCostReferenceBilling-Team-platform',
        FilterExpression: { And: [Match.objectLike({ Dimensions: Match.anyValue() }), { Tags: { Key: 'team', Values: ['platform'] } }] },
      }),
    });
    template.hasResourceProperties('AWS::CE::AnomalySubscription', { Frequency: 'IMMEDIATE' });
    template.resourceCountIs('Custom::AnomalyServicesMonitor', 1);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/:\d{12}:/);
  });

  test('the platform stack governs three tenants, each with profiles, alarms and a budget', () => {
    const app = appLikeCdkSynth(join(outdir, 'platform'));
    addReferenceStack(app);
    const { governance } = app.node.findChild('BedrockCostReferencePlatform') as BedrockCostPlatformStack;
    for (const tenant of ['support', 'finance-agents', 'ecommerce']) {
      const controls = governance.controlsOf(tenant);
      expect(controls.profiles.profiles.length).toBeGreaterThan(0);
      expect(controls.budget).toBeDefined();
      expect(controls.alarms.alarms.length).toBeGreaterThan(0);
    }
    expect(governance.profileFor('finance-agents', BedrockModel.NOVA_MICRO).costAllocationTags).toEqual({ tenant: 'finance-agents', 'cost-center': 'cc-finance' });
  });

  test('rejects a budget that is not a positive number', () => {
    expect(() => addReferenceStack(appLikeCdkSynth(join(outdir, 'bad-budget'), { 'bedrock-cost:monthlyBudgetUsd': 'lots' }))).toThrow(
      'context bedrock-cost:monthlyBudgetUsd must be a number > 0, got "lots"',
    );
  });

  test('turns on invocation logging, refusing to replace an existing configuration, and prices the router profiles in Athena', () => {
    const template = Template.fromJSON(JSON.parse(readFileSync(mainTemplate(), 'utf8')) as Record<string, unknown>);
    template.hasResourceProperties('Custom::BedrockInvocationLogging', { OverwriteExisting: 'false' });
    const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')) as { Properties: { Name: string; QueryString: unknown } }[];
    expect(queries.map((query) => query.Properties.Name).sort()).toEqual([
      'bedrock-cache-effectiveness',
      'bedrock-cost-by-day-and-model',
      'bedrock-cost-by-router',
      'bedrock-cost-by-tenant',
      'bedrock-cost-by-tier',
      'bedrock-top-principals',
    ]);
    // All eight tier, fallback and classifier profiles have a price row.
    expect(JSON.stringify(queries[0].Properties.QueryString).match(/"InferenceProfileId"/g)).toHaveLength(8);
  });

  test('rejects an invocationLogging context other than on, off or overwrite', () => {
    expect(() => addReferenceStack(appLikeCdkSynth(join(outdir, 'bad-logging'), { 'bedrock-cost:invocationLogging': 'yes' }))).toThrow(
      'context bedrock-cost:invocationLogging must be on, off or overwrite, got yes',
    );
  });

  test('sends readable alerts to the emails given as context', () => {
    const app = appLikeCdkSynth(join(outdir, 'emails'), { 'bedrock-cost:alertEmails': 'a@example.com, b@example.com' });
    const stack = addReferenceStack(app);
    const template = Template.fromStack(stack);
    const readableTopic = stack.getLogicalId(stack.readableAlerts.readableTopic.node.defaultChild as CfnElement);
    for (const email of ['a@example.com', 'b@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email, TopicArn: { Ref: readableTopic } });
    }
  });

  test('watches every profile and direct calls to the seed models, with a dashboard', () => {
    const stack = addReferenceStack(appLikeCdkSynth(join(outdir, 'monitoring')));
    const names = stack.alarms.alarms.map((alarm) => stack.resolve((alarm.node.defaultChild as CfnElement & { alarmName: string }).alarmName));
    expect(names).toEqual(
      expect.arrayContaining([
        'BedrockCostReference-SupportFaq-cost-per-hour-warning',
        'BedrockCostReference-SupportFaq-runaway-invocations',
        'BedrockCostReference-FinanceAdvisory-cost-per-hour-critical',
        'BedrockCostReference-FinanceAdvisory-latency-p90-slow',
        'BedrockCostReference-untagged-nova-micro-v1-0-cost-per-hour-any',
        'BedrockCostReference-untagged-nova-pro-v1-0-cost-per-hour-any',
      ]),
    );
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'BedrockCostReference-Dashboard' });
  });

  test("routes the seed's two examples: the support chatbot and the financial agents, with caching on", () => {
    const stack = addReferenceStack(appLikeCdkSynth(join(outdir, 'routing')));
    const tiers = (router: ModelRouter) => router.tierNames.map((tier) => `${tier}:${router.profileFor(tier).source.invocationId}`);
    expect(tiers(stack.supportRouter)).toEqual(['faq:amazon.nova-micro-v1:0', 'technical:amazon.nova-lite-v1:0']);
    expect(tiers(stack.financeRouter)).toEqual([
      'faq:amazon.nova-micro-v1:0',
      'transactions:amazon.nova-lite-v1:0',
      'advisory:us.amazon.nova-pro-v1:0',
    ]);
    expect(stack.financeRouter.classifierProfile?.model).toBe(BedrockModel.NOVA_MICRO);
    const template = Template.fromStack(stack);
    // A response cache per router, prompt caching in every Nova agent, an escalation alarm each.
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourceCountIs('AWS::Lambda::Url', 2);
    template.allResourcesProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    expect(stack.supportRouter.escalationRateAlarm.node.defaultChild).toBeDefined();
    const dashboard = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard).toContain(`Router ${stack.supportRouter.routerName}: USD per hour: spent, baseline, saved`);
    expect(dashboard).toContain(`Router ${stack.financeRouter.routerName}: requests per hour by tier`);
    template.hasOutput('SupportRouterUrl', {});
    template.hasOutput('FinanceRouterUrl', {});
  });

  test('with a Slack channel in context, still has no cdk-nag findings', () => {
    const slackOut = join(outdir, 'slack');
    const app = appLikeCdkSynth(slackOut, { 'bedrock-cost:slackWorkspaceId': 'T0123ABCDEF', 'bedrock-cost:slackChannelId': 'C0123ABCDEF' });
    const stack = addReferenceStack(app);
    app.synth();
    Template.fromStack(stack).resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
    const report = JSON.parse(readFileSync(join(slackOut, 'validation-report.json'), 'utf8')) as ValidationReport;
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
  });

  test('cdk-nag is active: a finding fails the synth', () => {
    const app = appLikeCdkSynth(join(outdir, 'bad'));
    const stack = addReferenceStack(app);
    new sns.Topic(stack, 'PlaintextTopic');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });
});
