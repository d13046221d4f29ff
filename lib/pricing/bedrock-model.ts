import {
  halfPriceBatch,
  type ModelPrices,
  type PerTokenPrices,
  type PriceSource,
  scaleModelPrices,
  toPerTokenPrices,
  validateModelPrices,
} from './model-prices';

/**
 * The geography prefix of a system-defined cross-region inference profile: the profile id is
 * `<geography>.<model id>`, e.g. `us.amazon.nova-pro-v1:0` or `global.anthropic.claude-...`.
 */
export type CrossRegionGeography = 'us' | 'eu' | 'apac' | 'global' | 'jp' | 'au' | 'ca' | 'us-gov';

/** Every geography prefix Bedrock uses for system-defined cross-region inference profiles. */
export const CROSS_REGION_GEOGRAPHIES: readonly CrossRegionGeography[] = [
  'us',
  'eu',
  'apac',
  'global',
  'jp',
  'au',
  'ca',
  'us-gov',
];

/** Who makes a model. */
export enum ModelVendor {
  AMAZON = 'Amazon',
  ANTHROPIC = 'Anthropic',
  META = 'Meta',
  MISTRAL = 'Mistral AI',
  COHERE = 'Cohere',
  AI21 = 'AI21 Labs',
  DEEPSEEK = 'DeepSeek',
  OPENAI = 'OpenAI',
  OTHER = 'Other',
}

/** A system-defined cross-region inference profile a model can be called through. */
export interface CrossRegionProfile {
  readonly geography: CrossRegionGeography;
  /** The id callers pass as `modelId`, e.g. `us.amazon.nova-pro-v1:0`. */
  readonly profileId: string;
  /**
   * What calls through this profile cost relative to the model's list prices. Anthropic's
   * Claude 4.5 models cost 10% more through a geographic profile (`us.`, `eu.`, ...) than
   * through `global.`.
   */
  readonly priceFactor: number;
}

/** A cross-region geography and, optionally, its price relative to the model's list prices. */
export interface CrossRegionOption {
  readonly geography: CrossRegionGeography;
  /** @default 1 */
  readonly priceFactor?: number;
}

export interface BedrockModelProps {
  /** The foundation model id, e.g. `amazon.nova-micro-v1:0`. */
  readonly modelId: string;
  /** A name for people, e.g. `Amazon Nova Micro`. */
  readonly displayName: string;
  readonly vendor: ModelVendor;
  /** The family the model belongs to, e.g. `Amazon Nova`, `Claude 4.5`, `Llama 3.1`. */
  readonly family: string;
  /** List prices in the Region named by `priceSource`. */
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
}

const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9.\-_:]{0,199}$/i;

/** The billing service of Amazon's own models (and of most others sold through Bedrock). */
export const AMAZON_BEDROCK_SERVICE = 'Amazon Bedrock';

/** Anthropic's models bill under their own service names, e.g. "Claude Sonnet 4.5 (Amazon Bedrock Edition)". */
function anthropicBillingService(displayName: string): string {
  return `${displayName} (Amazon Bedrock Edition)`;
}

const USER_SUPPLIED: PriceSource = { region: 'unknown', asOf: 'unknown', reference: 'user-supplied' };

/**
 * The price table's provenance. Update `asOf` with every price change.
 */
export const BUILT_IN_PRICE_SOURCE: PriceSource = {
  region: 'us-east-1',
  asOf: '2026-11',
  reference: 'https://aws.amazon.com/bedrock/pricing/, standard tier',
};

/**
 * A Bedrock foundation model with its prices and capabilities.
 *
 * Use the static members (`BedrockModel.NOVA_MICRO`) for the built-in catalog,
 * `BedrockModel.custom()` for anything else, and `withPrices()` or `withDiscount()` for
 * negotiated prices or another Region's.
 */
export class BedrockModel {
  // Amazon Nova: cache reads cost 25% of input and cache writes carry no surcharge.
  public static readonly NOVA_MICRO = BedrockModel.builtIn({
    modelId: 'amazon.nova-micro-v1:0',
    displayName: 'Amazon Nova Micro',
    vendor: ModelVendor.AMAZON,
    family: 'Amazon Nova',
    prices: { inputPerMillionTokens: 0.035, outputPerMillionTokens: 0.14, promptCache: { readPerMillionTokens: 0.00875 } },
    crossRegion: ['us', 'eu', 'apac'],
    minimumCacheCheckpointTokens: 1024,
  });

