import { BedrockModel, type CrossRegionGeography, CROSS_REGION_GEOGRAPHIES } from './bedrock-model';
import { type ModelPrices, type PerTokenPrices, scaleModelPrices, toPerTokenPrices } from './model-prices';

/**
 * How a model is called: directly in the caller's Region, or through a system-defined
 * cross-region inference profile. The two can differ in price, and Bedrock reports their
 * CloudWatch metrics under different `ModelId` values.
 */
export class InferenceSource {
  /** The model called on demand in the caller's Region, with its list prices. */
  public static inRegion(model: BedrockModel): InferenceSource {
    return new InferenceSource(model, undefined);
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
    if (geography === undefined) {
      this.invocationId = model.modelId;
      this.prices = model.prices;
      this.perToken = model.perToken;
    } else {
      const profile = model.crossRegionProfile(geography);
      this.invocationId = profile.profileId;
      this.prices = profile.priceFactor === 1 ? model.prices : scaleModelPrices(model.prices, profile.priceFactor);
      this.perToken = profile.priceFactor === 1 ? model.perToken : toPerTokenPrices(this.prices);
    }
  }

  public toString(): string {
    return this.geography === undefined ? this.model.toString() : `${this.model.displayName} (${this.invocationId})`;
  }
}

/** Thrown when an id names no model of the price table. */
export class UnknownModelError extends RangeError {
  constructor(
    public readonly modelId: string,
    knownIds: readonly string[],
  ) {
    super(`unknown model id '${modelId}'; known: ${knownIds.join(', ')} (or a cross-region id such as us.<id>)`);
    this.name = 'UnknownModelError';
  }
}

/** A set of models by id: the built-in catalog, or one with your own models and prices. */
export class PriceTable {
  /** The built-in catalog (`BedrockModel.NOVA_MICRO` and friends). */
  public static readonly DEFAULT = new PriceTable([
    BedrockModel.NOVA_MICRO,
    BedrockModel.NOVA_LITE,
    BedrockModel.NOVA_PRO,
    BedrockModel.NOVA_PREMIER,
    BedrockModel.CLAUDE_3_5_HAIKU,
    BedrockModel.CLAUDE_3_7_SONNET,
    BedrockModel.CLAUDE_SONNET_4,
    BedrockModel.CLAUDE_HAIKU_4_5,
    BedrockModel.CLAUDE_SONNET_4_5,
    BedrockModel.LLAMA_3_1_8B_INSTRUCT,
    BedrockModel.LLAMA_3_1_70B_INSTRUCT,
    BedrockModel.LLAMA_3_3_70B_INSTRUCT,
  ]);

  private readonly byId: ReadonlyMap<string, BedrockModel>;

  constructor(models: readonly BedrockModel[]) {
    const byId = new Map<string, BedrockModel>();
    for (const model of models) {
      if (byId.has(model.modelId)) {
        throw new RangeError(`price table lists ${model.modelId} twice`);
      }
      byId.set(model.modelId, model);
    }
    this.byId = byId;
  }

  public get models(): readonly BedrockModel[] {
    return [...this.byId.values()];
  }

  /** A table with `models` added, each replacing any model of the same id. */
  public with(...models: BedrockModel[]): PriceTable {
    const merged = new Map(this.byId);
    for (const model of models) {
      merged.set(model.modelId, model);
    }
    return new PriceTable([...merged.values()]);
  }

  /** The model with this foundation model id, if the table has it. */
  public find(modelId: string): BedrockModel | undefined {
    return this.byId.get(modelId);
  }

  /**
   * The source a caller's `modelId` names: a foundation model id (`amazon.nova-pro-v1:0`) or a
   * cross-region profile id (`us.amazon.nova-pro-v1:0`). Throws `UnknownModelError` otherwise.
   */
  public resolve(id: string): InferenceSource {
    const direct = this.byId.get(id);
    if (direct) {
      return InferenceSource.inRegion(direct);
    }
    for (const geography of CROSS_REGION_GEOGRAPHIES) {
      const model = id.startsWith(`${geography}.`) ? this.byId.get(id.slice(geography.length + 1)) : undefined;
      if (model) {
        return InferenceSource.crossRegion(model, geography);
      }
    }
    throw new UnknownModelError(id, [...this.byId.keys()]);
  }
}
