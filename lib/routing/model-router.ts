import { createHash } from 'node:crypto';
import { Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  type AgentConfig,
  CONFIG_FILE_NAME,
  type PricedModelJson,
  type RouterConfig,
  ROUTER_METRICS_NAMESPACE,
  RouterMetric,
  type TierConfig,
  TRAINED_CLASSIFIER_FILE_NAME,
} from './contract';
import { createHandlerFunction } from '../internal/handler-function';
import { integerIn } from '../internal/validate';
import { normalizeAlarmThreshold } from '../monitoring/alarm-threshold';
import { type BedrockCostDashboard } from '../monitoring/bedrock-cost-dashboard';
import { type AlarmThreshold } from '../monitoring/bedrock-usage-alarms';
import { type BedrockModel, InferenceSource, invocationModeOf, ServiceTier } from '../pricing';
import { validateCostAllocationTags } from '../profiles/cost-allocation-tag-rules';
import { CostAllocationTagKey } from '../profiles/cost-allocation-tags';
import { CostAllocatedInferenceProfile } from '../profiles/cost-allocated-inference-profile';
import { ResponseCache } from './response-cache';
import { RouterClassifier } from './router-classifier';

/** One tier of a router: a model, its limits and the agent that answers through it. */
export interface RouterTier {
  /**
   * 1-24 lowercase letters, digits and hyphens, starting with a letter: the classifier answers
   * with it, clients may force it, and it becomes the `agent` cost allocation tag. `router`,
   * `classifier` and names ending in `-fallback` are taken by the router's own profiles.
   */
  readonly name: string;
  /** What the tier handles, for the classifier: 1-300 characters, e.g. "Questions answered by the FAQ". */
  readonly description: string;
  /** The model, or a cross-region source, the tier's profile calls. */
  readonly model: BedrockModel | InferenceSource;
  /** The most output tokens an answer may use: 1-65,536. Requests may ask for fewer. */
  readonly maxTokens: number;
  /**
   * The built-in agent's system prompt. With `promptCaching`, a cache point follows it: prompts
   * over the model's minimum (about 1,024 tokens for Nova) are then billed at the cache-read price.
   *
   * @default - required unless `agent` is given
   */
  readonly systemPrompt?: string;
  /**
   * 0 to 1.
   *
   * @default - the model's default
   */
  readonly temperature?: number;
  /**
   * Your own agent (one that fetches data or calls tools) instead of the built-in one. It gets the
   * same `AgentRequest` and answers an `AgentResponse` (see the README), may call the tier's
   * profile (`profileFor(tier)`), and, when it is a `lambda.Function`, gets its ARN as `MODEL_ID`.
   *
   * @default - the built-in agent: Converse with `systemPrompt`
   */
  readonly agent?: lambda.IFunction;
  /**
   * Called when the tier's model is still throttled after the SDK's retries, through its own
   * profile. The built-in agent only.
   *
   * @default - none: throttling ends in a 429
   */
  readonly fallbackModel?: BedrockModel | InferenceSource;
  /**
   * The service tier the tier's model runs on: `ServiceTier.FLEX` for latency-tolerant tiers at
   * about half price, `PRIORITY` at a premium, where the model offers it (checked at synth). The
   * built-in agent sends it as Converse's `serviceTier`; your own agent must send it too. Answers
   * are priced at the tier's prices; the fallback model runs on the standard tier.
   *
   * @default ServiceTier.STANDARD
   */
  readonly serviceTier?: ServiceTier;
}

export interface RouterEscalationOptions {
  /**
   * How many times a request may move one tier up when an agent says it cannot answer; 0 turns
   * escalation off.
   *
   * @default 1 (0 for a single tier)
   */
  readonly maxEscalations?: number;
}

