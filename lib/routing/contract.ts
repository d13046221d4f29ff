/**
 * The contracts of the routing handlers: the HTTP request and response of the router, what the
 * router sends each tier's agent and what an agent answers, and the configuration file the
 * ModelRouter construct writes next to each bundle. lib/routing builds these shapes at synth
 * time; lambda/router and lambda/router-agent read them at run time.
 */
import { type ModelPrices, type ServiceTier } from '../pricing';

export type ChatRole = 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** Token counts as Converse reports them; absent cache counts are 0. */
export interface UsageJson {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
}

/** The body a client POSTs to the router's Function URL. Exactly one of `prompt` and `messages`. */
export interface RouterRequest {
  readonly prompt?: string;
  /** Alternating turns starting and ending with `user`. */
  readonly messages?: readonly ChatMessage[];
  /** Scopes the response cache: tenants never share entries unless the cache is configured to. */
  readonly tenantId?: string;
  /** Forces a tier (no classification, no escalation). */
  readonly tier?: string;
  /** Capped at the tier's maxTokens. */
  readonly maxTokens?: number;
  /** false skips the response cache for this request (neither read nor written). @default true */
  readonly cache?: boolean;
}

/** The router's 200 body. Dollar figures are numbers of USD. */
export interface RouterResponse {
  readonly answer: string;
  readonly tier: string;
  /** The model that answered: a foundation model id or cross-region profile id. */
  readonly modelId: string;
  readonly cached: boolean;
  readonly escalated: boolean;
  /** Tokens this request consumed, classifier and escalated calls included; all 0 on a cache hit. */
  readonly usage: UsageJson;
  /** What this request cost: classifier, every agent call; 0 on a cache hit. */
  readonly costUsd: number;
  /** What the answering call would have cost on the baseline model (all its input tokens uncached). */
  readonly baselineCostUsd: number;
  /** baselineCostUsd - costUsd; negative when routing cost more than the baseline. */
  readonly savedUsd: number;
  readonly latencyMs: number;
}

export type RouterErrorCode =
  // 4xx: the request
  | 'MethodNotAllowed'
  | 'BodyTooLarge'
  | 'InvalidJson'
  | 'InvalidRequest'
  | 'UnknownField'
  | 'MissingPrompt'
  | 'EmptyPrompt'
  | 'PromptTooLong'
  | 'InvalidMessages'
  | 'InvalidRole'
  | 'UnknownTier'
  | 'InvalidMaxTokens'
  | 'InvalidTenantId'
  | 'InvalidCache'
  // upstream
  | 'Throttled' // 429
  | 'UpstreamError' // 502
  | 'ModelDeclined' // 502: the model replied ESCALATE and the request could not move up
  | 'ServiceUnavailable' // 503
  | 'UpstreamTimeout'; // 504

/** Every non-200 body. `field` names the request field at fault (4xx only), e.g. `messages[1].role`. */
export interface RouterErrorBody {
  readonly error: { readonly code: RouterErrorCode; readonly message: string; readonly field?: string };
}

/** What the router sends a tier's agent Lambda (built-in or the user's function). */
export interface AgentRequest {
  /** Validated and trimmed; alternating turns starting and ending with `user`. */
  readonly messages: readonly ChatMessage[];
  /** Already capped at the tier's maxTokens. */
  readonly maxTokens: number;
  readonly tier: string;
  readonly tenantId?: string;
  /** The router's name, for the `requestMetadata` of the agent's Converse calls. */
  readonly router?: string;
  /** Whether the agent may answer `{ escalate: true }`: a higher tier exists and the request may still move up. */
  readonly canEscalate: boolean;
  /** Milliseconds before the router gives up on this call; the agent should stop before then. */
  readonly timeoutMs: number;
  /** The router's request id, for correlating logs. */
  readonly requestId: string;
}

/** An agent's answer. Usage is required so the router can price every call. */
export type AgentResponse =
  | {
      readonly answer: string;
      readonly usage: UsageJson;
      /** true when the tier's fallback model answered (priced at its prices). */
      readonly usedFallback?: boolean;
      readonly stopReason?: string;
    }
  | {
      /**
       * The agent cannot answer well; the router moves the request one tier up. Where the request
       * may not move up (`canEscalate` false), the router answers 502 `ModelDeclined` instead; it
       * treats an `answer` that is the `ESCALATE` marker the same way, so the marker is never served.
       */
      readonly escalate: true;
      readonly reason?: string;
      readonly usage: UsageJson;
      readonly usedFallback?: boolean;
    }
  | {
      readonly error: { readonly code: 'Throttled' | 'UpstreamError' | 'ServiceUnavailable' | 'Timeout'; readonly message: string };
      /** Tokens already spent before the failure, if any. */
      readonly usage?: UsageJson;
    };

// The router handler publishes these; the construct's metrics, alarm and dashboard read them.
/**
 * Metrics the router publishes per request (namespace `BedrockCost`, dimensions `Router` and
 * `Router`+`Tier`). A failed request publishes `CostUsd` too (under `Router` only): tokens billed
 * before the failure cost money.
 */
