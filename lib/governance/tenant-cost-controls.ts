import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type CostAlertTopic } from '../alerts/cost-alert-topic';
import { BedrockBudget } from '../budgets/bedrock-budget';
import { BudgetScope } from '../budgets/budget-scope';
import { type AlarmThreshold, type BedrockAlarmTarget, BedrockUsageAlarms } from '../monitoring/bedrock-usage-alarms';
import { type BedrockModel, InferenceSource } from '../pricing';
import { type CostAllocatedInferenceProfile } from '../profiles/cost-allocated-inference-profile';
import { CostAllocationTagKey } from '../profiles/cost-allocation-tags';
import { TenantProfiles } from '../profiles/tenant-profiles';

/** Alarm thresholds of one tenant's profiles. */
export interface TenantAlarmThresholds {
  /**
   * Estimated USD per hour, per profile.
   *
   * @default 5
   */
  readonly estimatedCostPerHourUsd?: number | AlarmThreshold;
  /**
   * Output tokens per 5 minutes, per profile.
   *
   * @default - no token alarm
   */
  readonly outputTokensPer5Minutes?: number;
  /**
   * Anomaly-detection alarms on invocations and tokens.
   *
   * @default true
   */
  readonly runawayDetection?: boolean;
}

/** A tenant of the platform: a team, a customer or a business unit. */
export interface GovernanceTenant {
  /** 1-64 letters, digits, `_` or `-`: the `tenant` tag and part of every name. */
  readonly id: string;
  /** @default - not tagged */
  readonly costCenter?: string;
  /** A monthly budget over the tenant's tagged Bedrock spend. @default - no tenant budget */
  readonly monthlyBudgetUsd?: number;
  /** The models the tenant may call, each through its own profile. */
  readonly models: readonly (BedrockModel | InferenceSource)[];
  /** @default - $5 an hour per profile and runaway detection */
  readonly alarmThresholds?: TenantAlarmThresholds;
}

export interface TenantCostControlsProps {
  readonly tenant: GovernanceTenant;
  readonly alertTopic: CostAlertTopic;
  readonly namePrefix?: string;
  /** Tags every profile of the tenant carries besides `tenant` and `cost-center`. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** One tenant's profiles, alarms and budget: what `BedrockCostGovernance` gives each tenant. */
export class TenantCostControls extends Construct {
  public readonly profiles: TenantProfiles;
  public readonly alarms: BedrockUsageAlarms;
  public readonly budget?: BedrockBudget;

  constructor(scope: Construct, id: string, props: TenantCostControlsProps) {
    super(scope, id);
    const { tenant } = props;
    this.profiles = new TenantProfiles(this, 'Profiles', {
      tenants: [{ id: tenant.id, costCenter: tenant.costCenter }],
      models: tenant.models,
      namePrefix: props.namePrefix,
      tags: props.tags,
    });
    const thresholds = tenant.alarmThresholds ?? {};
    const targets: BedrockAlarmTarget[] = this.profiles.profiles.map((profile) => ({
      source: profile,
      estimatedCostPerHourAbove: { limit: thresholds.estimatedCostPerHourUsd ?? 5 },
      outputTokensAbove: thresholds.outputTokensPer5Minutes === undefined ? undefined : { spike: thresholds.outputTokensPer5Minutes },
      runawayDetection: thresholds.runawayDetection ?? true,
    }));
    this.alarms = new BedrockUsageAlarms(this, 'Alarms', {
      alertTopic: props.alertTopic,
      targets,
      // Profile names already start with the tenant id; nested stacks have long generated names.
      alarmNamePrefix: props.namePrefix ?? (Stack.of(this).nestedStackParent ?? Stack.of(this)).stackName,
    });
    if (tenant.monthlyBudgetUsd !== undefined) {
      this.budget = new BedrockBudget(this, 'Budget', {
        budgetName: [props.namePrefix, tenant.id, 'bedrock'].filter((part) => part).join('-'),
        limitUsd: tenant.monthlyBudgetUsd,
        scope: BudgetScope.bedrockWithTags({ [CostAllocationTagKey.TENANT]: [tenant.id] }),
        alertTopic: props.alertTopic,
      });
    }
  }

  /** The tenant's profile for `model`. */
  public profileFor(model: BedrockModel | InferenceSource): CostAllocatedInferenceProfile {
    return this.profiles.profileFor(this.profiles.tenantIds[0], InferenceSource.of(model));
  }
}
