import { integerIn } from '../internal/validate';
import { BedrockModel, InferenceSource } from '../pricing';

/** Sends requests matching any of its keywords or patterns to a tier, at no token cost. */
export interface RoutingRule {
  /** The tier's name. */
  readonly tier: string;
  /**
   * Words or phrases matched case-insensitively as whole words in the last user message, e.g.
   * `['refund', 'opening hours']`.
   *
   * @default - none
   */
  readonly keywords?: readonly string[];
  /**
   * Regular expressions tested against the last user message. The `g` and `y` flags are refused:
   * they make a pattern remember its last match.
   *
   * @default - none
   */
  readonly patterns?: readonly RegExp[];
}

export interface ModelClassifierOptions {
  /**
   * Output tokens the classifier may spend: enough for one tier name.
   *
   * @default 10
   */
  readonly maxTokens?: number;
  /**
   * How much of the last user message the classifier reads, in characters. Longer prompts are
   * cut: the opening of a request says what it is about, and classifier input is billed.
   *
   * @default 2000
   */
  readonly maxInputCharacters?: number;
}

const MAX_CLASSIFIER_TOKENS = 64;
const MAX_CLASSIFIER_INPUT = 100_000;
const MAX_KEYWORD_LENGTH = 200;

/**
 * How the router picks a tier for each request.
 *
 * - `RouterClassifier.model(BedrockModel.NOVA_MICRO)`: a short prompt listing the tiers' names
 *   and descriptions, temperature 0, a few output tokens; an answer that is not exactly a tier
 *   name routes to the default tier.
 * - `RouterClassifier.rules([...])`: keyword and regular-expression rules, first match wins, zero
 *   tokens; no match routes to the default tier.
 * - `RouterClassifier.rulesThenModel([...], BedrockModel.NOVA_MICRO)`: rules first, the model
 *   for whatever no rule matches.
 */
export class RouterClassifier {
  /** A model reads each request and names the tier. */
  public static model(model: BedrockModel | InferenceSource = BedrockModel.NOVA_MICRO, options: ModelClassifierOptions = {}): RouterClassifier {
    return new RouterClassifier([], InferenceSource.of(model), options);
  }

  /** Keyword and pattern rules only: no Bedrock call, no token cost. */
  public static rules(rules: readonly RoutingRule[]): RouterClassifier {
    if (rules.length === 0) {
      throw new Error('RouterClassifier.rules: at least one rule is required (use RouterClassifier.model() to classify with a model)');
    }
    return new RouterClassifier(rules, undefined, {});
  }

  /** Rules first; a model classifies what no rule matches. */
  public static rulesThenModel(
    rules: readonly RoutingRule[],
    model: BedrockModel | InferenceSource = BedrockModel.NOVA_MICRO,
    options: ModelClassifierOptions = {},
  ): RouterClassifier {
    if (rules.length === 0) {
      throw new Error('RouterClassifier.rulesThenModel: at least one rule is required (or use RouterClassifier.model())');
    }
    return new RouterClassifier(rules, InferenceSource.of(model), options);
  }

  /** The rules, tried in order. */
  public readonly rules: readonly RoutingRule[];
  /** The model that classifies what no rule matches, if any. */
  public readonly model?: InferenceSource;
  public readonly maxTokens: number;
  public readonly maxInputCharacters: number;

  private constructor(rules: readonly RoutingRule[], model: InferenceSource | undefined, options: ModelClassifierOptions) {
    rules.forEach((rule, index) => validateRule(rule, `RouterClassifier rules[${index}]`));
    this.rules = rules.map((rule) => ({ tier: rule.tier, keywords: [...(rule.keywords ?? [])], patterns: [...(rule.patterns ?? [])] }));
    this.model = model;
    this.maxTokens = integerIn(options.maxTokens ?? 10, 1, MAX_CLASSIFIER_TOKENS, 'RouterClassifier maxTokens');
    this.maxInputCharacters = integerIn(options.maxInputCharacters ?? 2000, 1, MAX_CLASSIFIER_INPUT, 'RouterClassifier maxInputCharacters');
  }
}

function validateRule(rule: RoutingRule, path: string): void {
  const keywords = rule.keywords ?? [];
  const patterns = rule.patterns ?? [];
  if (keywords.length === 0 && patterns.length === 0) {
    throw new Error(`${path}: give at least one keyword or pattern`);
  }
  keywords.forEach((keyword, index) => {
    if (typeof keyword !== 'string' || keyword.trim().length === 0 || keyword.length > MAX_KEYWORD_LENGTH) {
      throw new Error(`${path}.keywords[${index}] must be 1-${MAX_KEYWORD_LENGTH} characters, not blank, got ${JSON.stringify(keyword)}`);
    }
  });
  patterns.forEach((pattern, index) => {
    if (!(pattern instanceof RegExp)) {
      throw new Error(`${path}.patterns[${index}] must be a RegExp`);
    }
    if (pattern.global || pattern.sticky) {
      throw new Error(`${path}.patterns[${index}] /${pattern.source}/${pattern.flags}: drop the g and y flags (they make test() stateful)`);
    }
  });
}
