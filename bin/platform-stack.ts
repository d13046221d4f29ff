import { Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { BedrockCostGovernance, BedrockModel, CostAllocationTags, InferenceSource } from '../lib';

export interface PlatformStackProps extends StackProps {
  readonly alertEmails: readonly string[];
  readonly environment: string;
}

/**
 * The platform-team layout: one `BedrockCostGovernance` for the tenants a team hosts, each with
 * tagged profiles, alarms and a budget. Three example tenants from the seed's scenarios.
 */
export class BedrockCostPlatformStack extends Stack {
  public readonly governance: BedrockCostGovernance;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    CostAllocationTags.apply(this, { environment: props.environment, application: 'bedrock-cost-platform' });
    const proUs = InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us');
    this.governance = new BedrockCostGovernance(this, 'Governance', {
      namePrefix: id,
      alertEmails: props.alertEmails,
      tenants: [
        { id: 'support', costCenter: 'cc-support', monthlyBudgetUsd: 300, models: [BedrockModel.NOVA_MICRO, BedrockModel.NOVA_LITE] },
        {
          id: 'finance-agents',
          costCenter: 'cc-finance',
          monthlyBudgetUsd: 800,
          models: [BedrockModel.NOVA_MICRO, BedrockModel.NOVA_LITE, proUs],
          alarmThresholds: { estimatedCostPerHourUsd: 10 },
        },
        { id: 'ecommerce', costCenter: 'cc-retail', monthlyBudgetUsd: 400, models: [BedrockModel.NOVA_LITE] },
      ],
    });
  }
}
