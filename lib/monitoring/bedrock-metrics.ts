import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { type BedrockModel, InferenceSource } from '../pricing';

/** The CloudWatch namespace Bedrock publishes runtime metrics to. */
export const BEDROCK_NAMESPACE = 'AWS/Bedrock';

/** The dimension Bedrock reports every runtime metric by. */
export const MODEL_ID_DIMENSION = 'ModelId';

/** Bedrock's runtime metric names, as the service publishes them. */
export enum BedrockMetricName {
  INVOCATIONS = 'Invocations',
  INPUT_TOKENS = 'InputTokenCount',
  OUTPUT_TOKENS = 'OutputTokenCount',
  CACHE_READ_INPUT_TOKENS = 'CacheReadInputTokenCount',
  CACHE_WRITE_INPUT_TOKENS = 'CacheWriteInputTokenCount',
  THROTTLES = 'InvocationThrottles',
  CLIENT_ERRORS = 'InvocationClientErrors',
  SERVER_ERRORS = 'InvocationServerErrors',
  LATENCY = 'InvocationLatency',
}

/** Bedrock emits per minute; five minutes smooths single-call noise and still alarms fast. */
const DEFAULT_PERIOD = Duration.minutes(5);

function searchExpression(metricName: BedrockMetricName, statistic: string, period: Duration): string {
  return `SEARCH('{${BEDROCK_NAMESPACE},${MODEL_ID_DIMENSION}} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`;
}

/** What `BedrockMetrics` measures: one `ModelId` dimension value, priced by one source. */
export interface BedrockMetricsTarget {
  /**
   * The `ModelId` dimension value: what callers pass as `modelId`. A foundation model id, a
   * cross-region profile id exactly as passed (`us.amazon.nova-pro-v1:0`), or the short id of an
   * application inference profile.
   */
  readonly modelIdDimension: string;
  /** Prices the token metrics in `estimatedCost()`. */
  readonly pricing: InferenceSource;
  /** How the target is named in metric labels. */
  readonly label: string;
}

/**
 * Builds the `AWS/Bedrock` metrics of one target, and nothing else: alarms and dashboards are
 * built from these elsewhere.
 */
export class BedrockMetrics {
  /**
   * Metrics of calls made with a model id or cross-region profile id.
   *
   * @param modelIdDimension override the `ModelId` dimension value
   * @default modelIdDimension - the id callers pass: the model id or the cross-region profile id
   */
  public static forSource(source: BedrockModel | InferenceSource, modelIdDimension?: string): BedrockMetrics {
    const pricing = InferenceSource.of(source);
    const dimension = modelIdDimension ?? pricing.invocationId;
    return new BedrockMetrics({ modelIdDimension: dimension, pricing, label: dimension });
  }

  /**
   * @param idSuffix appended to the metric ids inside math expressions, so expressions of several
   * targets can share one graph
   */
  constructor(
    public readonly target: BedrockMetricsTarget,
    private readonly idSuffix = '',
  ) {}

  /** The same metrics, with math-expression ids that do not clash with other targets' in one graph. */
  public withIdSuffix(suffix: string): BedrockMetrics {
    if (!/^[A-Za-z0-9_]*$/.test(suffix)) {
      throw new Error(`id suffix may contain only letters, digits and '_', got '${suffix}'`);
    }
    return new BedrockMetrics(this.target, suffix);
  }

