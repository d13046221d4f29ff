import { Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { BUILT_IN_PRICE_SOURCE } from '../pricing';
import { BedrockMetricName, BedrockMetrics } from './bedrock-metrics';
import { type BedrockUsageAlarms } from './bedrock-usage-alarms';
import { type MonitoredSource, resolveTarget, type ResolvedTarget } from './monitoring-target';

/** A model, cross-region source or profile to give a dashboard row. */
export interface BedrockDashboardTarget {
  readonly source: MonitoredSource;
  /** @default - the profile's construct id, or a slug of the model id */
  readonly name?: string;
  /** @default - the id callers pass */
  readonly modelIdDimension?: string;
}

export interface BedrockCostDashboardProps {
  /**
   * Letters, digits, `-` and `_`, up to 255 characters. Known at synth time so alarm
   * descriptions can link to it.
   *
   * @default - `<stack name>-<construct id>`
   */
  readonly dashboardName?: string;
  /** The models and profiles to show, one row each. `BedrockAlarmTarget`s fit here too. */
  readonly targets: readonly BedrockDashboardTarget[];
  /**
   * Alarms whose states the dashboard shows.
   *
   * @default - none; see `addAlarms()`
   */
  readonly alarms?: BedrockUsageAlarms;
  /**
   * Whether to add account-wide rows (every `ModelId` the account called, found by `SEARCH`).
   *
   * @default true
   */
  readonly accountTotals?: boolean;
}

const ROW_HEIGHT = 6;
const DASHBOARD_NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * A CloudWatch dashboard of Bedrock spend: estimated dollars per model or profile (stacked),
 * account-wide calls and tokens by `ModelId`, and a row per target with tokens, invocations,
 * throttles and errors, and latency; plus the states of the usage alarms.
 */
export class BedrockCostDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard's name, as a plain string (no reference to the resource). */
  public readonly dashboardName: string;
  private readonly targets: ResolvedTarget[];

  constructor(scope: Construct, id: string, props: BedrockCostDashboardProps) {
    super(scope, id);
    if (props.targets.length === 0) {
      throw new Error('BedrockCostDashboard targets: at least one target is required');
    }
    this.dashboardName =
      props.dashboardName ?? `${Stack.of(this).stackName}-${id}`.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 255);
    if (!Token.isUnresolved(this.dashboardName) && !DASHBOARD_NAME_PATTERN.test(this.dashboardName)) {
      throw new Error(`BedrockCostDashboard dashboardName must be 1-255 letters, digits, '-' or '_', got '${this.dashboardName}'`);
    }
    this.targets = props.targets.map((target, index) => {
      const resolved = resolveTarget(target.source, target.name, target.modelIdDimension, `BedrockCostDashboard targets[${index}]`);
      // Several targets' cost expressions share one graph: their inner metric ids must differ.
      return { ...resolved, metrics: resolved.metrics.withIdSuffix(`_${index}`) };
    });
    const names = this.targets.map((target) => target.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) {
      throw new Error(`BedrockCostDashboard targets: two targets are named '${duplicate}'; give one a name`);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.days(7),
    });
    // Dashboard tags are newer than the resource schemas of cfn-lint 1.51 (which reports them as an
    // error), and a dashboard's flat price needs no cost allocation: stack-wide tags skip it.
    (this.dashboard.node.defaultChild as cloudwatch.CfnDashboard).addPropertyDeletionOverride('Tags');
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# Bedrock spend\nEstimated from Bedrock's token metrics at list prices (${BUILT_IN_PRICE_SOURCE.region}, as of ` +
          `${BUILT_IN_PRICE_SOURCE.asOf}); the bill itself is in Cost Explorer, grouped by the cost allocation tags.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Estimated spend, USD per hour',
        left: this.targets.map((target) => target.metrics.estimatedCostPerHour({ period: Duration.hours(1) })),
        stacked: true,
        width: 16,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Estimated spend in the time range, USD',
        metrics: this.targets.map((target) => target.metrics.estimatedCost({ period: Duration.days(1) })),
        setPeriodToTimeRange: true,
        width: 8,
        height: ROW_HEIGHT,
      }),
    );
    if (props.accountTotals ?? true) {
      const byModel = (title: string, metricName: BedrockMetricName) =>
        new cloudwatch.GraphWidget({
          title,
          left: [BedrockMetrics.byModelId(metricName, { period: Duration.hours(1) })],
          stacked: true,
          width: 8,
          height: ROW_HEIGHT,
        });
      this.dashboard.addWidgets(
        byModel('All models: invocations per hour', BedrockMetricName.INVOCATIONS),
        byModel('All models: input tokens per hour', BedrockMetricName.INPUT_TOKENS),
        byModel('All models: output tokens per hour', BedrockMetricName.OUTPUT_TOKENS),
      );
    }
    for (const target of this.targets) {
      this.dashboard.addWidgets(...targetRow(target));
    }
    if (props.alarms) {
      this.addAlarms(props.alarms);
    }
  }

  /** A link to the dashboard in the console of the stack's Region. */
  public get dashboardUrl(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboardName}`;
  }

  /** Shows the states of these alarms (`BedrockUsageAlarms` with `dashboard` set calls this). */
  public addAlarms(alarms: BedrockUsageAlarms): void {
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Bedrock usage alarms',
        alarms: alarms.alarms,
        width: 24,
        height: Math.max(2, Math.ceil(alarms.alarms.length / 4) + 1),
      }),
    );
  }
}

function targetRow(target: ResolvedTarget): cloudwatch.IWidget[] {
  const m = target.metrics;
  const caching = m.target.pricing.prices.promptCache !== undefined;
  const graph = (title: string, left: cloudwatch.IMetric[]) =>
    new cloudwatch.GraphWidget({ title: `${target.name}: ${title}`, left, width: 6, height: ROW_HEIGHT });
  return [
    graph('tokens', [
      m.inputTokens(),
      m.outputTokens(),
      ...(caching ? [m.cacheReadInputTokens(), m.cacheWriteInputTokens()] : []),
    ]),
    graph('invocations', [m.invocations()]),
    graph('throttles and errors', [m.throttles(), m.clientErrors(), m.serverErrors()]),
    graph('latency, ms', [m.latency({ statistic: 'p50' }), m.latency({ statistic: 'p90' })]),
  ];
}
