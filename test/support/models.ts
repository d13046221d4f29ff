import { BedrockModel, ModelVendor } from '../../lib/pricing';

/** A model with $1 per 1M tokens in and out, and neither batch nor prompt caching. */
export const ONLINE_ONLY_MODEL = BedrockModel.custom({
  modelId: 'vendor.online-only-v1:0',
  displayName: 'Online only',
  vendor: ModelVendor.OTHER,
  family: 'test',
  prices: { inputPerMillionTokens: 1, outputPerMillionTokens: 1 },
});