  public invocations(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.INVOCATIONS, 'Sum', options);
  }

  /** Input tokens billed at the input price; Bedrock counts cached tokens separately. */
  public inputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.INPUT_TOKENS, 'Sum', options);
  }

  public outputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.OUTPUT_TOKENS, 'Sum', options);
  }

  public cacheReadInputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.CACHE_READ_INPUT_TOKENS, 'Sum', options);
  }

  public cacheWriteInputTokens(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.CACHE_WRITE_INPUT_TOKENS, 'Sum', options);
  }

  public throttles(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.THROTTLES, 'Sum', options);
  }

  public clientErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.CLIENT_ERRORS, 'Sum', options);
  }

  public serverErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.SERVER_ERRORS, 'Sum', options);
  }

  /** Invocation latency in milliseconds. @default statistic Average */
  public latency(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BedrockMetricName.LATENCY, 'Average', options);
  }

  /**
   * Estimated spend in USD per period: each token metric times its price from the price table.
   * Input tokens exclude cached tokens, so cache reads and writes are priced on their own where
   * the model supports prompt caching. An estimate: it does not see discounts, free tiers or
   * provisioned throughput.
   */
  public estimatedCost(options: cloudwatch.MathExpressionOptions = {}): cloudwatch.MathExpression {
    return this.costExpression(options, false);
  }

  /**
   * Estimated spend as a rate in USD per hour, measured over short periods (5 minutes by
   * default) so an alarm on it fires within minutes, not after the hour.
   */
  public estimatedCostPerHour(options: cloudwatch.MathExpressionOptions = {}): cloudwatch.MathExpression {
    return this.costExpression(options, true);
  }

  /** Calls across every model and profile of the account and Region, summed. */
  public static accountTotal(metricName: BedrockMetricName, options: cloudwatch.MathExpressionOptions = {}): cloudwatch.MathExpression {
    const period = options.period ?? DEFAULT_PERIOD;
    return new cloudwatch.MathExpression({
      expression: `SUM(${searchExpression(metricName, 'Sum', period)})`,
      usingMetrics: {},
      label: `${metricName}, all models`,
      ...options,
      period,
    });
  }

  /** One line per `ModelId` the account called: a `SEARCH` expression. */
  public static byModelId(metricName: BedrockMetricName, options: cloudwatch.MathExpressionOptions = {}): cloudwatch.MathExpression {
    const period = options.period ?? DEFAULT_PERIOD;
    return new cloudwatch.MathExpression({
      expression: searchExpression(metricName, 'Sum', period),
      usingMetrics: {},
      label: '',
      ...options,
      period,
    });
  }

  private costExpression(options: cloudwatch.MathExpressionOptions, perHour: boolean): cloudwatch.MathExpression {
    const prices = this.target.pricing.prices;
    const period = options.period ?? DEFAULT_PERIOD;
    const metricOptions = { period };
    const id = (name: string) => `${name}${this.idSuffix}`;
    const terms: [string, number, cloudwatch.Metric][] = [
      [id('inputTokens'), prices.inputPerMillionTokens, this.inputTokens(metricOptions)],
      [id('outputTokens'), prices.outputPerMillionTokens, this.outputTokens(metricOptions)],
    ];
    if (prices.promptCache) {
      terms.push(
        [id('cacheReadTokens'), prices.promptCache.readPerMillionTokens, this.cacheReadInputTokens(metricOptions)],
        [
          id('cacheWriteTokens'),
          prices.promptCache.writePerMillionTokens ?? prices.inputPerMillionTokens,
          this.cacheWriteInputTokens(metricOptions),
        ],
      );
    }
    // Missing datapoints mean no calls, not unknown spend: FILL keeps the sum defined.
    const perPeriod = `(${terms.map(([id, price]) => `${price} * FILL(${id}, 0)`).join(' + ')}) / 1000000`;
    const periodsPerHour = 3600 / period.toSeconds();
    return new cloudwatch.MathExpression({
      expression: perHour && periodsPerHour !== 1 ? `${perPeriod} * ${periodsPerHour}` : perPeriod,
      usingMetrics: Object.fromEntries(terms.map(([id, , metric]) => [id, metric])),
      label: perHour
        ? `Estimated cost, USD per hour (${this.target.label})`
        : `Estimated cost, USD (${this.target.label})`,
      ...options,
      period,
    });
  }

  private metric(metricName: BedrockMetricName, statistic: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: BEDROCK_NAMESPACE,
      metricName,
      dimensionsMap: { [MODEL_ID_DIMENSION]: this.target.modelIdDimension },
      statistic,
      period: DEFAULT_PERIOD,
      label: `${metricName} (${this.target.label})`,
      ...options,
    });
  }
}