export interface RouterLimits {
  /**
   * The largest request body, up to Lambda's 6 MB.
   *
   * @default Size.kibibytes(64)
   */
  readonly maxBodySize?: Size;
  /**
   * The most characters of prompt (all messages together).
   *
   * @default 32,000
   */
  readonly maxPromptCharacters?: number;
  /**
   * The most messages in a conversation.
   *
   * @default 50
   */
  readonly maxMessages?: number;
}

export interface ModelRouterProps {
  /**
   * Names the router in profile names (`<routerName>-<tier>`), metrics (the `Router` dimension)
   * and the `router` tag: 1-30 lowercase letters, digits and hyphens. Unique in the account and
   * Region.
   *
   * @default - from the stack name and construct id
   */
  readonly routerName?: string;
  /** The tiers, cheapest first: escalation moves a request one step along this list. 1-10 tiers. */
  readonly tiers: readonly RouterTier[];
  /**
   * @default RouterClassifier.model(BedrockModel.NOVA_MICRO)
   */
  readonly classifier?: RouterClassifier;
  /**
   * Where requests go when no rule matches (rules-only classifier) or the classifier's answer is
   * not a tier name.
   *
   * @default - the first tier
   */
  readonly defaultTier?: string;
  /** @default - one escalation per request */
  readonly escalation?: RouterEscalationOptions;
  /** @default ResponseCache.dynamoDb() - five minutes, tenants isolated */
  readonly responseCache?: ResponseCache;
  /**
   * Whether the built-in agents put a Bedrock prompt-cache point after the system prompt, on
   * models that support prompt caching.
   *
   * @default true
   */
  readonly promptCaching?: boolean;
  /**
   * What the savings metric compares with: the model every request would call without a router.
   *
   * @default - the tier model with the highest input plus output price
   */
  readonly baselineModel?: BedrockModel | InferenceSource;
  /**
   * Cost allocation tags of every profile the router creates, on top of `router` and `agent`
   * (the tier name, or `router` for the classifier).
   *
   * @default - only `router` and `agent`
   */
  readonly costAllocationTags?: Readonly<Record<string, string>>;
  /**
   * Notified when the escalation-rate alarm changes state: typically a `CostAlertTopic`.
   *
   * @default - the alarm exists without actions
   */
  readonly alertTopic?: cloudwatch.IAlarmAction;
  /**
   * When the escalation-rate alarm fires: `threshold` is escalations per 100 answered requests
   * (up to 100). A cheap tier that escalates this often costs more than it saves.
   *
   * @default - above 20, in 2 of 3 five-minute periods
   */
  readonly escalationRateAlarm?: Partial<AlarmThreshold>;
  /**
   * A dashboard to add the router's row to: requests per tier, cache hits and escalations, dollars
   * spent and saved, routing latency.
   *
   * @default - none
   */
  readonly dashboard?: BedrockCostDashboard;
  /**
   * The longest a request may take; the router answers 504 then, before Lambda's own timeout.
   * 1 second to 14 minutes.
   *
   * @default Duration.seconds(30)
   */
  readonly requestTimeout?: Duration;
  /** @default - 64 KiB bodies, 32,000 prompt characters, 50 messages */
  readonly limits?: RouterLimits;
  /**
   * Who may call the Function URL. `NONE` makes the router (and its Bedrock bill) public.
   *
   * @default lambda.FunctionUrlAuthType.AWS_IAM
   */
  readonly authType?: lambda.FunctionUrlAuthType;
}

const TIER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;
const ROUTER_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,29}$/;
const CLASSIFIER_AGENT_TAG = 'router';
const MAX_TIERS = 10;
const MAX_TIER_TOKENS = 65_536;
const MAX_DESCRIPTION = 300;
const MAX_SYSTEM_PROMPT = 200_000;
const MAX_BODY = Size.mebibytes(6);
/** The router needs this long after its deadline to answer 504 before Lambda stops it. */
const ROUTER_GRACE = Duration.seconds(5);

