/**
 * Picks the tier of a request: routing rules first (pure, microseconds), then, for what no rule
 * matched, a small model asked to name one tier.
 */
import { type BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { type RouterConfig, type RoutingRuleJson, type TierConfig, type UsageJson } from '../routing-shared/contract';
import { NO_USAGE, usageOf } from '../routing-shared/usage';

/** A routing rule with its keywords and patterns compiled (once, at cold start). */
export interface CompiledRule {
  readonly tier: string;
  readonly expressions: readonly RegExp[];
}

export function compileRules(rules: readonly RoutingRuleJson[]): CompiledRule[] {
  return rules.map((rule) => {
    const expressions: RegExp[] = [];
    if (rule.keywords.length > 0) {
      // One alternation per rule: a single scan of the text however many keywords there are.
      expressions.push(new RegExp(rule.keywords.map(keywordSource).join('|'), 'i'));
    }
    for (const pattern of rule.patterns) {
      // `g` and `y` make test() stateful (lastIndex), so a match would depend on the previous request.
      expressions.push(new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')));
    }
    return { tier: rule.tier, expressions };
  });
}

/**
 * A keyword as a whole word or phrase: `\b` on each side that starts or ends with a word
 * character (a `\b` next to `+` in `c++` would never match), any whitespace between words.
 */
function keywordSource(keyword: string): string {
  const words = keyword.trim().split(/\s+/).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const phrase = words.join('\\s+');
  const start = /^\w/.test(keyword.trim()) ? '\\b' : '';
  const end = /\w$/.test(keyword.trim()) ? '\\b' : '';
  return `${start}${phrase}${end}`;
}

/** The tier of the first rule any of whose keywords or patterns matches `text`; undefined when none does. */
export function classifyByRules(rules: readonly CompiledRule[], text: string): string | undefined {
  for (const rule of rules) {
    for (const expression of rule.expressions) {
      if (expression.test(text)) {
        return rule.tier;
      }
    }
  }
  return undefined;
}

/** The classifier's instructions: the tiers as `- <name>: <description>`, and the answer format. */
export function classifierSystemPrompt(tiers: readonly TierConfig[]): string {
  return [
    'You route requests to the cheapest model tier that can answer them well. The tiers, cheapest first:',
    ...tiers.map((tier) => `- ${tier.name}: ${tier.description}`),
    'Do not answer the request. Reply with exactly one tier name from the list and nothing else.',
  ].join('\n');
}

/** The tier the classifier named, strictly: one configured (lowercase) name, at most quoted or ended with a period. */
export function parseClassifierAnswer(text: string, tiers: readonly TierConfig[]): string | undefined {
  const answer = text.trim().toLowerCase().replace(/^["'`.\s]+|["'`.\s]+$/g, '');
  return tiers.find((tier) => tier.name === answer)?.name;
}

export type ClassifierModel = NonNullable<RouterConfig['classifier']['model']>;

export interface ModelClassification {
  /** undefined when the model failed or named no tier: the caller falls back to the default tier. */
  readonly tier?: string;
  /** What the classifier call consumed (also when its answer was unusable). */
  readonly usage: UsageJson;
  /** Why there is no tier, for the log. */
  readonly failure?: string;
}

export interface ModelClassifierOptions {
  readonly client: BedrockRuntimeClient;
  /** The classifier's inference profile ARN (CLASSIFIER_MODEL_ID). */
  readonly modelId: string;
  readonly model: ClassifierModel;
  readonly tiers: readonly TierConfig[];
  readonly systemPrompt: string;
}

/** Asks the classifier model; never throws: a failure is a classification without a tier. */
export async function classifyWithModel(
  options: ModelClassifierOptions,
  text: string,
  signal: AbortSignal,
  requestMetadata?: Record<string, string>,
): Promise<ModelClassification> {
  try {
    const response = await options.client.send(
      new ConverseCommand({
        modelId: options.modelId,
        system: [{ text: options.systemPrompt }],
        messages: [{ role: 'user', content: [{ text: text.slice(0, options.model.maxInputCharacters) }] }],
        inferenceConfig: { maxTokens: options.model.maxTokens, temperature: 0 },
        requestMetadata,
      }),
      { abortSignal: signal },
    );
    const usage = usageOf(response.usage);
    const answer = (response.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
    const tier = parseClassifierAnswer(answer, options.tiers);
    return tier === undefined ? { usage, failure: `the classifier answered ${JSON.stringify(answer.slice(0, 100))}` } : { tier, usage };
  } catch (error) {
    return { usage: NO_USAGE, failure: signal.aborted ? 'the classifier timed out' : `${(error as Error).name}: ${(error as Error).message}` };
  }
}
