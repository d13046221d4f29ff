import {
  type CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  type MetricDataResultLike,
  REPORT_METRIC_NAMES,
  type ReportMetricName,
  seriesFromMetricDataResults,
  type UsageSeries,
} from '../../lib/reporting/report-engine';
import { type RetryOptions, retryingCaller } from '../shared/retry-throttled';

/** The CloudWatch namespace Bedrock publishes runtime metrics to. */
export const BEDROCK_NAMESPACE = 'AWS/Bedrock';
/** The dimension Bedrock reports every runtime metric by. */
export const MODEL_ID_DIMENSION = 'ModelId';
/** Most queries one `GetMetricData` call accepts. */
export const MAX_QUERIES_PER_CALL = 500;

/** Query id suffix of each metric: `m<index of the ModelId>_<suffix>`, e.g. `m0_inv`. */
const ID_SUFFIXES: Record<ReportMetricName, string> = {
  Invocations: 'inv',
  InputTokenCount: 'in',
  OutputTokenCount: 'out',
  CacheReadInputTokenCount: 'cr',
  CacheWriteInputTokenCount: 'cw',
};

export interface ReadUsageOptions {
  readonly start: Date;
  /** Exclusive. */
  readonly end: Date;
  /** CloudWatch period of each data point, in seconds (a multiple of 60). */
  readonly periodSeconds: number;
  /** @default - every ModelId with `Invocations` in `AWS/Bedrock` (see `listModelIds`) */
  readonly modelIds?: readonly string[];
  /** Labels by ModelId, copied into the series. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Retry settings of every CloudWatch call. */
  readonly retry?: RetryOptions;
}

/**
 * Every `ModelId` that has an `Invocations` metric in `AWS/Bedrock` (CloudWatch lists metrics
 * with data in the last two weeks), sorted. Metrics with other dimensions besides `ModelId` are
 * not Bedrock's per-model series and are skipped.
 */
export async function listModelIds(cloudwatch: CloudWatchClient, retry?: RetryOptions): Promise<string[]> {
  const call = retryingCaller(retry);
  const ids = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await call(() =>
      cloudwatch.send(new ListMetricsCommand({ Namespace: BEDROCK_NAMESPACE, MetricName: 'Invocations', NextToken: nextToken })),
    );
    for (const metric of page.Metrics ?? []) {
      const dimensions = metric.Dimensions ?? [];
      const value = dimensions[0]?.Value;
      if (dimensions.length === 1 && dimensions[0].Name === MODEL_ID_DIMENSION && value) {
        ids.add(value);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...ids].sort();
}

interface QueryTarget {
  readonly modelId: string;
  readonly metricName: ReportMetricName;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/**
 * Reads Invocations and the four token metrics (Sum per `periodSeconds`) of each ModelId over
 * `[start, end)`, oldest first, as one `UsageSeries` per ModelId. Queries go out at most 500 per
 * `GetMetricData` call, each call's `NextToken` pages are followed and merged by query id, and
 * throttling is retried with backoff. A period without data points is a zero; a ModelId without
 * any gets empty arrays.
 */
export async function readUsage(cloudwatch: CloudWatchClient, options: ReadUsageOptions): Promise<UsageSeries[]> {
  const call = retryingCaller(options.retry);
  const modelIds = options.modelIds ?? (await listModelIds(cloudwatch, options.retry));

  const targets = new Map<string, QueryTarget>();
  const queries: MetricDataQuery[] = modelIds.flatMap((modelId, index) =>
    REPORT_METRIC_NAMES.map((metricName) => {
      const id = `m${index}_${ID_SUFFIXES[metricName]}`;
      targets.set(id, { modelId, metricName });
      return {
        Id: id,
        Label: `${modelId} ${metricName}`,
        MetricStat: {
          Metric: {
            Namespace: BEDROCK_NAMESPACE,
            MetricName: metricName,
            Dimensions: [{ Name: MODEL_ID_DIMENSION, Value: modelId }],
          },
          Period: options.periodSeconds,
          Stat: 'Sum',
        },
        ReturnData: true,
      };
    }),
  );

  const merged = new Map<string, { timestamps: Date[]; values: number[] }>();
  for (const id of targets.keys()) {
    merged.set(id, { timestamps: [], values: [] });
  }
  for (const batch of chunks(queries, MAX_QUERIES_PER_CALL)) {
    let nextToken: string | undefined;
    do {
      const page = await call(() =>
        cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch,
            StartTime: options.start,
            EndTime: options.end,
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        ),
      );
      for (const result of page.MetricDataResults ?? []) {
        const entry = result.Id === undefined ? undefined : merged.get(result.Id);
        if (!entry) {
          continue;
        }
        if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
          const reason = (result.Messages ?? []).map((message) => message.Value).join('; ');
          throw new Error(`GetMetricData could not read ${result.Label ?? result.Id}: ${result.StatusCode}${reason ? ` (${reason})` : ''}`);
        }
        entry.timestamps.push(...(result.Timestamps ?? []));
        entry.values.push(...(result.Values ?? []));
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }

  // Labels come from our own queries, not from the response.
  const results: MetricDataResultLike[] = [...merged].map(([id, { timestamps, values }]) => {
    const target = targets.get(id)!;
    return { Id: id, Label: `${target.modelId} ${target.metricName}`, Timestamps: timestamps, Values: values };
  });
  return seriesFromMetricDataResults(results, { periodSeconds: options.periodSeconds, labels: options.labels });
}
