import builtInCatalog from './catalog.json';
import { type CatalogJson, catalogModelPrices, catalogModelSource, parseCatalog } from './catalog';
import {
  ACTIVE_LIFECYCLE,
  CROSS_REGION_GEOGRAPHIES,
  type CrossRegionGeography,
  type ModelLifecycle,
  ModelLifecycleStatus,
  type ModelVendor,
} from './model-metadata';
import {
  type ModelPrices,
  type PerTokenPrices,
  type PriceSource,
  scaleModelPrices,
  toPerTokenPrices,
  validateModelPrices,
} from './model-prices';

/** A system-defined cross-region inference profile a model can be called through. */
export interface CrossRegionProfile {
  readonly geography: CrossRegionGeography;
  /** The id callers pass as `modelId`, e.g. `us.amazon.nova-pro-v1:0`. */
  readonly profileId: string;
  /**
   * What calls through this profile cost relative to the model's list prices. Claude 4.5 and
   * later and Amazon Nova 2 cost 10% more through a geographic profile (`us.`, `eu.`, ...) than
   * through `global.`, and Claude 20% more through `us-gov.`.
   */
  readonly priceFactor: number;
  /** Whether batch inference runs through this profile (GovCloud profiles offer none). */
  readonly supportsBatch: boolean;
}

/** A cross-region geography and, optionally, its price relative to the model's list prices. */
export interface CrossRegionOption {
  readonly geography: CrossRegionGeography;
  /** @default 1 */
  readonly priceFactor?: number;
  /**
   * Whether batch inference runs through this profile.
   *
   * @default - when the model supports batch inference
   */
  readonly batch?: boolean;
}

export interface BedrockModelProps {
  /** The foundation model id, e.g. `amazon.nova-micro-v1:0`. */
  readonly modelId: string;
  /** A name for people, e.g. `Amazon Nova Micro`. */
  readonly displayName: string;
  readonly vendor: ModelVendor;
  /** The family the model belongs to, e.g. `Amazon Nova`, `Claude 4.5`, `Llama 3.1`. */
  readonly family: string;
  /**
   * List prices in the Region named by `priceSource`. For models AWS prices by endpoint (Claude
   * 4.5 and later, Amazon Nova 2) these are the `global.` profile's; see `inRegionPriceFactor`.
   */
  readonly prices: ModelPrices;
  /**
   * Where the prices come from.
   *
   * @default - marked as user-supplied, region and date unknown
   */
  readonly priceSource?: PriceSource;
  /**
   * The system-defined cross-region inference profiles the model can be called through.
   *
   * @default - none
   */
  readonly crossRegion?: readonly (CrossRegionGeography | CrossRegionOption)[];
  /**
   * What a direct call in the Region costs relative to the list prices (1.1 for Claude 4.5 and
   * later and Nova 2, whose list prices are the global profile's).
   *
   * @default 1
   */
  readonly inRegionPriceFactor?: number;
  /**
   * Whether batch inference runs on a direct call in the Region (Nova Premier's batch runs only
   * through its `us.` profile).
   *
   * @default - when the model supports batch inference
   */
  readonly batchInRegion?: boolean;
  /**
   * The service name the model's spend is billed under (the `SERVICE` dimension of Cost Explorer
   * and AWS Budgets). Amazon's and Meta's models bill under Amazon Bedrock; Anthropic's under their
   * own marketplace names.
   *
   * @default 'Amazon Bedrock'
   */
  readonly billingServiceName?: string;
  /**
   * The fewest tokens a prompt-cache checkpoint must cover for Bedrock to cache it.
   *
   * @default - unknown; 1,024 is the usual minimum
   */
  readonly minimumCacheCheckpointTokens?: number;
  /**
   * Where the model stands in AWS's model lifecycle.
   *
   * @default - active
   */
  readonly lifecycle?: ModelLifecycle;
}

const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9.\-_:]{0,199}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The billing service of Amazon's own models (and of most others sold through Bedrock). */
export const AMAZON_BEDROCK_SERVICE = 'Amazon Bedrock';

const USER_SUPPLIED: PriceSource = { region: 'unknown', asOf: 'unknown', reference: 'user-supplied' };

/** The built-in catalog (`catalog.json`), validated once when the module loads. */
export const BUILT_IN_CATALOG: CatalogJson = parseCatalog(builtInCatalog, 'built-in price catalog');

/**
 * The built-in catalog's provenance: its Region and the date it was assembled. Each model's
 * `priceSource` names the sources and date of its own figures.
 */