/**
 * A cheap router in front of tiered agents: each request is validated, answered from the
 * response cache when it can be, classified (rules, a small model, or both), and sent to its
 * tier's agent, which calls Bedrock through the tier's own cost-allocated inference profile (so
 * Cost Explorer shows spend per agent). An agent that cannot answer moves the request one tier
 * up. Every answer carries what it cost, what the baseline model would have cost, and the
 * difference; the same figures go to CloudWatch.
 *
 * @example
 * const router = new ModelRouter(this, 'Support', {
 *   tiers: [
 *     { name: 'faq', description: 'Questions the FAQ answers', model: BedrockModel.NOVA_MICRO, maxTokens: 400, systemPrompt: faqPrompt },
 *     { name: 'technical', description: 'Troubleshooting and how-to', model: BedrockModel.NOVA_LITE, maxTokens: 1000, systemPrompt: techPrompt },
 *   ],
 *   alertTopic,
 * });
 * router.grantInvoke(webBackendRole);
 */
export class ModelRouter extends Construct {
  public readonly routerName: string;
  /** The router Lambda behind the Function URL. */
  public readonly routerFunction: lambda.IFunction;
  public readonly functionUrl: lambda.FunctionUrl;
  /** The HTTPS endpoint clients POST to. */
  public readonly url: string;
  /** The classifier's profile, when the classifier calls a model. */
  public readonly classifierProfile?: CostAllocatedInferenceProfile;
  /** The model every request would call without the router. */
  public readonly baseline: InferenceSource;
  /** Raised when too many requests escalate. */
  public readonly escalationRateAlarm: cloudwatch.Alarm;
  private readonly tierProfiles = new Map<string, CostAllocatedInferenceProfile>();
  private readonly fallbackProfiles = new Map<string, CostAllocatedInferenceProfile>();
  private readonly tierAgents = new Map<string, lambda.IFunction>();

