/**
 * Rewrites what reaches the alert topic (CloudWatch alarm JSON, AWS Budgets text, Cost Anomaly
 * Detection JSON) as short plain text for people. Pure: no AWS calls, no clock, no environment.
 *
 * Nothing is dropped: a payload it cannot read, or fails to format, comes back unchanged as
 * `unrecognized` for the handler to forward as it came.
 */
import { formatUsd } from '../../lib/pricing';

export type AlertKind = 'cloudwatch-alarm' | 'budget' | 'cost-anomaly' | 'unrecognized';

export interface FormattedAlert {
  readonly kind: AlertKind;
  /** ASCII, one line, under 100 characters: what SNS accepts as a subject. */
  readonly subject: string;
  readonly message: string;
}

/** One SNS notification, as the alert topic delivered it. */
export interface AlertNotification {
  readonly subject?: string;
  readonly message: string;
}

export interface FormatContext {
  /** Linked from every formatted message. @default - no link */
  readonly dashboardUrl?: string;
}

/** The subject of a forwarded notification that had none. */
export const UNFORMATTED_SUBJECT = 'Bedrock cost alert (unformatted)';

/** SNS refuses subjects of 100 characters or more. */
const MAX_SUBJECT_LENGTH = 99;

export function formatAlert(input: AlertNotification, context: FormatContext): FormattedAlert {
  try {
    const formatted = formatKnown(input.message, context);
    if (formatted) {
      return formatted;
    }
  } catch {
    // A payload with a known payload's keys but not its shape: forwarded as it came.
  }
  return unrecognized(input);
}

function formatKnown(message: string, context: FormatContext): FormattedAlert | undefined {
  const json = parseJson(message);
  if (json === undefined) {
    // Budgets publishes plain text, never JSON.
    return looksLikeBudgetNotification(message) ? formatBudget(parseBudget(message), message, context) : undefined;
  }
  if (!isJsonObject(json.value)) {
    return undefined;
  }
  if ('AlarmName' in json.value && 'NewStateValue' in json.value) {
    return formatCloudWatchAlarm(parseCloudWatchAlarm(json.value), context);
  }
  if ('anomalyId' in json.value && 'impact' in json.value) {
    return formatCostAnomaly(parseCostAnomaly(json.value), context);
  }
  return undefined;
}

function unrecognized(input: AlertNotification): FormattedAlert {
  // At run time SNS sets a missing subject to null, whatever the types say.
  const subject = typeof input.subject === 'string' ? sanitizeSubject(input.subject) : '';
  return { kind: 'unrecognized', subject: subject || UNFORMATTED_SUBJECT, message: input.message };
}

// ---------------------------------------------------------------------------------------------
// CloudWatch alarms: JSON, one object per state change

interface Dimension {
  readonly name: string;
  readonly value: string;
}

/** A single metric: the alarm's own, or one `MetricStat` of a metric-math alarm. */
interface WatchedMetric {
  readonly namespace?: string;
  readonly metricName?: string;
  readonly statistic?: string;
  readonly period?: number;
  readonly dimensions: readonly Dimension[];
}

/** One entry of `Trigger.Metrics`: an expression or a `MetricStat`. */
interface MetricQuery {
  readonly id?: string;
  readonly expression?: string;
  readonly label?: string;
  readonly returnData?: boolean;
  readonly metric?: WatchedMetric;
}

interface AlarmTrigger {
  /** Set for single-metric alarms. */
  readonly metric?: WatchedMetric;
  /** Set for metric-math and anomaly-detection alarms. */
  readonly queries: readonly MetricQuery[];
  readonly period?: number;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly comparisonOperator?: string;
  readonly threshold?: number;
  /** The id of the `ANOMALY_DETECTION_BAND` query, for anomaly-detection alarms. */
  readonly thresholdMetricId?: string;
}

interface CloudWatchAlarm {
  readonly name: string;
  readonly newState: string;
  readonly oldState?: string;
  readonly reason?: string;
  readonly changedAt?: string;
  readonly description?: string;
  readonly accountId?: string;
  /** A display name, e.g. "US East (N. Virginia)". */
  readonly regionName?: string;
  readonly alarmArn?: string;
  /** Composite alarms have none. */
  readonly trigger?: AlarmTrigger;
}

