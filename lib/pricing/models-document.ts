import { type CatalogGeographyJson, type CatalogPricesJson, catalogPricesJson } from './catalog';
import { type PriceTable } from './price-table';
import { type ModelLifecycleStatus } from './model-metadata';

/** One model of `bedrock-cost models --json`: list prices in USD per 1M tokens. */
export interface ModelsDocumentEntry {
  readonly modelId: string;
  readonly displayName: string;
  readonly vendor: string;
  readonly lifecycle: { readonly status: ModelLifecycleStatus; readonly endOfLife?: string };
  readonly minCacheTokens?: number;
  readonly geographies: readonly CatalogGeographyJson[];
  readonly prices: CatalogPricesJson;
}

/** The document `bedrock-cost models --json` prints. */
export interface ModelsDocument {
  readonly asOf: string;
  readonly models: readonly ModelsDocumentEntry[];
}

/** Every model of `table` with its lifecycle, profiles and list prices, in table order. */
export function modelsDocument(table: PriceTable): ModelsDocument {
  return {
    asOf: table.asOf,
    models: table.models.map((model) => ({
      modelId: model.modelId,
      displayName: model.displayName,
      vendor: model.vendor,
      lifecycle:
        model.lifecycle.endOfLife === undefined
          ? { status: model.lifecycle.status }
          : { status: model.lifecycle.status, endOfLife: model.lifecycle.endOfLife },
      ...(model.minimumCacheCheckpointTokens === undefined ? {} : { minCacheTokens: model.minimumCacheCheckpointTokens }),
      geographies: model.crossRegionProfiles.map(({ geography, priceFactor, supportsBatch }) =>
        model.supportsBatch && !supportsBatch ? { geography, priceFactor, batch: false } : { geography, priceFactor },
      ),
      prices: catalogPricesJson(model.prices),
    })),
  };
}