  constructor(scope: Construct, id: string, props: ModelRouterProps) {
    super(scope, id);
    this.routerName = props.routerName ?? defaultRouterName(Stack.of(this).stackName, id);
    if (!Token.isUnresolved(this.routerName) && !ROUTER_NAME_PATTERN.test(this.routerName)) {
      throw new Error(`ModelRouter routerName must be 1-30 lowercase letters, digits and hyphens, got '${this.routerName}'`);
    }
    validateTiers(props.tiers);
    const tierNames = props.tiers.map((tier) => tier.name);
    const classifier = props.classifier ?? RouterClassifier.model();
    classifier.rules.forEach((rule, index) => {
      if (!tierNames.includes(rule.tier)) {
        throw new Error(`ModelRouter classifier rules[${index}].tier '${rule.tier}' is not a tier; tiers: ${tierNames.join(', ')}`);
      }
    });
    for (const [label, tier] of Object.entries(classifier.trained?.tiers ?? {})) {
      if (!tierNames.includes(tier)) {
        throw new Error(`ModelRouter classifier tiers.${label} '${tier}' is not a tier; tiers: ${tierNames.join(', ')}`);
      }
    }
    const defaultTier = props.defaultTier ?? tierNames[0];
    if (!tierNames.includes(defaultTier)) {
      throw new Error(`ModelRouter defaultTier '${defaultTier}' is not a tier; tiers: ${tierNames.join(', ')}`);
    }
    // A single tier has nowhere to escalate to.
    const maxEscalations = integerIn(props.escalation?.maxEscalations ?? Math.min(1, props.tiers.length - 1), 0, props.tiers.length - 1, 'ModelRouter escalation.maxEscalations');
    const requestTimeout = props.requestTimeout ?? Duration.seconds(30);
    const timeoutSeconds = requestTimeout.toSeconds();
    if (timeoutSeconds < 1 || timeoutSeconds > Duration.minutes(14).toSeconds()) {
      throw new Error(`ModelRouter requestTimeout must be from 1 second to 14 minutes, got ${requestTimeout.toHumanString()}`);
    }
    const limits = resolveLimits(props.limits);
    const extraTags = props.costAllocationTags ?? {};
    validateCostAllocationTags(extraTags, 'ModelRouter costAllocationTags', false);
    for (const reserved of [CostAllocationTagKey.AGENT, CostAllocationTagKey.ROUTER]) {
      if (reserved in extraTags) {
        throw new Error(`ModelRouter costAllocationTags: '${reserved}' is set by the router; leave it out`);
      }
    }
    const promptCaching = props.promptCaching ?? true;
    this.baseline = props.baselineModel ? InferenceSource.of(props.baselineModel) : mostExpensive(props.tiers);

    const createProfile = (suffix: string, agentTag: string, model: BedrockModel | InferenceSource, idPrefix: string) =>
      new CostAllocatedInferenceProfile(this, `${idPrefix}Profile`, {
        profileName: `${this.routerName}-${suffix}`,
        model,
        description: `Router ${this.routerName} ${suffix}`.replace(/-/g, ' '),
        costAllocationTags: { ...extraTags, [CostAllocationTagKey.ROUTER]: this.routerName, [CostAllocationTagKey.AGENT]: agentTag },
      });

    // Agents: one profile (and fallback profile) per tier; the built-in agent or the user's function.
    const tierConfigs: TierConfig[] = [];
    for (const tier of props.tiers) {
      const idPrefix = constructIdOf(tier.name);
      const serviceTier = checkServiceTier(tier);
      const profile = createProfile(tier.name, tier.name, tier.model, idPrefix);
      this.tierProfiles.set(tier.name, profile);
      const fallback = tier.fallbackModel && createProfile(`${tier.name}-fallback`, tier.name, tier.fallbackModel, `${idPrefix}Fallback`);
      if (fallback) {
        this.fallbackProfiles.set(tier.name, fallback);
      }
      const agent = tier.agent ?? this.createBuiltInAgent(tier, idPrefix, profile, fallback, promptCaching, requestTimeout);
      if (tier.agent) {
        profile.grantInvoke(tier.agent);
        if (tier.agent instanceof lambda.Function) {
          tier.agent.addEnvironment('MODEL_ID', profile.profileArn);
        }
      }
      this.tierAgents.set(tier.name, agent);
      tierConfigs.push({
        name: tier.name,
        description: tier.description,
        maxTokens: tier.maxTokens,
        ...priced(profile.source, serviceTier),
        fallback: fallback && priced(fallback.source),
      });
    }

    if (classifier.model) {
      this.classifierProfile = createProfile('classifier', CLASSIFIER_AGENT_TAG, classifier.model, 'Classifier');
    }
    const cache = (props.responseCache ?? ResponseCache.dynamoDb())._bind(this, this.routerName);
    const config: Omit<RouterConfig, 'configVersion'> = {
      routerName: this.routerName,
      tiers: tierConfigs,
      defaultTier,
      maxEscalations,
      classifier: {
        rules: classifier.rules.map((rule) => ({
          tier: rule.tier,
          keywords: [...(rule.keywords ?? [])],
          patterns: (rule.patterns ?? []).map((pattern) => ({ source: pattern.source, flags: pattern.flags })),
        })),
        model: classifier.model && {
          ...priced(classifier.model),
          maxTokens: classifier.maxTokens,
          maxInputCharacters: classifier.maxInputCharacters,
        },
        trained: classifier.trained && {
          modelFile: TRAINED_CLASSIFIER_FILE_NAME,
          sha256: classifier.trained.sha256,
          tiers: classifier.trained.tiers,
          minConfidence: classifier.trained.minConfidence,
        },
      },
      baseline: priced(this.baseline),
      cache: cache.config,
      limits,
      requestTimeoutMs: requestTimeout.toMilliseconds(),
    };
    // Anything that changes answers changes the version, so cached answers of the old setup stop matching.
    const configVersion = sha256(
      JSON.stringify({ config, prompts: props.tiers.map((tier) => [tier.systemPrompt ?? '', tier.temperature ?? null]), promptCaching }),
    ).slice(0, 16);

    const router = createHandlerFunction(this, 'Router', {
      handler: 'router',
      description: `Bedrock router ${this.routerName}: validates, caches, classifies and routes requests to tier agents`,
      timeout: requestTimeout.plus(ROUTER_GRACE),
      memorySize: 512,
      environment: {
        POWERTOOLS_SERVICE_NAME: this.routerName,
        AGENT_FUNCTIONS: Stack.of(this).toJsonString(Object.fromEntries([...this.tierAgents].map(([name, fn]) => [name, fn.functionArn]))),
        ...(this.classifierProfile ? { CLASSIFIER_MODEL_ID: this.classifierProfile.profileArn } : {}),
        ...cache.environment,
      },
      bundledFiles: {
        [CONFIG_FILE_NAME]: JSON.stringify({ ...config, configVersion } satisfies RouterConfig),
        ...(classifier.trained ? { [TRAINED_CLASSIFIER_FILE_NAME]: classifier.trained.modelText } : {}),
      },
      vpc: cache.vpc,
      vpcSubnets: cache.vpcSubnets,
      securityGroups: cache.securityGroups,
    });
    this.routerFunction = router;
    // The unqualified ARNs only: the router never calls versions or aliases (grantInvoke would add `:*`).
    iam.Grant.addToPrincipal({
      grantee: router,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [...this.tierAgents.values()].map((agent) => agent.functionArn),
    });
    this.classifierProfile?.grantInvoke(router);
    cache.grantReadWrite(router);
    this.functionUrl = router.addFunctionUrl({ authType: props.authType ?? lambda.FunctionUrlAuthType.AWS_IAM });
    this.url = this.functionUrl.url;

    this.escalationRateAlarm = this.createEscalationRateAlarm(props.escalationRateAlarm ?? {});
    if (props.alertTopic) {
      this.escalationRateAlarm.addAlarmAction(props.alertTopic);
      this.escalationRateAlarm.addOkAction(props.alertTopic);
    }
    if (props.dashboard) {
      this.addToDashboard(props.dashboard);
    }
  }