function parseCloudWatchAlarm(json: JsonObject): CloudWatchAlarm {
  const trigger = optionalObject(json, 'Trigger');
  return {
    name: requiredString(json, 'AlarmName'),
    newState: requiredString(json, 'NewStateValue'),
    oldState: optionalString(json, 'OldStateValue'),
    reason: optionalString(json, 'NewStateReason'),
    changedAt: optionalString(json, 'StateChangeTime'),
    description: optionalString(json, 'AlarmDescription'),
    accountId: optionalString(json, 'AWSAccountId'),
    regionName: optionalString(json, 'Region'),
    alarmArn: optionalString(json, 'AlarmArn'),
    trigger: trigger && parseTrigger(trigger),
  };
}

function parseTrigger(json: JsonObject): AlarmTrigger {
  const metricName = optionalString(json, 'MetricName');
  return {
    metric:
      metricName === undefined
        ? undefined
        : {
            namespace: optionalString(json, 'Namespace'),
            metricName,
            statistic: optionalString(json, 'ExtendedStatistic') ?? optionalString(json, 'Statistic'),
            period: optionalNumber(json, 'Period'),
            dimensions: parseDimensions(json),
          },
    queries: (optionalObjectList(json, 'Metrics') ?? []).map(parseMetricQuery),
    period: optionalNumber(json, 'Period'),
    evaluationPeriods: optionalNumber(json, 'EvaluationPeriods'),
    datapointsToAlarm: optionalNumber(json, 'DatapointsToAlarm'),
    comparisonOperator: optionalString(json, 'ComparisonOperator'),
    threshold: optionalNumber(json, 'Threshold'),
    thresholdMetricId: optionalString(json, 'ThresholdMetricId'),
  };
}

function parseMetricQuery(json: JsonObject): MetricQuery {
  const stat = optionalObject(json, 'MetricStat');
  const metric = stat && optionalObject(stat, 'Metric');
  return {
    id: optionalString(json, 'Id'),
    expression: optionalString(json, 'Expression'),
    label: optionalString(json, 'Label'),
    returnData: optionalBoolean(json, 'ReturnData'),
    metric:
      stat &&
      metric && {
        namespace: optionalString(metric, 'Namespace'),
        metricName: optionalString(metric, 'MetricName'),
        statistic: optionalString(stat, 'Stat'),
        period: optionalNumber(stat, 'Period'),
        dimensions: parseDimensions(metric),
      },
  };
}

function parseDimensions(json: JsonObject): Dimension[] {
  // CloudWatch writes `name` and `value` in lower case here, unlike everywhere else.
  return (optionalObjectList(json, 'Dimensions') ?? []).map((dimension) => ({
    name: optionalString(dimension, 'name') ?? requiredString(dimension, 'Name'),
    value: optionalString(dimension, 'value') ?? requiredString(dimension, 'Value'),
  }));
}

function formatCloudWatchAlarm(alarm: CloudWatchAlarm, context: FormatContext): FormattedAlert {
  const headline = `${alarm.newState}: ${alarm.name}`;
  const regionCode = regionFromAlarmArn(alarm.alarmArn);
  const changedAt = alarm.changedAt && ` since ${formatTimestamp(alarm.changedAt)}`;
  const region = alarm.regionName ?? regionCode;
  // BedrockUsageAlarms descriptions already end with the dashboard link: do not repeat it.
  const linkedInDescription = context.dashboardUrl !== undefined && alarm.description?.includes(context.dashboardUrl) === true;
  const lines = [
    headline,
    '',
    ...field('What', alarm.trigger && describeWatched(alarm.trigger)),
    ...field('State', `${alarm.oldState ?? '?'} -> ${alarm.newState}${changedAt ?? ''}`),
    ...field('Why', alarm.reason),
    ...field('Threshold', alarm.trigger && describeThreshold(alarm.trigger)),
    ...field('Description', alarm.description),
    ...field('Account', alarm.accountId),
    ...field('Region', region && (regionCode && regionCode !== region ? `${region} (${regionCode})` : region)),
    '',
    ...field('Dashboard', linkedInDescription ? undefined : context.dashboardUrl),
    ...field('Alarm', regionCode && alarmConsoleUrl(regionCode, alarm.name)),
  ];
  return { kind: 'cloudwatch-alarm', subject: sanitizeSubject(headline), message: joinLines(lines) };
}

