import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type SlackChannelOptions } from '../lib';
import { BedrockCostBillingStack } from './billing-stack';
import { BedrockCostPlatformStack } from './platform-stack';
import { BedrockCostReferenceStack } from './reference-stack';

const CONTEXT_PREFIX = 'bedrock-cost:';

/** `-c bedrock-cost:alertEmails=a@x.com,b@y.com` arrives as a string, cdk.json gives an array. */
function stringList(app: App, key: string): string[] {
  const value: unknown = app.node.tryGetContext(`${CONTEXT_PREFIX}${key}`);
  if (value === undefined || value === null || value === '') {
    return [];
  }
  if (typeof value === 'string') {
    return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  }
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value;
  }
  throw new Error(`context ${CONTEXT_PREFIX}${key} must be a list of strings or a comma-separated string`);
}

function string(app: App, key: string, defaultValue: string): string {
  const value: unknown = app.node.tryGetContext(`${CONTEXT_PREFIX}${key}`) ?? defaultValue;
  if (typeof value !== 'string') {
    throw new Error(`context ${CONTEXT_PREFIX}${key} must be a string`);
  }
  return value;
}

function slackChannel(app: App): SlackChannelOptions | undefined {
  const slackWorkspaceId = string(app, 'slackWorkspaceId', '');
  const slackChannelId = string(app, 'slackChannelId', '');
  if (slackWorkspaceId === '' && slackChannelId === '') {
    return undefined;
  }
  if (slackWorkspaceId === '' || slackChannelId === '') {
    throw new Error(`context ${CONTEXT_PREFIX}slackWorkspaceId and ${CONTEXT_PREFIX}slackChannelId go together`);
  }
  return { slackWorkspaceId, slackChannelId };
}

function positiveNumber(app: App, key: string, defaultValue: number): number {
  const value: unknown = app.node.tryGetContext(`${CONTEXT_PREFIX}${key}`) ?? defaultValue;
  const parsed = typeof value === 'string' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new Error(`context ${CONTEXT_PREFIX}${key} must be a number > 0, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * Adds the reference stacks, configured from context, to `app`, checked by cdk-nag: the main
 * stack (env-agnostic) and the billing stack (us-east-1, where Cost Explorer's resources live).
 */
export function addReferenceStack(app: App): BedrockCostReferenceStack {
  const stackName = string(app, 'stackName', 'BedrockCostReference');
  const alertEmails = stringList(app, 'alertEmails');
  const team = string(app, 'team', 'platform');
  const environment = string(app, 'environment', 'dev');
  const invocationLogging = string(app, 'invocationLogging', 'on');
  if (invocationLogging !== 'on' && invocationLogging !== 'off' && invocationLogging !== 'overwrite') {
    throw new Error(`context ${CONTEXT_PREFIX}invocationLogging must be on, off or overwrite, got ${invocationLogging}`);
  }
  const stack = new BedrockCostReferenceStack(app, stackName, {
    description: 'cdk-bedrock-cost reference: Bedrock cost alerts and controls',
    alertEmails,
    team,
    slackChannel: slackChannel(app),
    environment,
    invocationLogging,
  });
  new BedrockCostBillingStack(app, `${stackName}Billing`, {
    description: 'cdk-bedrock-cost reference: Bedrock budgets and cost anomaly detection (us-east-1)',
    alertEmails,
    team,
    environment,
    monthlyBudgetUsd: positiveNumber(app, 'monthlyBudgetUsd', 1000),
    teamMonthlyBudgetUsd: positiveNumber(app, 'teamMonthlyBudgetUsd', 500),
  });
  new BedrockCostPlatformStack(app, `${stackName}Platform`, {
    description: 'cdk-bedrock-cost reference: a platform team governing Bedrock spend for its tenants',
    alertEmails,
    environment,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
