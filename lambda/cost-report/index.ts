/**
 * The weekly Bedrock cost report: an EventBridge schedule invokes it; it reads the last 7 days
 * of `AWS/Bedrock` metrics and the 7 before (hourly sums), prices them, and publishes the digest
 * with its recommendations to the alert topic.
 *
 * Environment:
 * - `ALERT_TOPIC_ARN`: the SNS topic the digest goes to (empty or unset: the report is only returned).
 * - `PROVISIONED_THROUGHPUT` (optional JSON): `{"<ModelId>": {"hourlyUsdPerModelUnit": 21.18,
 *   "tokensPerMinutePerModelUnit": 50000}}`, enables the provisioned-throughput break-even.
 * - `MODEL_LABELS` (optional JSON): `{"<ModelId>": "<name>"}`, e.g. application profile ids by tenant.
 * - `MODEL_SOURCES` (optional JSON): `{"<ModelId>": "<model id or cross-region profile id>"}`, the
 *   model an application profile id is billed as, so its spend is priced rather than unpriced.
 *
 * Application inference profiles are also looked up at run time (`ListInferenceProfiles`): their
 * ids are labelled with their names and priced as their model; the two variables above win.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockClient, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type ScheduledEvent } from 'aws-lambda';
import { formatUsd, type InferenceSource, PriceTable } from '../../lib/pricing';
import {
  buildCostReport,
  type CostReportDigest,
  formatChangePercent,
  type ProvisionedThroughputPrice,
  renderReport,
} from '../../lib/reporting/report-engine';
import { listModelIds, readUsage } from './read-metrics';

/** Days in the reported period, and in the period it is compared with. */
export const REPORT_DAYS = 7;
/** One data point per hour: enough to see nightly bursts and steady traffic. */
export const PERIOD_SECONDS = 3600;

const MS_PER_HOUR = 3_600_000;

const cloudwatch = new CloudWatchClient({});
const bedrock = new BedrockClient({});
const sns = new SNSClient({});
const logger = new Logger();

/** The schedule's event; a manual invoke may send `{}`, and then the report ends at the current hour. */
export type CostReportEvent = Partial<Pick<ScheduledEvent, 'time'>>;

export const handler = async (event: CostReportEvent = {}): Promise<CostReportDigest> => {
  const settings = settingsFromEnv(process.env);
  const eventTime = event.time === undefined ? Date.now() : Date.parse(event.time);
  if (Number.isNaN(eventTime)) {
    throw new Error(`event.time must be an ISO 8601 timestamp, got ${JSON.stringify(event.time)}`);
  }
  // Whole hours, so hourly data points line up with the period.
  const end = Math.floor(eventTime / MS_PER_HOUR) * MS_PER_HOUR;
  const start = end - REPORT_DAYS * 24 * MS_PER_HOUR;
  const previousStart = start - REPORT_DAYS * 24 * MS_PER_HOUR;

  // CloudWatch lists metrics with data in the last two weeks: both periods.
  const modelIds = await listModelIds(cloudwatch);
  const profiles = await applicationProfiles();
  const labels: Record<string, string> = { ...Object.fromEntries(profiles.labels), ...settings.labels };
  const sources = new Map([...profiles.sources, ...settings.sources]);
  const read = (from: number, to: number) =>
    readUsage(cloudwatch, {
      start: new Date(from),
      end: new Date(to),
      periodSeconds: PERIOD_SECONDS,
      modelIds,
      labels,
    });
  const current = await read(start, end);
  const previous = await read(previousStart, start);

  const report = buildCostReport(current, previous, {
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    provisionedThroughput: settings.provisionedThroughput,
    resolveModelId: (modelId) => sources.get(modelId),
  });
  logger.info('Bedrock cost report built', {
    periodStart: report.periodStart,
    periodEnd: report.periodEnd,
    modelIds: modelIds.length,
    totalUsd: report.totalUsd,
    changePercent: report.changePercent,
    recommendations: report.recommendations.length,
    unpriced: report.unpriced.map((u) => u.modelId),
  });

  const topicArn = process.env.ALERT_TOPIC_ARN;
  if (!topicArn) {
    logger.info('ALERT_TOPIC_ARN is not set; not publishing');
    return report;
  }
  await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: reportSubject(report), Message: renderReport(report) }));
  return report;
};

