import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_MIN_CONFIDENCE } from '../classifier/evaluate';
import { TextClassifier } from '../classifier/model';
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

export interface TrainedClassifierOptions {
  /**
   * The model file `bedrock-cost classifier train` wrote, relative to the directory synth runs
   * in. It is read, checked and bundled with the router at synth time; its SHA-256 is part of the
   * configuration version, so a new model starts a fresh response cache.
   */
  readonly model: string;
  /** Label -> tier name, for every label of the model, e.g. `{ card_arrival: 'faq' }`. */
  readonly tiers: Readonly<Record<string, string>>;
  /**
   * The calibrated probability, 0 to 1, below which the trained classifier does not decide alone:
   * the fallback decides, or the default tier answers. `bedrock-cost classifier eval` shows what
   * share of requests each threshold decides locally and how often those are right.
   *
   * @default 0.5
   */
  readonly minConfidence?: number;
  /**
   * What decides when the trained classifier is unsure: `RouterClassifier.model(...)`.
   *
   * @default - the default tier answers
   */
  readonly fallback?: RouterClassifier;
  /**
   * Keyword and pattern rules tried before the trained classifier, first match wins.
   *
   * @default - none
   */
  readonly rules?: readonly RoutingRule[];
}

/** A trained classifier as the router bundles it. */
export interface TrainedRouterClassifier {
  /** The model file's text, bundled as it is. */
  readonly modelText: string;
  /** Hex SHA-256 of `modelText`. */
  readonly sha256: string;
  /** The model's labels. */
  readonly labels: readonly string[];
  /** Label -> tier. */
  readonly tiers: Readonly<Record<string, string>>;
  readonly minConfidence: number;
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
 * - `RouterClassifier.trained({ model: 'model.json', tiers: {...}, fallback: RouterClassifier.model() })`:
 *   a text classifier learned from labelled examples (`bedrock-cost classifier train`) decides in
 *   the router in well under a millisecond, at no token cost; the fallback model decides what it
 *   is unsure of.
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

  /**
   * A classifier learned from labelled examples; below its `minConfidence` the fallback model (if
   * any) or the default tier decides.
   */
  public static trained(options: TrainedClassifierOptions): RouterClassifier {
    const fallback = options.fallback;
    if (fallback !== undefined && (fallback.model === undefined || fallback.rules.length > 0 || fallback.trained !== undefined)) {
      throw new Error('RouterClassifier.trained: fallback must be RouterClassifier.model(...)');
    }
    return new RouterClassifier(options.rules ?? [], fallback?.model, fallback ?? {}, loadTrainedClassifier(options));
  }

  /** The rules, tried in order. */
  public readonly rules: readonly RoutingRule[];
  /** The classifier learned from examples, if any. */
  public readonly trained?: TrainedRouterClassifier;
  /** The model that classifies what no rule matches, if any. */
  public readonly model?: InferenceSource;
  public readonly maxTokens: number;
  public readonly maxInputCharacters: number;

  private constructor(rules: readonly RoutingRule[], model: InferenceSource | undefined, options: ModelClassifierOptions, trained?: TrainedRouterClassifier) {
    rules.forEach((rule, index) => validateRule(rule, `RouterClassifier rules[${index}]`));
    this.trained = trained;
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

function loadTrainedClassifier(options: TrainedClassifierOptions): TrainedRouterClassifier {
  const path = resolve(options.model);
  let modelText: string;
  try {
    modelText = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`RouterClassifier.trained: cannot read model '${options.model}' (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
    });
  }
  let classifier: TextClassifier;
  try {
    classifier = TextClassifier.parse(modelText);
  } catch (error) {
    throw new Error(`RouterClassifier.trained: model '${options.model}' is not a model from 'bedrock-cost classifier train': ${(error as Error).message}`, {
      cause: error,
    });
  }
  const tiers = options.tiers ?? {};
  const unmapped = classifier.labels.filter((label) => typeof tiers[label] !== 'string');
  if (unmapped.length > 0) {
    throw new Error(`RouterClassifier.trained: tiers maps no tier for the label(s) ${unmapped.join(', ')} of model '${options.model}'`);
  }
  const unknown = Object.keys(tiers).filter((label) => !classifier.labels.includes(label));
  if (unknown.length > 0) {
    throw new Error(`RouterClassifier.trained: tiers names label(s) ${unknown.join(', ')} the model '${options.model}' does not have; its labels: ${classifier.labels.join(', ')}`);
  }
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  if (!(typeof minConfidence === 'number' && minConfidence >= 0 && minConfidence <= 1)) {
    throw new Error(`RouterClassifier.trained: minConfidence must be from 0 to 1, got ${minConfidence}`);
  }
  return {
    modelText,
    sha256: createHash('sha256').update(modelText).digest('hex'),
    labels: classifier.labels,
    tiers: Object.fromEntries(classifier.labels.map((label) => [label, tiers[label]])),
    minConfidence,
  };
}
