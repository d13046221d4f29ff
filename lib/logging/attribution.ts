/**
 * Who spent it: prices invocation log records and groups them by a `requestMetadata` key, the
 * model or the caller. Pure TypeScript over the public pricing API (exact `Usd` sums).
 */
import { estimateCost, Usd } from '../pricing';
import { type InvocationLogRecord } from './invocation-log';
import { InvocationLogPricing } from './logged-model';

/** What records are grouped by. */
export type AttributionDimension =
  | { readonly kind: 'modelId' }
  | { readonly kind: 'identity' }
  | { readonly kind: 'requestMetadata'; readonly key: string };

const METADATA_PREFIX = 'requestMetadata.';

/**
 * `modelId`, `identity` (the caller's `identity.arn`, see `principalOf`), or a `requestMetadata` key, written as
 * the key itself (`tenant`) or, where it would clash with the first two, `requestMetadata.<key>`.
 */
export function attributionDimension(by: string): AttributionDimension {
  if (by === 'modelId' || by === 'identity') {
    return { kind: by };
  }
  const key = by.startsWith(METADATA_PREFIX) ? by.slice(METADATA_PREFIX.length) : by;
  if (key === '') {
    throw new RangeError('--by needs modelId, identity or a requestMetadata key');
  }
  return { kind: 'requestMetadata', key };
}

const ASSUMED_ROLE_SESSION = /^(arn:[^:]+:sts::\d+:assumed-role\/[^/]+)\/.+$/;

/**
 * The caller an `identity.arn` stands for: an assumed-role session folded into its role, because
 * session names change per task or container and would split one workload into many callers.
 * (The Athena queries fold them the same way.)
 */
export function principalOf(identityArn: string): string {
  return ASSUMED_ROLE_SESSION.exec(identityArn)?.[1] ?? identityArn;
}

function describe(dimension: AttributionDimension): string {
  return dimension.kind === 'requestMetadata' ? dimension.key : dimension.kind;
}

function keyOf(record: InvocationLogRecord, dimension: AttributionDimension): string | null {
  switch (dimension.kind) {
    case 'modelId':
      return record.modelId;
    case 'identity':
      return record.identityArn === undefined ? null : principalOf(record.identityArn);
    case 'requestMetadata':
      return Object.prototype.hasOwnProperty.call(record.requestMetadata, dimension.key) ? record.requestMetadata[dimension.key] : null;
  }
}

/** Token counts summed over records. */
export interface TokenTotals {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
}

/** The records sharing one value of the dimension. */
export interface AttributionGroup extends TokenTotals {
  /** The value, or `null` for the records that lack it (e.g. no such `requestMetadata` key). */
  readonly key: string | null;
  /** The exact cost of the group's priced records. */
  readonly costUsd: Usd;
  /** Records whose model could not be priced: their tokens are counted, their cost is not (see `unpriced`). */
  readonly unpricedRequests: number;
  /** Failed invocations (`errorCode` set), which are not billed. */
  readonly failedRequests: number;
}

/** Records of one `modelId` that could not be priced, and why. */
export interface UnpricedModel extends TokenTotals {
  readonly modelId: string;
  readonly reason: string;
}

export interface AttributionReport {
  /** The dimension, as given: `modelId`, `identity` or the metadata key. */
  readonly by: string;
  /** Most expensive first. */
  readonly groups: readonly AttributionGroup[];
  /** Never priced as zero: listed here, and left out of every `costUsd`. */
  readonly unpriced: readonly UnpricedModel[];
  readonly totalUsd: Usd;
  readonly requests: number;
}

interface MutableTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

interface MutableGroup extends MutableTotals {
  key: string | null;
  costUsd: Usd;
  unpricedRequests: number;
  failedRequests: number;
}

function zeroTotals(): MutableTotals {
  return { requests: 0, inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
}

function addTokens(totals: MutableTotals, record: InvocationLogRecord): void {
  totals.requests += 1;
  totals.inputTokens += record.inputTokens;
  totals.outputTokens += record.outputTokens;
  totals.cacheReadInputTokens += record.cacheReadInputTokens;
  totals.cacheWriteInputTokens += record.cacheWriteInputTokens;
}

/** The exact cost of a record, or why it has none. Failed invocations cost nothing. */
export function recordCost(record: InvocationLogRecord, pricing: InvocationLogPricing = InvocationLogPricing.DEFAULT): { usd: Usd } | { unpriced: string } {
  if (record.errorCode !== undefined) {
    return { usd: Usd.ZERO };
  }
  const price = pricing.priceOf(record.modelId);
  if (!price.priced) {
    return { unpriced: price.reason };
  }
  try {
    return { usd: estimateCost(price.source, record) };
  } catch (error) {
    // e.g. cache tokens on a model the table lists without prompt caching
    if (error instanceof RangeError) {
      return { unpriced: error.message };
    }
    throw error;
  }
}

/** Prices every record and groups them by `dimension`. */
export function attributeCosts(
  records: readonly InvocationLogRecord[],
  dimension: AttributionDimension,
  pricing: InvocationLogPricing = InvocationLogPricing.DEFAULT,
): AttributionReport {
  const groups = new Map<string | null, MutableGroup>();
  const unpriced = new Map<string, MutableTotals & { modelId: string; reason: string }>();
  for (const record of records) {
    const key = keyOf(record, dimension);
    let group = groups.get(key);
    if (!group) {
      group = { key, ...zeroTotals(), costUsd: Usd.ZERO, unpricedRequests: 0, failedRequests: 0 };
      groups.set(key, group);
    }
    addTokens(group, record);
    if (record.errorCode !== undefined) {
      group.failedRequests += 1;
    }
    const cost = recordCost(record, pricing);
    if ('usd' in cost) {
      group.costUsd = group.costUsd.plus(cost.usd);
      continue;
    }
    group.unpricedRequests += 1;
    const unpricedKey = `${record.modelId}\n${cost.unpriced}`;
    let model = unpriced.get(unpricedKey);
    if (!model) {
      model = { modelId: record.modelId, reason: cost.unpriced, ...zeroTotals() };
      unpriced.set(unpricedKey, model);
    }
    addTokens(model, record);
  }
  const sorted = [...groups.values()].sort(
    (a, b) => b.costUsd.compare(a.costUsd) || b.requests - a.requests || compareKeys(a.key, b.key),
  );
  return {
    by: describe(dimension),
    groups: sorted,
    unpriced: [...unpriced.values()].sort((a, b) => b.requests - a.requests || a.modelId.localeCompare(b.modelId)),
    totalUsd: Usd.sum(sorted.map((group) => group.costUsd)),
    requests: records.length,
  };
}

/** `null` (the records without the key) sorts last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) {
    return 0;
  }
  if (a === null) {
    return 1;
  }
  if (b === null) {
    return -1;
  }
  return a < b ? -1 : 1;
}

/** The report as JSON: dollar amounts are exact decimal strings (`"0.0000455"`), never rounded. */
export function attributionToJson(report: AttributionReport): Record<string, unknown> {
  return {
    by: report.by,
    requests: report.requests,
    groups: report.groups.map((group) => ({
      key: group.key,
      requests: group.requests,
      inputTokens: group.inputTokens,
      outputTokens: group.outputTokens,
      cacheReadInputTokens: group.cacheReadInputTokens,
      cacheWriteInputTokens: group.cacheWriteInputTokens,
      costUsd: group.costUsd.toString(),
      unpricedRequests: group.unpricedRequests,
      failedRequests: group.failedRequests,
    })),
    unpriced: report.unpriced.map((model) => ({ ...model })),
    totalUsd: report.totalUsd.toString(),
  };
}
