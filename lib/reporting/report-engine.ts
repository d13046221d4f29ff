/**
 * The weekly Bedrock cost digest: prices the usage CloudWatch recorded per `ModelId`, compares it
 * with the period before, and recommends savings computed from the data (cheaper tier, batch
 * inference, prompt caching, Provisioned Throughput). Pure TypeScript that imports only
 * `../pricing`, so the cost-report Lambda and the `bedrock-cost report` CLI share it.
 *
 * ## Metrics export format (`bedrock-cost report --from-file <metrics.json>`)
 *
 * ```json
 * {
 *   "periodSeconds": 3600,
 *   "start": "2026-11-16T00:00:00Z",
 *   "end": "2026-11-23T00:00:00Z",
 *   "current": {
 *     "MetricDataResults": [
 *       {
 *         "Id": "m0_in",
 *         "Label": "amazon.nova-pro-v1:0 InputTokenCount",
 *         "Timestamps": ["2026-11-16T00:00:00+00:00", "2026-11-16T01:00:00+00:00"],
 *         "Values": [120345, 98012]
 *       }
 *     ]
 *   },
 *   "previous": { "MetricDataResults": [] },
 *   "labels": { "amazon.nova-pro-v1:0": "ticket-triage" }
 * }
 * ```
 *
 * - `current` (and the optional `previous`) is what `aws cloudwatch get-metric-data` prints for
 *   queries of namespace `AWS/Bedrock`, dimension `ModelId`, statistic `Sum`, period
 *   `periodSeconds`, each query's `Label` set to `<ModelId> <MetricName>`, where MetricName is
 *   `Invocations`, `InputTokenCount`, `OutputTokenCount`, `CacheReadInputTokenCount` or
 *   `CacheWriteInputTokenCount`. Other keys AWS prints (`Id`, `StatusCode`, `Messages`) are
 *   ignored; timestamps may come in any order; results of one label split over several pages are
 *   merged.
 * - `current` covers `[start, end)`; `previous` the same length just before `start`.
 * - A metric without data points (no cache use, say) may be left out or given empty arrays: it
 *   counts as zero.
 * - `labels` (optional) names `ModelId` values for people, e.g. application profile ids by tenant.
 */
import {
  BedrockModel,
  type CrossRegionGeography,
  estimateCost,
  formatUsd,
  InferenceSource,
  InvocationMode,
  JSON_DECIMALS,
  type PriceSource,
  PriceTable,
  type TokenUsage,
  UnknownModelError,
  Usd,
} from '../pricing';

// ---------------------------------------------------------------------------------------------
// Input and options
// ---------------------------------------------------------------------------------------------

/**
 * One `ModelId`'s Bedrock usage over a period, one value per CloudWatch period. The value arrays
 * are aligned with `timestamps`; a period without data points is a zero (or is absent).
 */
export interface UsageSeries {
  /** The `ModelId` dimension value: a model id, a cross-region profile id or an application profile id. */
  readonly modelId: string;
  /** A name for people, e.g. the tenant or profile name. @default - the model's display name */
  readonly label?: string;
  /** Length of one data point, in seconds (3600 for hourly sums). */
  readonly periodSeconds: number;
  /** Start of each data point, ISO 8601, ascending. */
  readonly timestamps: readonly string[];
  readonly invocations: readonly number[];
  /** `InputTokenCount`: input billed at the input price (cached tokens excluded). */
  readonly inputTokens: readonly number[];
  readonly outputTokens: readonly number[];
  /** @default - zeros */
  readonly cacheReadInputTokens?: readonly number[];
  /** @default - zeros */
  readonly cacheWriteInputTokens?: readonly number[];
}

/** What a Provisioned Throughput model unit costs and carries, as AWS quoted it to you. */
export interface ProvisionedThroughputPrice {
  /** USD per model unit per hour (no commitment, or the term you would buy). */
  readonly hourlyUsdPerModelUnit: number;
  /** Tokens per minute (input and output together) one model unit serves. */
  readonly tokensPerMinutePerModelUnit: number;
}

/** When a recommendation is made. */
export interface ReportThresholds {
  /** `cheaper-tier` when requests average fewer output tokens than this. @default 200 */
  readonly cheaperTierMaxAvgOutputTokens: number;
  /** `provisioned-throughput` when the hourly token volume's coefficient of variation is below this. @default 0.3 */
  readonly provisionedMaxCoefficientOfVariation: number;
  /** `batch` when at least this share of the tokens falls in the daily window. @default 0.6 */
  readonly batchMinShare: number;
  /** The longest daily window, in hours, that counts as a batch burst. @default 6 */
  readonly batchMaxWindowHours: number;
  /** The fewest days the burst must recur on. @default 3 */
  readonly batchMinDays: number;
  /** `prompt-caching` when requests average at least this many input tokens. @default 2000 */
  readonly cachingMinAvgInputTokens: number;
  /** ... and cache reads are below this share of all input tokens. @default 0.1 */
  readonly cachingMaxCacheReadShare: number;
  /** Recommendations that save less than this per month are left out. @default 1 */
  readonly minMonthlySavingsUsd: number;
}

export const DEFAULT_REPORT_THRESHOLDS: ReportThresholds = {
  cheaperTierMaxAvgOutputTokens: 200,
  provisionedMaxCoefficientOfVariation: 0.3,
  batchMinShare: 0.6,
  batchMaxWindowHours: 6,
  batchMinDays: 3,
  cachingMinAvgInputTokens: 2000,
  cachingMaxCacheReadShare: 0.1,
  minMonthlySavingsUsd: 1,
};

/**
 * The next cheaper tier of each model's family: within Amazon Nova Premier -> Pro -> Lite -> Micro;
 * within Claude, Sonnet 4.5 / 4 / 3.7 -> Haiku 4.5 -> 3.5 Haiku.
 */
export const DEFAULT_CHEAPER_TIERS: Readonly<Record<string, string>> = {
  [BedrockModel.NOVA_PREMIER.modelId]: BedrockModel.NOVA_PRO.modelId,
  [BedrockModel.NOVA_PRO.modelId]: BedrockModel.NOVA_LITE.modelId,
  [BedrockModel.NOVA_LITE.modelId]: BedrockModel.NOVA_MICRO.modelId,
  [BedrockModel.CLAUDE_SONNET_4_5.modelId]: BedrockModel.CLAUDE_HAIKU_4_5.modelId,
  [BedrockModel.CLAUDE_SONNET_4.modelId]: BedrockModel.CLAUDE_HAIKU_4_5.modelId,
  [BedrockModel.CLAUDE_3_7_SONNET.modelId]: BedrockModel.CLAUDE_HAIKU_4_5.modelId,
  [BedrockModel.CLAUDE_HAIKU_4_5.modelId]: BedrockModel.CLAUDE_3_5_HAIKU.modelId,
};

