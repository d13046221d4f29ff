import { createHash } from 'node:crypto';
import { CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
import { CostAlertTopic } from '../alerts/cost-alert-topic';
import { ReadableAlerts } from '../alerts/readable-alerts';
import { BedrockBudget } from '../budgets/bedrock-budget';
import { BedrockCostAnomalyDetection, type BedrockCostAnomalyDetectionProps } from '../budgets/bedrock-cost-anomaly-detection';
import { BedrockInvocationLogging, type BedrockInvocationLoggingProps } from '../logging/bedrock-invocation-logging';
import { BedrockCostDashboard } from '../monitoring/bedrock-cost-dashboard';
import { type BedrockModel, InferenceSource } from '../pricing';

import { CostAllocationTagActivation } from '../profiles/cost-allocation-tag-activation';
import { CostAllocationTagKey } from '../profiles/cost-allocation-tags';
import { type CostAllocatedInferenceProfile } from '../profiles/cost-allocated-inference-profile';
import { CostReport, type CostReportProps } from '../reporting/cost-report';
import { type GovernanceTenant, TenantCostControls } from './tenant-cost-controls';

export interface BedrockCostGovernanceProps {
  readonly tenants: readonly GovernanceTenant[];
  /** A monthly budget over all Bedrock spend of the account. @default - no account budget */
  readonly monthlyBudgetUsd?: number;
  /** People who get every alert as readable text. @default - none */
  readonly alertEmails?: readonly string[];
  /**
   * Cost Anomaly Detection (its resources deploy only in us-east-1).
   *
   * @default - off
   */
  readonly anomalyDetection?: Omit<BedrockCostAnomalyDetectionProps, 'alertTopic'>;
  /** @default true */
  readonly dashboard?: boolean;
  /**
   * The weekly cost report to the alert topic, or `false` for none.
   *
   * @default - Mondays 08:00 UTC, no Provisioned Throughput comparison
   */
  readonly costReport?: false | Omit<CostReportProps, 'alertTopic'>;
  /** Activate the `tenant` and `cost-center` tag keys (management or standalone account). @default true */
  readonly activateTagKeys?: boolean;
  /** Starts every profile, alarm and budget name. @default - none */
  readonly namePrefix?: string;
  /**
   * Tenants are spread over this many nested stacks by a hash of their id, so adding a tenant
   * never moves another. Fix it before the first deployment: changing it moves tenants (and
   * replaces their profiles).
   *
   * @default 64
   */
  readonly shards?: number;
  /**
   * The most resources one stack may hold (CloudFormation's hard limit is 500).
   *
   * @default 400
   */
  readonly maxResourcesPerStack?: number;
  /**
   * Model invocation logging (an account-wide setting), its Athena queries pricing the tenants'
   * profiles; see `BedrockInvocationLogging`.
   *
   * @default - off
   */
  readonly invocationLogging?: BedrockInvocationLoggingProps;
}

/**
 * One construct for a platform team: the alert topic, and for every tenant a tagged profile per
 * model, usage and dollar alarms and an optional budget; plus an account budget, anomaly
 * detection, the cost dashboard and tag-key activation. Tenants live in nested stacks, placed by
 * a hash of their id, so hundreds of tenants stay under CloudFormation's resource limit.
 */
export class BedrockCostGovernance extends Construct {
  public readonly topic: CostAlertTopic;
  public readonly readableAlerts?: ReadableAlerts;
  public readonly dashboard?: BedrockCostDashboard;
  public readonly accountBudget?: BedrockBudget;
  public readonly anomalyDetection?: BedrockCostAnomalyDetection;
  public readonly tagActivation?: CostAllocationTagActivation;
  public readonly costReport?: CostReport;
  public readonly invocationLogging?: BedrockInvocationLogging;
  /** The nested stacks that hold the tenants, by shard number. */
  public readonly shards: ReadonlyMap<number, NestedStack>;
  private readonly tenantControls = new Map<string, TenantCostControls>();
  private readonly maxResources: number;

  constructor(scope: Construct, id: string, props: BedrockCostGovernanceProps) {
    super(scope, id);
    const shardCount = props.shards ?? 64;
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 256) {
      throw new Error(`BedrockCostGovernance shards: a whole number from 1 to 256, got ${shardCount}`);
    }
    this.maxResources = props.maxResourcesPerStack ?? 400;
    if (!Number.isInteger(this.maxResources) || this.maxResources < 50 || this.maxResources > 500) {
      throw new Error(`BedrockCostGovernance maxResourcesPerStack: a whole number from 50 to 500, got ${this.maxResources}`);
    }
    if (props.tenants.length === 0) {
      throw new Error('BedrockCostGovernance tenants: at least one tenant is required');
    }

    this.topic = new CostAlertTopic(this, 'Alerts');
    if (props.alertEmails && props.alertEmails.length > 0) {
      this.readableAlerts = new ReadableAlerts(this, 'ReadableAlerts', { alertTopic: this.topic, emails: props.alertEmails });
    }

    const shards = new Map<number, NestedStack>();
    for (const tenant of props.tenants) {
      if (this.tenantControls.has(tenant.id)) {
        throw new Error(`BedrockCostGovernance tenants: '${tenant.id}' is listed twice`);
      }
      const shard = shardOf(tenant.id, shardCount);
      let stack = shards.get(shard);
      if (!stack) {
        stack = new NestedStack(this, `Tenants${String(shard).padStart(3, '0')}`, {
          description: `Bedrock cost controls of the tenants in shard ${shard} of ${shardCount}`,
        });
        shards.set(shard, stack);
      }
      this.tenantControls.set(
        tenant.id,
        new TenantCostControls(stack, tenant.id, { tenant, alertTopic: this.topic, namePrefix: props.namePrefix }),
      );
    }
    this.shards = shards;

    if (props.monthlyBudgetUsd !== undefined) {
      this.accountBudget = new BedrockBudget(this, 'AccountBudget', {
        budgetName: [props.namePrefix, 'all-bedrock'].filter((part) => part).join('-'),
        limitUsd: props.monthlyBudgetUsd,
        alertTopic: this.topic,
      });
    }
    if (props.anomalyDetection) {
      this.anomalyDetection = new BedrockCostAnomalyDetection(this, 'AnomalyDetection', { ...props.anomalyDetection, alertTopic: this.topic });
    }
    if (props.dashboard ?? true) {
      // The account-wide lines (by ModelId, profiles included) cover every tenant; per-profile rows
      // would not fit one dashboard. The rows show direct calls to the tenants' models, which bypass
      // the tagged profiles.
      const models = new Map<string, InferenceSource>();
      for (const tenant of props.tenants) {
        for (const model of tenant.models) {
          const source = InferenceSource.of(model);
          models.set(source.invocationId, source);
        }
      }
      this.dashboard = new BedrockCostDashboard(this, 'Dashboard', {
        targets: [...models.values()].map((source) => ({
          source,
          name: `direct-${source.invocationId.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 64).replace(/-+$/, ''),
        })),
      });
    }
    if (props.activateTagKeys ?? true) {
      this.tagActivation = new CostAllocationTagActivation(this, 'TagActivation', {
        tagKeys: [CostAllocationTagKey.TENANT, CostAllocationTagKey.COST_CENTER],
        alertTopic: this.topic,
      });
    }
    if (props.costReport !== false) {
      this.costReport = new CostReport(this, 'CostReport', { ...props.costReport, alertTopic: this.topic });
    }
    if (props.invocationLogging) {
      const { analytics } = props.invocationLogging;
      const profiles = props.tenants.flatMap((tenant) => tenant.models.map((model) => this.profileFor(tenant.id, model)));
      this.invocationLogging = new BedrockInvocationLogging(this, 'InvocationLogging', {
        ...props.invocationLogging,
        analytics: analytics === false ? false : { ...analytics, profiles: [...(analytics?.profiles ?? []), ...profiles] },
      });
    }
    this.node.addValidation({ validate: () => this.checkStackSizes() });
  }

  /** The tenant's profile for `model`. */
  public profileFor(tenantId: string, model: BedrockModel | InferenceSource): CostAllocatedInferenceProfile {
    return this.controlsOf(tenantId).profileFor(model);
  }

  /** Everything the tenant got: profiles, alarms, budget. */
  public controlsOf(tenantId: string): TenantCostControls {
    const controls = this.tenantControls.get(tenantId);
    if (!controls) {
      throw new Error(`BedrockCostGovernance: no tenant '${tenantId}'`);
    }
    return controls;
  }

  /** The number of resources in each stack this construct fills, largest first. */
  public stackSizes(): { stack: string; resources: number }[] {
    const stacks: Stack[] = [Stack.of(this), ...this.shards.values()];
    return stacks
      .map((stack) => ({ stack: stack.node.path, resources: countResources(stack) }))
      .sort((a, b) => b.resources - a.resources);
  }

  private checkStackSizes(): string[] {
    return this.stackSizes()
      .filter(({ resources }) => resources > this.maxResources)
      .map(
        ({ stack, resources }) =>
          `${stack} holds ${resources} resources, over maxResourcesPerStack (${this.maxResources}): raise shards before the first deployment, or give tenants fewer models`,
      );
  }
}

/** A tenant's shard depends on its id alone, so adding tenants never moves one. */
export function shardOf(tenantId: string, shards: number): number {
  return createHash('sha256').update(tenantId).digest().readUInt32BE(0) % shards;
}

/** CloudFormation resources directly in `stack` (nested stacks count as one resource of their parent). */
function countResources(stack: Stack): number {
  let count = 0;
  const visit = (node: IConstruct) => {
    for (const child of node.node.children) {
      if (Stack.isStack(child)) {
        continue;
      }
      if (CfnResource.isCfnResource(child)) {
        count++;
      }
      visit(child);
    }
  };
  visit(stack);
  return count;
}
