import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type SNSEvent, type SNSEventRecord } from 'aws-lambda';
import { type FormatContext, formatAlert } from './format-alert';

export interface AlertFormatterResult {
  /** Messages published to the readable topic. */
  readonly published: number;
}

const sns = new SNSClient({});
const logger = new Logger();

/**
 * Subscribed to the alert topic: republishes each notification as plain text to the readable
 * topic, or unchanged when it cannot read it.
 */
export const handler = async (event: SNSEvent): Promise<AlertFormatterResult> => {
  const topicArn = process.env.READABLE_TOPIC_ARN;
  if (!topicArn) {
    throw new Error(
      'READABLE_TOPIC_ARN is not set, so the alert formatter has nowhere to publish. ' +
        'This is a deployment bug: ReadableAlerts sets it to its readable topic.',
    );
  }
  // The construct leaves DASHBOARD_URL out when there is no dashboard; an empty value means the same.
  const context: FormatContext = { dashboardUrl: process.env.DASHBOARD_URL || undefined };

  // Every record is published even when another fails: one bad record must not hide the others.
  const outcomes = await Promise.allSettled(event.Records.map((record) => republish(record, topicArn, context)));
  const failedIds = event.Records.filter((_, index) => outcomes[index].status === 'rejected').map((r) => r.Sns.MessageId);
  if (failedIds.length > 0) {
    const firstError = outcomes.find((outcome) => outcome.status === 'rejected')?.reason;
    // Lambda retries the whole event, so the records that went through are published twice:
    // a duplicate alert is better than a lost one. After the retries the event goes to the DLQ.
    throw new Error(
      `Publishing ${failedIds.length} of ${event.Records.length} alerts to the readable topic failed ` +
        `(SNS message ids ${failedIds.join(', ')}): ${firstError instanceof Error ? firstError.message : String(firstError)}`,
      { cause: firstError },
    );
  }
  return { published: outcomes.length };
};

async function republish(record: SNSEventRecord, topicArn: string, context: FormatContext): Promise<void> {
  const { MessageId: messageId, Subject: subject, Message: message } = record.Sns;
  const alert = formatAlert({ subject, message }, context);
  logger.info(`Alert ${messageId} is ${alert.kind}`, { messageId, kind: alert.kind, subject: alert.subject });
  try {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: alert.subject, Message: alert.message }));
  } catch (error) {
    logger.error(`Publishing alert ${messageId} to the readable topic failed`, { messageId, kind: alert.kind, error });
    throw error;
  }
}
