/**
 * Token counts of batch output, where Bedrock reports them: the job's `manifest.json.out`, or
 * each record's `modelOutput`, whose shape depends on the model family.
 */

/** Input and output tokens of one record or one job. */
export interface BatchTokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** The figures of a job's `manifest.json.out`; record counts are informational. */
export interface BatchJobManifest {
  readonly inputTokenCount: number;
  readonly outputTokenCount: number;
  readonly totalRecordCount?: number;
  readonly processedRecordCount?: number;
  readonly successRecordCount?: number;
  readonly errorRecordCount?: number;
}

/** The model families whose `modelOutput` reports token counts, and where. */
export type UsageFamily = 'anthropic' | 'nova' | 'titan' | 'llama';

/** A record's usage and the family it was read as; `undefined` when the shape is unknown. */
export interface RecordUsage extends BatchTokenUsage {
  readonly family: UsageFamily;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The token counts of one `modelOutput` (an InvokeModel response body):
 *
 * - Anthropic Claude (Messages API): `usage.input_tokens`, `usage.output_tokens`
 * - Amazon Nova (and Converse-shaped bodies): `usage.inputTokens`, `usage.outputTokens`
 * - Amazon Titan Text: `inputTextTokenCount` and the sum of `results[].tokenCount`
 * - Meta Llama: `prompt_token_count`, `generation_token_count`
 *
 * Returns `undefined` for any other shape, so the caller can count it as unknown rather than guess.
 */
export function recordUsage(modelOutput: unknown): RecordUsage | undefined {
  if (!isObject(modelOutput)) {
    return undefined;
  }
  const usage = modelOutput.usage;
  if (isObject(usage)) {
    if (isCount(usage.input_tokens) && isCount(usage.output_tokens)) {
      return { family: 'anthropic', inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
    }
    if (isCount(usage.inputTokens) && isCount(usage.outputTokens)) {
      return { family: 'nova', inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
    }
  }
  if (isCount(modelOutput.inputTextTokenCount) && Array.isArray(modelOutput.results)) {
    let outputTokens = 0;
    for (const result of modelOutput.results) {
      if (!isObject(result) || !isCount(result.tokenCount)) {
        return undefined;
      }
      outputTokens += result.tokenCount;
    }
    return { family: 'titan', inputTokens: modelOutput.inputTextTokenCount, outputTokens };
  }
  if (isCount(modelOutput.prompt_token_count) && isCount(modelOutput.generation_token_count)) {
    return { family: 'llama', inputTokens: modelOutput.prompt_token_count, outputTokens: modelOutput.generation_token_count };
  }
  return undefined;
}

/**
 * Reads a parsed `manifest.json.out`: `undefined` unless both token counts are whole numbers >= 0
 * (the caller then falls back to per-record usage rather than report a $0 job).
 */
export function parseJobManifest(value: unknown): BatchJobManifest | undefined {
  if (!isObject(value) || !isCount(value.inputTokenCount) || !isCount(value.outputTokenCount)) {
    return undefined;
  }
  const count = (field: string): number | undefined => {
    const figure = value[field];
    return isCount(figure) ? figure : undefined;
  };
  return {
    inputTokenCount: value.inputTokenCount,
    outputTokenCount: value.outputTokenCount,
    totalRecordCount: count('totalRecordCount'),
    processedRecordCount: count('processedRecordCount'),
    successRecordCount: count('successRecordCount'),
    errorRecordCount: count('errorRecordCount'),
  };
}
