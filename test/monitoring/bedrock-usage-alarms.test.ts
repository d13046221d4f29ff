import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  type BedrockAlarmTarget,
  BedrockCostDashboard,
  BedrockModel,
  BedrockUsageAlarms,
  CostAlertTopic,
  CostAllocatedInferenceProfile,
  InferenceSource,
} from '../../lib';
import { dashboardWidgets } from '../support/dashboard-body';

function setup(targets: (stack: Stack) => BedrockAlarmTarget[], extra: { dashboard?: boolean } = {}) {
  const stack = new Stack(new App(), 'Shop');
  const alertTopic = new CostAlertTopic(stack, 'Alerts');
  const dashboard = extra.dashboard ? new BedrockCostDashboard(stack, 'Dashboard', { targets: targets(stack) }) : undefined;
  const alarms = new BedrockUsageAlarms(stack, 'Alarms', { alertTopic, targets: targets(stack), dashboard });
  return { stack, alarms, template: Template.fromStack(stack) };
}

const TOPIC = { Ref: expect.stringMatching(/^AlertsTopic/) };

function alarmNamed(template: Template, name: string) {
  const found = template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } });
  const alarms = Object.values(found);
  expect(alarms).toHaveLength(1);
  return alarms[0].Properties as Record<string, unknown>;
}

interface RenderedMetric {
  Id: string;
  Expression?: string;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Period: number; Stat: string };
}

/** The metric an alarm watches, as CloudFormation renders it (labelled metrics render as MetricStat). */
function watched(alarm: Record<string, unknown>): RenderedMetric {
  return (alarm.Metrics as RenderedMetric[])[0];
}

function joined(value: unknown): string {
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
}

