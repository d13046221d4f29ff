import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
  type ListMetricsCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { BedrockClient, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import type * as CostReportHandler from '../../lambda/cost-report';
import { listModelIds, MAX_QUERIES_PER_CALL, readUsage } from '../../lambda/cost-report/read-metrics';
import { formatUsd } from '../../lib/pricing';
import { RecommendationKind, renderReport } from '../../lib/reporting/report-engine';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:bedrock-cost-alerts';
const NOVA_PRO = 'amazon.nova-pro-v1:0';
const HOUR = 3_600_000;
const START = Date.parse('2026-11-16T00:00:00Z');

const cloudwatchMock = mockClient(CloudWatchClient);
const snsMock = mockClient(SNSClient);
const bedrockMock = mockClient(BedrockClient);
const client = new CloudWatchClient({ region: 'eu-west-1' });
let handler: typeof CostReportHandler.handler;

beforeAll(async () => {
  process.env.AWS_REGION = 'eu-west-1';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Imported here, so the module's clients and logger see the variables above.
  ({ handler } = await import('../../lambda/cost-report'));
});

beforeEach(() => {
  cloudwatchMock.reset();
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'message-1' });
  bedrockMock.reset();
  bedrockMock.on(ListInferenceProfilesCommand).resolves({ inferenceProfileSummaries: [] });
  for (const name of ['ALERT_TOPIC_ARN', 'MODEL_LABELS', 'PROVISIONED_THROUGHPUT', 'MODEL_SOURCES']) {
    delete process.env[name];
  }
});

/** Data points by ModelId, metric name and time (ms). */
type Store = Map<string, Map<string, Map<number, number>>>;

function store(points: [modelId: string, metric: string, time: number, value: number][]): Store {
  const result: Store = new Map();
  for (const [modelId, metric, time, value] of points) {
    const metrics = result.get(modelId) ?? new Map<string, Map<number, number>>();
    result.set(modelId, metrics);
    const values = metrics.get(metric) ?? new Map<number, number>();
    metrics.set(metric, values);
    values.set(time, value);
  }
  return result;
}

/**
 * CloudWatch as GetMetricData sees `data`: points in [StartTime, EndTime), oldest first with
 * ScanBy TimestampAscending, at most `pointsPerPage` per query and page.
 */
function cloudWatchServes(data: Store, pointsPerPage = Number.POSITIVE_INFINITY): void {
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const page = input.NextToken === undefined ? 0 : Number(input.NextToken.replace('page-', ''));
    const from = input.StartTime!.getTime();
    const to = input.EndTime!.getTime();
    let more = false;
    const results = (input.MetricDataQueries ?? []).map((query) => {
      const metric = query.MetricStat!.Metric!;
      const all = [...(data.get(metric.Dimensions![0].Value!)?.get(metric.MetricName!) ?? new Map<number, number>())]
        .filter(([time]) => time >= from && time < to)
        .sort(([a], [b]) => (input.ScanBy === 'TimestampAscending' ? a - b : b - a));
      const slice = all.slice(page * pointsPerPage, (page + 1) * pointsPerPage);
      const partial = all.length > (page + 1) * pointsPerPage;
      more ||= partial;
      return {
        Id: query.Id,
        Label: query.Label,
        Timestamps: slice.map(([time]) => new Date(time)),
        Values: slice.map(([, value]) => value),
        StatusCode: partial ? 'PartialData' : 'Complete',
      };
    });
    return { MetricDataResults: results, NextToken: more ? `page-${page + 1}` : undefined };
  });
}

function getMetricDataInputs(): GetMetricDataCommandInput[] {
  return cloudwatchMock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
}