export interface ReportOptions {
  /** Prices every `ModelId`. @default PriceTable.DEFAULT */
  readonly priceTable?: PriceTable;
  /**
   * Maps a `ModelId` the price table does not know (an application profile id, say) to the source
   * it is billed as. Ids it returns undefined for are looked up in the price table; ids neither
   * knows are listed as unpriced, with their token counts.
   *
   * @default - the price table's `resolve()`
   */
  readonly resolveModelId?: (modelId: string) => InferenceSource | undefined;
  /**
   * Provisioned Throughput prices by `ModelId` (or by the foundation model id it resolves to).
   *
   * @default - no provisioned-throughput recommendations
   */
  readonly provisionedThroughput?: Readonly<Record<string, ProvisionedThroughputPrice>>;
  /**
   * The cheaper model to suggest for each model id (a foundation model id of the price table).
   * Replaces the defaults; spread `DEFAULT_CHEAPER_TIERS` to extend them.
   *
   * @default DEFAULT_CHEAPER_TIERS
   */
  readonly cheaperTiers?: Readonly<Record<string, string>>;
  /** @default DEFAULT_REPORT_THRESHOLDS */
  readonly thresholds?: Partial<ReportThresholds>;
  /** Start of the current period, ISO 8601. @default - the earliest timestamp */
  readonly start?: string;
  /** End of the current period (exclusive), ISO 8601. @default - the latest timestamp plus one period */
  readonly end?: string;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** The kinds of saving the report looks for. */
export enum RecommendationKind {
  CHEAPER_TIER = 'cheaper-tier',
  PROVISIONED_THROUGHPUT = 'provisioned-throughput',
  BATCH = 'batch',
  PROMPT_CACHING = 'prompt-caching',
}

/** Spend of one `ModelId`. Dollar figures are rounded to 1e-6 USD. */
export interface CostReportLine {
  readonly modelId: string;
  /** The series' label, or the model's display name (with its cross-region geography). */
  readonly label: string;
  /** The id whose prices were applied (differs from `modelId` for a mapped application profile). */
  readonly pricedAs: string;
  readonly invocations: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  readonly costUsd: number;
  /** Present when a previous period was given. */
  readonly previousCostUsd?: number;
  /** Change against the previous period, percent rounded to 0.01; absent when that cost was zero. */
  readonly changePercent?: number;
}

/** Usage of a `ModelId` no price is known for: counted, not priced. */
export interface UnpricedUsage {
  readonly modelId: string;
  readonly label: string;
  readonly invocations: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

export interface Recommendation {
  readonly kind: RecommendationKind;
  readonly modelId: string;
  readonly label: string;
  readonly title: string;
  /** The evidence, the assumptions and the arithmetic behind the savings figure. */
  readonly detail: string;
  /** Rounded to 1e-6 USD. */
  readonly estimatedMonthlySavingsUsd: number;
}

export interface CostReportDigest {
  /** ISO 8601. */
  readonly periodStart: string;
  /** ISO 8601, exclusive. */
  readonly periodEnd: string;
  readonly totalUsd: number;
  /** The current total scaled to 30 days. */
  readonly monthlyRunRateUsd: number;
  /** Present when a previous period was given. */
  readonly previousTotalUsd?: number;
  /** Percent, rounded to 0.01; absent without a previous period or when it cost nothing. */
  readonly changePercent?: number;
  /** Sorted by cost, highest first. */
  readonly lines: CostReportLine[];
  /** The five costliest lines with any cost. */
  readonly topSpenders: CostReportLine[];
  readonly unpriced: UnpricedUsage[];
  /** Sorted by monthly savings, highest first. */
  readonly recommendations: Recommendation[];
  /** Where the prices of the priced lines come from. */
  readonly priceSources: PriceSource[];
}

// ---------------------------------------------------------------------------------------------
// Constants of the estimates
// ---------------------------------------------------------------------------------------------

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
const MONTH_MS = 30n * BigInt(MS_PER_DAY);
/** Provisioned Throughput is billed per hour: a 30-day month has 720. */
const HOURS_PER_MONTH = 720;
/** Assumed share of each prompt that is a repeated prefix. */
const CACHED_PREFIX_SHARE = 0.5;
/** Assumed share of requests whose prefix is still in the cache. */
const CACHE_HIT_RATE = 0.5;
/** The usual minimum prompt-cache checkpoint when a model does not state its own. */
const DEFAULT_MINIMUM_CHECKPOINT_TOKENS = 1024;
/** Hours at the edge of a batch window with less than this share of its busiest hour are background traffic. */
const BATCH_EDGE_SHARE = 0.1;
const TOP_SPENDERS = 5;

// ---------------------------------------------------------------------------------------------
// Series checks and totals
// ---------------------------------------------------------------------------------------------

interface Totals {
  readonly invocations: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

interface Point extends Totals {
  readonly time: number;
}

const ZERO_TOTALS: Totals = { invocations: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

/** `record[key]` when the record itself has the key (not its prototype: "constructor" is no model id). */
function lookup<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function tokensOf(totals: Totals): number {
  return totals.input + totals.output + totals.cacheRead + totals.cacheWrite;
}

function addTotals(a: Totals, b: Totals): Totals {
  return {
    invocations: a.invocations + b.invocations,
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}

function sumTotals(points: Iterable<Totals>): Totals {
  let total = ZERO_TOTALS;
  for (const point of points) {
    total = addTotals(total, point);
  }
  return total;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Milliseconds since the epoch of an ISO 8601 timestamp with a time zone; NaN otherwise. */
function parseTimestamp(value: unknown): number {
  return typeof value === 'string' && ISO_TIMESTAMP.test(value) ? Date.parse(value) : Number.NaN;
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a whole number >= 0 (a Sum of counts), got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** The series as validated points. Throws a RangeError naming the offending field. */
function pointsOf(series: UsageSeries, path: string): Point[] {
  if (typeof series.modelId !== 'string' || series.modelId === '') {
    throw new RangeError(`${path}.modelId must be a non-empty string`);
  }
  if (!Number.isSafeInteger(series.periodSeconds) || series.periodSeconds < 1) {
    throw new RangeError(`${path}.periodSeconds must be a whole number >= 1, got ${String(series.periodSeconds)}`);
  }
  const length = series.timestamps.length;
  const arrays = {
    invocations: series.invocations,
    inputTokens: series.inputTokens,
    outputTokens: series.outputTokens,
    cacheReadInputTokens: series.cacheReadInputTokens ?? new Array<number>(length).fill(0),
    cacheWriteInputTokens: series.cacheWriteInputTokens ?? new Array<number>(length).fill(0),
  };
  for (const [name, values] of Object.entries(arrays)) {
    if (!Array.isArray(values) || values.length !== length) {
      throw new RangeError(`${path}.${name} must have one value per timestamp (${length})`);
    }
  }
  return series.timestamps.map((timestamp, i) => {
    const time = parseTimestamp(timestamp);
    if (Number.isNaN(time)) {
      throw new RangeError(`${path}.timestamps[${i}] must be an ISO 8601 timestamp, got ${JSON.stringify(timestamp)}`);
    }
    return {
      time,
      invocations: checkCount(arrays.invocations[i], `${path}.invocations[${i}]`),
      input: checkCount(arrays.inputTokens[i], `${path}.inputTokens[${i}]`),
      output: checkCount(arrays.outputTokens[i], `${path}.outputTokens[${i}]`),
      cacheRead: checkCount(arrays.cacheReadInputTokens[i], `${path}.cacheReadInputTokens[${i}]`),
      cacheWrite: checkCount(arrays.cacheWriteInputTokens[i], `${path}.cacheWriteInputTokens[${i}]`),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------

/** `amount / divisor`, exact to 1e-18 USD (rounded half to even). */
function divideUsd(amount: Usd, divisor: bigint): Usd {
  const text = amount.toFixed(18);
  const negative = text.startsWith('-');
  const units = BigInt(text.replace('-', '').replace('.', ''));
  let quotient = units / divisor;
  const twiceRemainder = 2n * (units % divisor);
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) {
    quotient += 1n;
  }
  return Usd.of(`${negative ? '-' : ''}${quotient}e-18`);
}

function toNumber(amount: Usd): number {
  return amount.toNumber(JSON_DECIMALS);
}

function percentChange(current: Usd, previous: Usd): number | undefined {
  if (previous.isZero()) {
    return undefined;
  }
  return Math.round(current.minus(previous).ratioTo(previous) * 100 * 100) / 100;
}

/** On-demand cost of the usage; cache tokens of a model without prompt caching are billed as input. */
function onDemandCost(source: InferenceSource, totals: Totals): Usd {
  const usage: TokenUsage = source.model.supportsPromptCaching
    ? {
        inputTokens: totals.input,
        outputTokens: totals.output,
        cacheReadInputTokens: totals.cacheRead,
        cacheWriteInputTokens: totals.cacheWrite,
      }
    : { inputTokens: totals.input + totals.cacheRead + totals.cacheWrite, outputTokens: totals.output };
  return estimateCost(source, usage);
}


/** "+12.3%", "-4.0%". */
export function formatChangePercent(percent: number): string {
  const text = Math.abs(percent).toFixed(1);
  return `${percent < 0 && text !== '0.0' ? '-' : '+'}${text}%`;
}

/** Token counts for people: "980,012", "12.35M", "1.20B". */
export function formatTokens(count: number): string {
  if (count < 1_000_000) {
    return formatNumber(count);
  }
  if (count < 1_000_000_000) {
    return `${(count / 1_000_000).toFixed(2)}M`;
  }
  return `${(count / 1_000_000_000).toFixed(2)}B`;
}

function formatNumber(value: number, fractionDigits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: fractionDigits });
}

function formatPricePerMillion(price: number): string {
  return `$${price} per 1M`;
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

interface Period {
  readonly start: number;
  readonly end: number;
  readonly lengthMs: number;
}

/** What every recommendation needs to know about one priced series. */
interface Analysed {
  readonly series: UsageSeries;
  readonly label: string;
  readonly source: InferenceSource;
  readonly points: Point[];
  readonly totals: Totals;
  readonly cost: Usd;
}

interface Context {
  readonly period: Period;
  readonly thresholds: ReportThresholds;
  readonly table: PriceTable;
  readonly cheaperTiers: Readonly<Record<string, string>>;
  readonly provisionedThroughput: Readonly<Record<string, ProvisionedThroughputPrice>>;
}

interface Draft {
  readonly kind: RecommendationKind;
  readonly title: string;
  readonly detail: string;
  readonly monthlySavings: Usd;
}

function defaultLabel(source: InferenceSource): string {
  return source.geography === undefined ? source.model.displayName : `${source.model.displayName} (${source.geography})`;
}

function resolverOf(options: ReportOptions, table: PriceTable): (modelId: string) => InferenceSource | undefined {
  const fromTable = (modelId: string): InferenceSource | undefined => {
    try {
      return table.resolve(modelId);
    } catch (error) {
      if (error instanceof UnknownModelError) {
        return undefined;
      }
      throw error;
    }
  };
  const custom = options.resolveModelId;
  return custom ? (modelId) => custom(modelId) ?? fromTable(modelId) : fromTable;
}

function reportPeriod(options: ReportOptions, all: readonly { series: UsageSeries; points: Point[] }[]): Period {
  const parse = (value: string | undefined, field: string): number | undefined => {
    if (value === undefined) {
      return undefined;
    }
    const time = parseTimestamp(value);
    if (Number.isNaN(time)) {
      throw new RangeError(`options.${field} must be an ISO 8601 timestamp, got ${JSON.stringify(value)}`);
    }
    return time;
  };
  // Loops, not Math.min(...times): a month of 5-minute points for hundreds of ids overflows the stack.
  let first: number | undefined;
  let last: number | undefined;
  for (const { series, points } of all) {
    for (const { time } of points) {
      first = first === undefined || time < first ? time : first;
      const pointEnd = time + series.periodSeconds * 1000;
      last = last === undefined || pointEnd > last ? pointEnd : last;
    }
  }
  const start = parse(options.start, 'start') ?? first;
  const end = parse(options.end, 'end') ?? last;
  if (start === undefined || end === undefined) {
    throw new RangeError('the series hold no data points: give options.start and options.end');
  }
  if (end <= start) {
    throw new RangeError(`the period must end after it starts, got ${new Date(start).toISOString()} to ${new Date(end).toISOString()}`);
  }
  return { start, end, lengthMs: end - start };
}

function toMonthly(amount: Usd, period: Period): Usd {
  return divideUsd(amount.times(MONTH_MS), BigInt(period.lengthMs));
}

/** "x 30/7" for whole days, else the factor itself. */
function monthlyFactorText(period: Period): string {
  const days = period.lengthMs / MS_PER_DAY;
  return Number.isInteger(days) ? `x 30/${days}` : `x ${(30 / days).toFixed(4)}`;
}

function periodName(period: Period): string {
  return period.lengthMs === 7 * MS_PER_DAY ? 'this week' : 'this period';
}

/**
 * Prices each series, compares it with the previous period and recommends savings.
 *
 * Throws a RangeError naming the field for a malformed series (arrays of different lengths,
 * negative or fractional counts, timestamps that are not ISO 8601) or a `ModelId` listed twice.
 */
export function buildCostReport(
  current: readonly UsageSeries[],
  previous: readonly UsageSeries[] | undefined,
  options: ReportOptions = {},
): CostReportDigest {
  const table = options.priceTable ?? PriceTable.DEFAULT;
  const resolve = resolverOf(options, table);
  const thresholds = { ...DEFAULT_REPORT_THRESHOLDS, ...options.thresholds };
  const context: Omit<Context, 'period'> = {
    thresholds,
    table,
    cheaperTiers: options.cheaperTiers ?? DEFAULT_CHEAPER_TIERS,
    provisionedThroughput: options.provisionedThroughput ?? {},
  };

  const checked = (list: readonly UsageSeries[], name: string) => {
    const seen = new Set<string>();
    return list.map((series, i) => {
      const points = pointsOf(series, `${name}[${i}]`);
      if (seen.has(series.modelId)) {
        throw new RangeError(`${name}[${i}].modelId: ${series.modelId} is listed twice`);
      }
      seen.add(series.modelId);
      return { series, points };
    });
  };
  const currentChecked = checked(current, 'current');
  const previousChecked = previous === undefined ? undefined : checked(previous, 'previous');
  const period = reportPeriod(options, currentChecked);
  const ctx: Context = { ...context, period };

  const analysed: Analysed[] = [];
  const unpriced: UnpricedUsage[] = [];
  for (const { series, points } of currentChecked) {
    const totals = sumTotals(points);
    const source = resolve(series.modelId);
    if (!source) {
      unpriced.push({ modelId: series.modelId, label: series.label ?? series.modelId, ...countsOf(totals) });
      continue;
    }
    analysed.push({ series, label: series.label ?? defaultLabel(source), source, points, totals, cost: onDemandCost(source, totals) });
  }

  const previousCosts = new Map<string, { cost: Usd; source: InferenceSource; series: UsageSeries }>();
  for (const { series, points } of previousChecked ?? []) {
    const source = resolve(series.modelId);
    if (source) {
      previousCosts.set(series.modelId, { cost: onDemandCost(source, sumTotals(points)), source, series });
    }
  }

  const lines: { line: CostReportLine; cost: Usd }[] = analysed.map((a) => {
    const previousCost = previousChecked === undefined ? undefined : (previousCosts.get(a.series.modelId)?.cost ?? Usd.ZERO);
    return { line: lineOf(a.series.modelId, a.label, a.source, a.totals, a.cost, previousCost), cost: a.cost };
  });
  // A model that ran last period but not this one is news too.
  const currentIds = new Set(currentChecked.map(({ series }) => series.modelId));
  for (const [modelId, { cost, source, series }] of previousCosts) {
    if (!currentIds.has(modelId)) {
      lines.push({ line: lineOf(modelId, series.label ?? defaultLabel(source), source, ZERO_TOTALS, Usd.ZERO, cost), cost: Usd.ZERO });
    }
  }
  lines.sort((a, b) => b.cost.compare(a.cost) || a.line.modelId.localeCompare(b.line.modelId));

  const total = Usd.sum(analysed.map((a) => a.cost));
  const previousTotal = previousChecked === undefined ? undefined : Usd.sum([...previousCosts.values()].map((p) => p.cost));

  const minimumSavings = Usd.of(thresholds.minMonthlySavingsUsd);
  const recommendations = analysed
    .flatMap((a) =>
      [cheaperTier(a, ctx), provisionedThroughput(a, ctx), batch(a, ctx), promptCaching(a, ctx)]
        .filter((draft): draft is Draft => draft !== undefined && draft.monthlySavings.compare(minimumSavings) >= 0)
        .map((draft) => ({ draft, modelId: a.series.modelId, label: a.label })),
    )
    .sort((a, b) => b.draft.monthlySavings.compare(a.draft.monthlySavings) || a.modelId.localeCompare(b.modelId))
    .map(({ draft, modelId, label }) => ({
      kind: draft.kind,
      modelId,
      label,
      title: draft.title,
      detail: draft.detail,
      estimatedMonthlySavingsUsd: toNumber(draft.monthlySavings),
    }));

  const priceSources: PriceSource[] = [];
  for (const { source } of analysed) {
    const priceSource = source.model.priceSource;
    if (!priceSources.some((known) => JSON.stringify(known) === JSON.stringify(priceSource))) {
      priceSources.push(priceSource);
    }
  }

  const sortedLines = lines.map(({ line }) => line);
  return {
    periodStart: new Date(period.start).toISOString(),
    periodEnd: new Date(period.end).toISOString(),
    totalUsd: toNumber(total),
    monthlyRunRateUsd: toNumber(toMonthly(total, period)),
    ...(previousTotal === undefined ? {} : { previousTotalUsd: toNumber(previousTotal) }),
    ...optionalChange(total, previousTotal),
    lines: sortedLines,
    topSpenders: sortedLines.filter((line) => line.costUsd > 0).slice(0, TOP_SPENDERS),
    unpriced,
    recommendations,
    priceSources,
  };
}

function countsOf(totals: Totals) {
  return {
    invocations: totals.invocations,
    inputTokens: totals.input,
    outputTokens: totals.output,
    cacheRead: totals.cacheRead,
    cacheWrite: totals.cacheWrite,
  };
}

function optionalChange(current: Usd, previous: Usd | undefined): { changePercent?: number } {
  const change = previous === undefined ? undefined : percentChange(current, previous);
  return change === undefined ? {} : { changePercent: change };
}

function lineOf(
  modelId: string,
  label: string,
  source: InferenceSource,
  totals: Totals,
  cost: Usd,
  previousCost: Usd | undefined,
): CostReportLine {
  return {
    modelId,
    label,
    pricedAs: source.invocationId,
    ...countsOf(totals),
    costUsd: toNumber(cost),
    ...(previousCost === undefined ? {} : { previousCostUsd: toNumber(previousCost) }),
    ...optionalChange(cost, previousCost),
  };
}

// ---------------------------------------------------------------------------------------------
// Recommendations
// ---------------------------------------------------------------------------------------------

/** Money and its monthly figure, as the details print them. */
function weeklyToMonthlyText(weekly: Usd, ctx: Context): { monthly: Usd; text: string } {
  const monthly = toMonthly(weekly, ctx.period);
  return { monthly, text: `${formatUsd(weekly)} ${periodName(ctx.period)}, ${monthlyFactorText(ctx.period)} = ${formatUsd(monthly)} per month` };
}

/** The same model one tier down, through the same geography when it has one there. */
function cheaperSource(a: Analysed, ctx: Context): InferenceSource | undefined {
  const targetId = lookup(ctx.cheaperTiers, a.series.modelId) ?? lookup(ctx.cheaperTiers, a.source.model.modelId);
  const target = targetId === undefined ? undefined : ctx.table.find(targetId);
  if (!target) {
    return undefined;
  }
  const geography: CrossRegionGeography | undefined = a.source.geography;
  if (geography !== undefined && target.crossRegionProfiles.some((profile) => profile.geography === geography)) {
    return InferenceSource.crossRegion(target, geography);
  }
  return InferenceSource.inRegion(target);
}

function cheaperTier(a: Analysed, ctx: Context): Draft | undefined {
  const target = cheaperSource(a, ctx);
  if (!target || a.totals.invocations === 0) {
    return undefined;
  }
  const avgOutput = a.totals.output / a.totals.invocations;
  if (avgOutput >= ctx.thresholds.cheaperTierMaxAvgOutputTokens) {
    return undefined;
  }
  const targetCost = onDemandCost(target, a.totals);
  const saved = a.cost.minus(targetCost);
  if (saved.isNegative() || saved.isZero()) {
    return undefined;
  }
  const { monthly, text } = weeklyToMonthlyText(saved, ctx);
  return {
    kind: RecommendationKind.CHEAPER_TIER,
    title: `Try ${target.model.displayName} for ${a.label}`,
    detail:
      `${a.label} runs on ${a.source} and its ${formatNumber(a.totals.invocations)} requests averaged ` +
      `${formatNumber(avgOutput, 1)} output tokens (< ${ctx.thresholds.cheaperTierMaxAvgOutputTokens}): short answers ` +
      `a smaller model often gives as well. The same tokens on ${target} would cost ${formatUsd(targetCost)} ` +
      `instead of ${formatUsd(a.cost)}: saves ${text}. Check quality on a sample first, or route only the simple ` +
      'requests there.',
    monthlySavings: monthly,
  };
}

interface HourlyShape {
  readonly hours: number;
  readonly invocations: number[];
  readonly tokens: number[];
}

/** The series binned by hour of the period, when its data points fit inside hours. */
function hourlyShape(a: Analysed, period: Period): HourlyShape | undefined {
  const seconds = a.series.periodSeconds;
  const hours = period.lengthMs / MS_PER_HOUR;
  if (seconds > 3600 || 3600 % seconds !== 0 || !Number.isInteger(hours)) {
    return undefined;
  }
  const invocations = new Array<number>(hours).fill(0);
  const tokens = new Array<number>(hours).fill(0);
  for (const point of a.points) {
    const hour = Math.floor((point.time - period.start) / MS_PER_HOUR);
    if (hour >= 0 && hour < hours) {
      invocations[hour] += point.invocations;
      tokens[hour] += tokensOf(point);
    }
  }
  return { hours, invocations, tokens };
}

function provisionedThroughput(a: Analysed, ctx: Context): Draft | undefined {
  const price =
    lookup(ctx.provisionedThroughput, a.series.modelId) ??
    lookup(ctx.provisionedThroughput, a.source.invocationId) ??
    lookup(ctx.provisionedThroughput, a.source.model.modelId);
  const shape = price && hourlyShape(a, ctx.period);
  if (!price || !shape || shape.invocations.some((count) => count === 0)) {
    return undefined;
  }
  const mean = shape.tokens.reduce((sum, value) => sum + value, 0) / shape.hours;
  const variance = shape.tokens.reduce((sum, value) => sum + (value - mean) ** 2, 0) / shape.hours;
  const cv = Math.sqrt(variance) / mean;
  if (!(cv < ctx.thresholds.provisionedMaxCoefficientOfVariation)) {
    return undefined;
  }
  // Data points are sums over periodSeconds: the busiest one's average rate stands in for the peak minute.
  const peakTokens = a.points.reduce((peak, point) => Math.max(peak, tokensOf(point)), 0);
  const peakPerMinute = (peakTokens * 60) / a.series.periodSeconds;
  const units = Math.max(1, Math.ceil((peakTokens * 60) / (a.series.periodSeconds * price.tokensPerMinutePerModelUnit)));
  const provisioned = Usd.of(price.hourlyUsdPerModelUnit).times(units).times(HOURS_PER_MONTH);
  const onDemand = toMonthly(a.cost, ctx.period);
  const saved = onDemand.minus(provisioned);
  if (saved.isNegative() || saved.isZero()) {
    return undefined;
  }
  return {
    kind: RecommendationKind.PROVISIONED_THROUGHPUT,
    title: `Consider Provisioned Throughput for ${a.label}`,
    detail:
      `${a.label} had traffic in every one of the ${shape.hours} hours and a steady hourly token volume ` +
      `(coefficient of variation ${cv.toFixed(2)} < ${ctx.thresholds.provisionedMaxCoefficientOfVariation}). Its busiest ` +
      `${a.series.periodSeconds / 60}-minute period averaged ${formatNumber(peakPerMinute)} tokens per minute: ` +
      `ceil(${formatNumber(peakPerMinute)} / ${formatNumber(price.tokensPerMinutePerModelUnit)}) = ${units} model unit${units === 1 ? '' : 's'} ` +
      `x $${price.hourlyUsdPerModelUnit}/hour x ${HOURS_PER_MONTH} hours = ${formatUsd(provisioned)} per month, against ` +
      `${formatUsd(a.cost)} on demand ${periodName(ctx.period)} ${monthlyFactorText(ctx.period)} = ${formatUsd(onDemand)} ` +
      `per month: saves ${formatUsd(saved)} per month. Peaks shorter than a data point are not visible here: size ` +
      'units from per-minute metrics before you buy.',
    monthlySavings: saved,
  };
}

interface BatchWindow {
  readonly startHour: number;
  readonly hours: number;
  readonly share: number;
  readonly days: number;
  readonly usage: Totals;
}

function utcHour(time: number): number {
  return new Date(time).getUTCHours();
}

/** The daily window of at most `batchMaxWindowHours` hours (UTC) that holds the most tokens. */
function findBatchWindow(a: Analysed, ctx: Context): BatchWindow | undefined {
  const seconds = a.series.periodSeconds;
  if (seconds > 3600 || 3600 % seconds !== 0) {
    return undefined;
  }
  const byHour = new Array<number>(24).fill(0);
  for (const point of a.points) {
    byHour[utcHour(point.time)] += tokensOf(point);
  }
  const total = byHour.reduce((sum, value) => sum + value, 0);
  if (total === 0) {
    return undefined;
  }
  const maxHours = Math.min(24, Math.max(1, Math.floor(ctx.thresholds.batchMaxWindowHours)));
  const windowTokens = (start: number, hours: number) => {
    let sum = 0;
    for (let k = 0; k < hours; k++) {
      sum += byHour[(start + k) % 24];
    }
    return sum;
  };
  let startHour = 0;
  let best = -1;
  for (let start = 0; start < 24; start++) {
    const tokens = windowTokens(start, maxHours);
    if (tokens > best) {
      best = tokens;
      startHour = start;
    }
  }
  // Trim background hours off the edges, as long as the window keeps the share it needs.
  let hours = maxHours;
  const minimumTokens = ctx.thresholds.batchMinShare * total;
  const peak = Math.max(...Array.from({ length: hours }, (_, k) => byHour[(startHour + k) % 24]));
  const trimmable = (tokens: number) => tokens < peak * BATCH_EDGE_SHARE && best - tokens >= minimumTokens;
  while (hours > 1 && trimmable(byHour[startHour])) {
    best -= byHour[startHour];
    startHour = (startHour + 1) % 24;
    hours--;
  }
  while (hours > 1 && trimmable(byHour[(startHour + hours - 1) % 24])) {
    best -= byHour[(startHour + hours - 1) % 24];
    hours--;
  }
  const share = best / total;
  if (share < ctx.thresholds.batchMinShare) {
    return undefined;
  }
  const inWindow = (time: number) => (utcHour(time) - startHour + 24) % 24 < hours;
  // A day counts when the window held most of that day's tokens; days start at the window's start.
  const days = new Map<number, { window: number; all: number }>();
  const windowPoints: Point[] = [];
  for (const point of a.points) {
    const day = Math.floor((point.time - startHour * MS_PER_HOUR) / MS_PER_DAY);
    const entry = days.get(day) ?? { window: 0, all: 0 };
    const tokens = tokensOf(point);
    entry.all += tokens;
    if (inWindow(point.time)) {
      entry.window += tokens;
      windowPoints.push(point);
    }
    days.set(day, entry);
  }
  const recurring = [...days.values()].filter((entry) => entry.window > 0 && entry.window * 2 >= entry.all).length;
  if (recurring < ctx.thresholds.batchMinDays) {
    return undefined;
  }
  return { startHour, hours, share, days: recurring, usage: sumTotals(windowPoints) };
}

function hourText(hour: number): string {
  return `${String(hour % 24).padStart(2, '0')}:00`;
}

function batch(a: Analysed, ctx: Context): Draft | undefined {
  if (!a.source.model.supportsBatch) {
    return undefined;
  }
  const window = findBatchWindow(a, ctx);
  if (!window) {
    return undefined;
  }
  const { usage } = window;
  const onDemand = onDemandCost(a.source, usage);
  // Batch inference has no prompt caching: cached tokens would be billed as batch input.
  const batchCost = estimateCost(
    a.source,
    { inputTokens: usage.input + usage.cacheRead + usage.cacheWrite, outputTokens: usage.output },
    InvocationMode.BATCH,
  );
  const saved = onDemand.minus(batchCost);
  if (saved.isNegative() || saved.isZero()) {
    return undefined;
  }
  const hours = `${hourText(window.startHour)}-${hourText(window.startHour + window.hours)} UTC`;
  const { monthly, text } = weeklyToMonthlyText(saved, ctx);
  return {
    kind: RecommendationKind.BATCH,
    title: `Run the ${hours} burst of ${a.label} as batch inference`,
    detail:
      `${(window.share * 100).toFixed(1)}% of the tokens of ${a.label} (${formatTokens(tokensOf(usage))} of ` +
      `${formatTokens(tokensOf(a.totals))}) fell between ${hours}, and that window held most of the day's tokens on ` +
      `${window.days} days: work that looks scheduled, not interactive. That traffic cost ${formatUsd(onDemand)} on ` +
      `demand and would cost ${formatUsd(batchCost)} at batch prices (half of on-demand on ${a.source.model.displayName}): ` +
      `saves ${text}. Batch jobs finish within 24 hours and need at least 100 records each.`,
    monthlySavings: monthly,
  };
}

function promptCaching(a: Analysed, ctx: Context): Draft | undefined {
  const price = a.source.perToken;
  if (!price.cacheRead || !price.cacheWrite || a.totals.invocations === 0) {
    return undefined;
  }
  const { thresholds } = ctx;
  const promptTokens = a.totals.input + a.totals.cacheRead + a.totals.cacheWrite;
  const avgInput = promptTokens / a.totals.invocations;
  if (avgInput < thresholds.cachingMinAvgInputTokens || a.totals.cacheRead >= thresholds.cachingMaxCacheReadShare * promptTokens) {
    return undefined;
  }
  const minimum = a.source.model.minimumCacheCheckpointTokens ?? DEFAULT_MINIMUM_CHECKPOINT_TOKENS;
  const prefix = avgInput * CACHED_PREFIX_SHARE;
  if (prefix < minimum) {
    return undefined;
  }
  // Of the uncached input, the prefix share is read on hits and written on misses.
  const hitShare = CACHED_PREFIX_SHARE * CACHE_HIT_RATE;
  const missShare = CACHED_PREFIX_SHARE * (1 - CACHE_HIT_RATE);
  const hitTokens = a.totals.input * hitShare;
  const missTokens = a.totals.input * missShare;
  const readSaving = price.input.minus(price.cacheRead).times(a.totals.input).times(hitShare);
  const writeSurcharge = price.cacheWrite.minus(price.input).times(a.totals.input).times(missShare);
  const saved = readSaving.minus(writeSurcharge);
  if (saved.isNegative() || saved.isZero()) {
    return undefined;
  }
  const prices = a.source.prices;
  const writePrice = prices.promptCache?.writePerMillionTokens ?? prices.inputPerMillionTokens;
  const { monthly, text } = weeklyToMonthlyText(saved, ctx);
  const cacheReadPercent = promptTokens === 0 ? 0 : (a.totals.cacheRead / promptTokens) * 100;
  return {
    kind: RecommendationKind.PROMPT_CACHING,
    title: `Turn on prompt caching for ${a.label}`,
    detail:
      `Requests of ${a.label} averaged ${formatNumber(avgInput)} input tokens (>= ${formatNumber(thresholds.cachingMinAvgInputTokens)}) ` +
      `and cache reads were ${cacheReadPercent.toFixed(1)}% of input (< ${thresholds.cachingMaxCacheReadShare * 100}%). ` +
      `Assuming ${CACHED_PREFIX_SHARE * 100}% of each prompt is a repeated prefix (${formatNumber(prefix)} tokens, at least ` +
      `${a.source.model.displayName}'s ${formatNumber(minimum)}-token minimum checkpoint) and ${CACHE_HIT_RATE * 100}% of ` +
      `requests find it cached: ${formatTokens(hitTokens)} of the ${formatTokens(a.totals.input)} input tokens would be ` +
      `read at ${formatPricePerMillion(prices.promptCache?.readPerMillionTokens ?? 0)} instead of ` +
      `${formatPricePerMillion(prices.inputPerMillionTokens)} (saves ${formatUsd(readSaving)}) and ` +
      `${formatTokens(missTokens)} written at ${formatPricePerMillion(writePrice)} ` +
      `(${writeSurcharge.isNegative() ? `saves ${formatUsd(Usd.ZERO.minus(writeSurcharge))}` : `surcharge ${formatUsd(writeSurcharge)}`}): ` +
      `saves ${text}. Put a cachePoint after the stable part of the prompt ` +
      '(system prompt, tools, documents).',
    monthlySavings: monthly,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

type Align = 'left' | 'right';

function renderTable(rows: readonly (readonly string[])[], align: readonly Align[], rulesAfter: readonly number[]): string[] {
  const widths = align.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const render = (row: readonly string[]) =>
    row
      .map((cell, column) => (align[column] === 'left' ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const out: string[] = [];
  rows.forEach((row, index) => {
    out.push(render(row));
    if (rulesAfter.includes(index)) {
      out.push(rule);
    }
  });
  return out;
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(`${indent}${line}`);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') {
    lines.push(`${indent}${line}`);
  }
  return lines;
}

/** "2026-11-16 00:00 UTC". */
function dateText(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The report as a plain-text digest, for email (SNS) and the terminal. */
export function renderReport(report: CostReportDigest): string {
  const lengthMs = Date.parse(report.periodEnd) - Date.parse(report.periodStart);
  const days = lengthMs / MS_PER_DAY;
  const span = Number.isInteger(days) ? `${days} day${days === 1 ? '' : 's'}` : `${(lengthMs / MS_PER_HOUR).toFixed(1)} hours`;
  const out: string[] = [
    `Bedrock cost report: ${dateText(report.periodStart)} to ${dateText(report.periodEnd)} (${span})`,
    '',
  ];

  const summary: string[][] = [['Spend', formatUsd(report.totalUsd)]];
  if (report.previousTotalUsd !== undefined) {
    const change = report.changePercent === undefined ? 'n/a' : formatChangePercent(report.changePercent);
    summary.push(['Previous period', formatUsd(report.previousTotalUsd)], ['Change', change]);
  }
  summary.push(['30-day run rate', formatUsd(report.monthlyRunRateUsd)]);
  out.push(...renderTable(summary, ['left', 'right'], []), '');

  if (report.lines.length > 0) {
    const withPrevious = report.previousTotalUsd !== undefined;
    const header = ['Model', 'Calls', 'Input', 'Output', 'Cache read', 'Cache write', 'Cost', ...(withPrevious ? ['Previous', 'Change'] : []), 'ModelId'];
    const rows = report.lines.map((line) => [
      line.label,
      formatNumber(line.invocations),
      formatTokens(line.inputTokens),
      formatTokens(line.outputTokens),
      formatTokens(line.cacheRead),
      formatTokens(line.cacheWrite),
      formatUsd(line.costUsd),
      ...(withPrevious
        ? [formatUsd(line.previousCostUsd ?? 0), line.changePercent === undefined ? '-' : formatChangePercent(line.changePercent)]
        : []),
      line.pricedAs === line.modelId ? line.modelId : `${line.modelId} (priced as ${line.pricedAs})`,
    ]);
    const totalRow = [
      'Total',
      '',
      '',
      '',
      '',
      '',
      formatUsd(report.totalUsd),
      ...(withPrevious
        ? [formatUsd(report.previousTotalUsd ?? 0), report.changePercent === undefined ? '-' : formatChangePercent(report.changePercent)]
        : []),
      '',
    ];
    const align: Align[] = header.map((_, i) => (i === 0 || i === header.length - 1 ? 'left' : 'right'));
    out.push(...renderTable([header, ...rows, totalRow], align, [0, rows.length]), '');
  }

  if (report.topSpenders.length > 0) {
    out.push('Top spenders');
    const rows = report.topSpenders.map((line, i) => [
      `${i + 1}. ${line.label}`,
      formatUsd(line.costUsd),
      report.totalUsd > 0 ? `${((line.costUsd / report.totalUsd) * 100).toFixed(1)}%` : '-',
    ]);
    out.push(...renderTable(rows, ['left', 'right', 'right'], []).map((row) => `  ${row}`), '');
  }

  if (report.recommendations.length === 0) {
    out.push('Recommendations: none this period.', '');
  } else {
    const total = Usd.sum(report.recommendations.map((r) => Usd.of(r.estimatedMonthlySavingsUsd)));
    out.push(`Recommendations (up to ${formatUsd(total)} per month if all apply; they can overlap)`);
    report.recommendations.forEach((recommendation, i) => {
      out.push(
        `${i + 1}. [${recommendation.kind}] ${recommendation.title}: saves about ${formatUsd(recommendation.estimatedMonthlySavingsUsd)} per month`,
        ...wrap(recommendation.detail, 100, '   '),
      );
    });
    out.push('');
  }

  if (report.unpriced.length > 0) {
    out.push('Unpriced (no price known for these ModelIds; their cost is not in the totals)');
    const rows = [
      ['ModelId', 'Calls', 'Input', 'Output', 'Cache read', 'Cache write'],
      ...report.unpriced.map((u) => [
        u.label === u.modelId ? u.modelId : `${u.modelId} (${u.label})`,
        formatNumber(u.invocations),
        formatTokens(u.inputTokens),
        formatTokens(u.outputTokens),
        formatTokens(u.cacheRead),
        formatTokens(u.cacheWrite),
      ]),
    ];
    out.push(...renderTable(rows, ['left', 'right', 'right', 'right', 'right', 'right'], [0]).map((row) => `  ${row}`), '');
  }

  // Each model cites its own sources (priceSources, and `bedrock-cost models --json`): the text names the Regions and dates.
  const regions = [...new Set(report.priceSources.map((s) => s.region))].join(', ');
  const dates = [...new Set(report.priceSources.map((s) => s.asOf))].sort();
  const asOf = dates.length <= 1 ? `as of ${dates[0] ?? 'unknown'}` : `as of ${dates[0]} to ${dates[dates.length - 1]}`;
  const sources = report.priceSources.length === 0 ? '' : `${regions}, ${asOf} (each model's sources: bedrock-cost models --json)`;
  out.push(
    ...wrap(
      `Costs are estimates: token counts from CloudWatch (AWS/Bedrock, Sum) x list prices from the price table` +
        `${sources === '' ? '' : `: ${sources}`}. Discounts, credits, taxes, Provisioned Throughput and non-token charges ` +
        'are not included. Monthly figures scale this period to 30 days.',
      100,
      '',
    ),
  );
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// GetMetricData results -> UsageSeries
// ---------------------------------------------------------------------------------------------

/** The metrics the report reads, by `AWS/Bedrock` metric name, with the `UsageSeries` field each fills. */
export const REPORT_METRICS = {
  Invocations: 'invocations',
  InputTokenCount: 'inputTokens',
  OutputTokenCount: 'outputTokens',
  CacheReadInputTokenCount: 'cacheReadInputTokens',
  CacheWriteInputTokenCount: 'cacheWriteInputTokens',
} as const;

export type ReportMetricName = keyof typeof REPORT_METRICS;

export const REPORT_METRIC_NAMES = Object.keys(REPORT_METRICS) as ReportMetricName[];

/** One entry of `GetMetricData`'s `MetricDataResults`, from the SDK (Date timestamps) or from JSON (strings). */
export interface MetricDataResultLike {
  readonly Id?: string;
  /** `<ModelId> <MetricName>`, e.g. `amazon.nova-pro-v1:0 InputTokenCount`. */
  readonly Label?: string;
  readonly Timestamps?: readonly (string | Date)[];
  readonly Values?: readonly number[];
}

export interface SeriesFromResultsOptions {
  /** The period of the queries, in seconds. */
  readonly periodSeconds: number;
  /** Labels by `ModelId`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** How errors name the results, e.g. `current.MetricDataResults`. @default 'MetricDataResults' */
  readonly path?: string;
}

/**
 * Turns `GetMetricData` results labelled `<ModelId> <MetricName>` into one `UsageSeries` per
 * `ModelId` (sorted by id). Results with the same label (pages) are merged; each series'
 * timestamps are the union of its metrics', ascending, and a metric without a data point at one
 * of them counts zero there. A `ModelId` whose results hold no data points gets empty arrays.
 *
 * Throws a RangeError naming the field for a label of another form, an unknown metric name,
 * timestamps and values of different lengths, a timestamp given twice, or a value that is not a
 * whole number >= 0.
 */
export function seriesFromMetricDataResults(
  results: readonly MetricDataResultLike[],
  options: SeriesFromResultsOptions,
): UsageSeries[] {
  const path = options.path ?? 'MetricDataResults';
  if (!Array.isArray(results)) {
    throw new RangeError(`${path} must be an array`);
  }
  const byModel = new Map<string, Map<ReportMetricName, Map<number, number>>>();
  results.forEach((result: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new RangeError(`${at} must be an object`);
    }
    const { Label: label, Timestamps: timestamps = [], Values: values = [] } = result as Record<string, unknown>;
    const match = typeof label === 'string' ? /^(\S+) (\S+)$/.exec(label) : null;
    if (!match) {
      throw new RangeError(`${at}.Label must be "<ModelId> <MetricName>", got ${JSON.stringify(label) ?? 'nothing'}`);
    }
    const [, modelId, metricName] = match;
    if (!Object.hasOwn(REPORT_METRICS, metricName)) {
      throw new RangeError(`${at}.Label: metric must be one of ${REPORT_METRIC_NAMES.join(', ')}, got '${metricName}'`);
    }
    if (!Array.isArray(timestamps)) {
      throw new RangeError(`${at}.Timestamps must be an array`);
    }
    if (!Array.isArray(values) || values.length !== timestamps.length) {
      throw new RangeError(`${at}.Values must be an array with one value per timestamp (${timestamps.length})`);
    }
    const metrics = byModel.get(modelId) ?? new Map<ReportMetricName, Map<number, number>>();
    byModel.set(modelId, metrics);
    const points = metrics.get(metricName as ReportMetricName) ?? new Map<number, number>();
    metrics.set(metricName as ReportMetricName, points);
    timestamps.forEach((timestamp: unknown, j) => {
      const time = timestamp instanceof Date ? timestamp.getTime() : parseTimestamp(timestamp);
      if (Number.isNaN(time)) {
        throw new RangeError(`${at}.Timestamps[${j}] must be an ISO 8601 timestamp, got ${JSON.stringify(timestamp)}`);
      }
      if (points.has(time)) {
        throw new RangeError(`${at}.Timestamps[${j}]: ${new Date(time).toISOString()} appears twice for '${label}'`);
      }
      points.set(time, checkCount(values[j], `${at}.Values[${j}]`));
    });
  });

  return [...byModel.keys()].sort().map((modelId) => {
    const metrics = byModel.get(modelId)!;
    const times = [...new Set([...metrics.values()].flatMap((points) => [...points.keys()]))].sort((a, b) => a - b);
    const column = (name: ReportMetricName) => times.map((time) => metrics.get(name)?.get(time) ?? 0);
    const label = lookup(options.labels, modelId);
    return {
      modelId,
      ...(label === undefined ? {} : { label }),
      periodSeconds: options.periodSeconds,
      timestamps: times.map((time) => new Date(time).toISOString()),
      invocations: column('Invocations'),
      inputTokens: column('InputTokenCount'),
      outputTokens: column('OutputTokenCount'),
      cacheReadInputTokens: column('CacheReadInputTokenCount'),
      cacheWriteInputTokens: column('CacheWriteInputTokenCount'),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The metrics export file
// ---------------------------------------------------------------------------------------------

/** A metrics export that breaks the format; `field` is the JSON path of the offending value. */
export class MetricsExportError extends RangeError {
  constructor(
    public readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'MetricsExportError';
  }
}

/** A parsed metrics export, ready for `buildCostReport(current, previous, { start, end })`. */
export interface MetricsExport {
  readonly periodSeconds: number;
  readonly start: string;
  readonly end: string;
  readonly current: UsageSeries[];
  readonly previous?: UsageSeries[];
  readonly labels: Readonly<Record<string, string>>;
}

const EXPORT_KEYS = ['periodSeconds', 'start', 'end', 'current', 'previous', 'labels'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
}

/**
 * Reads the metrics export documented at the top of this module. Throws a RangeError (a
 * `MetricsExportError` for the document's own fields) whose message starts with the offending field.
 */
export function parseMetricsExport(value: unknown): MetricsExport {
  if (!isPlainObject(value)) {
    throw new MetricsExportError('(root)', `must be an object, got ${describeValue(value)}`);
  }
  const unknownKey = Object.keys(value).find((key) => !EXPORT_KEYS.includes(key));
  if (unknownKey !== undefined) {
    throw new MetricsExportError(unknownKey, `unknown field; expected ${EXPORT_KEYS.join(', ')}`);
  }
  const { periodSeconds } = value;
  if (typeof periodSeconds !== 'number' || !Number.isSafeInteger(periodSeconds) || periodSeconds < 1) {
    throw new MetricsExportError('periodSeconds', `must be a whole number of seconds >= 1, got ${describeValue(periodSeconds)}`);
  }
  const times = (['start', 'end'] as const).map((field) => {
    const time = parseTimestamp(value[field]);
    if (Number.isNaN(time)) {
      throw new MetricsExportError(field, `must be an ISO 8601 timestamp with a time zone, got ${describeValue(value[field])}`);
    }
    return time;
  });
  const [start, end] = times;
  if (end <= start) {
    throw new MetricsExportError('end', `must be after start, got ${describeValue(value.end)}`);
  }
  const labels = value.labels ?? {};
  if (!isPlainObject(labels) || !Object.values(labels).every((label) => typeof label === 'string')) {
    throw new MetricsExportError('labels', `must map ModelIds to strings, got ${describeValue(value.labels)}`);
  }
  const stringLabels = labels as Record<string, string>;

  const readPeriod = (field: 'current' | 'previous', from: number, to: number): UsageSeries[] => {
    const section = value[field];
    if (!isPlainObject(section) || !Array.isArray(section.MetricDataResults)) {
      throw new MetricsExportError(`${field}.MetricDataResults`, 'must be an array (the output of aws cloudwatch get-metric-data)');
    }
    // Its RangeErrors name the field already, e.g. "current.MetricDataResults[3].Values[7] must be ...".
    const series = seriesFromMetricDataResults(section.MetricDataResults as MetricDataResultLike[], {
      periodSeconds,
      labels: stringLabels,
      path: `${field}.MetricDataResults`,
    });
    for (const s of series) {
      const outside = s.timestamps.find((timestamp) => Date.parse(timestamp) < from || Date.parse(timestamp) >= to);
      if (outside !== undefined) {
        throw new MetricsExportError(
          `${field}.MetricDataResults`,
          `${s.modelId} has a data point at ${outside}, outside ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`,
        );
      }
    }
    return series;
  };

  const current = readPeriod('current', start, end);
  const previous = value.previous === undefined ? undefined : readPeriod('previous', start - (end - start), start);
  return {
    periodSeconds,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    current,
    ...(previous === undefined ? {} : { previous }),
    labels: stringLabels,
  };
}
