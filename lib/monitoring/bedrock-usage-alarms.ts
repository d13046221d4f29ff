import { Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Usd } from '../pricing';
import { type BedrockMetrics } from './bedrock-metrics';
import { type BedrockCostDashboard } from './bedrock-cost-dashboard';
import { normalizeAlarmThreshold, type NormalizedThreshold } from './alarm-threshold';
import { type MonitoredSource, resolveTarget, type ResolvedTarget } from './monitoring-target';

/** A static threshold, with how long it must be breached. */
export interface AlarmThreshold {
  /** Must be greater than zero. */
  readonly threshold: number;
  /**
   * The period each datapoint covers: a whole number of minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * Breaching datapoints that raise the alarm.
   *
   * @default 1
   */
  readonly datapointsToAlarm?: number;
  /**
   * Datapoints looked at (M of "N out of M").
   *
   * @default - datapointsToAlarm
   */
  readonly evaluationPeriods?: number;
}

/** A latency threshold, with how long it must be breached. */
export interface LatencyThreshold extends Omit<AlarmThreshold, 'threshold'> {
  readonly threshold: Duration;
}

/** Runaway detection: anomaly-detection alarms on invocations and on tokens. */
export interface RunawayDetectionOptions {
  /**
   * Width of the expected band, in standard deviations. Wider means fewer false alarms.
   *
   * @default 3
   */
  readonly bandWidth?: number;
  /**
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * Breaching datapoints that raise the alarm. `period` x `datapointsToAlarm` must not exceed 15
   * minutes, so a runaway is reported within 15 minutes.
   *
   * @default 2
   */
  readonly datapointsToAlarm?: number;
  /**
   * @default 3
   */
  readonly evaluationPeriods?: number;
}

/**
 * What to watch on one model, cross-region source or profile. Each `...Above` map is keyed by an
 * alarm name of your choice (letters, digits, `_`, `-`), so one target can carry several
 * thresholds of a kind (e.g. `{ warning: 5_000_000, critical: 20_000_000 }`).
 */
export interface BedrockAlarmTarget {
  readonly source: MonitoredSource;
  /**
   * Names the target in alarm names and dashboard rows.
   *
   * @default - the profile's construct id, or a slug of the model id
   */
  readonly name?: string;
  /**
   * The `ModelId` dimension value, for a model or cross-region source.
   *
   * @default - the id callers pass (model id or cross-region profile id)
   */
  readonly modelIdDimension?: string;
  /** Invocations per period. @default - none */
  readonly invocationsAbove?: Readonly<Record<string, number | AlarmThreshold>>;
  /** Input tokens (cache excluded) per period. @default - none */
  readonly inputTokensAbove?: Readonly<Record<string, number | AlarmThreshold>>;
  /** Output tokens per period. @default - none */
  readonly outputTokensAbove?: Readonly<Record<string, number | AlarmThreshold>>;
  /**
   * Estimated spend in USD per hour, measured over each period (5 minutes by default) from the
   * token metrics and the price table. @default - none
   */
  readonly estimatedCostPerHourAbove?: Readonly<Record<string, number | AlarmThreshold>>;
  /** Throttled invocations per period. @default - none */
  readonly throttlesAbove?: Readonly<Record<string, number | AlarmThreshold>>;
  /** Client errors as a percentage of invocations, in (0, 100]. @default - none */
  readonly clientErrorRateAbove?: Readonly<Record<string, number | AlarmThreshold>>;
  /** p90 invocation latency. @default - none */
  readonly latencyP90Above?: Readonly<Record<string, Duration | LatencyThreshold>>;
  /**
   * Anomaly-detection alarms on invocations and total tokens, for runaways such as a chatbot in
   * a loop. The anomaly model needs about two weeks of data before its band is useful; pair it
   * with static thresholds from day one.
   *
   * @default - on, with the default options
   */
  readonly runawayDetection?: boolean | RunawayDetectionOptions;
}

export interface BedrockUsageAlarmsProps {
  /** Every alarm notifies it on ALARM and on OK: typically a `CostAlertTopic`. */
  readonly alertTopic: cloudwatch.IAlarmAction;
  readonly targets: readonly BedrockAlarmTarget[];
  /**
   * Starts every alarm name: `<prefix>-<target>-<kind>-<key>`.
   *
   * @default - the stack name
   */
  readonly alarmNamePrefix?: string;
  /**
   * A dashboard to link from alarm descriptions; it also gets a widget with the alarms' states.
   *
   * @default - descriptions point to the CloudWatch metrics console
   */
  readonly dashboard?: BedrockCostDashboard;
}

