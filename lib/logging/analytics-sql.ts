/**
 * The Athena SQL of the invocation log analytics, built at synth time from the price table so the
 * queries price what the library prices. Pure TypeScript: no aws-cdk-lib import (names may still
 * be CDK tokens, which pass through as strings).
 */
import { InferenceSource, type PriceTable, Usd } from '../pricing';
import { validateRequestMetadataKey } from './request-metadata';

/** Prices of one `modelId` key, USD per token as exact decimal strings; `null` where the model has no prompt caching. */
export interface SqlPriceRow {
  /** The last path segment of the logged `modelId`: a model id, a cross-region id or an application profile id. */
  readonly modelKey: string;
  readonly inputUsd: string;
  readonly outputUsd: string;
  readonly cacheReadUsd: string | null;
  readonly cacheWriteUsd: string | null;
}

/** An application inference profile and the source it calls, for a price row keyed by its id. */
export interface ProfilePriceSource {
  /** The profile's short id (the last segment of its ARN), possibly a CDK token. */
  readonly profileId: string;
  readonly source: InferenceSource;
}

const PER_TOKEN = 0.000001;

function perToken(perMillion: number): string {
  return Usd.of(perMillion).times(PER_TOKEN).toString();
}

function rowOf(modelKey: string, source: InferenceSource): SqlPriceRow {
  const { inputPerMillionTokens, outputPerMillionTokens, promptCache } = source.prices;
  return {
    modelKey,
    inputUsd: perToken(inputPerMillionTokens),
    outputUsd: perToken(outputPerMillionTokens),
    cacheReadUsd: promptCache ? perToken(promptCache.readPerMillionTokens) : null,
    // Without a write price, writes bill at the input price (as `estimateCost` bills them).
    cacheWriteUsd: promptCache ? perToken(promptCache.writePerMillionTokens ?? inputPerMillionTokens) : null,
  };
}

/**
 * One row per way of calling each model of `table` (in Region and through each cross-region
 * profile, with its price factor) and one per application profile.
 */