export const BUILT_IN_PRICE_SOURCE: PriceSource = {
  region: BUILT_IN_CATALOG.region,
  asOf: BUILT_IN_CATALOG.asOf,
  reference: 'built-in catalog: AWS pricing page, AWS Price List and AWS docs, standard tier; `bedrock-cost models` names each model\'s sources',
};

/** The props of every model of a catalog document, in its order. */
export function catalogModels(catalog: CatalogJson): BedrockModelProps[] {
  return catalog.models.map((entry) => ({
    modelId: entry.modelId,
    displayName: entry.displayName,
    vendor: entry.vendor as ModelVendor,
    family: entry.family,
    prices: catalogModelPrices(entry.prices),
    priceSource: catalogModelSource(catalog, entry),
    crossRegion: entry.geographies.map(({ geography, priceFactor, batch }) => ({ geography, priceFactor, batch })),
    inRegionPriceFactor: entry.inRegion?.priceFactor,
    batchInRegion: entry.inRegion?.batch,
    billingServiceName: entry.billingServiceName,
    minimumCacheCheckpointTokens: entry.minCacheTokens,
    lifecycle: entry.lifecycle,
  }));
}

function checkFactor(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${field} must be a number > 0, got ${value}`);
  }
  return value;
}

function checkLifecycle(lifecycle: ModelLifecycle, modelId: string): ModelLifecycle {
  if (!Object.values(ModelLifecycleStatus).includes(lifecycle.status)) {
    throw new RangeError(
      `${modelId}: lifecycle.status must be one of ${Object.values(ModelLifecycleStatus).join(', ')}, got ${String(lifecycle.status)}`,
    );
  }
  for (const field of ['legacySince', 'endOfLife'] as const) {
    const date = lifecycle[field];
    if (date !== undefined && !ISO_DATE.test(date)) {
      throw new RangeError(`${modelId}: lifecycle.${field} must be an ISO 8601 date (2026-10-14), got ${date}`);
    }
  }
  return lifecycle;
}

/**
 * A Bedrock foundation model with its prices and capabilities.
 *
 * Use the static members (`BedrockModel.NOVA_MICRO`) for the built-in catalog,
 * `BedrockModel.custom()` for anything else, and `withPrices()` or `withDiscount()` for
 * negotiated prices or another Region's.
 */
export class BedrockModel {
  private static readonly BUILT_IN: ReadonlyMap<string, BedrockModel> = new Map(
    catalogModels(BUILT_IN_CATALOG).map((props) => [props.modelId, new BedrockModel(props)]),
  );

  /** Amazon Nova Micro. */
  public static readonly NOVA_MICRO = BedrockModel.builtIn('amazon.nova-micro-v1:0');
  /** Amazon Nova Lite. */
  public static readonly NOVA_LITE = BedrockModel.builtIn('amazon.nova-lite-v1:0');
  /** Amazon Nova Pro. */
  public static readonly NOVA_PRO = BedrockModel.builtIn('amazon.nova-pro-v1:0');
  /** Amazon Nova Premier (past end of life, 2026-09-14). */
  public static readonly NOVA_PREMIER = BedrockModel.builtIn('amazon.nova-premier-v1:0');
  /** Amazon Nova 2 Lite. */
  public static readonly NOVA_2_LITE = BedrockModel.builtIn('amazon.nova-2-lite-v1:0');
  /** Amazon Nova 2 Pro (preview). */
  public static readonly NOVA_2_PRO_PREVIEW = BedrockModel.builtIn('amazon.nova-2-pro-preview-20251202-v1:0');
  /** Claude Haiku 4.5. */
  public static readonly CLAUDE_HAIKU_4_5 = BedrockModel.builtIn('anthropic.claude-haiku-4-5-20251001-v1:0');
  /** Claude Sonnet 4.5 (legacy, end of life 2027-04-08). */
  public static readonly CLAUDE_SONNET_4_5 = BedrockModel.builtIn('anthropic.claude-sonnet-4-5-20250929-v1:0');
  /** Claude Sonnet 4.6. */
  public static readonly CLAUDE_SONNET_4_6 = BedrockModel.builtIn('anthropic.claude-sonnet-4-6');
  /** Claude Opus 4.5. */
  public static readonly CLAUDE_OPUS_4_5 = BedrockModel.builtIn('anthropic.claude-opus-4-5-20251101-v1:0');
  /** Claude Opus 4.6. */
  public static readonly CLAUDE_OPUS_4_6 = BedrockModel.builtIn('anthropic.claude-opus-4-6-v1');
  /** Claude Opus 4.7. */
  public static readonly CLAUDE_OPUS_4_7 = BedrockModel.builtIn('anthropic.claude-opus-4-7');
  /** Claude Opus 4.8. */
  public static readonly CLAUDE_OPUS_4_8 = BedrockModel.builtIn('anthropic.claude-opus-4-8');
  /** Claude Opus 5. */
  public static readonly CLAUDE_OPUS_5 = BedrockModel.builtIn('anthropic.claude-opus-5');
  /** Claude Sonnet 5. */
  public static readonly CLAUDE_SONNET_5 = BedrockModel.builtIn('anthropic.claude-sonnet-5');
  /** Claude Fable 5. */
  public static readonly CLAUDE_FABLE_5 = BedrockModel.builtIn('anthropic.claude-fable-5');
  /** Claude Opus 4.1 (legacy, end of life 2027-01-08). */
  public static readonly CLAUDE_OPUS_4_1 = BedrockModel.builtIn('anthropic.claude-opus-4-1-20250805-v1:0');
  /** Claude Sonnet 4 (past end of life, 2026-10-14). */
  public static readonly CLAUDE_SONNET_4 = BedrockModel.builtIn('anthropic.claude-sonnet-4-20250514-v1:0');
  /** Claude 3.7 Sonnet. */
  public static readonly CLAUDE_3_7_SONNET = BedrockModel.builtIn('anthropic.claude-3-7-sonnet-20250219-v1:0');
  /** Claude 3.5 Haiku (past end of life, 2026-06-19). */
  public static readonly CLAUDE_3_5_HAIKU = BedrockModel.builtIn('anthropic.claude-3-5-haiku-20241022-v1:0');
  /** Llama 3.1 8B Instruct. */
  public static readonly LLAMA_3_1_8B_INSTRUCT = BedrockModel.builtIn('meta.llama3-1-8b-instruct-v1:0');
  /** Llama 3.1 70B Instruct. */
  public static readonly LLAMA_3_1_70B_INSTRUCT = BedrockModel.builtIn('meta.llama3-1-70b-instruct-v1:0');
  /** Llama 3.3 70B Instruct. */
  public static readonly LLAMA_3_3_70B_INSTRUCT = BedrockModel.builtIn('meta.llama3-3-70b-instruct-v1:0');
  /** Llama 4 Scout 17B Instruct. */
  public static readonly LLAMA_4_SCOUT_17B_INSTRUCT = BedrockModel.builtIn('meta.llama4-scout-17b-instruct-v1:0');
  /** Llama 4 Maverick 17B Instruct. */
  public static readonly LLAMA_4_MAVERICK_17B_INSTRUCT = BedrockModel.builtIn('meta.llama4-maverick-17b-instruct-v1:0');
  /** DeepSeek-R1. */
  public static readonly DEEPSEEK_R1 = BedrockModel.builtIn('deepseek.r1-v1:0');
  /** DeepSeek-V3.1. */
  public static readonly DEEPSEEK_V3_1 = BedrockModel.builtIn('deepseek.v3-v1:0');
  /** DeepSeek V3.2. */
  public static readonly DEEPSEEK_V3_2 = BedrockModel.builtIn('deepseek.v3.2');
  /** gpt-oss-20b. */
  public static readonly GPT_OSS_20B = BedrockModel.builtIn('openai.gpt-oss-20b-1:0');
  /** gpt-oss-120b. */
  public static readonly GPT_OSS_120B = BedrockModel.builtIn('openai.gpt-oss-120b-1:0');
  /** gpt-oss-safeguard-120b. */
  public static readonly GPT_OSS_SAFEGUARD_120B = BedrockModel.builtIn('openai.gpt-oss-safeguard-120b');
  /** Qwen3 32B. */
  public static readonly QWEN3_32B = BedrockModel.builtIn('qwen.qwen3-32b-v1:0');
  /** Qwen3 235B A22B 2507. */
  public static readonly QWEN3_235B_A22B = BedrockModel.builtIn('qwen.qwen3-235b-a22b-2507-v1:0');
  /** Qwen3 Coder 30B A3B. */
  public static readonly QWEN3_CODER_30B_A3B = BedrockModel.builtIn('qwen.qwen3-coder-30b-a3b-v1:0');
  /** Qwen3 Coder 480B A35B. */
  public static readonly QWEN3_CODER_480B_A35B = BedrockModel.builtIn('qwen.qwen3-coder-480b-a35b-v1:0');
  /** Qwen3 Next 80B A3B. */
  public static readonly QWEN3_NEXT_80B_A3B = BedrockModel.builtIn('qwen.qwen3-next-80b-a3b');
  /** Qwen3 Coder Next. */
  public static readonly QWEN3_CODER_NEXT = BedrockModel.builtIn('qwen.qwen3-coder-next');
  /** Mistral Large 3. */
  public static readonly MISTRAL_LARGE_3 = BedrockModel.builtIn('mistral.mistral-large-3-675b-instruct');
  /** Ministral 3 3B. */
  public static readonly MINISTRAL_3_3B = BedrockModel.builtIn('mistral.ministral-3-3b-instruct');
  /** Ministral 3 8B. */
  public static readonly MINISTRAL_3_8B = BedrockModel.builtIn('mistral.ministral-3-8b-instruct');
  /** Ministral 3 14B. */
  public static readonly MINISTRAL_3_14B = BedrockModel.builtIn('mistral.ministral-3-14b-instruct');
  /** Magistral Small 1.2. */
  public static readonly MAGISTRAL_SMALL_1_2 = BedrockModel.builtIn('mistral.magistral-small-2509');
  /** Pixtral Large (25.02). */
  public static readonly PIXTRAL_LARGE = BedrockModel.builtIn('mistral.pixtral-large-2502-v1:0');
  /** Gemma 3 4B. */
  public static readonly GEMMA_3_4B = BedrockModel.builtIn('google.gemma-3-4b-it');
  /** Gemma 3 12B. */
  public static readonly GEMMA_3_12B = BedrockModel.builtIn('google.gemma-3-12b-it');
  /** Gemma 3 27B. */
  public static readonly GEMMA_3_27B = BedrockModel.builtIn('google.gemma-3-27b-it');
  /** Kimi K2 Thinking. */
  public static readonly KIMI_K2_THINKING = BedrockModel.builtIn('moonshot.kimi-k2-thinking');
  /** MiniMax M2. */
  public static readonly MINIMAX_M2 = BedrockModel.builtIn('minimax.minimax-m2');
  /** NVIDIA Nemotron Nano 2. */
  public static readonly NEMOTRON_NANO_2 = BedrockModel.builtIn('nvidia.nemotron-nano-9b-v2');

  /** Every model of the built-in catalog, in catalog order. */
  public static builtInModels(): readonly BedrockModel[] {
    return [...BedrockModel.BUILT_IN.values()];
  }

  /** A model the built-in catalog does not know, with your own prices. */
  public static custom(props: BedrockModelProps): BedrockModel {
    return new BedrockModel(props);
  }

  private static builtIn(modelId: string): BedrockModel {
    const model = BedrockModel.BUILT_IN.get(modelId);
    if (!model) {
      throw new Error(`the built-in price catalog has no ${modelId}`);
    }
    return model;
  }

  public readonly modelId: string;
  public readonly displayName: string;
  public readonly vendor: ModelVendor;
  public readonly family: string;
  /** List prices; see `BedrockModelProps.prices`. */
  public readonly prices: ModelPrices;
  public readonly priceSource: PriceSource;
  public readonly crossRegionProfiles: readonly CrossRegionProfile[];
  public readonly minimumCacheCheckpointTokens?: number;
  /** What a direct call in the Region costs relative to the list prices. */
  public readonly inRegionPriceFactor: number;
  public readonly lifecycle: ModelLifecycle;
  /** The service name the model's spend is billed under. */
  public readonly billingServiceName: string;
  /** @internal */
  public readonly perToken: PerTokenPrices;
  private readonly options: Pick<BedrockModelProps, 'crossRegion' | 'batchInRegion'>;

  private constructor(props: BedrockModelProps) {
    if (typeof props.modelId !== 'string' || !MODEL_ID_PATTERN.test(props.modelId)) {
      throw new RangeError(
        `modelId must be 1-200 characters of letters, digits and . - _ :, got ${JSON.stringify(props.modelId)}`,
      );
    }
    if (CROSS_REGION_GEOGRAPHIES.some((geography) => props.modelId.startsWith(`${geography}.`))) {
      throw new RangeError(
        `modelId must be a foundation model id, not a cross-region profile id (got ${props.modelId}); ` +
          'list the profile geographies in crossRegion instead',
      );
    }
    validateModelPrices(props.prices, `${props.modelId} prices`);
    if (
      props.minimumCacheCheckpointTokens !== undefined &&
      (!Number.isInteger(props.minimumCacheCheckpointTokens) || props.minimumCacheCheckpointTokens < 1)
    ) {
      throw new RangeError(
        `minimumCacheCheckpointTokens must be a positive integer, got ${props.minimumCacheCheckpointTokens}`,
      );
    }
    this.modelId = props.modelId;
    this.displayName = props.displayName;
    this.vendor = props.vendor;
    this.family = props.family;
    this.prices = props.prices;
    this.priceSource = props.priceSource ?? USER_SUPPLIED;
    this.minimumCacheCheckpointTokens = props.minimumCacheCheckpointTokens;
    this.inRegionPriceFactor = checkFactor(props.inRegionPriceFactor ?? 1, `${props.modelId}: inRegionPriceFactor`);
    this.lifecycle = checkLifecycle(props.lifecycle ?? ACTIVE_LIFECYCLE, props.modelId);
    this.billingServiceName = props.billingServiceName ?? AMAZON_BEDROCK_SERVICE;
    this.crossRegionProfiles = (props.crossRegion ?? []).map((option) => {
      const { geography, priceFactor = 1, batch = true } = typeof option === 'string' ? { geography: option } : option;
      if (!CROSS_REGION_GEOGRAPHIES.includes(geography)) {
        throw new RangeError(
          `${props.modelId}: cross-region geography must be one of ${CROSS_REGION_GEOGRAPHIES.join(', ')}, got ${geography}`,
        );
      }
      checkFactor(priceFactor, `${props.modelId}: priceFactor of ${geography}`);
      return {
        geography,
        profileId: `${geography}.${props.modelId}`,
        priceFactor,
        supportsBatch: batch && props.prices.batch !== undefined,
      };
    });
    this.options = { crossRegion: props.crossRegion, batchInRegion: props.batchInRegion };
    this.perToken = toPerTokenPrices(this.prices);
  }

  /** Whether batch inference runs on a direct call in the Region. */
  public get batchInRegion(): boolean {
    return (this.options.batchInRegion ?? true) && this.supportsBatch;
  }

  /** Whether the model supports batch inference on some path (in the Region or through a profile). */
  public get supportsBatch(): boolean {
    return this.prices.batch !== undefined;
  }

  public get supportsPromptCaching(): boolean {
    return this.prices.promptCache !== undefined;
  }

  public get supportsCrossRegion(): boolean {
    return this.crossRegionProfiles.length > 0;
  }

  /** The cross-region profile for `geography`; throws if the model has none there. */
  public crossRegionProfile(geography: CrossRegionGeography): CrossRegionProfile {
    const profile = this.crossRegionProfiles.find((candidate) => candidate.geography === geography);
    if (!profile) {
      const available = this.crossRegionProfiles.map((candidate) => candidate.geography).join(', ') || 'none';
      throw new RangeError(
        `${this.displayName} (${this.modelId}) has no '${geography}' cross-region profile; available: ${available}`,
      );
    }
    return profile;
  }

  /**
   * The same model with some prices replaced, e.g. another Region's or a negotiated rate.
   * Fields you leave out keep their current value; pass `batch`, `promptCache`, `flex`,
   * `priority` or `longContext` whole.
   */
  public withPrices(prices: Partial<ModelPrices>, source: PriceSource): BedrockModel {
    return new BedrockModel({ ...this.props(), prices: { ...this.prices, ...prices }, priceSource: source });
  }

  /** The same model with every price reduced by `percent` (e.g. 12.5 for a 12.5% discount). */
  public withDiscount(percent: number, source?: PriceSource): BedrockModel {
    if (!Number.isFinite(percent) || percent < 0 || percent >= 100) {
      throw new RangeError(`discount percent must be in [0, 100), got ${percent}`);
    }
    const factor = Number(((100 - percent) / 100).toPrecision(15));
    return new BedrockModel({
      ...this.props(),
      prices: scaleModelPrices(this.prices, factor),
      priceSource: source ?? { ...this.priceSource, reference: `${this.priceSource.reference}, less ${percent}%` },
    });
  }

  public toString(): string {
    return `${this.displayName} (${this.modelId})`;
  }

  private props(): BedrockModelProps {
    return {
      modelId: this.modelId,
      displayName: this.displayName,
      vendor: this.vendor,
      family: this.family,
      prices: this.prices,
      priceSource: this.priceSource,
      crossRegion: this.options.crossRegion,
      inRegionPriceFactor: this.inRegionPriceFactor,
      batchInRegion: this.options.batchInRegion,
      minimumCacheCheckpointTokens: this.minimumCacheCheckpointTokens,
      billingServiceName: this.billingServiceName,
      lifecycle: this.lifecycle,
    };
  }
}