const DEFAULT_PERIOD = Duration.minutes(5);
/** The promise of this construct: a runaway is reported within 15 minutes. */
export const MAX_RUNAWAY_DETECTION_DELAY = Duration.minutes(15);
const ALARM_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** How one kind of alarm reads its metric and explains itself. */
interface AlarmKind {
  readonly kind: string;
  readonly what: string;
  readonly metric: (metrics: BedrockMetrics, period: Duration) => cloudwatch.IMetric;
  readonly explain: (target: ResolvedTarget, threshold: NormalizedThreshold) => string;
  readonly validate?: (threshold: number, path: string) => void;
  /** @default - "5,000,000 per 5 minutes" */
  readonly formatThreshold?: (threshold: NormalizedThreshold) => string;
}

function perPeriod(period: Duration): string {
  return `per ${period.toMinutes()} minute${period.toMinutes() === 1 ? '' : 's'}`;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** "about $4.00 (about $48.00 an hour if sustained)" for a token threshold at a price per 1M. */
function tokenDollars(tokens: number, pricePerMillion: number, period: Duration): string {
  const perPeriodCost = Usd.of(pricePerMillion).times(tokens).times(1 / 1_000_000);
  const perHour = perPeriodCost.times(3600 / period.toSeconds());
  return `about $${perPeriodCost.toFixed(2)} at $${pricePerMillion} per 1M tokens (about $${perHour.toFixed(2)} an hour if sustained)`;
}

const KINDS: Record<string, AlarmKind> = {
  invocationsAbove: {
    kind: 'invocations',
    what: 'invocations',
    metric: (m, period) => m.invocations({ period }),
    explain: () => 'Check which caller sends them (a retry loop or a runaway agent) before the token bill follows.',
  },
  inputTokensAbove: {
    kind: 'input-tokens',
    what: 'input tokens',
    metric: (m, period) => m.inputTokens({ period }),
    explain: (t, th) => `That is ${tokenDollars(th.threshold, t.metrics.target.pricing.prices.inputPerMillionTokens, th.period)}.`,
  },
  outputTokensAbove: {
    kind: 'output-tokens',
    what: 'output tokens',
    metric: (m, period) => m.outputTokens({ period }),
    explain: (t, th) => `That is ${tokenDollars(th.threshold, t.metrics.target.pricing.prices.outputPerMillionTokens, th.period)}.`,
  },
  estimatedCostPerHourAbove: {
    kind: 'cost-per-hour',
    what: 'estimated spend',
    metric: (m, period) => m.estimatedCostPerHour({ period }),
    formatThreshold: (th) => `$${formatCount(th.threshold)} an hour (measured over ${th.period.toMinutes()} minutes)`,
    explain: (_t, th) =>
      `At that rate a day costs about $${Usd.of(th.threshold).times(24).toFixed(2)}. Estimated from token metrics and list prices.`,
  },
  throttlesAbove: {
    kind: 'throttles',
    what: 'throttled invocations',
    metric: (m, period) => m.throttles({ period }),
    explain: () => 'Callers retrying throttled requests multiply tokens; check quotas and retry backoff.',
  },
  clientErrorRateAbove: {
    kind: 'client-error-rate',
    what: 'client error rate',
    metric: (m, period) =>
      new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * FILL(clientErrors, 0) / invocations, 0)',
        usingMetrics: { invocations: m.invocations({ period }), clientErrors: m.clientErrors({ period }) },
        label: `Client error rate, % (${m.target.label})`,
        period,
      }),
    formatThreshold: (th) => `${formatCount(th.threshold)}% ${perPeriod(th.period)}`,
    explain: () => 'Failed requests are often retried at full price; check request validation and max tokens.',
    validate: (threshold, path) => {
      if (threshold > 100) {
        throw new Error(`${path}: a client error rate is a percentage in (0, 100], got ${threshold}`);
      }
    },
  },
};

