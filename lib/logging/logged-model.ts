/**
 * What a log record's `modelId` costs. Pure TypeScript over the public pricing API.
 *
 * The log holds what the caller passed: a foundation model id, a cross-region profile id, or an
 * ARN. Real records show ARNs for system-defined profiles
 * (`arn:aws:bedrock:us-east-1:<account>:inference-profile/us.anthropic...`) and for application
 * inference profiles (`.../application-inference-profile/<id>`), whose model only their owner
 * knows: those are priced through a map, or reported unpriced, never as zero.
 */
import { type InferenceSource, PriceTable, UnknownModelError } from '../pricing';

const BEDROCK_ARN = /^arn:[a-z-]+:bedrock:[a-z0-9-]*:\d*:([a-z-]+)\/(.+)$/;

/** The part of `modelId` the price table is keyed on: the last path segment of an ARN, else the id itself. */
export function modelKeyOf(modelId: string): string {
  const match = BEDROCK_ARN.exec(modelId);
  return match ? match[2] : modelId;
}

/** A `modelId` the price table prices, or why it cannot. */
export type LoggedModelPrice =
  | { readonly priced: true; readonly source: InferenceSource }
  | { readonly priced: false; readonly reason: string };

export interface InvocationLogPricingOptions {
  /** @default PriceTable.DEFAULT */
  readonly priceTable?: PriceTable;
  /**
   * Application inference profiles by ARN or short id, each mapped to the model or cross-region
   * id it copies from (`{ "arn:aws:bedrock:...:application-inference-profile/abc123": "us.amazon.nova-pro-v1:0" }`).
   *
   * @default - none: calls through application profiles are unpriced
   */
  readonly applicationProfiles?: Readonly<Record<string, string>>;
}

/** How the `modelId`s of log records are priced: a price table, and what the application profiles call. */
export class InvocationLogPricing {
  /** The built-in price table, no application profiles. */
  public static readonly DEFAULT = new InvocationLogPricing();

  private readonly table: PriceTable;
  private readonly byKey = new Map<string, string>();

  /** Throws a `RangeError` naming the profile whose target the price table does not know. */
  constructor(options: InvocationLogPricingOptions = {}) {
    const table = options.priceTable ?? PriceTable.DEFAULT;
    this.table = table;
    for (const [profile, target] of Object.entries(options.applicationProfiles ?? {})) {
      if (typeof target !== 'string') {
        throw new RangeError(`profile ${profile}: the target must be a model id string, got ${JSON.stringify(target)}`);
      }
      try {
        table.resolve(target);
      } catch (error) {
        throw new RangeError(`profile ${profile}: ${(error as Error).message}`, { cause: error });
      }
      this.byKey.set(profile, target);
      this.byKey.set(modelKeyOf(profile), target);
    }
  }

  /** The model or cross-region id the profile copies from, if mapped. */
  public targetOf(modelId: string): string | undefined {
    return this.byKey.get(modelId) ?? this.byKey.get(modelKeyOf(modelId));
  }

  /** The source a `modelId` of a log record is billed as. */
  public priceOf(modelId: string): LoggedModelPrice {
    const match = BEDROCK_ARN.exec(modelId);
    const resourceType = match?.[1];
    const mapped = this.targetOf(modelId);
    if (mapped !== undefined) {
      return { priced: true, source: this.table.resolve(mapped) };
    }
    if (resourceType === 'application-inference-profile') {
      return { priced: false, reason: 'application inference profile not in the profiles map' };
    }
    if (resourceType !== undefined && resourceType !== 'foundation-model' && resourceType !== 'inference-profile') {
      return { priced: false, reason: `${resourceType} is not billed per token by the price table` };
    }
    try {
      return { priced: true, source: this.table.resolve(modelKeyOf(modelId)) };
    } catch (error) {
      if (error instanceof UnknownModelError) {
        return { priced: false, reason: 'model not in the price table' };
      }
      throw error;
    }
  }
}