/**
 * The account's application inference profiles: their short ids (the `ModelId` of their metrics)
 * labelled with their names and priced as the foundation model they call. Best effort: without
 * the permission, or for a model the price table does not know, the ids stay as they are.
 */
export async function applicationProfiles(): Promise<{ labels: Map<string, string>; sources: Map<string, InferenceSource> }> {
  const labels = new Map<string, string>();
  const sources = new Map<string, InferenceSource>();
  try {
    let nextToken: string | undefined;
    do {
      const page = await bedrock.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION', nextToken }));
      for (const profile of page.inferenceProfileSummaries ?? []) {
        if (!profile.inferenceProfileId) {
          continue;
        }
        if (profile.inferenceProfileName) {
          labels.set(profile.inferenceProfileId, profile.inferenceProfileName);
        }
        const modelId = profile.models?.[0]?.modelArn?.split('foundation-model/')[1];
        const model = modelId === undefined ? undefined : PriceTable.DEFAULT.find(modelId);
        if (model) {
          sources.set(profile.inferenceProfileId, PriceTable.DEFAULT.resolve(model.modelId));
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    logger.warn('Could not list application inference profiles; their ids stay unlabelled', { error });
  }
  return { labels, sources };
}

/** "Bedrock cost report: $1,234.56 this week (+12.3%)": ASCII and under SNS's 100 characters. */
export function reportSubject(report: CostReportDigest): string {
  const change = report.changePercent === undefined ? '' : ` (${formatChangePercent(report.changePercent)})`;
  const subject = `Bedrock cost report: ${formatUsd(report.totalUsd)} this week${change}`;
  return subject.length < 100 && /^[\x20-\x7e]*$/.test(subject) ? subject : 'Bedrock cost report';
}

interface Settings {
  readonly provisionedThroughput: Record<string, ProvisionedThroughputPrice>;
  readonly labels: Record<string, string>;
  readonly sources: ReadonlyMap<string, InferenceSource>;
}

/** Reads the optional JSON variables; throws an Error naming the variable and the problem. */
function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  const provisionedThroughput: Record<string, ProvisionedThroughputPrice> = {};
  for (const [modelId, price] of Object.entries(jsonObject(env, 'PROVISIONED_THROUGHPUT'))) {
    const fields = isObject(price) ? price : {};
    const number = (field: keyof ProvisionedThroughputPrice): number => {
      const value = fields[field];
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new Error(`PROVISIONED_THROUGHPUT["${modelId}"].${field} must be a number > 0, got ${JSON.stringify(value)}`);
      }
      return value;
    };
    provisionedThroughput[modelId] = {
      hourlyUsdPerModelUnit: number('hourlyUsdPerModelUnit'),
      tokensPerMinutePerModelUnit: number('tokensPerMinutePerModelUnit'),
    };
  }
  const labels = stringMap(env, 'MODEL_LABELS');
  const sources = new Map<string, InferenceSource>();
  for (const [modelId, target] of Object.entries(stringMap(env, 'MODEL_SOURCES'))) {
    try {
      sources.set(modelId, PriceTable.DEFAULT.resolve(target));
    } catch (error) {
      throw new Error(`MODEL_SOURCES["${modelId}"]: ${(error as Error).message}`, { cause: error });
    }
  }
  return { provisionedThroughput, labels, sources };
}

function jsonObject(env: NodeJS.ProcessEnv, name: string): Record<string, unknown> {
  const text = env[name];
  if (text === undefined || text.trim() === '') {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(value)) {
    throw new Error(`${name} must be a JSON object, got ${text.slice(0, 200)}`);
  }
  return value;
}

function stringMap(env: NodeJS.ProcessEnv, name: string): Record<string, string> {
  const value = jsonObject(env, name);
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string' || entry === '') {
      throw new Error(`${name}["${key}"] must be a non-empty string, got ${JSON.stringify(entry)}`);
    }
  }
  return value as Record<string, string>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
