import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type SlackChannelOptions } from '../lib';
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

/** Adds the reference stack, configured from context, to `app`, checked by cdk-nag. */
export function addReferenceStack(app: App): BedrockCostReferenceStack {
  const stack = new BedrockCostReferenceStack(app, string(app, 'stackName', 'BedrockCostReference'), {
    description: 'cdk-bedrock-cost reference: Bedrock cost alerts and controls',
    alertEmails: stringList(app, 'alertEmails'),
    team: string(app, 'team', 'platform'),
    slackChannel: slackChannel(app),
    environment: string(app, 'environment', 'dev'),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
