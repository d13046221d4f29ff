import { type BedrockModel } from './bedrock-model';
import { InvocationMode } from './invocation-mode';
import { type CrossRegionGeography } from './model-metadata';
import { type ModelPrices, type PerTokenPrices, scaleModelPrices, toPerTokenPrices, withoutBatch } from './model-prices';

/** Models are immutable, so each has one in-Region source (`estimateCost` asks for it on every call). */
const IN_REGION = new WeakMap<BedrockModel, InferenceSource>();

/**
 * How a model is called: directly in the caller's Region, or through a system-defined
 * cross-region inference profile. The two can differ in price, and Bedrock reports their
 * CloudWatch metrics under different `ModelId` values.
 */
export class InferenceSource {
  /**
   * The model called directly in the caller's Region: its list prices times its
   * `inRegionPriceFactor`, and batch only where `batchInRegion`.
   */
  public static inRegion(model: BedrockModel): InferenceSource {
    let source = IN_REGION.get(model);
    if (source === undefined) {
      source = new InferenceSource(model, undefined);
      IN_REGION.set(model, source);
    }
    return source;
  }

  /** The model called through its `<geography>.` cross-region profile. */
  public static crossRegion(model: BedrockModel, geography: CrossRegionGeography): InferenceSource {
    return new InferenceSource(model, geography);
  }

  /** A model, or a source as it is. */
  public static of(target: BedrockModel | InferenceSource): InferenceSource {
    return target instanceof InferenceSource ? target : InferenceSource.inRegion(target);
  }

  /** The id callers pass to Bedrock as `modelId`, and the `ModelId` metric dimension. */
  public readonly invocationId: string;
  /** What calls through this source cost, USD per 1M tokens. */
  public readonly prices: ModelPrices;
  /** @internal */
  public readonly perToken: PerTokenPrices;

  private constructor(
    public readonly model: BedrockModel,
    public readonly geography: CrossRegionGeography | undefined,
  ) {
    const profile = geography === undefined ? undefined : model.crossRegionProfile(geography);
    this.invocationId = profile?.profileId ?? model.modelId;
    const priceFactor = profile?.priceFactor ?? model.inRegionPriceFactor;
    const batch = profile?.supportsBatch ?? model.batchInRegion;
    if (priceFactor === 1 && batch === model.supportsBatch) {
      this.prices = model.prices;
      this.perToken = model.perToken;
    } else {
      const scaled = priceFactor === 1 ? model.prices : scaleModelPrices(model.prices, priceFactor);
      this.prices = batch ? scaled : withoutBatch(scaled);
      this.perToken = toPerTokenPrices(this.prices);
    }
  }

  /** Whether batch inference runs through this source. */
  public get supportsBatch(): boolean {
    return this.prices.batch !== undefined;
  }

  /** Whether calls through this source can be billed in `mode` (standard on-demand always can). */
  public offers(mode: InvocationMode): boolean {
    switch (mode) {
      case InvocationMode.BATCH:
        return this.supportsBatch;
      case InvocationMode.FLEX:
      case InvocationMode.PRIORITY:
        return this.prices[mode] !== undefined;
      default:
        return true;
    }
  }

  public toString(): string {
    return this.geography === undefined ? this.model.toString() : `${this.model.displayName} (${this.invocationId})`;
  }
}
