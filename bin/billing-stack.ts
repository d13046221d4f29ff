import { Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  BedrockBudget,
  BedrockCostAnomalyDetection,
  BudgetScope,
  COST_EXPLORER_REGION,
  CostAlertTopic,
  CostAllocationTags,
  ReadableAlerts,
} from '../lib';

export interface BillingStackProps extends Omit<StackProps, 'env'> {
  /** Who receives the budget and anomaly alerts, as readable text. */
  readonly alertEmails: readonly string[];
  /** The team whose Bedrock spend gets its own budget (the `team` tag of the main stack). */
  readonly team: string;
  readonly environment: string;
  /** The monthly budget for all Bedrock spend of the account, in USD. */
  readonly monthlyBudgetUsd: number;
  /** The monthly budget for the team's tagged Bedrock spend, in USD. */
  readonly teamMonthlyBudgetUsd: number;
}

/**
 * The backstop behind the CloudWatch alarms: AWS Budgets and Cost Anomaly Detection, which read
 * billing data. Cost Explorer's resources deploy only in us-east-1, so this stack lives there
 * (in whichever account the credentials name).
 */
export class BedrockCostBillingStack extends Stack {
  public readonly alerts: CostAlertTopic;
  public readonly accountBudget: BedrockBudget;
  public readonly teamBudget: BedrockBudget;
  public readonly anomalyDetection: BedrockCostAnomalyDetection;

  constructor(scope: Construct, id: string, props: BillingStackProps) {
    super(scope, id, { ...props, env: { region: COST_EXPLORER_REGION } });
    CostAllocationTags.apply(this, { team: props.team, environment: props.environment, application: 'bedrock-cost-reference' });
    this.alerts = new CostAlertTopic(this, 'CostAlerts');
    new ReadableAlerts(this, 'ReadableAlerts', { alertTopic: this.alerts, emails: props.alertEmails });

    this.accountBudget = new BedrockBudget(this, 'AllBedrock', {
      limitUsd: props.monthlyBudgetUsd,
      scope: BudgetScope.bedrock(),
      alertTopic: this.alerts,
    });
    this.teamBudget = new BedrockBudget(this, `Team-${props.team}`, {
      limitUsd: props.teamMonthlyBudgetUsd,
      scope: BudgetScope.bedrockWithTags({ team: [props.team] }),
      alertTopic: this.alerts,
    });
    this.anomalyDetection = new BedrockCostAnomalyDetection(this, 'Anomalies', {
      alertTopic: this.alerts,
      threshold: { absoluteUsd: 50, percent: 20, combine: 'OR' },
    });
  }
}