/**
 * Declarative CloudWatch alarms on Bedrock usage, errors and estimated dollars, per model or
 * profile, in the style of cdk-monitoring-constructs; every alarm notifies the alert topic on
 * ALARM and on OK, and its description says what spiked, the threshold, what it costs and where
 * to look.
 *
 * @example
 * new BedrockUsageAlarms(this, 'Alarms', {
 *   alertTopic,
 *   targets: [{
 *     source: supportProfile,
 *     estimatedCostPerHourAbove: { warning: 5, critical: 20 },
 *     outputTokensAbove: { spike: 2_000_000 },
 *   }],
 * });
 */
export class BedrockUsageAlarms extends Construct {
  /** Every alarm created, in the order of the targets. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly byTarget = new Map<string, cloudwatch.Alarm[]>();
  private readonly prefix: string;
  private readonly whereToLook: string;
  private readonly alertTopic: cloudwatch.IAlarmAction;

  constructor(scope: Construct, id: string, props: BedrockUsageAlarmsProps) {
    super(scope, id);
    if (props.targets.length === 0) {
      throw new Error('BedrockUsageAlarms targets: at least one target is required');
    }
    this.alertTopic = props.alertTopic;
    this.prefix = props.alarmNamePrefix ?? Stack.of(this).stackName;
    if (!Token.isUnresolved(this.prefix) && !/^[A-Za-z0-9_-]{1,100}$/.test(this.prefix)) {
      throw new Error(`BedrockUsageAlarms alarmNamePrefix must be 1-100 letters, digits, '_' or '-', got '${this.prefix}'`);
    }
    const consoleUrl = `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}`;
    this.whereToLook =
      props.dashboard === undefined
        ? `Look at the AWS/Bedrock metrics: ${consoleUrl}#metricsV2:graph=~();namespace=AWS/Bedrock`
        : `Dashboard: ${props.dashboard.dashboardUrl}`;

    props.targets.forEach((target, index) => {
      const path = `BedrockUsageAlarms targets[${index}]`;
      const resolved = resolveTarget(target.source, target.name, target.modelIdDimension, path);
      if (this.byTarget.has(resolved.name)) {
        throw new Error(`${path}: two targets are named '${resolved.name}'; give one a name`);
      }
      this.byTarget.set(resolved.name, []);
      for (const [field, kind] of Object.entries(KINDS)) {
        const thresholds = target[field as keyof BedrockAlarmTarget] as Record<string, number | AlarmThreshold> | undefined;
        for (const [key, value] of Object.entries(thresholds ?? {})) {
          const threshold = normalize(value, `${path}.${field}.${key}`, ALARM_KEY_PATTERN.test(key));
          kind.validate?.(threshold.threshold, `${path}.${field}.${key}`);
          this.staticAlarm(resolved, kind, key, threshold);
        }
      }
      for (const [key, value] of Object.entries(target.latencyP90Above ?? {})) {
        const latency = value instanceof Duration ? { threshold: value } : value;
        const threshold = normalize(
          { ...latency, threshold: latency.threshold.toMilliseconds() },
          `${path}.latencyP90Above.${key}`,
          ALARM_KEY_PATTERN.test(key),
        );
        this.staticAlarm(
          resolved,
          {
            kind: 'latency-p90',
            what: 'p90 latency',
            metric: (m, period) => m.latency({ period, statistic: 'p90' }),
            formatThreshold: (th) => `${formatCount(th.threshold)} ms ${perPeriod(th.period)}`,
            explain: () => 'Slow answers often mean long prompts or outputs: check max tokens and prompt size.',
          },
          key,
          threshold,
        );
      }
      if (target.runawayDetection !== false) {
        this.runawayAlarms(resolved, target.runawayDetection === true ? {} : (target.runawayDetection ?? {}), path);
      }
    });
    props.dashboard?.addAlarms(this);
  }

  /** The alarms of the target named `name`. */
  public alarmsFor(name: string): cloudwatch.Alarm[] {
    const alarms = this.byTarget.get(name);
    if (!alarms) {
      throw new Error(`BedrockUsageAlarms: no target named '${name}'; targets: ${[...this.byTarget.keys()].join(', ')}`);
    }
    return alarms;
  }