/** "AWS/Bedrock OutputTokenCount (Sum per 5 minutes), ModelId us.amazon.nova-pro-v1:0" */
function describeWatched(trigger: AlarmTrigger): string | undefined {
  if (trigger.metric) {
    return withDimensions(describeMetric(trigger.metric), trigger.metric.dimensions);
  }
  const band = trigger.thresholdMetricId;
  const candidates = trigger.queries.filter((query) => query.id !== band);
  // The query the alarm watches is the one whose data it returns; its inputs return none.
  const watched = candidates.find((query) => query.returnData !== false) ?? candidates[0];
  if (!watched) {
    return undefined;
  }
  if (watched.metric) {
    return withDimensions(describeMetric(watched.metric), watched.metric.dimensions);
  }
  const formula = watched.expression ?? watched.id ?? '?';
  const expression = watched.label ? `${watched.label} = ${formula}` : `Expression ${formula}`;
  // The inputs carry the dimensions an expression does not: the ModelId of a cost expression.
  return withDimensions(expression, trigger.queries.flatMap((query) => query.metric?.dimensions ?? []));
}

function describeMetric(metric: WatchedMetric): string {
  const name = [metric.namespace, metric.metricName].filter(Boolean).join(' ');
  const statistic = metric.statistic && (STATISTICS[metric.statistic] ?? metric.statistic);
  const per = metric.period === undefined ? undefined : `per ${formatPeriod(metric.period)}`;
  const how = [statistic, per].filter(Boolean).join(' ');
  return how ? `${name} (${how})` : name;
}

function withDimensions(what: string, dimensions: readonly Dimension[]): string {
  const unique = [...new Set(dimensions.map((d) => `${d.name} ${d.value}`))];
  // ModelId first: it says which model or profile is spending.
  unique.sort((a, b) => Number(b.startsWith('ModelId ')) - Number(a.startsWith('ModelId ')));
  return [what, ...unique].join(', ');
}

/** "> 2,000,000 for 1 of 1 periods of 5 minutes", or "above the anomaly band ..." */
function describeThreshold(trigger: AlarmTrigger): string | undefined {
  let condition: string | undefined;
  if (trigger.thresholdMetricId !== undefined) {
    const band = trigger.queries.find((query) => query.id === trigger.thresholdMetricId);
    const phrase = ANOMALY_BAND_COMPARISONS[trigger.comparisonOperator ?? ''] ?? 'outside the anomaly band';
    condition = `${phrase} (${band?.expression ?? trigger.thresholdMetricId})`;
  } else if (trigger.threshold !== undefined) {
    const operator = trigger.comparisonOperator ?? '';
    condition = `${COMPARISONS[operator] ?? operator} ${formatNumber(trigger.threshold)}`.trim();
  }
  if (condition === undefined) {
    return undefined;
  }
  const { evaluationPeriods, period } = trigger;
  if (evaluationPeriods === undefined) {
    return condition;
  }
  const periods = `${trigger.datapointsToAlarm ?? evaluationPeriods} of ${evaluationPeriods} periods`;
  return `${condition} for ${periods}${period === undefined ? '' : ` of ${formatPeriod(period)}`}`;
}

const COMPARISONS: Readonly<Record<string, string>> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

const ANOMALY_BAND_COMPARISONS: Readonly<Record<string, string>> = {
  GreaterThanUpperThreshold: 'above the anomaly band',
  LessThanLowerThreshold: 'below the anomaly band',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the anomaly band',
};

/** Alarm notifications spell statistics in upper snake case. */
const STATISTICS: Readonly<Record<string, string>> = {
  SUM: 'Sum',
  AVERAGE: 'Average',
  MAXIMUM: 'Maximum',
  MINIMUM: 'Minimum',
  SAMPLE_COUNT: 'SampleCount',
};

/** The notification names the Region for people ("US East (N. Virginia)"); the ARN has its code. */
function regionFromAlarmArn(arn: string | undefined): string | undefined {
  return arn?.match(/^arn:aws:cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d+):/)?.[1];
}

