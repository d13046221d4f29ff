import { type CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { PriceTable } from '../pricing';
import { validateTagKey, validateTagValue } from '../profiles/cost-allocation-tag-rules';

/**
 * The services Bedrock spend is billed under: Amazon Bedrock, and the marketplace names of the
 * third-party models of the built-in catalog (e.g. "Claude Sonnet 4.5 (Amazon Bedrock Edition)").
 * A model added later bills under its own name: pass the list yourself to include it.
 */
export const BEDROCK_BILLING_SERVICES: readonly string[] = [
  ...new Set(PriceTable.DEFAULT.models.map((model) => model.billingServiceName)),
];

/** Cost allocation tags and the values to match, e.g. `{ team: ['support'] }`. */
export type TagFilter = Readonly<Record<string, readonly string[]>>;

/** What a budget counts: Bedrock's billing services, cost allocation tags, or both. */
export class BudgetScope {
  /**
   * All Bedrock spend: Amazon Bedrock plus the third-party model services.
   *
   * @param services the billing service names @default BEDROCK_BILLING_SERVICES
   */
  public static bedrock(services: readonly string[] = BEDROCK_BILLING_SERVICES): BudgetScope {
    return new BudgetScope(services, undefined);
  }

  /**
   * Spend carrying these cost allocation tags, in any service. Several keys must all match; the
   * values of one key are alternatives. The keys must be activated for cost allocation.
   */
  public static costAllocationTags(tags: TagFilter): BudgetScope {
    return new BudgetScope(undefined, tags);
  }

  /** Bedrock spend carrying these cost allocation tags. */
  public static bedrockWithTags(tags: TagFilter, services: readonly string[] = BEDROCK_BILLING_SERVICES): BudgetScope {
    return new BudgetScope(services, tags);
  }

  private constructor(
    public readonly services: readonly string[] | undefined,
    public readonly tags: TagFilter | undefined,
  ) {
    if (services !== undefined && (services.length === 0 || services.some((service) => service.trim() === ''))) {
      throw new Error('BudgetScope services: list at least one billing service name, none empty');
    }
    if (tags !== undefined) {
      const entries = Object.entries(tags);
      if (entries.length === 0) {
        throw new Error('BudgetScope tags: name at least one cost allocation tag');
      }
      for (const [key, values] of entries) {
        validateTagKey(key, 'BudgetScope tags');
        if (values.length === 0) {
          throw new Error(`BudgetScope tags: tag '${key}' needs at least one value to match`);
        }
        values.forEach((value) => validateTagValue(key, value, 'BudgetScope tags'));
      }
    }
  }

  /** The budget's `FilterExpression` (never the deprecated `CostFilters`). */
  public toFilterExpression(): CfnBudget.ExpressionProperty {
    const parts: CfnBudget.ExpressionProperty[] = [];
    if (this.services) {
      parts.push({ dimensions: { key: 'SERVICE', values: [...this.services] } });
    }
    for (const [key, values] of Object.entries(this.tags ?? {})) {
      parts.push({ tags: { key, values: [...values] } });
    }
    return parts.length === 1 ? parts[0] : { and: parts };
  }
}
