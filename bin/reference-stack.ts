import { Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { CostAlertTopic } from '../lib';

export interface ReferenceStackProps extends StackProps {
  /** Who receives cost alerts by email. */
  readonly alertEmails: readonly string[];
}

/**
 * What a platform team deploys to control its Bedrock spend. Each capability of the library is
 * added here as it lands.
 */
export class BedrockCostReferenceStack extends Stack {
  public readonly alerts: CostAlertTopic;

  constructor(scope: Construct, id: string, props: ReferenceStackProps) {
    super(scope, id, props);
    this.alerts = new CostAlertTopic(this, 'CostAlerts', { emails: props.alertEmails });
  }
}
