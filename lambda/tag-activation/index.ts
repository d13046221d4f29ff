import { Logger } from '@aws-lambda-powertools/logger';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type CloudFormationCustomResourceEvent } from 'aws-lambda';
import { activateTagKeys, type ActivationOutcome, type PendingTagKey } from './activate-tag-keys';

/** The custom resource's properties, as `CostAllocationTagActivation` sets them. */
export interface TagActivationProperties {
  readonly TagKeys: string[];
}

/** Relayed by the aws-cdk-lib `custom-resources` Provider framework. */
export type TagActivationCustomResourceEvent = CloudFormationCustomResourceEvent<TagActivationProperties>;

/** The `action` of the construct's daily EventBridge rule. */
export const RETRY_ACTION = 'retry-pending-activation';

/** Sent daily by the construct's EventBridge rule, to activate keys Billing did not know yet. */
export interface RetryPendingActivationEvent {
  readonly action: typeof RETRY_ACTION;
  readonly tagKeys: string[];
}

export type TagActivationEvent = TagActivationCustomResourceEvent | RetryPendingActivationEvent;

/** What the Provider framework reports to CloudFormation. Attribute values are strings. */
export interface TagActivationResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: {
    readonly ActivatedTagKeys: string;
    readonly AlreadyActiveTagKeys: string;
    readonly PendingTagKeys: string;
  };
}

export interface RetrySummary {
  readonly activated: string[];
  readonly alreadyActive: string[];
  readonly pending: PendingTagKey[];
  /** Whether a message went to the alert topic. */
  readonly notified: boolean;
}

// Cost Explorer has a single endpoint, in us-east-1, whatever region the function runs in.
const costExplorer = new CostExplorerClient({ region: 'us-east-1' });
const sns = new SNSClient({});
const logger = new Logger();

export const handler = async (event: TagActivationEvent): Promise<TagActivationResponse | RetrySummary> => {
  if (isCustomResourceEvent(event)) {
    return onCustomResource(event);
  }
  if (isRetryEvent(event)) {
    return onRetry(event);
  }
  throw new Error(
    `Unexpected event: expected a CloudFormation custom resource event or {"action":"${RETRY_ACTION}"}, ` +
      `got ${String(JSON.stringify(event)).slice(0, 500)}`,
  );
};

async function onCustomResource(event: TagActivationCustomResourceEvent): Promise<TagActivationResponse> {
  if (event.RequestType === 'Delete') {
    // Deactivating would erase the keys from other stacks' cost reports too, so they stay active.
    logger.info('Leaving cost allocation tag keys active on delete', { physicalResourceId: event.PhysicalResourceId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  // On Update, keys dropped from TagKeys stay active for the same reason as on Delete.
  const tagKeys = validTagKeys(event.ResourceProperties.TagKeys, 'ResourceProperties.TagKeys');
  const outcome = await activateTagKeys(costExplorer, tagKeys);
  logger.info('Cost allocation tag keys processed', { requestType: event.RequestType, ...outcome });
  if (outcome.pending.length > 0) {
    // Not a failure: Billing accepts a key up to 24 h after its first use on a resource.
    logger.warn(
      `Billing did not accept tag keys ${keyList(outcome.pending.map((p) => p.tagKey))} yet; ` +
        'the daily retry will activate them',
      { pending: outcome.pending },
    );
  }

  return {
    PhysicalResourceId:
      event.RequestType === 'Create' ? `cost-allocation-tag-activation-${event.LogicalResourceId}` : event.PhysicalResourceId,
    Data: {
      ActivatedTagKeys: outcome.activated.join(','),
      AlreadyActiveTagKeys: outcome.alreadyActive.join(','),
      PendingTagKeys: outcome.pending.map((p) => p.tagKey).join(','),
    },
  };
}

async function onRetry(event: RetryPendingActivationEvent): Promise<RetrySummary> {
  // The rule's input comes from the construct; a malformed event is a manual invoke, not news.
  const tagKeys = validTagKeys(event.tagKeys, 'tagKeys');

  let outcome: ActivationOutcome;
  try {
    outcome = await activateTagKeys(costExplorer, tagKeys);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.error('Retrying cost allocation tag activation failed', { tagKeys, error });
    try {
      await notify(
        'Bedrock cost allocation tag activation failed',
        `The daily retry could not activate cost allocation tag keys ${keyList(tagKeys)}.\n\n` +
          `Error: ${reason}\n\nThe next scheduled run will try again.`,
      );
    } catch (publishError) {
      // The activation error is the one worth raising; the publish error is only logged.
      logger.error('Publishing the failure alert failed', { error: publishError });
    }
    throw error;
  }

  const summary = { ...outcome, notified: false };
  if (outcome.pending.length > 0) {
    logger.warn(`Tag keys ${keyList(outcome.pending.map((p) => p.tagKey))} are still pending`, {
      pending: outcome.pending,
    });
  }
  if (outcome.activated.length === 0) {
    logger.info('No tag key changed status', { alreadyActive: outcome.alreadyActive });
    return summary;
  }

  logger.info('Activated pending tag keys', { activated: outcome.activated });
  const notified = await notify(activatedSubject(outcome.activated), activatedMessage(outcome));
  return { ...summary, notified };
}

/** Publishes to the alert topic if there is one; returns whether it did. */
async function notify(subject: string, message: string): Promise<boolean> {
  // The construct sets an empty string when it has no topic.
  const topicArn = process.env.ALERT_TOPIC_ARN;
  if (!topicArn) {
    logger.info('ALERT_TOPIC_ARN is not set; not publishing', { subject });
    return false;
  }
  await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
  return true;
}

function activatedSubject(activated: readonly string[]): string {
  const subject = `Bedrock cost allocation tags activated: ${activated.join(', ')}`;
  // SNS rejects subjects of 100+ characters or with non-ASCII text; tag keys may be either.
  if (subject.length < 100 && /^[\x20-\x7e]*$/.test(subject)) {
    return subject;
  }
  return `Bedrock cost allocation tags activated: ${activated.length} key${activated.length === 1 ? '' : 's'}`;
}

function activatedMessage(outcome: ActivationOutcome): string {
  const pending = outcome.pending.map((p) => `${p.tagKey} (${p.code}: ${p.message})`);
  return [
    'The daily retry activated cost allocation tag keys in AWS Billing. Cost Explorer groups spend',
    'by them from now on (not retroactively).',
    '',
    `Activated in this run: ${keyList(outcome.activated)}`,
    `Already active: ${keyList(outcome.alreadyActive)}`,
    `Still pending: ${pending.length > 0 ? pending.join(', ') : 'none'}`,
  ].join('\n');
}

function keyList(keys: readonly string[]): string {
  return keys.length > 0 ? keys.join(', ') : 'none';
}

function validTagKeys(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((key: unknown) => typeof key === 'string' && key !== '')) {
    throw new Error(`${name} must be a non-empty array of non-empty strings, got ${String(JSON.stringify(value))}`);
  }
  return value as string[];
}

function isCustomResourceEvent(event: unknown): event is TagActivationCustomResourceEvent {
  const requestType: unknown = isObject(event) ? event.RequestType : undefined;
  return requestType === 'Create' || requestType === 'Update' || requestType === 'Delete';
}

function isRetryEvent(event: unknown): event is RetryPendingActivationEvent {
  return isObject(event) && event.action === RETRY_ACTION;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
