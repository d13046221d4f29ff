/**
 * Checks constructs run at synth time on the model they are given: batch support, and the
 * model's place in AWS's lifecycle. Plain functions, so they are tested without a stack.
 */
import { type BedrockModel } from './bedrock-model';
import { InferenceSource } from './inference-source';
import { PriceTable } from './price-table';
import { ModelLifecycleStatus } from './model-metadata';
import { Usd } from './usd';

/**
 * The source a batch job would run on, or a `RangeError` naming `what` when the source runs no
 * batch inference: the model has no batch price, or this path has none (Nova Premier batches only
 * through its `us.` profile; GovCloud profiles batch nothing).
 */
export function assertBatchSupported(target: BedrockModel | InferenceSource, what = 'model'): InferenceSource {
  const source = InferenceSource.of(target);
  if (source.supportsBatch) {
    return source;
  }
  const viaProfile = source.model.crossRegionProfiles.filter((profile) => profile.supportsBatch).map((profile) => profile.geography);
  const alternatives = source.model.batchInRegion ? ['the model id itself', ...viaProfile.map((g) => `${g}.`)] : viaProfile.map((g) => `${g}.`);
  const hint =
    alternatives.length === 0
      ? 'AWS offers batch inference for select models only; pick one whose price table lists batch prices'
      : `batch runs through ${alternatives.join(', ')}`;
  throw new RangeError(`${what}: ${source} does not support batch inference (${hint})`);
}

function percentChange(from: number, to: number): string {
  if (from === 0) {
    return 'n/a';
  }
  const percent = Math.round(Usd.of(to).minus(Usd.of(from)).ratioTo(Usd.of(from)) * 1000) / 10;
  return `${percent > 0 ? '+' : ''}${percent}%`;
}

/** The replacement called the same way as `source` where it can be, else directly in the Region. */
function comparable(source: InferenceSource, replacement: BedrockModel): InferenceSource {
  const geography = source.geography;
  if (geography !== undefined && replacement.crossRegionProfiles.some((profile) => profile.geography === geography)) {
    return InferenceSource.crossRegion(replacement, geography);
  }
  return InferenceSource.inRegion(replacement);
}

/**
 * A warning for a model that is legacy or past its end of life, naming the dates, the
 * replacement and the price difference per 1M tokens; `undefined` for an active model.
 * `table` resolves the replacement id.
 */
export function modelLifecycleWarning(target: BedrockModel | InferenceSource, table: PriceTable = PriceTable.DEFAULT): string | undefined {
  const source = InferenceSource.of(target);
  const { status, legacySince, endOfLife, replacement } = source.model.lifecycle;
  if (status === ModelLifecycleStatus.ACTIVE) {
    return undefined;
  }
  const state =
    status === ModelLifecycleStatus.END_OF_LIFE
      ? `reached end of life${endOfLife ? ` on ${endOfLife}` : ''}: AWS fails its requests`
      : `is legacy${legacySince ? ` since ${legacySince}` : ''}${endOfLife ? ` and reaches end of life on ${endOfLife}` : ''}`;
  const successor = replacement === undefined ? undefined : table.find(replacement);
  if (!successor) {
    return `${source} ${state}. Move to an active model (Amazon Bedrock user guide, "Model lifecycle").`;
  }
  const next = comparable(source, successor);
  const price = (label: string, from: number, to: number) => `${label} $${from} -> $${to} (${percentChange(from, to)})`;
  return (
    `${source} ${state}. Move to ${next}: ` +
    `${price('input', source.prices.inputPerMillionTokens, next.prices.inputPerMillionTokens)}, ` +
    `${price('output', source.prices.outputPerMillionTokens, next.prices.outputPerMillionTokens)} per 1M tokens.`
  );
}
