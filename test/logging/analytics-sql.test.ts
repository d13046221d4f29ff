import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BedrockModel,
  cacheEffectivenessSql,
  costByDayAndModelSql,
  costByMetadataKeySql,
  InferenceSource,
  type InvocationLogQueryOptions,
  type InvocationLogRecord,
  InvocationLogPricing,
  parseInvocationLogFile,
  principalOf,
  PriceTable,
  recordCost,
  type SqlPriceRow,
  sqlPriceRows,
  topPrincipalsSql,
  Usd,
} from '../../lib';

const FIXTURES = join(__dirname, '..', 'fixtures', 'invocation-logs');
const records = () => parseInvocationLogFile(readFileSync(join(FIXTURES, 'attribution-sample.jsonl')), 'sample');
const PROFILE = { profileId: 'abc123xyz', source: InferenceSource.of(BedrockModel.NOVA_LITE) };

function options(prices: readonly SqlPriceRow[] = sqlPriceRows(PriceTable.DEFAULT, [PROFILE])): InvocationLogQueryOptions {
  return { database: 'bedrock_logs', table: 'invocations', partitionColumn: 'dt', lookbackDays: 30, prices };
}

/**
 * The pricing part of the generated SQL, run on records: the price rows are read back from the
 * SQL's VALUES list and the model key and principal from its own regular expressions, then the
 * CASE of the `priced` CTE is applied as Athena would (exact decimals, NULL for unpriceable).
 */
class SqlPricing {
  private readonly prices = new Map<string, (Usd | null)[]>();
  private readonly modelKey: RegExp;
  private readonly principal: { pattern: RegExp; replacement: string };

  constructor(sql: string) {
    const values = /VALUES\n([\s\S]*?)\n\),\ncalls AS/.exec(sql)?.[1] ?? '';
    for (const line of values.split('\n')) {
      const cells = [...line.matchAll(/'([^']*)'|NULL AS/g)].map((match) => match[1] ?? null);
      const [key, ...usd] = cells;
      this.prices.set(key as string, usd.map((price) => (price === null ? null : Usd.of(price))));
    }
    this.modelKey = new RegExp(/regexp_extract\(c\.model_id, '([^']+)'\)/.exec(sql)?.[1] ?? 'missing');
    const [, pattern, replacement] = /regexp_replace\("identity"\.arn, '([^']+)', '([^']+)'\)/.exec(sql) ?? [];
    this.principal = { pattern: new RegExp(pattern), replacement };
  }

  public get rowCount(): number {
    return this.prices.size;
  }

  /** `cost_usd` of a record: '0' for failed calls, null where the SQL cannot price it. */
  public cost(record: InvocationLogRecord): Usd | null {
    if (record.errorCode !== undefined) {
      return Usd.ZERO;
    }
    const key = this.modelKey.exec(record.modelId)?.[0] ?? '';
    const row = this.prices.get(key);
    if (!row) {
      return null;
    }
    const [input, output, cacheRead, cacheWrite] = row;
    if ((record.cacheReadInputTokens > 0 && cacheRead === null) || (record.cacheWriteInputTokens > 0 && cacheWrite === null)) {
      return null;
    }
    return Usd.sum([
      (input as Usd).times(record.inputTokens),
      (output as Usd).times(record.outputTokens),
      (cacheRead ?? Usd.ZERO).times(record.cacheReadInputTokens),
      (cacheWrite ?? Usd.ZERO).times(record.cacheWriteInputTokens),
    ]);
  }

  public principalOf(arn: string): string {
    return arn.replace(this.principal.pattern, this.principal.replacement);
  }
}