  /** The tier names, cheapest first. */
  public get tierNames(): string[] {
    return [...this.tierProfiles.keys()];
  }

  /** The cost-allocated profile a tier's agent calls (tagged `agent=<tier>`). */
  public profileFor(tier: string): CostAllocatedInferenceProfile {
    return this.lookup(this.tierProfiles, tier);
  }

  /** The profile a tier's fallback model is called through, if the tier has one. */
  public fallbackProfileFor(tier: string): CostAllocatedInferenceProfile | undefined {
    this.lookup(this.tierProfiles, tier);
    return this.fallbackProfiles.get(tier);
  }

  /** The agent Lambda of a tier: the built-in one, or the function you gave. */
  public agentFor(tier: string): lambda.IFunction {
    return this.lookup(this.tierAgents, tier);
  }

  /**
   * Lets `grantee` call the Function URL with SigV4 (`lambda:InvokeFunctionUrl` and, as Lambda
   * requires since October 2025, `lambda:InvokeFunction` via the URL).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.functionUrl.grantInvokeUrl(grantee);
  }

  /**
   * A router metric. Sums per hour unless `options` says otherwise.
   *
   * @param tier only requests answered by this tier
   */
  public metric(metricName: RouterMetric, options: cloudwatch.MetricOptions = {}, tier?: string): cloudwatch.Metric {
    if (tier !== undefined) {
      this.lookup(this.tierProfiles, tier);
    }
    return new cloudwatch.Metric({
      namespace: ROUTER_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: tier === undefined ? { Router: this.routerName } : { Router: this.routerName, Tier: tier },
      statistic: 'Sum',
      period: Duration.hours(1),
      ...options,
    });
  }

