import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BedrockCostDashboard, BedrockModel, CostAllocatedInferenceProfile, InferenceSource } from '../../lib';
import { dashboardWidgets } from '../support/dashboard-body';

function build(props: Partial<ConstructorParameters<typeof BedrockCostDashboard>[2]> = {}) {
  const stack = new Stack(new App(), 'Platform');
  const profile = new CostAllocatedInferenceProfile(stack, 'Advisory', {
    profileName: 'advisory',
    model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'),
    costAllocationTags: { agent: 'advisory' },
  });
  const dashboard = new BedrockCostDashboard(stack, 'Dashboard', {
    targets: [{ source: BedrockModel.NOVA_MICRO, name: 'micro' }, { source: profile }],
    ...props,
  });
  return { dashboard, template: Template.fromStack(stack) };
}

describe('BedrockCostDashboard', () => {
  test('is named after the stack so alarms can link to it', () => {
    const { dashboard, template } = build();
    expect(dashboard.dashboardName).toBe('Platform-Dashboard');
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Platform-Dashboard' });
  });

  test('stacks the estimated spend of every target, each priced from the table', () => {
    const widgets = dashboardWidgets(build().template);
    const spend = widgets.find((widget) => widget.properties.title === 'Estimated spend, USD per hour');
    expect(spend?.properties.stacked).toBe(true);
    const expressions = (spend?.properties.metrics ?? [])
      .map((row) => (row[0] as { expression?: string }).expression)
      .filter((expression) => expression !== undefined);
    // Nova cache writes are free (AWS Price List): their term is 0.
    expect(expressions).toEqual([
      '(0.035 * FILL(inputTokens_0, 0) + 0.14 * FILL(outputTokens_0, 0) + 0.00875 * FILL(cacheReadTokens_0, 0) + 0 * FILL(cacheWriteTokens_0, 0)) / 1000000',
      '(0.8 * FILL(inputTokens_1, 0) + 3.2 * FILL(outputTokens_1, 0) + 0.2 * FILL(cacheReadTokens_1, 0) + 0 * FILL(cacheWriteTokens_1, 0)) / 1000000',
    ]);
    const total = widgets.find((widget) => widget.properties.title === 'Estimated spend in the time range, USD');
    expect(total?.properties.setPeriodToTimeRange).toBe(true);
  });

  test('shows account-wide lines per ModelId found by SEARCH, unless turned off', () => {
    const titles = dashboardWidgets(build().template).map((widget) => widget.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining(['All models: invocations per hour', 'All models: input tokens per hour', 'All models: output tokens per hour']),
    );
    const without = dashboardWidgets(build({ accountTotals: false }).template).map((widget) => widget.properties.title);
    expect(without.filter((title) => title?.startsWith('All models'))).toEqual([]);
  });

  test('gives each target a row: tokens, invocations, throttles and errors, latency p50/p90', () => {
    const widgets = dashboardWidgets(build().template);
    const titles = widgets.map((widget) => widget.properties.title);
    for (const name of ['micro', 'Advisory']) {
      expect(titles).toEqual(
        expect.arrayContaining([`${name}: tokens`, `${name}: invocations`, `${name}: throttles and errors`, `${name}: latency, ms`]),
      );
    }
    const latency = widgets.find((widget) => widget.properties.title === 'micro: latency, ms');
    expect(latency?.properties.metrics?.map((row) => (row[4] as { stat: string }).stat)).toEqual(['p50', 'p90']);
  });

  test.each([
    [{ targets: [] }, 'BedrockCostDashboard targets: at least one target is required'],
    [{ dashboardName: 'has space' }, "dashboardName must be 1-255 letters, digits, '-' or '_', got 'has space'"],
    [
      { targets: [{ source: BedrockModel.NOVA_MICRO }, { source: BedrockModel.NOVA_MICRO }] },
      "two targets are named 'amazon-nova-micro-v1-0'; give one a name",
    ],
  ])('rejects %j', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