describe('sqlPriceRows', () => {
  test('emits a row per model, per cross-region profile and per application profile, priced like estimateCost', () => {
    const rows = sqlPriceRows(PriceTable.DEFAULT, [PROFILE]);
    const expected = PriceTable.DEFAULT.models.reduce((count, model) => count + 1 + model.crossRegionProfiles.length, 1);
    expect(rows).toHaveLength(expected);
    expect(rows.find((row) => row.modelKey === 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({
      modelKey: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      inputUsd: '0.0000033',
      outputUsd: '0.0000165',
      cacheReadUsd: '0.00000033',
      cacheWriteUsd: '0.000004125',
    });
    // Nova cache writes are free (a price of 0); Llama has no prompt caching (no price at all).
    expect(rows.find((row) => row.modelKey === 'amazon.nova-micro-v1:0')?.cacheWriteUsd).toBe('0');
    expect(rows.find((row) => row.modelKey === 'meta.llama3-1-8b-instruct-v1:0')).toMatchObject({ cacheReadUsd: null, cacheWriteUsd: null });
    expect(rows.at(-1)).toMatchObject({ modelKey: 'abc123xyz', inputUsd: '0.00000006' });
  });

  test('follows the price table it is given', () => {
    const rows = sqlPriceRows(PriceTable.DEFAULT.with(BedrockModel.NOVA_MICRO.withDiscount(50)));
    expect(rows.find((row) => row.modelKey === 'amazon.nova-micro-v1:0')?.inputUsd).toBe('0.0000000175');
  });
});

describe('the generated SQL prices what the library prices', () => {
  const sql = costByMetadataKeySql(options(), 'tenant');
  const sqlPricing = new SqlPricing(sql);
  const library = new InvocationLogPricing({ applicationProfiles: { abc123xyz: 'amazon.nova-lite-v1:0' } });

  test('reads back every price row', () => {
    expect(sqlPricing.rowCount).toBe(sqlPriceRows(PriceTable.DEFAULT, [PROFILE]).length);
  });

  test.each(records().map((record) => [record.requestId, record] as const))('record %s costs the same in SQL and in the library', (_id, record) => {
    const fromLibrary = recordCost(record, library);
    const fromSql = sqlPricing.cost(record);
    if ('usd' in fromLibrary) {
      expect(fromSql?.toString()).toBe(fromLibrary.usd.toString());
    } else {
      expect(fromSql).toBeNull();
    }
  });

  test('the SQL total by tenant equals the hand-computed total', () => {
    const total = Usd.sum(records().map((record) => sqlPricing.cost(record) ?? Usd.ZERO));
    expect(total.toString()).toBe('0.00263036');
  });

  test('folds assumed-role sessions the way the CLI does', () => {
    for (const record of records()) {
      const arn = record.identityArn as string;
      expect(sqlPricing.principalOf(arn)).toBe(principalOf(arn));
    }
  });
});

describe('the named queries', () => {
  test('cost by day and model reads the window by partition, skips the data/ objects of the hour folders and counts unpriced calls', () => {
    const sql = costByDayAndModelSql(options());
    expect(sql).toContain(`FROM "bedrock_logs"."invocations"`);
    expect(sql).toContain("AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y/%m/%d')");
    // Only data/ inside the log layout: a key prefix such as 'team/data/bedrock' must not hide every record.
    expect(sql).toContain(`AND "$path" NOT LIKE '%/BedrockModelInvocationLogs/%/data/%'`);
    expect(sql).toContain("WHERE schematype = 'ModelInvocationLog'");
    expect(sql).toContain('count_if(cost_usd IS NULL) AS unpriced_requests');
    expect(sql).toMatch(/GROUP BY day, model_id\nORDER BY day DESC, cost_usd DESC NULLS LAST\n$/);
  });

  test('cost by a metadata key looks the key up lowercased, as the SerDe stores it', () => {
    expect(costByMetadataKeySql(options(), 'CostCenter')).toContain("element_at(request_metadata, 'costcenter') AS metadata_value");
  });

  test('refuses a metadata key Converse would refuse', () => {
    expect(() => costByMetadataKeySql(options(), "tenant'; DROP TABLE x; --")).toThrow(/requestMetadata key .* must be 1-256 characters/);
  });

  test('top principals groups by the folded identity and is limited', () => {
    const sql = topPrincipalsSql(options(), 10);
    expect(sql).toMatch(/GROUP BY principal\nORDER BY cost_usd DESC NULLS LAST\nLIMIT 10\n$/);
    expect(() => topPrincipalsSql(options(), 0)).toThrow('limit must be a whole number from 1 to 10000, got 0');
  });

  test('cache effectiveness compares with every input token at the input price', () => {
    const sql = cacheEffectivenessSql(options());
    expect(sql).toContain('(c.input_tokens + c.cache_read_tokens + c.cache_write_tokens) * p.input_usd + c.output_tokens * p.output_usd');
    expect(sql).toContain('sum(uncached_cost_usd) - sum(cost_usd) AS saved_usd');
  });

  test('refuses a lookback that is not a whole number of days', () => {
    expect(() => costByDayAndModelSql({ ...options(), lookbackDays: 0.5 })).toThrow('lookbackDays must be a whole number >= 1, got 0.5');
  });
});
