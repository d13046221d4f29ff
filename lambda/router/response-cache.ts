/**
 * The response cache: answers stored by request key for a TTL, in DynamoDB or Redis behind one
 * small interface.
 */
import { type TierConfig, type UsageJson } from '../routing-shared/contract';
import { usageOf } from '../routing-shared/usage';

/** What the cache keeps of an answered request. */
export interface CacheEntry {
  readonly answer: string;
  readonly tier: string;
  readonly modelId: string;
  /** Of the answering call, so a hit can still say what the baseline would have cost. */
  readonly usage: UsageJson;
  readonly escalated: boolean;
}

export interface ResponseCache {
  /** The entry under `key`, or undefined when there is none or it expired. */
  get(key: string): Promise<CacheEntry | undefined>;
  put(key: string, entry: CacheEntry): Promise<void>;
}

/** A stored entry read back: undefined when it is not an entry of a tier the router still has. */
export function parseCacheEntry(text: string, tiers: readonly TierConfig[]): CacheEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const entry = value as Record<string, unknown>;
  const usage = entry.usage as Record<string, unknown> | null | undefined;
  const valid =
    typeof entry.answer === 'string' &&
    typeof entry.tier === 'string' &&
    tiers.some((tier) => tier.name === entry.tier) &&
    typeof entry.modelId === 'string' &&
    typeof entry.escalated === 'boolean' &&
    typeof usage === 'object' &&
    usage !== null &&
    (['inputTokens', 'outputTokens', 'cacheReadInputTokens', 'cacheWriteInputTokens'] as const).every(
      (name) => Number.isSafeInteger(usage[name]) && (usage[name] as number) >= 0,
    );
  if (!valid) {
    return undefined;
  }
  const { answer, tier, modelId, escalated } = value as CacheEntry;
  // A fresh object with exactly the four counts: a stored entry may carry more.
  return { answer, tier, modelId, escalated, usage: usageOf(usage as Partial<UsageJson>) };
}
