/**
 * The geography prefix of a system-defined cross-region inference profile: the profile id is
 * `<geography>.<model id>`, e.g. `us.amazon.nova-pro-v1:0` or `global.anthropic.claude-...`.
 */
export type CrossRegionGeography = 'us' | 'eu' | 'apac' | 'global' | 'jp' | 'au' | 'ca' | 'in' | 'us-gov';

/** Every geography prefix Bedrock uses for system-defined cross-region inference profiles. */
export const CROSS_REGION_GEOGRAPHIES: readonly CrossRegionGeography[] = [
  'us',
  'eu',
  'apac',
  'global',
  'jp',
  'au',
  'ca',
  'in',
  'us-gov',
];

/** Who makes a model. */
export enum ModelVendor {
  AMAZON = 'Amazon',
  ANTHROPIC = 'Anthropic',
  META = 'Meta',
  MISTRAL = 'Mistral AI',
  COHERE = 'Cohere',
  AI21 = 'AI21 Labs',
  DEEPSEEK = 'DeepSeek',
  OPENAI = 'OpenAI',
  QWEN = 'Qwen',
  GOOGLE = 'Google',
  MOONSHOT = 'Moonshot AI',
  MINIMAX = 'MiniMax',
  NVIDIA = 'NVIDIA',
  OTHER = 'Other',
}

/** Where a model stands in AWS's model lifecycle (Amazon Bedrock user guide, "Model lifecycle"). */
export enum ModelLifecycleStatus {
  ACTIVE = 'active',
  /** Still callable by existing users until its end-of-life date; new customers cannot use it. */
  LEGACY = 'legacy',
  /** Past its end-of-life date: requests fail. */
  END_OF_LIFE = 'end-of-life',
}

/** A model's lifecycle state, with the dates AWS announced. Dates are ISO 8601 (`2026-10-14`). */
export interface ModelLifecycle {
  readonly status: ModelLifecycleStatus;
  /** @default - not announced */
  readonly legacySince?: string;
  /** @default - not announced */
  readonly endOfLife?: string;
  /**
   * The model id to move to. The built-in catalog names the vendor's current model of the same
   * tier; AWS's own recommendation can differ.
   *
   * @default - none named
   */
  readonly replacement?: string;
}

export const ACTIVE_LIFECYCLE: ModelLifecycle = { status: ModelLifecycleStatus.ACTIVE };
