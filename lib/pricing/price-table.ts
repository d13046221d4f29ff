import { readFileSync } from 'node:fs';
import { BedrockModel, BUILT_IN_CATALOG, catalogModels } from './bedrock-model';
import { parseCatalog } from './catalog';
import { InferenceSource } from './inference-source';
import { CROSS_REGION_GEOGRAPHIES } from './model-metadata';

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

export interface PriceTableOptions {
  /**
   * When the table's prices were read, ISO 8601 date.
   *
   * @default - the newest `priceSource.asOf` of its models
   */
  readonly asOf?: string;
}

/** A set of models by id: the built-in catalog, or one with your own models and prices. */
export class PriceTable {
  /** The built-in catalog (`BedrockModel.NOVA_MICRO` and friends, `catalog.json`). */
  public static readonly DEFAULT = new PriceTable(BedrockModel.builtInModels(), { asOf: BUILT_IN_CATALOG.asOf });

  /**
   * A table read from a catalog document (the format of `catalog.json` and of
   * `bedrock-cost prices refresh`). Throws a `CatalogError` naming the field at fault.
   */
  public static fromCatalog(document: unknown, name = 'price catalog'): PriceTable {
    const catalog = parseCatalog(document, name);
    return new PriceTable(catalogModels(catalog).map((props) => BedrockModel.custom(props)), { asOf: catalog.asOf });
  }

  /**
   * A table read from a catalog file, to pin your own prices: for instance one written by
   * `bedrock-cost prices refresh`. Reads the file synchronously, so constructs can call it at
   * synth time.
   */
  public static fromFile(path: string): PriceTable {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read price catalog '${path}': ${(error as Error).message}`, { cause: error });
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new SyntaxError(`price catalog '${path}' is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    return PriceTable.fromCatalog(document, `price catalog '${path}'`);
  }

  /** When the table's prices were read, ISO 8601 date. */
  public readonly asOf: string;
  private readonly byId: ReadonlyMap<string, BedrockModel>;

  constructor(models: readonly BedrockModel[], options: PriceTableOptions = {}) {
    const byId = new Map<string, BedrockModel>();
    for (const model of models) {
      if (byId.has(model.modelId)) {
        throw new RangeError(`price table lists ${model.modelId} twice`);
      }
      byId.set(model.modelId, model);
    }
    this.byId = byId;
    this.asOf =
      options.asOf ??
      models
        .map((model) => model.priceSource.asOf)
        .filter((date) => date !== 'unknown')
        .sort()
        .at(-1) ??
      'unknown';
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
    return new PriceTable([...merged.values()], { asOf: this.asOf });
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