  public static readonly NOVA_LITE = BedrockModel.builtIn({
    modelId: 'amazon.nova-lite-v1:0',
    displayName: 'Amazon Nova Lite',
    vendor: ModelVendor.AMAZON,
    family: 'Amazon Nova',
    prices: { inputPerMillionTokens: 0.06, outputPerMillionTokens: 0.24, promptCache: { readPerMillionTokens: 0.015 } },
    crossRegion: ['us', 'eu', 'apac', 'ca'],
    minimumCacheCheckpointTokens: 1024,
  });

  public static readonly NOVA_PRO = BedrockModel.builtIn({
    modelId: 'amazon.nova-pro-v1:0',
    displayName: 'Amazon Nova Pro',
    vendor: ModelVendor.AMAZON,
    family: 'Amazon Nova',
    prices: { inputPerMillionTokens: 0.8, outputPerMillionTokens: 3.2, promptCache: { readPerMillionTokens: 0.2 } },
    crossRegion: ['us', 'eu', 'apac'],
    minimumCacheCheckpointTokens: 1024,
  });

  /** Callable only through the `us.` profile. AWS lists it as legacy (end of life 2026-09-14). */
  public static readonly NOVA_PREMIER = BedrockModel.builtIn({
    modelId: 'amazon.nova-premier-v1:0',
    displayName: 'Amazon Nova Premier',
    vendor: ModelVendor.AMAZON,
    family: 'Amazon Nova',
    // The cache-read price is not published; 0.625 follows the Nova rule of 25% of input.
    prices: { inputPerMillionTokens: 2.5, outputPerMillionTokens: 12.5, promptCache: { readPerMillionTokens: 0.625 } },
    crossRegion: ['us'],
    minimumCacheCheckpointTokens: 1024,
  });

  // Anthropic Claude: cache writes cost 125% of input, cache reads 10%.
  public static readonly CLAUDE_3_5_HAIKU = BedrockModel.builtIn({
    modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    displayName: 'Claude 3.5 Haiku',
    vendor: ModelVendor.ANTHROPIC,
    billingServiceName: anthropicBillingService('Claude 3.5 Haiku'),
    family: 'Claude 3.5',
    prices: {
      inputPerMillionTokens: 0.8,
      outputPerMillionTokens: 4,
      promptCache: { readPerMillionTokens: 0.08, writePerMillionTokens: 1 },
    },
    crossRegion: ['us'],
    minimumCacheCheckpointTokens: 2048,
  });

  public static readonly CLAUDE_3_7_SONNET = BedrockModel.builtIn({
    modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    displayName: 'Claude 3.7 Sonnet',
    vendor: ModelVendor.ANTHROPIC,
    billingServiceName: anthropicBillingService('Claude 3.7 Sonnet'),
    family: 'Claude 3.7',
    prices: {
      inputPerMillionTokens: 3,
      outputPerMillionTokens: 15,
      promptCache: { readPerMillionTokens: 0.3, writePerMillionTokens: 3.75 },
    },
    crossRegion: ['us', 'eu', 'apac', 'us-gov'],
    minimumCacheCheckpointTokens: 1024,
  });

  public static readonly CLAUDE_SONNET_4 = BedrockModel.builtIn({
    modelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    displayName: 'Claude Sonnet 4',
    vendor: ModelVendor.ANTHROPIC,
    billingServiceName: anthropicBillingService('Claude Sonnet 4'),
    family: 'Claude 4',
    prices: {
      inputPerMillionTokens: 3,
      outputPerMillionTokens: 15,
      promptCache: { readPerMillionTokens: 0.3, writePerMillionTokens: 3.75 },
    },
    crossRegion: ['global', 'us', 'eu', 'apac'],
    minimumCacheCheckpointTokens: 1024,
  });

  /** List prices are those of the `global.` profile; geographic profiles cost 10% more. */
  public static readonly CLAUDE_HAIKU_4_5 = BedrockModel.builtIn({
    modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    displayName: 'Claude Haiku 4.5',
    vendor: ModelVendor.ANTHROPIC,
    billingServiceName: anthropicBillingService('Claude Haiku 4.5'),
    family: 'Claude 4.5',
    prices: {
      inputPerMillionTokens: 1,
      outputPerMillionTokens: 5,
      promptCache: { readPerMillionTokens: 0.1, writePerMillionTokens: 1.25 },
    },
    crossRegion: BedrockModel.claude45Geographies(['us', 'eu', 'jp', 'au']),
    minimumCacheCheckpointTokens: 4096,
  });