describe('BedrockUsageAlarms', () => {
  test('a token threshold alarms on the Sum per 5 minutes, notifies the topic on ALARM and OK, and prices the threshold', () => {
    const { template } = setup(() => [{ source: BedrockModel.NOVA_PRO, name: 'pro', inputTokensAbove: { spike: 5_000_000 } }]);
    const alarm = alarmNamed(template, 'Shop-pro-input-tokens-spike');
    expect(watched(alarm).MetricStat).toEqual({
      Metric: { Namespace: 'AWS/Bedrock', MetricName: 'InputTokenCount', Dimensions: [{ Name: 'ModelId', Value: 'amazon.nova-pro-v1:0' }] },
      Stat: 'Sum',
      Period: 300,
    });
    expect(alarm).toMatchObject({
      Threshold: 5_000_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    // 5M tokens x $0.80 per 1M = $4.00 per 5 minutes = $48.00 an hour.
    expect(joined(alarm.AlarmDescription)).toContain(
      'Bedrock input tokens of pro (ModelId amazon.nova-pro-v1:0) above 5,000,000 per 5 minutes for 1 of 1 periods. ' +
        'That is about $4.00 at $0.8 per 1M tokens (about $48.00 an hour if sustained).',
    );
  });

  test('the dollar alarm is metric math over the token metrics with the price table coefficients, as a rate per hour', () => {
    const { template } = setup((stack) => [
      {
        source: new CostAllocatedInferenceProfile(stack, `Support${stack.node.children.length}`, {
          profileName: 'support',
          model: InferenceSource.crossRegion(BedrockModel.CLAUDE_HAIKU_4_5, 'us'),
          costAllocationTags: { team: 'support' },
        }),
        name: 'support',
        estimatedCostPerHourAbove: { warning: 5, critical: { threshold: 20, period: Duration.minutes(1), datapointsToAlarm: 3, evaluationPeriods: 5 } },
        runawayDetection: false,
      },
    ]);
    const warning = alarmNamed(template, 'Shop-support-cost-per-hour-warning');
    const metrics = warning.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string }; Period: number; Stat: string } }[];
    // Claude Haiku 4.5 through us. costs 10% more than its list price: 1.1 / 5.5, cache 0.11 / 1.375.
    expect(metrics[0].Expression).toBe(
      '(1.1 * FILL(inputTokens, 0) + 5.5 * FILL(outputTokens, 0) + 0.11 * FILL(cacheReadTokens, 0) + 1.375 * FILL(cacheWriteTokens, 0)) / 1000000 * 12',
    );
    expect(metrics.slice(1).map((m) => [m.Id, m.MetricStat?.Metric.MetricName, m.MetricStat?.Stat, m.MetricStat?.Period])).toEqual([
      ['inputTokens', 'InputTokenCount', 'Sum', 300],
      ['outputTokens', 'OutputTokenCount', 'Sum', 300],
      ['cacheReadTokens', 'CacheReadInputTokenCount', 'Sum', 300],
      ['cacheWriteTokens', 'CacheWriteInputTokenCount', 'Sum', 300],
    ]);
    expect(joined(warning.AlarmDescription)).toContain('above $5 an hour (measured over 5 minutes)');
    expect(joined(warning.AlarmDescription)).toContain('At that rate a day costs about $120.00');
    const critical = alarmNamed(template, 'Shop-support-cost-per-hour-critical');
    expect((critical.Metrics as { Expression?: string }[])[0].Expression).toMatch(/ \* 60$/);
    expect(critical).toMatchObject({ Threshold: 20, DatapointsToAlarm: 3, EvaluationPeriods: 5 });
  });

  test('throttles, client error rate and p90 latency', () => {
    const { template } = setup(() => [
      {
        source: BedrockModel.NOVA_LITE,
        name: 'lite',
        throttlesAbove: { any: 10 },
        clientErrorRateAbove: { high: 5 },
        latencyP90Above: { slow: Duration.seconds(8) },
        runawayDetection: false,
      },
    ]);
    const throttles = alarmNamed(template, 'Shop-lite-throttles-any');
    expect(watched(throttles).MetricStat).toMatchObject({ Metric: { MetricName: 'InvocationThrottles' }, Stat: 'Sum' });
    expect(throttles.Threshold).toBe(10);
    const rate = alarmNamed(template, 'Shop-lite-client-error-rate-high');
    expect((rate.Metrics as { Expression?: string }[])[0].Expression).toBe('IF(invocations > 0, 100 * FILL(clientErrors, 0) / invocations, 0)');
    expect(rate.Threshold).toBe(5);
    const latency = alarmNamed(template, 'Shop-lite-latency-p90-slow');
    expect(watched(latency).MetricStat).toMatchObject({ Metric: { MetricName: 'InvocationLatency' }, Stat: 'p90' });
    expect(latency.Threshold).toBe(8000);
  });

  test('runaway detection is on by default: anomaly bands on invocations and tokens that alarm within 15 minutes', () => {
    const { template, alarms } = setup(() => [{ source: BedrockModel.NOVA_MICRO, name: 'micro' }]);
    expect(alarms.alarmsFor('micro')).toHaveLength(2);
    for (const kind of ['invocations', 'tokens']) {
      const alarm = alarmNamed(template, `Shop-micro-runaway-${kind}`);
      expect(alarm).toMatchObject({
        ComparisonOperator: 'GreaterThanUpperThreshold',
        ThresholdMetricId: 'expr_1',
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
      });
      const metrics = alarm.Metrics as { Id: string; Expression?: string; MetricStat?: { Period: number } }[];
      expect(metrics[0].Expression).toBe('ANOMALY_DETECTION_BAND(m0, 3)');
      const periods = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat?.Period);
      // The 15-minute rule: 2 datapoints x 300 s.
      expect(periods.every((period) => period === 300)).toBe(true);
      expect(2 * 300).toBeLessThanOrEqual(15 * 60);
    }
    expect((alarmNamed(template, 'Shop-micro-runaway-tokens').Metrics as { Expression?: string }[])[1].Expression).toBe(
      'FILL(inputTokens, 0) + FILL(outputTokens, 0)',
    );
  });

  test('links the dashboard from descriptions and shows the alarms on it', () => {
    const { template } = setup(() => [{ source: BedrockModel.NOVA_MICRO, name: 'micro', invocationsAbove: { flood: 10_000 } }], { dashboard: true });
    expect(joined(alarmNamed(template, 'Shop-micro-invocations-flood').AlarmDescription)).toContain(
      '.console.aws.amazon.com/cloudwatch/home?region=<token>#dashboards/dashboard/Shop-Dashboard',
    );
    const alarmWidget = dashboardWidgets(template).find((widget) => widget.type === 'alarm');
    expect(alarmWidget?.properties.alarms).toEqual(['<ref>', '<ref>', '<ref>']);
  });

  describe('validation', () => {
    test.each([
      ['a zero threshold', { invocationsAbove: { x: 0 } }, 'targets[0].invocationsAbove.x: threshold must be a number > 0, got 0'],
      ['a negative threshold', { outputTokensAbove: { x: -5 } }, 'threshold must be a number > 0, got -5'],
      ['a period that is not whole minutes', { throttlesAbove: { x: { threshold: 1, period: Duration.seconds(90) } } }, 'period must be a whole number of minutes (a multiple of 60 seconds), got 90 seconds'],
      ['a period under a minute', { throttlesAbove: { x: { threshold: 1, period: Duration.seconds(30) } } }, 'got 30 seconds'],
      ['more datapoints than evaluation periods', { invocationsAbove: { x: { threshold: 1, datapointsToAlarm: 3, evaluationPeriods: 2 } } }, 'evaluationPeriods must be a whole number >= datapointsToAlarm (3), got 2'],
      ['an error rate above 100%', { clientErrorRateAbove: { x: 150 } }, 'a client error rate is a percentage in (0, 100], got 150'],
      ['a bad alarm key', { invocationsAbove: { 'not ok': 5 } }, "invocationsAbove.not ok: alarm keys must be 1-64 letters, digits, '_' or '-'"],
      [
        'runaway detection slower than 15 minutes',
        { runawayDetection: { period: Duration.minutes(10), datapointsToAlarm: 2 } },
        'runawayDetection: period (10 min) x datapointsToAlarm (2) = 20 minutes; a runaway must alarm within 15 minutes',
      ],
      ['a zero band width', { runawayDetection: { bandWidth: 0 } }, 'runawayDetection.bandWidth must be > 0 standard deviations, got 0'],
    ])('rejects %s', (_case, options, message) => {
      expect(() => setup(() => [{ source: BedrockModel.NOVA_MICRO, ...options } as BedrockAlarmTarget])).toThrow(message);
    });

    test('rejects an empty target list', () => {
      expect(() => setup(() => [])).toThrow('BedrockUsageAlarms targets: at least one target is required');
    });

    test('rejects two targets with the same name', () => {
      expect(() => setup(() => [{ source: BedrockModel.NOVA_MICRO }, { source: BedrockModel.NOVA_MICRO }])).toThrow(
        "targets[1]: two targets are named 'amazon-nova-micro-v1-0'; give one a name",
      );
    });

    test('accepts runaway detection at exactly 15 minutes', () => {
      expect(() =>
        setup(() => [{ source: BedrockModel.NOVA_MICRO, runawayDetection: { period: Duration.minutes(5), datapointsToAlarm: 3 } }]),
      ).not.toThrow();
    });
  });
});
