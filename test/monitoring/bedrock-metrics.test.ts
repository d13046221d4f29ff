import { App, Duration, Stack } from 'aws-cdk-lib';
import { BedrockMetricName, BedrockMetrics, BedrockModel, InferenceSource } from '../../lib';

describe('BedrockMetrics', () => {
  test('measures a model by its model id and a cross-region source by its profile id', () => {
    expect(BedrockMetrics.forSource(BedrockModel.NOVA_LITE).invocations().dimensions).toEqual({ ModelId: 'amazon.nova-lite-v1:0' });
    const viaUs = BedrockMetrics.forSource(InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'));
    expect(viaUs.outputTokens().dimensions).toEqual({ ModelId: 'us.amazon.nova-pro-v1:0' });
    expect(BedrockMetrics.forSource(BedrockModel.NOVA_PRO, 'custom-id').throttles().dimensions).toEqual({ ModelId: 'custom-id' });
  });

  test('uses the metric names, statistics and period Bedrock publishes', () => {
    const metrics = BedrockMetrics.forSource(BedrockModel.NOVA_MICRO);
    const rows = [
      [metrics.invocations(), 'Invocations', 'Sum'],
      [metrics.inputTokens(), 'InputTokenCount', 'Sum'],
      [metrics.outputTokens(), 'OutputTokenCount', 'Sum'],
      [metrics.cacheReadInputTokens(), 'CacheReadInputTokenCount', 'Sum'],
      [metrics.cacheWriteInputTokens(), 'CacheWriteInputTokenCount', 'Sum'],
      [metrics.throttles(), 'InvocationThrottles', 'Sum'],
      [metrics.clientErrors(), 'InvocationClientErrors', 'Sum'],
      [metrics.serverErrors(), 'InvocationServerErrors', 'Sum'],
      [metrics.latency(), 'InvocationLatency', 'Average'],
    ] as const;
    for (const [metric, name, statistic] of rows) {
      expect([metric.namespace, metric.metricName, metric.statistic, metric.period.toSeconds()]).toEqual(['AWS/Bedrock', name, statistic, 300]);
    }
  });

  test('estimatedCostPerHour scales the per-period cost to an hourly rate', () => {
    const metrics = BedrockMetrics.forSource(BedrockModel.LLAMA_3_3_70B_INSTRUCT);
    expect(metrics.estimatedCostPerHour().expression).toBe('(0.72 * FILL(inputTokens, 0) + 0.72 * FILL(outputTokens, 0)) / 1000000 * 12');
    expect(metrics.estimatedCostPerHour({ period: Duration.minutes(1) }).expression).toMatch(/ \* 60$/);
    expect(metrics.estimatedCostPerHour({ period: Duration.hours(1) }).expression).toBe(metrics.estimatedCost({ period: Duration.hours(1) }).expression);
    expect(metrics.estimatedCostPerHour().label).toBe('Estimated cost, USD per hour (meta.llama3-3-70b-instruct-v1:0)');
  });

  test('withIdSuffix renames the ids inside cost expressions only', () => {
    const metrics = BedrockMetrics.forSource(BedrockModel.NOVA_PRO).withIdSuffix('_2');
    const cost = metrics.estimatedCost();
    expect(Object.keys(cost.usingMetrics)).toEqual(['inputTokens_2', 'outputTokens_2', 'cacheReadTokens_2', 'cacheWriteTokens_2']);
    expect(cost.expression).toContain('0.8 * FILL(inputTokens_2, 0)');
    expect(() => metrics.withIdSuffix('-x')).toThrow("id suffix may contain only letters, digits and '_', got '-x'");
  });

  test('account totals and per-model lines come from SEARCH over the ModelId dimension', () => {
    const total = BedrockMetrics.accountTotal(BedrockMetricName.INVOCATIONS);
    expect(total.expression).toBe(`SUM(SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 300))`);
    const byModel = BedrockMetrics.byModelId(BedrockMetricName.OUTPUT_TOKENS, { period: Duration.hours(1) });
    expect(byModel.expression).toBe(`SEARCH('{AWS/Bedrock,ModelId} MetricName="OutputTokenCount"', 'Sum', 3600)`);
    // Renders into a stack without complaint.
    const stack = new Stack(new App(), 'Test');
    expect(stack.resolve(total.toMetricConfig().mathExpression?.expression)).toBe(total.expression);
  });
});
