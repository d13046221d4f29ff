import { Tags } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { validateCostAllocationTags } from './cost-allocation-tag-rules';

/** The tag keys this library uses for the conventional cost allocation dimensions. */
export enum CostAllocationTagKey {
  TEAM = 'team',
  COST_CENTER = 'cost-center',
  APPLICATION = 'application',
  ENVIRONMENT = 'environment',
  TENANT = 'tenant',
  /** Set on each routing tier's profile, so Cost Explorer shows spend per agent. */
  AGENT = 'agent',
  /** Set on every profile a `ModelRouter` creates: the router's name. */
  ROUTER = 'router',
}

export interface CostAllocationTagsProps {
  /** @default - not tagged */
  readonly team?: string;
  /** @default - not tagged */
  readonly costCenter?: string;
  /** @default - not tagged */
  readonly application?: string;
  /** @default - not tagged */
  readonly environment?: string;
  /** @default - not tagged */
  readonly tenant?: string;
  /**
   * Any other tags, by key.
   *
   * @default - none
   */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * Tags every taggable resource under a scope (through `Tags.of`) with a validated set of cost
 * allocation tags, so a whole stack is attributable, not only its inference profiles.
 *
 * @example
 * const tags = CostAllocationTags.apply(stack, { team: 'platform', costCenter: 'cc-1234' });
 * new CostAllocationTagActivation(stack, 'ActivateTags', { tagKeys: tags.keys });
 */
export class CostAllocationTags {
  /** Validates the tags and applies them to `scope` and everything below it. */
  public static apply(scope: IConstruct, props: CostAllocationTagsProps): CostAllocationTags {
    return new CostAllocationTags(scope, props);
  }

  /** The tags applied, by key. */
  public readonly tags: Readonly<Record<string, string>>;

  private constructor(scope: IConstruct, props: CostAllocationTagsProps) {
    const conventional: [CostAllocationTagKey, string | undefined][] = [
      [CostAllocationTagKey.TEAM, props.team],
      [CostAllocationTagKey.COST_CENTER, props.costCenter],
      [CostAllocationTagKey.APPLICATION, props.application],
      [CostAllocationTagKey.ENVIRONMENT, props.environment],
      [CostAllocationTagKey.TENANT, props.tenant],
    ];
    const tags: Record<string, string> = {};
    for (const [key, value] of conventional) {
      if (value !== undefined) {
        tags[key] = value;
      }
    }
    for (const [key, value] of Object.entries(props.extra ?? {})) {
      if (key in tags) {
        throw new Error(`CostAllocationTags extra: '${key}' is already set by its typed prop; set it once`);
      }
      tags[key] = value;
    }
    validateCostAllocationTags(tags, 'CostAllocationTags', true);
    for (const [key, value] of Object.entries(tags)) {
      Tags.of(scope).add(key, value);
    }
    this.tags = tags;
  }

  /** The tag keys, to activate for cost allocation. */
  public get keys(): string[] {
    return Object.keys(this.tags);
  }
}