  /** Answered requests, cache hits included. */
  public metricRequests(options?: cloudwatch.MetricOptions, tier?: string): cloudwatch.Metric {
    return this.metric(RouterMetric.REQUESTS, options, tier);
  }

  public metricCacheHits(options?: cloudwatch.MetricOptions, tier?: string): cloudwatch.Metric {
    return this.metric(RouterMetric.CACHE_HITS, options, tier);
  }

  public metricEscalations(options?: cloudwatch.MetricOptions, tier?: string): cloudwatch.Metric {
    return this.metric(RouterMetric.ESCALATIONS, options, tier);
  }

  /** Requests routed to the default tier because the classifier failed or answered no tier name. */
  public metricClassifierFallbacks(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RouterMetric.CLASSIFIER_FALLBACKS, options);
  }

  /** Requests the trained classifier routed on its own, with no classifier call. */
  public metricLocalDecisions(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RouterMetric.LOCAL_DECISIONS, options);
  }

  /** Requests the trained classifier was unsure of, decided by the fallback model or sent to the default tier. */
  public metricLowConfidenceFallbacks(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RouterMetric.LOW_CONFIDENCE_FALLBACKS, options);
  }

  /** Estimated USD spent on answered requests (classifier and every agent call). */
  public metricCostUsd(options?: cloudwatch.MetricOptions, tier?: string): cloudwatch.Metric {
    return this.metric(RouterMetric.COST_USD, options, tier);
  }

  /** Estimated USD the same answers would have cost on the baseline model. */
  public metricBaselineCostUsd(options?: cloudwatch.MetricOptions, tier?: string): cloudwatch.Metric {
    return this.metric(RouterMetric.BASELINE_COST_USD, options, tier);
  }

  /** Baseline minus actual cost, USD. */
  public metricSavedUsd(options?: cloudwatch.MetricOptions, tier?: string): cloudwatch.Metric {
    return this.metric(RouterMetric.SAVED_USD, options, tier);
  }

  /** Milliseconds spent in the router itself (total minus agents). @default p99 over 5 minutes */
  public metricRoutingLatency(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RouterMetric.ROUTING_LATENCY, { statistic: 'p99', period: Duration.minutes(5), ...options });
  }

  /** Escalations per 100 answered requests. */
  public metricEscalationRate(options: cloudwatch.MathExpressionOptions = {}): cloudwatch.MathExpression {
    return this.rate('escalations', this.metricEscalations({ period: options.period }), 'Escalations per 100 requests', options);
  }

  /** Cache hits per 100 answered requests. */
  public metricCacheHitRate(options: cloudwatch.MathExpressionOptions = {}): cloudwatch.MathExpression {
    return this.rate('hits', this.metricCacheHits({ period: options.period }), 'Cache hits per 100 requests', options);
  }

  /** Adds the router's row to a dashboard (the `dashboard` prop calls this). */
  public addToDashboard(dashboard: BedrockCostDashboard): void {
    const hour = { period: Duration.hours(1) };
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title: `Router ${this.routerName}: ${title}`, left, width: 6, height: 6, ...extra });
    dashboard.dashboard.addWidgets(
      graph(
        'requests per hour by tier',
        this.tierNames.map((tier) => this.metricRequests({ ...hour, label: tier }, tier)),
        { stacked: true },
      ),
      graph('cache hits and escalations, % of requests', [this.metricCacheHitRate(hour), this.metricEscalationRate(hour)]),
      graph('USD per hour: spent, baseline, saved', [
        this.metricCostUsd({ ...hour, label: 'spent' }),
        this.metricBaselineCostUsd({ ...hour, label: 'baseline' }),
        this.metricSavedUsd({ ...hour, label: 'saved' }),
      ]),
      graph('routing latency, ms', [
        this.metricRoutingLatency({ statistic: 'p50', label: 'p50' }),
        this.metricRoutingLatency({ statistic: 'p99', label: 'p99' }),
      ]),
    );
  }

  private rate(id: string, numerator: cloudwatch.IMetric, label: string, options: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `IF(requests > 0, 100 * FILL(${id}, 0) / requests, 0)`,
      usingMetrics: { [id]: numerator, requests: this.metricRequests({ period: options.period }) },
      label,
      period: Duration.hours(1),
      ...options,
    });
  }

  private createEscalationRateAlarm(options: Partial<AlarmThreshold>): cloudwatch.Alarm {
    const { threshold, period, datapointsToAlarm, evaluationPeriods } = normalizeAlarmThreshold(
      { threshold: 20, datapointsToAlarm: 2, evaluationPeriods: 3, ...options },
      'ModelRouter escalationRateAlarm',
      Duration.minutes(5),
    );
    if (threshold > 100) {
      throw new Error(`ModelRouter escalationRateAlarm: threshold is a percentage of requests, at most 100, got ${threshold}`);
    }
    return new cloudwatch.Alarm(this, 'EscalationRateAlarm', {
      alarmDescription:
        `More than ${threshold}% of requests to router ${this.routerName} escalated to a pricier tier: the classifier or a ` +
        'tier prompt sends work to a tier that cannot answer it, and each escalation pays for two calls.',
      metric: this.metricEscalationRate({ period }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      datapointsToAlarm,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private createBuiltInAgent(
    tier: RouterTier,
    idPrefix: string,
    profile: CostAllocatedInferenceProfile,
    fallback: CostAllocatedInferenceProfile | undefined,
    promptCaching: boolean,
    requestTimeout: Duration,
  ): lambda.IFunction {
    const agentConfig: AgentConfig = {
      tier: tier.name,
      systemPrompt: tier.systemPrompt ?? '',
      maxTokens: tier.maxTokens,
      temperature: tier.temperature,
      promptCaching: promptCaching && profile.model.supportsPromptCaching,
      fallbackPromptCaching: promptCaching && (fallback?.model.supportsPromptCaching ?? false),
      ...(tier.serviceTier && tier.serviceTier !== ServiceTier.STANDARD ? { serviceTier: tier.serviceTier } : {}),
    };
    const agent = createHandlerFunction(this, `${idPrefix}Agent`, {
      handler: 'router-agent',
      description: `Bedrock router ${this.routerName}: agent of tier ${tier.name} (${profile.source.invocationId})`,
      timeout: requestTimeout.plus(Duration.seconds(2)),
      environment: {
        POWERTOOLS_SERVICE_NAME: `${this.routerName}-${tier.name}`,
        MODEL_ID: profile.profileArn,
        ...(fallback ? { FALLBACK_MODEL_ID: fallback.profileArn } : {}),
      },
      bundledFiles: { [CONFIG_FILE_NAME]: JSON.stringify(agentConfig) },
    });
    profile.grantInvoke(agent);
    fallback?.grantInvoke(agent);
    return agent;
  }

  private lookup<T>(map: ReadonlyMap<string, T>, tier: string): T {
    const found = map.get(tier);
    if (found === undefined) {
      throw new Error(`ModelRouter ${this.routerName} has no tier '${tier}'; tiers: ${[...map.keys()].join(', ')}`);
    }
    return found;
  }
}

function validateTiers(tiers: readonly RouterTier[]): void {
  if (tiers.length < 1 || tiers.length > MAX_TIERS) {
    throw new Error(`ModelRouter tiers: give 1-${MAX_TIERS} tiers, got ${tiers.length}`);
  }
  const seen = new Set<string>();
  tiers.forEach((tier, index) => {
    const path = `ModelRouter tiers[${index}]`;
    if (!TIER_NAME_PATTERN.test(tier.name)) {
      throw new Error(`${path}.name must be 1-24 lowercase letters, digits and hyphens, starting with a letter, got '${tier.name}'`);
    }
    // The classifier's profile and the fallback profiles take these names.
    if (tier.name === CLASSIFIER_AGENT_TAG || tier.name === 'classifier' || tier.name.endsWith('-fallback')) {
      throw new Error(`${path}.name '${tier.name}' is reserved: 'router', 'classifier' and names ending in '-fallback' name the router's own profiles`);
    }
    if (seen.has(tier.name)) {
      throw new Error(`${path}.name '${tier.name}' is used twice`);
    }
    seen.add(tier.name);
    if (typeof tier.description !== 'string' || tier.description.trim().length === 0 || tier.description.length > MAX_DESCRIPTION) {
      throw new Error(`${path}.description must be 1-${MAX_DESCRIPTION} characters, got ${JSON.stringify(tier.description)}`);
    }
    integerIn(tier.maxTokens, 1, MAX_TIER_TOKENS, `${path}.maxTokens`);
    if (tier.temperature !== undefined && !(tier.temperature >= 0 && tier.temperature <= 1)) {
      throw new Error(`${path}.temperature must be from 0 to 1, got ${tier.temperature}`);
    }
    if (tier.agent === undefined) {
      if (typeof tier.systemPrompt !== 'string' || tier.systemPrompt.trim().length === 0 || tier.systemPrompt.length > MAX_SYSTEM_PROMPT) {
        throw new Error(`${path}.systemPrompt must be 1-${MAX_SYSTEM_PROMPT} characters (the built-in agent needs one), or give an agent`);
      }
    } else if (tier.fallbackModel !== undefined) {
      throw new Error(`${path}.fallbackModel applies to the built-in agent only: your agent decides how it handles throttling`);
    }
  });
}

function resolveLimits(limits: RouterLimits = {}): RouterConfig['limits'] {
  const maxBodyBytes = (limits.maxBodySize ?? Size.kibibytes(64)).toBytes();
  integerIn(maxBodyBytes, 1024, MAX_BODY.toBytes(), 'ModelRouter limits.maxBodySize (bytes)');
  return {
    maxBodyBytes,
    maxPromptCharacters: integerIn(limits.maxPromptCharacters ?? 32_000, 1, MAX_BODY.toBytes(), 'ModelRouter limits.maxPromptCharacters'),
    maxMessages: integerIn(limits.maxMessages ?? 50, 1, 1000, 'ModelRouter limits.maxMessages'),
  };
}

function priced(source: InferenceSource, serviceTier = ServiceTier.STANDARD): PricedModelJson {
  return { modelId: source.invocationId, prices: source.prices, ...(serviceTier === ServiceTier.STANDARD ? {} : { serviceTier }) };
}

/** The tier's service tier, when its model offers it. */
function checkServiceTier(tier: RouterTier): ServiceTier {
  const serviceTier = tier.serviceTier ?? ServiceTier.STANDARD;
  if (!Object.values(ServiceTier).includes(serviceTier)) {
    throw new Error(`ModelRouter tier '${tier.name}' serviceTier must be one of ${Object.values(ServiceTier).join(', ')}, got ${String(serviceTier)}`);
  }
  const source = InferenceSource.of(tier.model);
  if (!source.offers(invocationModeOf(serviceTier))) {
    throw new Error(`ModelRouter tier '${tier.name}' serviceTier: ${source} does not offer the ${serviceTier} service tier`);
  }
  return serviceTier;
}

function mostExpensive(tiers: readonly RouterTier[]): InferenceSource {
  const sources = tiers.map((tier) => InferenceSource.of(tier.model));
  const weight = (source: InferenceSource) => source.prices.inputPerMillionTokens + source.prices.outputPerMillionTokens;
  return sources.reduce((best, source) => (weight(source) > weight(best) ? source : best));
}

function defaultRouterName(stackName: string, id: string): string {
  return `${stackName}-${id}`
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 30)
    .replace(/-+$/, '');
}

/** `faq` -> `Faq`, `billing-disputes` -> `BillingDisputes`. */
function constructIdOf(tierName: string): string {
  return tierName.replace(/(^|-)([a-z0-9])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