function listMetricsInputs(): ListMetricsCommandInput[] {
  return cloudwatchMock.commandCalls(ListMetricsCommand).map((call) => call.args[0].input);
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

const modelMetric = (value: string, extra: { Name: string; Value: string }[] = []) => ({
  Namespace: 'AWS/Bedrock',
  MetricName: 'Invocations',
  Dimensions: [{ Name: 'ModelId', Value: value }, ...extra],
});

describe('listModelIds', () => {
  test('follows ListMetrics pages and keeps each ModelId once', async () => {
    cloudwatchMock
      .on(ListMetricsCommand)
      .resolvesOnce({ Metrics: [modelMetric('us.amazon.nova-pro-v1:0'), modelMetric('abc123')], NextToken: 'next-1' })
      .resolvesOnce({
        Metrics: [
          modelMetric('abc123'),
          // Bedrock's across-all-models series has no dimension; series with more dimensions are not per model.
          { Namespace: 'AWS/Bedrock', MetricName: 'Invocations', Dimensions: [] },
          modelMetric('amazon.titan-embed-text-v2:0', [{ Name: 'Other', Value: 'x' }]),
        ],
      });

    await expect(listModelIds(client)).resolves.toEqual(['abc123', 'us.amazon.nova-pro-v1:0']);
    expect(listMetricsInputs()).toEqual([
      { Namespace: 'AWS/Bedrock', MetricName: 'Invocations', NextToken: undefined },
      { Namespace: 'AWS/Bedrock', MetricName: 'Invocations', NextToken: 'next-1' },
    ]);
  });

  test('retries a throttled ListMetrics call', async () => {
    const sleeps: number[] = [];
    cloudwatchMock
      .on(ListMetricsCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .resolvesOnce({ Metrics: [modelMetric(NOVA_PRO)] });
    const ids = await listModelIds(client, { sleep: async (ms) => void sleeps.push(ms) });
    expect(ids).toEqual([NOVA_PRO]);
    expect(sleeps).toEqual([200]);
  });
});

describe('readUsage', () => {
  const window = { start: new Date(START), end: new Date(START + 5 * HOUR), periodSeconds: 3600 };

  test('sends 5 queries per ModelId, at most 500 per GetMetricData call: 101 ids -> 505 queries -> 2 calls', async () => {
    const modelIds = Array.from({ length: 101 }, (_, i) => `profile${String(i).padStart(3, '0')}`);
    cloudWatchServes(store([['profile100', 'Invocations', START, 7]]));

    const series = await readUsage(client, { ...window, modelIds });

    const calls = getMetricDataInputs();
    expect(calls.map((input) => input.MetricDataQueries?.length)).toEqual([MAX_QUERIES_PER_CALL, 5]);
    expect(calls[0].MetricDataQueries?.slice(0, 5)).toEqual(
      ['Invocations', 'InputTokenCount', 'OutputTokenCount', 'CacheReadInputTokenCount', 'CacheWriteInputTokenCount'].map((metricName, i) => ({
        Id: `m0_${['inv', 'in', 'out', 'cr', 'cw'][i]}`,
        Label: `profile000 ${metricName}`,
        MetricStat: {
          Metric: { Namespace: 'AWS/Bedrock', MetricName: metricName, Dimensions: [{ Name: 'ModelId', Value: 'profile000' }] },
          Period: 3600,
          Stat: 'Sum',
        },
        ReturnData: true,
      })),
    );
    expect(calls[1].MetricDataQueries?.map((query) => query.Id)).toEqual(['m100_inv', 'm100_in', 'm100_out', 'm100_cr', 'm100_cw']);
    for (const input of calls) {
      expect(input).toMatchObject({ StartTime: window.start, EndTime: window.end, ScanBy: 'TimestampAscending' });
    }
    expect(series).toHaveLength(101);
    expect(series.find((s) => s.modelId === 'profile100')).toMatchObject({
      timestamps: ['2026-11-16T00:00:00.000Z'],
      invocations: [7],
      inputTokens: [0],
    });
    // No data points in the period: empty arrays.
    expect(series.find((s) => s.modelId === 'profile000')).toEqual({
      modelId: 'profile000',
      periodSeconds: 3600,
      timestamps: [],
      invocations: [],
      inputTokens: [],
      outputTokens: [],
      cacheReadInputTokens: [],
      cacheWriteInputTokens: [],
    });
  });

  test('follows NextToken pages and merges the values of each query id in time order', async () => {
    const hours = [0, 1, 2, 3, 4];
    cloudWatchServes(
      store([
        ...hours.map((h): [string, string, number, number] => [NOVA_PRO, 'Invocations', START + h * HOUR, 10 + h]),
        ...hours.map((h): [string, string, number, number] => [NOVA_PRO, 'InputTokenCount', START + h * HOUR, 1000 * (h + 1)]),
        // No output recorded at 01:00: that period counts zero.
        ...[0, 2, 3, 4].map((h): [string, string, number, number] => [NOVA_PRO, 'OutputTokenCount', START + h * HOUR, 100]),
      ]),
      2,
    );

    const [series] = await readUsage(client, { ...window, modelIds: [NOVA_PRO], labels: { [NOVA_PRO]: 'triage' } });

    // 5 points, 2 per page: 3 pages.
    expect(getMetricDataInputs().map((input) => input.NextToken)).toEqual([undefined, 'page-1', 'page-2']);
    expect(series).toEqual({
      modelId: NOVA_PRO,
      label: 'triage',
      periodSeconds: 3600,
      timestamps: hours.map((h) => new Date(START + h * HOUR).toISOString()),
      invocations: [10, 11, 12, 13, 14],
      inputTokens: [1000, 2000, 3000, 4000, 5000],
      outputTokens: [100, 0, 100, 100, 100],
      cacheReadInputTokens: [0, 0, 0, 0, 0],
      cacheWriteInputTokens: [0, 0, 0, 0, 0],
    });
  });

  test('discovers the ModelIds when none are given', async () => {
    cloudwatchMock.on(ListMetricsCommand).resolves({ Metrics: [modelMetric(NOVA_PRO)] });
    cloudWatchServes(store([[NOVA_PRO, 'Invocations', START, 3]]));
    const series = await readUsage(client, window);
    expect(series.map((s) => [s.modelId, s.invocations])).toEqual([[NOVA_PRO, [3]]]);
  });

  test('retries throttled GetMetricData calls with backoff, then gives up', async () => {
    const sleeps: number[] = [];
    const sleep = async (ms: number) => void sleeps.push(ms);
    cloudWatchServes(store([[NOVA_PRO, 'Invocations', START, 3]]));
    cloudwatchMock
      .on(GetMetricDataCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .callsFakeOnce(() => ({ MetricDataResults: [{ Id: 'm0_inv', Timestamps: [new Date(START)], Values: [3] }] }));

    const [series] = await readUsage(client, { ...window, modelIds: [NOVA_PRO], retry: { sleep } });
    expect(series.invocations).toEqual([3]);
    expect(sleeps).toEqual([200, 400]);

    cloudwatchMock.on(GetMetricDataCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    await expect(readUsage(client, { ...window, modelIds: [NOVA_PRO], retry: { sleep, maxAttempts: 3 } })).rejects.toThrow('Rate exceeded');
  });

  test('fails on a result CloudWatch could not read', async () => {
    cloudwatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0_in', Label: `${NOVA_PRO} InputTokenCount`, StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'no access' }] }],
    });
    await expect(readUsage(client, { ...window, modelIds: [NOVA_PRO] })).rejects.toThrow(
      'GetMetricData could not read amazon.nova-pro-v1:0 InputTokenCount: Forbidden (no access)',
    );
  });
});

describe('cost-report handler', () => {
  const EVENT_TIME = '2026-11-23T08:17:42Z';
  const END = Date.parse('2026-11-23T08:00:00Z');
  const WEEK = 168 * HOUR;

  /** Nova Pro every hour of both weeks; this week at twice last week's volume. Plus a tenant's profile. */
  function twoWeeks(): Store {
    const points: [string, string, number, number][] = [];
    for (let hour = 0; hour < 336; hour++) {
      const time = END - 2 * WEEK + hour * HOUR;
      const scale = hour < 168 ? 1 : 2;
      points.push(
        [NOVA_PRO, 'Invocations', time, 50 * scale],
        [NOVA_PRO, 'InputTokenCount', time, 50_000 * scale],
        [NOVA_PRO, 'OutputTokenCount', time, 5_000 * scale],
        ['tenant1profile', 'Invocations', time, 10],
        ['tenant1profile', 'InputTokenCount', time, 10_000],
        ['tenant1profile', 'OutputTokenCount', time, 5_000],
      );
    }
    return store(points);
  }

  beforeEach(() => {
    cloudwatchMock.on(ListMetricsCommand).resolves({ Metrics: [modelMetric(NOVA_PRO), modelMetric('tenant1profile')] });
    cloudWatchServes(twoWeeks());
  });

  test('reports the last 7 days against the 7 before and publishes the digest', async () => {
    process.env.ALERT_TOPIC_ARN = TOPIC_ARN;
    process.env.MODEL_LABELS = JSON.stringify({ tenant1profile: 'tenant-1' });
    process.env.MODEL_SOURCES = JSON.stringify({ tenant1profile: 'amazon.nova-lite-v1:0' });

    const report = await handler({ time: EVENT_TIME });

    // Whole hours: the week ends at 08:00 on the event's day.
    expect(getMetricDataInputs().map((input) => [input.StartTime?.toISOString(), input.EndTime?.toISOString(), input.MetricDataQueries?.[0].MetricStat?.Period])).toEqual([
      ['2026-11-16T08:00:00.000Z', '2026-11-23T08:00:00.000Z', 3600],
      ['2026-11-09T08:00:00.000Z', '2026-11-16T08:00:00.000Z', 3600],
    ]);
    // Nova Pro this week, per hour: 100,000 in x $0.80/1M = $0.08 + 10,000 out x $3.20/1M = $0.032 = $0.112;
    // x 168 = $18.816 (last week half: $9.408).
    // tenant-1 on Nova Lite, per hour: 10,000 x $0.06/1M = $0.0006 + 5,000 x $0.24/1M = $0.0012 = $0.0018;
    // x 168 = $0.3024 both weeks.
    // Total $19.1184 against $9.7104: +$9.408 / $9.7104 = +96.89%.
    expect(report.totalUsd).toBe(19.1184);
    expect(report.previousTotalUsd).toBe(9.7104);
    expect(report.changePercent).toBe(96.89);
    expect(report.lines.map((line) => [line.label, line.pricedAs, line.costUsd])).toEqual([
      ['Amazon Nova Pro', NOVA_PRO, 18.816],
      ['tenant-1', 'amazon.nova-lite-v1:0', 0.3024],
    ]);
    // 100 output tokens per Nova Pro call.
    expect(report.recommendations.map((r) => r.kind)).toEqual([RecommendationKind.CHEAPER_TIER]);

    const published = snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).toEqual<PublishCommandInput[]>([
      { TopicArn: TOPIC_ARN, Subject: 'Bedrock cost report: $19.12 this week (+96.9%)', Message: renderReport(report) },
    ]);
    expect(published[0].Message).toContain('tenant-1');
    expect(formatUsd(report.totalUsd)).toBe('$19.12');
  });

  test('adds the provisioned-throughput break-even when model-unit prices are configured', async () => {
    // Nova Pro this week: $18.816 x 30/7 = $80.64 a month on demand. Peak 110,000 tokens an hour =
    // 1,833 per minute: 1 unit of 2,000 at $0.05/hour x 720 = $36. Saves $44.64.
    process.env.PROVISIONED_THROUGHPUT = JSON.stringify({ [NOVA_PRO]: { hourlyUsdPerModelUnit: 0.05, tokensPerMinutePerModelUnit: 2000 } });
    const report = await handler({ time: EVENT_TIME });
    expect(report.recommendations.find((r) => r.kind === RecommendationKind.PROVISIONED_THROUGHPUT)?.estimatedMonthlySavingsUsd).toBe(44.64);
  });

  test('lists a profile id without a known model as unpriced, and publishes nothing without a topic', async () => {
    const report = await handler({ time: EVENT_TIME });
    expect(report.unpriced.map((u) => u.modelId)).toEqual(['tenant1profile']);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test.each([
    ['MODEL_LABELS', '{not json', /^MODEL_LABELS is not valid JSON/],
    ['MODEL_LABELS', '{"x": 3}', /^MODEL_LABELS\["x"\] must be a non-empty string, got 3/],
    ['PROVISIONED_THROUGHPUT', '{"amazon.nova-pro-v1:0": {"hourlyUsdPerModelUnit": 20}}', /tokensPerMinutePerModelUnit must be a number > 0, got undefined/],
    ['MODEL_SOURCES', '{"p": "amazon.nope"}', /^MODEL_SOURCES\["p"\]: unknown model id 'amazon.nope'/],
  ])('fails on a malformed %s, naming it', async (name, value, message) => {
    process.env[name] = value;
    await expect(handler({ time: EVENT_TIME })).rejects.toThrow(message);
    expect(cloudwatchMock.calls()).toHaveLength(0);
  });
});

describe('application profiles', () => {
  test('are labelled with their names and priced as their model, paginated; a refusal leaves them unlabelled', async () => {
    const { applicationProfiles } = await import('../../lambda/cost-report');
    bedrockMock.on(ListInferenceProfilesCommand, { typeEquals: 'APPLICATION', nextToken: undefined }).resolves({
      inferenceProfileSummaries: [
        {
          inferenceProfileId: 'abc123',
          inferenceProfileName: 'platform-support-nova-micro-v1',
          models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0' }],
        },
      ] as never,
      nextToken: 'page-2',
    });
    bedrockMock.on(ListInferenceProfilesCommand, { typeEquals: 'APPLICATION', nextToken: 'page-2' }).resolves({
      inferenceProfileSummaries: [
        { inferenceProfileId: 'def456', inferenceProfileName: 'unknown-model', models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/vendor.x-v1:0' }] },
      ] as never,
    });
    const found = await applicationProfiles();
    expect(Object.fromEntries(found.labels)).toEqual({ abc123: 'platform-support-nova-micro-v1', def456: 'unknown-model' });
    expect([...found.sources.keys()]).toEqual(['abc123']);
    expect(found.sources.get('abc123')?.model.modelId).toBe('amazon.nova-micro-v1:0');

    bedrockMock.reset();
    bedrockMock.on(ListInferenceProfilesCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const refused = await applicationProfiles();
    expect([refused.labels.size, refused.sources.size]).toEqual([0, 0]);
  });
});