function alarmConsoleUrl(region: string, alarmName: string): string {
  const home = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
  return `${home}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

// ---------------------------------------------------------------------------------------------
// AWS Budgets: plain text, never JSON, with one "Label: value" line per field

interface BudgetAlert {
  readonly name?: string;
  readonly budgetType?: string;
  readonly budgeted?: string;
  /** ACTUAL or FORECASTED. */
  readonly alertType?: string;
  /** "> $80.00" */
  readonly threshold?: string;
  /** The actual or forecasted amount. */
  readonly amount?: string;
  /** "for the current month", "per day" */
  readonly period?: string;
  readonly accountId?: string;
  readonly notifiedOn?: string;
  readonly consoleUrl?: string;
}

function looksLikeBudgetNotification(text: string): boolean {
  return /^AWS Budget Notification\b/m.test(text) || /^Budget Name:/m.test(text);
}

function parseBudget(text: string): BudgetAlert {
  const line = (label: string) => text.match(new RegExp(`^${label}:[ \\t]*(.*?)[ \\t]*\\r?$`, 'm'))?.[1] || undefined;
  const amount = text.match(/^(ACTUAL|FORECASTED) Amount:[ \t]*(.*?)[ \t]*\r?$/m);
  return {
    name: line('Budget Name'),
    budgetType: line('Budget Type'),
    budgeted: line('Budgeted Amount'),
    alertType: line('Alert Type') ?? amount?.[1],
    threshold: line('Alert Threshold'),
    amount: amount?.[2] || undefined,
    period: text.match(/budget is (?:greater than|less than|equal to) \S+ (for the current \w+|per \w+)/)?.[1],
    accountId: text.match(/^AWS Account (\d{12})\b/m)?.[1],
    notifiedOn: text.match(/^AWS Budget Notification (.+?)[ \t]*\r?$/m)?.[1],
    consoleUrl: text.match(/https:\/\/\S*budgets\S*/)?.[0],
  };
}

function formatBudget(budget: BudgetAlert, original: string, context: FormatContext): FormattedAlert {
  const amountOfBudget = budget.amount && budget.budgeted ? `${budget.amount} of ${budget.budgeted}` : budget.amount;
  const figures = [budget.alertType, amountOfBudget].filter(Boolean).join(' ');
  const headline = `${budget.name ? `Budget ${budget.name}` : 'AWS Budgets alert'}${figures ? `: ${figures}` : ''}`;
  const share = percentOf(budget.amount, budget.budgeted);
  const spend = budget.amount && `${amountOfBudget}${budget.budgeted ? ' budgeted' : ''}${share ? ` (${share})` : ''}`;
  const lines = [
    headline,
    '',
    ...field(SPEND_LABELS[budget.alertType ?? ''] ?? 'Spend', spend),
    ...field('Alert threshold', budget.threshold && [budget.threshold, budget.period].filter(Boolean).join(' ')),
    ...field('Budget type', budget.budgetType),
    ...field('Account', budget.accountId),
    ...field('Notified on', budget.notifiedOn),
    '',
    ...field('Budgets console', budget.consoleUrl),
    ...field('Dashboard', context.dashboardUrl),
  ];
  const complete = [budget.name, budget.alertType, budget.amount, budget.budgeted, budget.threshold].every(Boolean);
  const unread = 'Some fields of this AWS Budgets notification could not be read; the original text follows.';
  const message = complete ? joinLines(lines) : [joinLines(lines), unread, original].join('\n\n');
  return { kind: 'budget', subject: sanitizeSubject(headline), message };
}

const SPEND_LABELS: Readonly<Record<string, string>> = { ACTUAL: 'Actual spend', FORECASTED: 'Forecasted spend' };

/** "85.1%" for "$85.12" of "$100.00"; undefined unless both are dollar amounts. */
function percentOf(amount: string | undefined, budgeted: string | undefined): string | undefined {
  const part = parseDollars(amount);
  const whole = parseDollars(budgeted);
  if (part === undefined || whole === undefined || whole <= 0) {
    return undefined;
  }
  return `${formatNumber((part / whole) * 100, 1)}%`;
}

function parseDollars(text: string | undefined): number | undefined {
  const digits = text?.match(/^\$([\d,]+(?:\.\d+)?)$/)?.[1];
  return digits === undefined ? undefined : Number(digits.replace(/,/g, ''));
}

// ---------------------------------------------------------------------------------------------
// Cost Anomaly Detection: JSON with the fields of the documented "Anomaly Detected" event detail
// (https://docs.aws.amazon.com/cost-management/latest/userguide/cad-user-notifications.html)

interface RootCause {
  readonly service?: string;
  readonly region?: string;
  readonly usageType?: string;
  readonly linkedAccount?: string;
  readonly linkedAccountName?: string;
}

interface CostAnomaly {
  readonly id: string;
  readonly accountId?: string;
  readonly accountName?: string;
  readonly startDate?: string;
  /** Absent while the anomaly is still going on. */
  readonly endDate?: string;
  /** The monitored dimension's value: the service, for an AWS services monitor. */
  readonly dimensionValue?: string;
  readonly monitorName?: string;
  readonly monitorArn?: string;
  readonly currentScore?: number;
  readonly maxScore?: number;
  readonly totalImpact: number;
  readonly maxImpact?: number;
  readonly totalActualSpend?: number;
  readonly totalExpectedSpend?: number;
  readonly totalImpactPercentage?: number;
  readonly rootCauses: readonly RootCause[];
  readonly subscriptionName?: string;
  readonly detailsUrl?: string;
}

function parseCostAnomaly(json: JsonObject): CostAnomaly {
  const impact = requiredObject(json, 'impact');
  const score = optionalObject(json, 'anomalyScore');
  return {
    id: requiredString(json, 'anomalyId'),
    accountId: optionalString(json, 'accountId'),
    accountName: optionalString(json, 'accountName'),
    startDate: optionalString(json, 'anomalyStartDate'),
    endDate: optionalString(json, 'anomalyEndDate'),
    // SNS messages say dimensionalValue; the EventBridge event of the same anomaly says dimensionValue.
    dimensionValue: optionalString(json, 'dimensionalValue') ?? optionalString(json, 'dimensionValue'),
    monitorName: optionalString(json, 'monitorName'),
    monitorArn: optionalString(json, 'monitorArn'),
    currentScore: score && optionalNumber(score, 'currentScore'),
    maxScore: score && optionalNumber(score, 'maxScore'),
    totalImpact: requiredNumber(impact, 'totalImpact'),
    maxImpact: optionalNumber(impact, 'maxImpact'),
    totalActualSpend: optionalNumber(impact, 'totalActualSpend'),
    totalExpectedSpend: optionalNumber(impact, 'totalExpectedSpend'),
    totalImpactPercentage: optionalNumber(impact, 'totalImpactPercentage'),
    rootCauses: (optionalObjectList(json, 'rootCauses') ?? []).map((cause) => ({
      service: optionalString(cause, 'service'),
      region: optionalString(cause, 'region'),
      usageType: optionalString(cause, 'usageType'),
      linkedAccount: optionalString(cause, 'linkedAccount'),
      linkedAccountName: optionalString(cause, 'linkedAccountName'),
    })),
    subscriptionName: optionalString(json, 'subscriptionName'),
    detailsUrl: optionalString(json, 'anomalyDetailsLink'),
  };
}

function formatCostAnomaly(anomaly: CostAnomaly, context: FormatContext): FormattedAlert {
  const service = anomaly.dimensionValue ?? anomaly.rootCauses.find((cause) => cause.service)?.service;
  const headline = `Cost anomaly: ${formatUsd(anomaly.totalImpact)} above expected${service ? ` (${service})` : ''}`;
  const percentage = anomaly.totalImpactPercentage;
  const impact =
    `${formatUsd(anomaly.totalImpact)} above expected` +
    (percentage === undefined ? '' : ` (+${formatNumber(percentage, 2)}%)`) +
    (anomaly.maxImpact === undefined ? '' : `, peak ${formatUsd(anomaly.maxImpact)}`);
  const spend = [
    anomaly.totalActualSpend === undefined ? undefined : `${formatUsd(anomaly.totalActualSpend)} actual`,
    anomaly.totalExpectedSpend === undefined ? undefined : `${formatUsd(anomaly.totalExpectedSpend)} expected`,
  ]
    .filter(Boolean)
    .join(' vs ');
  const start = anomaly.startDate && formatDate(anomaly.startDate);
  const dates = start && (anomaly.endDate ? `${start} to ${formatDate(anomaly.endDate)}` : `since ${start}, still open`);
  const maxScore = anomaly.maxScore === undefined ? '' : ` (max ${anomaly.maxScore})`;
  const score = anomaly.currentScore === undefined ? undefined : `${anomaly.currentScore}${maxScore}`;
  const rootCauses = anomaly.rootCauses.map((cause) => `- ${describeRootCause(cause)}`);
  const lines = [
    headline,
    '',
    ...field('Impact', impact),
    ...field('Spend', spend || undefined),
    ...field('Dates', dates),
    ...(rootCauses.length > 0 ? ['Root causes:', ...rootCauses] : []),
    ...field('Monitor', anomaly.monitorName ?? anomaly.monitorArn),
    ...field('Account', anomaly.accountId && `${anomaly.accountId}${anomaly.accountName ? ` (${anomaly.accountName})` : ''}`),
    ...field('Anomaly score', score),
    ...field('Alert subscription', anomaly.subscriptionName),
    ...field('Anomaly id', anomaly.id),
    '',
    ...field('Details', anomaly.detailsUrl),
    ...field('Dashboard', context.dashboardUrl),
  ];
  return { kind: 'cost-anomaly', subject: sanitizeSubject(headline), message: joinLines(lines) };
}

/** "Amazon Bedrock, us-east-1, usage type USE1-..., account 111122223333 (genai-prod)" */
function describeRootCause(cause: RootCause): string {
  const accountName = cause.linkedAccountName ? ` (${cause.linkedAccountName})` : '';
  const account = cause.linkedAccount && `account ${cause.linkedAccount}${accountName}`;
  const parts = [cause.service, cause.region, cause.usageType && `usage type ${cause.usageType}`, account].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'not given';
}

// ---------------------------------------------------------------------------------------------
// Text

/**
 * What SNS accepts as a subject: ASCII, no line breaks or control characters, under 100
 * characters. Accents are dropped (é -> e); other non-ASCII characters become '?'.
 */
function sanitizeSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= MAX_SUBJECT_LENGTH ? ascii : `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** `["Label: value"]`, or nothing when there is no value. */
function field(label: string, value: string | undefined): string[] {
  return value === undefined || value.trim() === '' ? [] : [`${label}: ${value.trim()}`];
}

/** Joins lines, without the blank lines an absent section leaves behind. */
function joinLines(lines: readonly string[]): string {
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** "2025-03-04T14:30:12.558+0000" -> "2025-03-04 14:30:12 UTC"; anything else unchanged. */
function formatTimestamp(timestamp: string): string {
  const utc = timestamp.match(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|[+-]00:?00)$/);
  return utc ? `${utc[1]} ${utc[2]} UTC` : timestamp;
}

/** "2025-03-02T00:00:00Z" -> "2025-03-02"; anything else unchanged. */
function formatDate(timestamp: string): string {
  return timestamp.match(/^(\d{4}-\d{2}-\d{2})(?:T00:00:00(?:\.0+)?Z)?$/)?.[1] ?? timestamp;
}

function formatPeriod(seconds: number): string {
  const [amount, unit] =
    seconds % 86400 === 0
      ? [seconds / 86400, 'day']
      : seconds % 3600 === 0
        ? [seconds / 3600, 'hour']
        : seconds % 60 === 0
          ? [seconds / 60, 'minute']
          : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

function formatNumber(value: number, maximumFractionDigits = 6): string {
  return value.toLocaleString('en-US', { maximumFractionDigits });
}


// ---------------------------------------------------------------------------------------------
// JSON reading: a known key with an unexpected type throws, and the caller forwards the payload.

type JsonObject = Record<string, unknown>;

function parseJson(text: string): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(key: string, expected: string, value: unknown): Error {
  return new TypeError(`${key}: expected ${expected}, got ${JSON.stringify(value)}`);
}

// null counts as absent: CloudWatch writes "AlarmDescription": null, Cost Anomaly Detection "anomalyEndDate": null.
function optionalString(json: JsonObject, key: string): string | undefined {
  const value = json[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw unexpected(key, 'a string', value);
  }
  return value;
}

function requiredString(json: JsonObject, key: string): string {
  const value = optionalString(json, key);
  if (value === undefined || value.trim() === '') {
    throw unexpected(key, 'a non-empty string', json[key]);
  }
  return value;
}

function optionalNumber(json: JsonObject, key: string): number | undefined {
  const value = json[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw unexpected(key, 'a number', value);
  }
  return value;
}

function requiredNumber(json: JsonObject, key: string): number {
  const value = optionalNumber(json, key);
  if (value === undefined) {
    throw unexpected(key, 'a number', json[key]);
  }
  return value;
}

function optionalBoolean(json: JsonObject, key: string): boolean | undefined {
  const value = json[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    throw unexpected(key, 'a boolean', value);
  }
  return value;
}

function optionalObject(json: JsonObject, key: string): JsonObject | undefined {
  const value = json[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isJsonObject(value)) {
    throw unexpected(key, 'an object', value);
  }
  return value;
}

function requiredObject(json: JsonObject, key: string): JsonObject {
  const value = optionalObject(json, key);
  if (value === undefined) {
    throw unexpected(key, 'an object', json[key]);
  }
  return value;
}

function optionalObjectList(json: JsonObject, key: string): JsonObject[] | undefined {
  const value = json[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every(isJsonObject)) {
    throw unexpected(key, 'an array of objects', value);
  }
  return value;
}