  /** List prices are those of the `global.` profile; geographic profiles cost 10% more. */
  public static readonly CLAUDE_SONNET_4_5 = BedrockModel.builtIn({
    modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    displayName: 'Claude Sonnet 4.5',
    vendor: ModelVendor.ANTHROPIC,
    billingServiceName: anthropicBillingService('Claude Sonnet 4.5'),
    family: 'Claude 4.5',
    prices: {
      inputPerMillionTokens: 3,
      outputPerMillionTokens: 15,
      promptCache: { readPerMillionTokens: 0.3, writePerMillionTokens: 3.75 },
    },
    crossRegion: BedrockModel.claude45Geographies(['us', 'eu', 'jp', 'au', 'us-gov']),
    // AWS's prompt-caching page raised this from 1,024 to 4,096; the larger figure is the safe one.
    minimumCacheCheckpointTokens: 4096,
  });

  // Meta Llama: no prompt caching. In us-east-1 these run through the `us.` profile.
  public static readonly LLAMA_3_1_8B_INSTRUCT = BedrockModel.builtIn({
    modelId: 'meta.llama3-1-8b-instruct-v1:0',
    displayName: 'Llama 3.1 8B Instruct',
    vendor: ModelVendor.META,
    family: 'Llama 3.1',
    prices: { inputPerMillionTokens: 0.22, outputPerMillionTokens: 0.22 },
    crossRegion: ['us'],
  });

  public static readonly LLAMA_3_1_70B_INSTRUCT = BedrockModel.builtIn({
    modelId: 'meta.llama3-1-70b-instruct-v1:0',
    displayName: 'Llama 3.1 70B Instruct',
    vendor: ModelVendor.META,
    family: 'Llama 3.1',
    prices: { inputPerMillionTokens: 0.72, outputPerMillionTokens: 0.72 },
    crossRegion: ['us'],
  });

  public static readonly LLAMA_3_3_70B_INSTRUCT = BedrockModel.builtIn({
    modelId: 'meta.llama3-3-70b-instruct-v1:0',
    displayName: 'Llama 3.3 70B Instruct',
    vendor: ModelVendor.META,
    family: 'Llama 3.3',
    prices: { inputPerMillionTokens: 0.72, outputPerMillionTokens: 0.72 },
    crossRegion: ['us'],
  });

  /** A model the built-in catalog does not know, with your own prices. */
  public static custom(props: BedrockModelProps): BedrockModel {
    return new BedrockModel(props);
  }

  /** Built-in models support batch inference at half the on-demand price. */
  private static builtIn(props: Omit<BedrockModelProps, 'priceSource'>): BedrockModel {
    const { inputPerMillionTokens, outputPerMillionTokens } = props.prices;
    return new BedrockModel({
      ...props,
      prices: { ...props.prices, batch: halfPriceBatch(inputPerMillionTokens, outputPerMillionTokens) },
      priceSource: BUILT_IN_PRICE_SOURCE,
    });
  }

  private static claude45Geographies(regional: CrossRegionGeography[]): CrossRegionOption[] {
    return [{ geography: 'global' }, ...regional.map((geography) => ({ geography, priceFactor: 1.1 }))];
  }

  public readonly modelId: string;
  public readonly displayName: string;
  public readonly vendor: ModelVendor;
  public readonly family: string;
  public readonly prices: ModelPrices;
  public readonly priceSource: PriceSource;
  public readonly crossRegionProfiles: readonly CrossRegionProfile[];
  public readonly minimumCacheCheckpointTokens?: number;
  /** The service name the model's spend is billed under. */
  public readonly billingServiceName: string;
  /** @internal */
  public readonly perToken: PerTokenPrices;

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
    this.billingServiceName = props.billingServiceName ?? AMAZON_BEDROCK_SERVICE;
    this.crossRegionProfiles = (props.crossRegion ?? []).map((option) => {
      const { geography, priceFactor = 1 } = typeof option === 'string' ? { geography: option } : option;
      if (!CROSS_REGION_GEOGRAPHIES.includes(geography)) {
        throw new RangeError(
          `${props.modelId}: cross-region geography must be one of ${CROSS_REGION_GEOGRAPHIES.join(', ')}, got ${geography}`,
        );
      }
      if (!Number.isFinite(priceFactor) || priceFactor <= 0) {
        throw new RangeError(`${props.modelId}: priceFactor of ${geography} must be a number > 0, got ${priceFactor}`);
      }
      return { geography, profileId: `${geography}.${props.modelId}`, priceFactor };
    });
    this.perToken = toPerTokenPrices(this.prices);
  }

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
   * Fields you leave out keep their current value; pass `batch` or `promptCache` whole.
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
      crossRegion: this.crossRegionProfiles.map(({ geography, priceFactor }) => ({ geography, priceFactor })),
      minimumCacheCheckpointTokens: this.minimumCacheCheckpointTokens,
      billingServiceName: this.billingServiceName,
    };
  }
}
