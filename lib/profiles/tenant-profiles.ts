import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { type BedrockModel, InferenceSource } from '../pricing';
import { CostAllocatedInferenceProfile } from './cost-allocated-inference-profile';
import { CostAllocationTagKey } from './cost-allocation-tags';

/** One tenant (team, customer, business unit) whose Bedrock spend is attributed on its own. */
export interface Tenant {
  /** 1-64 letters, digits, `_` or `-`; used in profile names and as the `tenant` tag. */
  readonly id: string;
  /**
   * Tagged as `cost-center`.
   *
   * @default - not tagged
   */
  readonly costCenter?: string;
  /**
   * More tags for this tenant's profiles.
   *
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface TenantProfilesProps {
  readonly tenants: readonly Tenant[];
  /** The models every tenant gets a profile for. */
  readonly models: readonly (BedrockModel | InferenceSource)[];
  /**
   * Starts every profile name, e.g. `acme` gives `acme-tenant-a-nova-micro`.
   *
   * @default - none
   */
  readonly namePrefix?: string;
  /**
   * Tags on every profile (e.g. `{ application: 'assistant' }`).
   *
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_PROFILE_NAME = 64;

/** Keeps what the profile name pattern allows, with single hyphens between the parts. */
function sanitize(text: string): string {
  return text
    .replace(/[^0-9a-zA-Z]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `amazon.nova-micro-v1:0` -> `nova-micro-v1`; `us.` profiles keep their geography. */
function modelSlug(source: InferenceSource): string {
  const [, ...rest] = source.model.modelId.split('.');
  const name = rest.join('.').replace(/:\d+$/, '').replace(/-\d{8}(?=-v\d)/, '');
  return sanitize(source.geography === undefined ? name : `${source.geography}-${name}`);
}

/**
 * A deterministic profile name within Bedrock's 64 characters: the readable name when it fits,
 * else its start plus a hash of the whole, so two long names never collide.
 */
export function tenantProfileName(tenantId: string, source: InferenceSource, namePrefix?: string): string {
  const name = sanitize([namePrefix, tenantId, modelSlug(source)].filter((part) => part).join('-'));
  if (name.length <= MAX_PROFILE_NAME) {
    return name;
  }
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_PROFILE_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/**
 * One `CostAllocatedInferenceProfile` per tenant and model, tagged with the tenant's id and cost
 * center, so a platform team hosting many tenants writes a few lines.
 *
 * @example
 * const profiles = new TenantProfiles(this, 'Tenants', {
 *   tenants: [{ id: 'acme', costCenter: 'cc-100' }, { id: 'globex', costCenter: 'cc-200' }],
 *   models: [BedrockModel.NOVA_MICRO, InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us')],
 * });
 * profiles.profileFor('acme', BedrockModel.NOVA_MICRO).grantInvoke(acmeRole);
 */
export class TenantProfiles extends Construct {
  private readonly byTenant = new Map<string, Map<string, CostAllocatedInferenceProfile>>();

  constructor(scope: Construct, id: string, props: TenantProfilesProps) {
    super(scope, id);
    if (props.tenants.length === 0) {
      throw new Error('TenantProfiles tenants: at least one tenant is required');
    }
    if (props.models.length === 0) {
      throw new Error('TenantProfiles models: at least one model is required');
    }
    const sources = props.models.map((model) => InferenceSource.of(model));
    const names = new Map<string, string>();
    for (const tenant of props.tenants) {
      if (!TENANT_ID_PATTERN.test(tenant.id)) {
        throw new Error(`TenantProfiles tenants: id must be 1-64 letters, digits, '_' or '-', got '${tenant.id}'`);
      }
      if (this.byTenant.has(tenant.id)) {
        throw new Error(`TenantProfiles tenants: '${tenant.id}' is listed twice`);
      }
      const profiles = new Map<string, CostAllocatedInferenceProfile>();
      this.byTenant.set(tenant.id, profiles);
      for (const source of sources) {
        if (profiles.has(source.invocationId)) {
          throw new Error(`TenantProfiles models: ${source.invocationId} is listed twice`);
        }
        const profileName = tenantProfileName(tenant.id, source, props.namePrefix);
        const clash = names.get(profileName);
        if (clash !== undefined) {
          throw new Error(`TenantProfiles: ${tenant.id} and ${clash} would share the profile name '${profileName}'`);
        }
        names.set(profileName, tenant.id);
        const costAllocationTags: Record<string, string> = {
          ...props.tags,
          ...tenant.tags,
          [CostAllocationTagKey.TENANT]: tenant.id,
        };
        if (tenant.costCenter !== undefined) {
          costAllocationTags[CostAllocationTagKey.COST_CENTER] = tenant.costCenter;
        }
        profiles.set(
          source.invocationId,
          new CostAllocatedInferenceProfile(this, `${tenant.id}-${modelSlug(source)}`, {
            profileName,
            model: source,
            costAllocationTags,
          }),
        );
      }
    }
  }

  /** The tenant ids, in the order given. */
  public get tenantIds(): string[] {
    return [...this.byTenant.keys()];
  }

  /** Every profile, tenant by tenant, in the order given. */
  public get profiles(): CostAllocatedInferenceProfile[] {
    return [...this.byTenant.values()].flatMap((profiles) => [...profiles.values()]);
  }

  /** The tag keys the profiles carry, to activate for cost allocation. */
  public get tagKeys(): string[] {
    return [...new Set(this.profiles.flatMap((profile) => Object.keys(profile.costAllocationTags)))];
  }

  /** The profile of `tenantId` for `model`; throws if there is none. */
  public profileFor(tenantId: string, model: BedrockModel | InferenceSource): CostAllocatedInferenceProfile {
    const source = InferenceSource.of(model);
    const profile = this.byTenant.get(tenantId)?.get(source.invocationId);
    if (!profile) {
      throw new Error(`TenantProfiles: no profile for tenant '${tenantId}' and ${source.invocationId}`);
    }
    return profile;
  }
}