  private staticAlarm(target: ResolvedTarget, kind: AlarmKind, key: string, threshold: NormalizedThreshold): void {
    const dimension = target.metrics.target.modelIdDimension;
    this.register(
      target,
      new cloudwatch.Alarm(this, `${target.name}-${kind.kind}-${key}`, {
        alarmName: `${this.prefix}-${target.name}-${kind.kind}-${key}`,
        alarmDescription: [
          `Bedrock ${kind.what} of ${target.name} (ModelId ${dimension}) above ` +
            `${kind.formatThreshold?.(threshold) ?? `${formatCount(threshold.threshold)} ${perPeriod(threshold.period)}`}` +
            ` for ${threshold.datapointsToAlarm} of ${threshold.evaluationPeriods} periods.`,
          kind.explain(target, threshold),
          this.whereToLook,
        ].join(' '),
        metric: kind.metric(target.metrics, threshold.period),
        threshold: threshold.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        datapointsToAlarm: threshold.datapointsToAlarm,
        evaluationPeriods: threshold.evaluationPeriods,
        // No datapoint means no calls: nothing to alarm about.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  private runawayAlarms(target: ResolvedTarget, options: RunawayDetectionOptions, path: string): void {
    const field = `${path}.runawayDetection`;
    const bandWidth = options.bandWidth ?? 3;
    if (!(bandWidth > 0)) {
      throw new Error(`${field}.bandWidth must be > 0 standard deviations, got ${bandWidth}`);
    }
    const threshold = normalize(
      {
        threshold: bandWidth,
        period: options.period,
        datapointsToAlarm: options.datapointsToAlarm ?? 2,
        evaluationPeriods: options.evaluationPeriods ?? 3,
      },
      field,
      true,
    );
    const delay = threshold.period.toSeconds() * threshold.datapointsToAlarm;
    if (delay > MAX_RUNAWAY_DETECTION_DELAY.toSeconds()) {
      throw new Error(
        `${field}: period (${threshold.period.toMinutes()} min) x datapointsToAlarm (${threshold.datapointsToAlarm}) = ` +
          `${delay / 60} minutes; a runaway must alarm within ${MAX_RUNAWAY_DETECTION_DELAY.toMinutes()} minutes`,
      );
    }
    const m = target.metrics;
    const totalTokens = new cloudwatch.MathExpression({
      expression: 'FILL(inputTokens, 0) + FILL(outputTokens, 0)',
      usingMetrics: { inputTokens: m.inputTokens({ period: threshold.period }), outputTokens: m.outputTokens({ period: threshold.period }) },
      label: `Tokens in + out (${m.target.label})`,
      period: threshold.period,
    });
    const watched: [string, string, cloudwatch.IMetric][] = [
      ['invocations', 'invocations', m.invocations({ period: threshold.period })],
      ['tokens', 'input plus output tokens', totalTokens],
    ];
    for (const [kind, what, metric] of watched) {
      this.register(
        target,
        new cloudwatch.AnomalyDetectionAlarm(this, `${target.name}-runaway-${kind}`, {
          alarmName: `${this.prefix}-${target.name}-runaway-${kind}`,
          alarmDescription: [
            `Runaway: Bedrock ${what} of ${target.name} (ModelId ${m.target.modelIdDimension}) rose above the expected band` +
              ` (${bandWidth} standard deviations) for ${threshold.datapointsToAlarm} of ${threshold.evaluationPeriods} periods of` +
              ` ${threshold.period.toMinutes()} minutes.`,
            'A chatbot or agent stuck in a loop looks like this: find the caller and stop it.',
            this.whereToLook,
          ].join(' '),
          metric,
          stdDevs: bandWidth,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
          datapointsToAlarm: threshold.datapointsToAlarm,
          evaluationPeriods: threshold.evaluationPeriods,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }

  private register(target: ResolvedTarget, alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(this.alertTopic);
    alarm.addOkAction(this.alertTopic);
    this.alarms.push(alarm);
    this.byTarget.get(target.name)?.push(alarm);
  }
}

function normalize(value: number | AlarmThreshold, path: string, validKey: boolean): NormalizedThreshold {
  if (!validKey) {
    throw new Error(`${path}: alarm keys must be 1-64 letters, digits, '_' or '-'`);
  }
  return normalizeAlarmThreshold(value, path, DEFAULT_PERIOD);
}
