import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  BedrockCostGovernance,
  type BedrockCostGovernanceProps,
  BedrockModel,
  type GovernanceTenant,
  InferenceSource,
  shardOf,
} from '../../lib';

const PRO_US = InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us');

function tenants(count: number, extra: Partial<GovernanceTenant> = {}): GovernanceTenant[] {
  return Array.from({ length: count }, (_, i) => ({ id: `tenant-${i}`, models: [BedrockModel.NOVA_MICRO, PRO_US], ...extra }));
}

function build(props: Partial<BedrockCostGovernanceProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Platform');
  const governance = new BedrockCostGovernance(stack, 'Governance', { tenants: tenants(3), ...props });
  return { app, stack, governance };
}

describe('BedrockCostGovernance', () => {
  test('gives each tenant a tagged profile per model, dollar and runaway alarms, and its budget, in its shard', () => {
    const { governance } = build({
      tenants: [{ id: 'acme', costCenter: 'cc-100', monthlyBudgetUsd: 250, models: [BedrockModel.NOVA_MICRO, PRO_US] }],
      namePrefix: 'platform',
    });
    const shard = governance.shards.get(shardOf('acme', 64));
    expect(shard).toBeDefined();
    const template = Template.fromStack(shard as Stack);
    template.resourceCountIs('AWS::Bedrock::ApplicationInferenceProfile', 2);
    template.hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      InferenceProfileName: 'platform-acme-us-nova-pro-v1',
      Tags: [
        { Key: 'cost-center', Value: 'cc-100' },
        { Key: 'tenant', Value: 'acme' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'platform-acme-nova-micro-v1-cost-per-hour-limit', Threshold: 5 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'platform-acme-us-nova-pro-v1-runaway-tokens' });
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({
        BudgetName: 'platform-acme-bedrock',
        BudgetLimit: { Amount: 250, Unit: 'USD' },
        FilterExpression: { And: [Match.objectLike({ Dimensions: Match.anyValue() }), { Tags: { Key: 'tenant', Values: ['acme'] } }] },
      }),
    });
    expect(governance.profileFor('acme', PRO_US).source.invocationId).toBe('us.amazon.nova-pro-v1:0');
  });

  test('the parent holds the alert topic, account budget, dashboard and tag activation', () => {
    const { stack } = build({ monthlyBudgetUsd: 5000, alertEmails: ['finops@example.com'] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Budgets::Budget', { Budget: Match.objectLike({ BudgetName: 'all-bedrock', BudgetLimit: { Amount: 5000, Unit: 'USD' } }) });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('Custom::CostAllocationTagActivation', { TagKeys: ['tenant', 'cost-center'] });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'finops@example.com' });
    template.resourceCountIs('AWS::Bedrock::ApplicationInferenceProfile', 0);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 8 ? * MON *)' });
  });

  test('the weekly report can be turned off', () => {
    const { stack } = build({ costReport: false });
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::Events::Rule', { ScheduleExpression: 'cron(0 8 ? * MON *)' }, 0);
  });

  test('adding a tenant moves no existing tenant and changes none of their resources', () => {
    const before = build({ tenants: tenants(30) });
    const after = build({ tenants: tenants(31) });
    for (let i = 0; i < 30; i++) {
      const id = `tenant-${i}`;
      expect(after.governance.controlsOf(id).node.path).toBe(before.governance.controlsOf(id).node.path);
    }
    for (const [shard, stack] of before.governance.shards) {
      const beforeResources = Template.fromStack(stack).toJSON().Resources as Record<string, unknown>;
      const afterResources = Template.fromStack(after.governance.shards.get(shard) as Stack).toJSON().Resources as Record<string, unknown>;
      for (const [logicalId, resource] of Object.entries(beforeResources)) {
        expect(afterResources[logicalId]).toEqual(resource);
      }
    }
  });

  test('hundreds of tenants stay under the stack resource limit', () => {
    const { governance, app } = build({ tenants: tenants(300, { monthlyBudgetUsd: 100 }) });
    app.synth();
    const sizes = governance.stackSizes();
    expect(sizes[0].resources).toBeLessThanOrEqual(400);
    expect(governance.shards.size).toBe(64);
  });

  test('a stack over maxResourcesPerStack fails the synth with how to fix it', () => {
    const { app } = build({ tenants: tenants(60, { monthlyBudgetUsd: 100 }), shards: 1 });
    expect(() => app.synth()).toThrow(/holds \d+ resources, over maxResourcesPerStack \(400\): raise shards before the first deployment/);
  });

  test.each([
    [{ tenants: [] }, 'BedrockCostGovernance tenants: at least one tenant is required'],
    [{ tenants: [...tenants(1), ...tenants(1)] }, "BedrockCostGovernance tenants: 'tenant-0' is listed twice"],
    [{ shards: 0 }, 'BedrockCostGovernance shards: a whole number from 1 to 256, got 0'],
    [{ maxResourcesPerStack: 600 }, 'maxResourcesPerStack: a whole number from 50 to 500, got 600'],
    [{ tenants: [{ id: 'bad id', models: [BedrockModel.NOVA_MICRO] }] }, /id must be 1-64 letters/],
  ])('rejects %j', (props, message) => {
    expect(() => build(props as Partial<BedrockCostGovernanceProps>)).toThrow(message);
  });

  test('shards are spread by a hash of the tenant id', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 6400; i++) {
      const shard = shardOf(`tenant-${i}`, 64);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(counts.size).toBe(64);
    expect(Math.max(...counts.values())).toBeLessThan(150);
  });
});