export enum RouterMetric {
  REQUESTS = 'Requests',
  CACHE_HITS = 'CacheHits',
  ESCALATIONS = 'Escalations',
  CLASSIFIER_FALLBACKS = 'ClassifierFallbacks',
  COST_USD = 'CostUsd',
  BASELINE_COST_USD = 'BaselineCostUsd',
  SAVED_USD = 'SavedUsd',
  /** Time in the router itself: total minus time in agents. */
  ROUTING_LATENCY = 'RoutingLatency',
  LATENCY = 'Latency',
  /** 4xx answers (dimension `Router` only). */
  REJECTED_REQUESTS = 'RejectedRequests',
  /** 429 and 5xx answers (dimension `Router` only). */
  UPSTREAM_ERRORS = 'UpstreamErrors',
  /** Requests the model declined (ESCALATE) where no higher tier could take them: 502 `ModelDeclined` (dimension `Router` only). */
  DECLINED = 'Declined',
  CACHE_ERRORS = 'CacheErrors',
  /** Requests the trained classifier routed on its own (zeros too, so the average is its share). */
  LOCAL_DECISIONS = 'LocalDecisions',
  /** Requests the trained classifier was unsure of: the fallback model or the default tier decided. */
  LOW_CONFIDENCE_FALLBACKS = 'LowConfidenceFallbacks',
}

export const ROUTER_METRICS_NAMESPACE = 'BedrockCost';

/** The exact reply the built-in agent is told to give when it cannot answer (when canEscalate). */
export const ESCALATE_MARKER = 'ESCALATE';

/** A model as the handlers price it: the id callers pass and the prices of that source. */
export interface PricedModelJson {
  /** Foundation model id or cross-region profile id, e.g. `us.amazon.nova-pro-v1:0`. */
  readonly modelId: string;
  /** Per million tokens, already scaled for the source (e.g. +10% for a geographic Claude 4.5 profile). */
  readonly prices: ModelPrices;
  /** The service tier the model is called on, and priced at; absent for the standard tier. */
  readonly serviceTier?: ServiceTier;
}

export interface TierConfig extends PricedModelJson {
  readonly name: string;
  readonly description: string;
  readonly maxTokens: number;
  /** Present when the tier has a fallback model. */
  readonly fallback?: PricedModelJson;
}

export interface RoutingRuleJson {
  readonly tier: string;
  /** Matched case-insensitively as whole words or phrases. */
  readonly keywords: readonly string[];
  /** Regular expressions as `new RegExp(source, flags)`. */
  readonly patterns: readonly { readonly source: string; readonly flags: string }[];
}

export interface TrainedClassifierConfig {
  /** The model file (`bedrock-cost classifier train`), beside routing-config.json. */
  readonly modelFile: string;
  /** Hex SHA-256 of the model file: the router refuses a file that is not the one configured. */
  readonly sha256: string;
  /** Label -> tier, for every label of the model. */
  readonly tiers: Readonly<Record<string, string>>;
  /** 0-1: below it the model classifier (if any) or the default tier decides. */
  readonly minConfidence: number;
}

export type CacheConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'dynamodb' | 'redis'; readonly ttlSeconds: number; readonly shareAcrossTenants: boolean };

/** routing-config.json of the router bundle. */
export interface RouterConfig {
  readonly routerName: string;
  /** Cheapest first: escalation moves one step along this list. */
  readonly tiers: readonly TierConfig[];
  readonly defaultTier: string;
  readonly maxEscalations: number;
  readonly classifier: {
    /** Tried in order; the first match wins. Empty when the classifier is model-only. */
    readonly rules: readonly RoutingRuleJson[];
    /** Present when a model classifies what no rule matched (or what the trained classifier is unsure of). */
    readonly model?: PricedModelJson & { readonly maxTokens: number; readonly maxInputCharacters: number };
    /** Present when a classifier learned from examples decides first. */
    readonly trained?: TrainedClassifierConfig;
  };
  readonly baseline: PricedModelJson;
  readonly cache: CacheConfig;
  readonly limits: { readonly maxBodyBytes: number; readonly maxPromptCharacters: number; readonly maxMessages: number };
  readonly requestTimeoutMs: number;
  /** Changes whenever anything that shapes answers changes, so old cache entries stop matching. */
  readonly configVersion: string;
}

/** routing-config.json of a built-in agent bundle. */
export interface AgentConfig {
  readonly tier: string;
  readonly systemPrompt: string;
  readonly maxTokens: number;
  /** @default - the model's default */
  readonly temperature?: number;
  /** Put a cache point after the system prompt (the construct sets this only where the model supports it). */
  readonly promptCaching: boolean;
  /** Whether the fallback model supports prompt caching. */
  readonly fallbackPromptCaching: boolean;
  /** Converse's `serviceTier` of the tier's model (the fallback runs standard); absent for standard. */
  readonly serviceTier?: ServiceTier;
}

/**
 * Environment of the handlers, set by the construct:
 * - both: `CONFIG_FILE` (routing-config.json, relative to LAMBDA_TASK_ROOT or absolute)
 * - router: `AGENT_FUNCTIONS` (JSON object tier -> function name or ARN), `CLASSIFIER_MODEL_ID`
 *   (the classifier's inference profile ARN, when it has a model), `CACHE_TABLE` (DynamoDB) or
 *   `REDIS_URL` (`rediss://host:port` on AWS)
 * - agent: `MODEL_ID` (the tier's profile ARN), `FALLBACK_MODEL_ID` (optional), `MAX_ATTEMPTS`
 *   (attempts per Converse call, retries never past the deadline; default 3)
 */
export const CONFIG_FILE_NAME = 'routing-config.json';

/** The trained classifier's model file in the router bundle. */
export const TRAINED_CLASSIFIER_FILE_NAME = 'trained-classifier.json';