export function sqlPriceRows(table: PriceTable, profiles: readonly ProfilePriceSource[] = []): SqlPriceRow[] {
  const rows: SqlPriceRow[] = [];
  for (const model of table.models) {
    rows.push(rowOf(model.modelId, InferenceSource.inRegion(model)));
    for (const profile of model.crossRegionProfiles) {
      rows.push(rowOf(profile.profileId, InferenceSource.crossRegion(model, profile.geography)));
    }
  }
  for (const profile of profiles) {
    rows.push(rowOf(profile.profileId, profile.source));
  }
  return rows;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function decimal(value: string | null): string {
  return value === null ? 'CAST(NULL AS DECIMAL(38,18))' : `DECIMAL ${quote(value)}`;
}

/** Where the queries read from, and how far back. */
export interface InvocationLogQueryOptions {
  /** Glue database name. */
  readonly database: string;
  /** Glue table name. */
  readonly table: string;
  /** The date partition column, whose values read `yyyy/MM/dd`. */
  readonly partitionColumn: string;
  /** Days of logs each query reads (a partition filter bounds the scan, and its cost). */
  readonly lookbackDays: number;
  readonly prices: readonly SqlPriceRow[];
}

/**
 * An assumed-role session ARN folded into its role
 * (`arn:aws:sts::<account>:assumed-role/<role>/<session>` -> `.../assumed-role/<role>`): session
 * names change per task or container and would split one workload into many principals.
 */
export const PRINCIPAL_SQL = `regexp_replace("identity".arn, '^(arn:[^:]+:sts::[0-9]+:assumed-role/[^/]+)/.*$', '$1')`;

/** The common part of every query: the price table, the records of the window, and each record's cost. */
function pricedCalls(options: InvocationLogQueryOptions): string {
  if (!Number.isInteger(options.lookbackDays) || options.lookbackDays < 1) {
    throw new RangeError(`lookbackDays must be a whole number >= 1, got ${options.lookbackDays}`);
  }
  const values = options.prices
    .map((row) => `    (${quote(row.modelKey)}, ${decimal(row.inputUsd)}, ${decimal(row.outputUsd)}, ${decimal(row.cacheReadUsd)}, ${decimal(row.cacheWriteUsd)})`)
    .join(',\n');
  const unpriceable = [
    'p.model_key IS NULL',
    '(c.cache_read_tokens > 0 AND p.cache_read_usd IS NULL)',
    '(c.cache_write_tokens > 0 AND p.cache_write_usd IS NULL)',
  ].join(' OR ');
  return `WITH prices (model_key, input_usd, output_usd, cache_read_usd, cache_write_usd) AS (
  VALUES
${values}
),
calls AS (
  SELECT
    date(from_iso8601_timestamp("timestamp")) AS day,
    modelid AS model_id,
    ${PRINCIPAL_SQL} AS principal,
    requestmetadata AS request_metadata,
    errorcode AS error_code,
    coalesce("input".inputtokencount, 0) AS input_tokens,
    coalesce("output".outputtokencount, 0) AS output_tokens,
    coalesce("input".cachereadinputtokencount, 0) AS cache_read_tokens,
    coalesce("input".cachewriteinputtokencount, 0) AS cache_write_tokens
  FROM "${options.database}"."${options.table}"
  WHERE schematype = 'ModelInvocationLog'
    AND "$path" NOT LIKE '%/BedrockModelInvocationLogs/%/data/%'
    AND ${options.partitionColumn} >= date_format(current_date - INTERVAL '${options.lookbackDays}' DAY, '%Y/%m/%d')
),
priced AS (
  SELECT
    c.*,
    CASE
      WHEN c.error_code IS NOT NULL THEN DECIMAL '0'
      WHEN ${unpriceable} THEN NULL
      ELSE c.input_tokens * p.input_usd + c.output_tokens * p.output_usd
        + c.cache_read_tokens * coalesce(p.cache_read_usd, 0) + c.cache_write_tokens * coalesce(p.cache_write_usd, 0)
    END AS cost_usd,
    CASE
      WHEN c.error_code IS NULL AND p.model_key IS NOT NULL
      THEN (c.input_tokens + c.cache_read_tokens + c.cache_write_tokens) * p.input_usd + c.output_tokens * p.output_usd
    END AS uncached_cost_usd
  FROM calls c
  LEFT JOIN prices p ON regexp_extract(c.model_id, '[^/]+$') = p.model_key
)`;
}

const TOTALS = `count(*) AS requests,
  sum(input_tokens) AS input_tokens,
  sum(output_tokens) AS output_tokens,
  sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_write_tokens) AS cache_write_tokens,
  sum(cost_usd) AS cost_usd,
  count_if(cost_usd IS NULL) AS unpriced_requests`;

/** Spend per UTC day and `modelId`, newest day first. */
export function costByDayAndModelSql(options: InvocationLogQueryOptions): string {
  return `${pricedCalls(options)}
SELECT
  day,
  model_id,
  ${TOTALS}
FROM priced
GROUP BY day, model_id
ORDER BY day DESC, cost_usd DESC NULLS LAST
`;
}

/**
 * Spend per value of one `requestMetadata` key; records without the key form the NULL row.
 * The key is looked up lowercased: Athena's OpenX JSON SerDe lowercases JSON keys.
 */
export function costByMetadataKeySql(options: InvocationLogQueryOptions, key: string): string {
  validateRequestMetadataKey(key);
  return `${pricedCalls(options)}
SELECT
  element_at(request_metadata, ${quote(key.toLowerCase())}) AS metadata_value,
  ${TOTALS}
FROM priced
GROUP BY 1
ORDER BY cost_usd DESC NULLS LAST
`;
}

/** The callers (`identity.arn`, sessions folded into their role) that spent the most. */
export function topPrincipalsSql(options: InvocationLogQueryOptions, limit = 25): string {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new RangeError(`limit must be a whole number from 1 to 10000, got ${limit}`);
  }
  return `${pricedCalls(options)}
SELECT
  principal,
  ${TOTALS}
FROM priced
GROUP BY principal
ORDER BY cost_usd DESC NULLS LAST
LIMIT ${limit}
`;
}

/**
 * Prompt caching per model: the share of input read from the cache, and what the same calls
 * would have cost with every input token at the input price.
 */
export function cacheEffectivenessSql(options: InvocationLogQueryOptions): string {
  return `${pricedCalls(options)}
SELECT
  model_id,
  count(*) AS requests,
  sum(input_tokens) AS input_tokens,
  sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_write_tokens) AS cache_write_tokens,
  CAST(sum(cache_read_tokens) AS DOUBLE) / nullif(sum(input_tokens + cache_read_tokens + cache_write_tokens), 0) AS cache_read_share,
  sum(cost_usd) AS cost_usd,
  sum(uncached_cost_usd) AS cost_without_cache_usd,
  sum(uncached_cost_usd) - sum(cost_usd) AS saved_usd
FROM priced
WHERE cost_usd IS NOT NULL AND error_code IS NULL
GROUP BY model_id
ORDER BY saved_usd DESC
`;
}
