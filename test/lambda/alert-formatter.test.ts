import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { type SNSEvent, type SNSEventRecord } from 'aws-lambda';
import { formatAlert, UNFORMATTED_SUBJECT } from '../../lambda/alert-formatter/format-alert';
import type * as AlertFormatter from '../../lambda/alert-formatter';

/*
 * Where the formats of test/fixtures/alerts come from. AWS documents the fields of these
 * notifications, but not always a whole notification as SNS delivers it; where it does not, the
 * fixture follows notifications captured by users of those services (several, years apart, agree).
 *
 * - cloudwatch-alarm*.json: the CloudWatch alarm SNS payloads AWS ships as test data of its Lambda
 *   runtime library, single-metric and metric-math ("Metrics"):
 *   https://github.com/aws/aws-lambda-go/blob/main/events/testdata/cloudwatch-alarm-sns-payload-single-metric.json
 *   https://github.com/aws/aws-lambda-go/blob/main/events/testdata/cloudwatch-alarm-sns-payload-multiple-metrics.json
 *   plus the fields of current notifications (AlarmConfigurationUpdatedTimestamp, OKActions,
 *   DatapointsToAlarm, Region as a display name next to AlarmArn). Anomaly-detection alarms add
 *   Trigger.ThresholdMetricId naming an ANOMALY_DETECTION_BAND expression among Trigger.Metrics, as in
 *   the MetricAlarm API: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html
 * - budget-*.txt: AWS Budgets' plain-text SNS notification ("AWS Budget Notification <date>",
 *   "Budget Name: ...", "Alert Type: ACTUAL|FORECASTED", "<type> Amount: ..."); alert types as in
 *   https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Notification.html
 * - cost-anomaly.json: the anomaly fields of the "Anomaly Detected" example in the AWS Cost
 *   Management User Guide, https://docs.aws.amazon.com/cost-management/latest/userguide/cad-user-notifications.html
 *   with the names SNS messages use where they differ (dimensionalValue, not dimensionValue) and
 *   their extra fields (accountName, monitorType, subscriptionId, subscriptionName).
 * - unknown-json.json: the s3:TestEvent Amazon S3 sends to a new notification destination,
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * - plain-text.txt, cloudwatch-alarm-truncated.txt (the first 700 characters of cloudwatch-alarm.json,
 *   compacted as CloudWatch sends it) and cloudwatch-alarm-wrong-types.json are made up.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'alerts');
const READABLE_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:BedrockCost-ReadableAlertsTopic';
const ALERT_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:BedrockCost-AlertsTopic';
// Not the dashboard the fixtures' alarm descriptions link, so a test can tell which link it sees.
const CLOUDWATCH_CONSOLE = 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1';
const DASHBOARD_URL = `${CLOUDWATCH_CONSOLE}#dashboards/dashboard/BedrockSpend`;
const ALARM_CONSOLE_URL = `${CLOUDWATCH_CONSOLE}#alarmsV2:alarm/BedrockCost-support-output-tokens-spike`;
/** The subject CloudWatch gives the notification in cloudwatch-alarm.json. */
const ALARM_SUBJECT = 'ALARM: "BedrockCost-support-output-tokens-spike" in US East (N. Virginia)';
const BUDGET_SUBJECT = 'AWS Budgets: bedrock-monthly has exceeded your alert threshold';

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** A fixture changed the way a test needs, serialized compactly as CloudWatch sends it. */
function editedFixture(name: string, edit: (json: Record<string, unknown>) => void): string {
  const json = JSON.parse(fixture(name)) as Record<string, unknown>;
  edit(json);
  return JSON.stringify(json);
}

const withDashboard = { dashboardUrl: DASHBOARD_URL };
const withoutDashboard = {};

const sns = mockClient(SNSClient);
let handler: typeof AlertFormatter.handler;

beforeAll(async () => {
  process.env.READABLE_TOPIC_ARN = READABLE_TOPIC_ARN;
  process.env.AWS_REGION = 'us-east-1';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Imported here, not at the top, so the module's client and logger see the variables above.
  ({ handler } = await import('../../lambda/alert-formatter'));
});

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'published-1' });
  process.env.READABLE_TOPIC_ARN = READABLE_TOPIC_ARN;
  delete process.env.DASHBOARD_URL;
  jest.restoreAllMocks();
});

function snsRecord(messageId: string, message: string, subject?: string): SNSEventRecord {
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: `${ALERT_TOPIC_ARN}:0b6941ee-2e0f-4b52-9f2a-2d7c1f8a5f31`,
    Sns: {
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: ALERT_TOPIC_ARN,
      Subject: subject,
      Message: message,
      Timestamp: '2025-03-04T14:30:12.601Z',
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertUrl: 'EXAMPLE',
      UnsubscribeUrl: 'EXAMPLE',
      MessageAttributes: {},
    },
  };
}

function snsEvent(...records: SNSEventRecord[]): SNSEvent {
  return { Records: records };
}

function publishInputs() {
  return sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

// Formats: the aws-lambda-go CloudWatch alarm payloads and the MetricAlarm API (see the top of the file).
describe('formatAlert: CloudWatch alarms', () => {
  test('a CloudWatch alarm becomes "ALARM: <name>" with the observed value, threshold and dashboard link', () => {
    const alert = formatAlert({ subject: ALARM_SUBJECT, message: fixture('cloudwatch-alarm.json') }, withDashboard);

    expect(alert.kind).toBe('cloudwatch-alarm');
    expect(alert.subject).toBe('ALARM: BedrockCost-support-output-tokens-spike');
    expect(alert.message).toBe(
      [
        'ALARM: BedrockCost-support-output-tokens-spike',
        '',
        'What: AWS/Bedrock OutputTokenCount (Sum per 5 minutes), ModelId us.amazon.nova-pro-v1:0',
        'State: OK -> ALARM since 2025-03-04 14:30:12 UTC',
        'Why: Threshold Crossed: 1 out of the last 1 datapoints [2431877.0 (04/03/25 14:25:00)] was greater than the ' +
          'threshold (2000000.0) (minimum 1 datapoint for OK -> ALARM transition).',
        'Threshold: > 2,000,000 for 1 of 1 periods of 5 minutes',
        'Description: Bedrock output tokens of support (ModelId us.amazon.nova-pro-v1:0) above 2,000,000 per 5 minutes for ' +
          '1 of 1 periods. That is about $6.40 at $3.2 per 1M tokens (about $76.80 an hour if sustained). Dashboard: ' +
          'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/BedrockCost',
        'Account: 111122223333',
        'Region: US East (N. Virginia) (us-east-1)',
        '',
        `Dashboard: ${DASHBOARD_URL}`,
        `Alarm: ${ALARM_CONSOLE_URL}`,
      ].join('\n'),
    );
  });

  test('leaves the dashboard link out when no dashboard URL is configured', () => {
    const alert = formatAlert({ message: fixture('cloudwatch-alarm.json') }, withoutDashboard);

    expect(alert.message).not.toContain('\nDashboard:');
    expect(alert.message).not.toContain(DASHBOARD_URL);
    expect(alert.message).toContain(`\nAlarm: ${ALARM_CONSOLE_URL}`);
  });

  test('does not repeat a dashboard link the alarm description already carries', () => {
    const alarm = JSON.parse(fixture('cloudwatch-alarm.json')) as Record<string, unknown>;
    alarm.AlarmDescription = `Bedrock spend above $5 an hour. Dashboard: ${DASHBOARD_URL}`;
    const alert = formatAlert({ message: JSON.stringify(alarm) }, withDashboard);

    expect(alert.message.split(DASHBOARD_URL)).toHaveLength(2);
    expect(alert.message).not.toContain('\nDashboard:');
  });

  test('a metric-math alarm names the expression by its label, with the ModelId of its inputs', () => {
    const alert = formatAlert({ message: fixture('cloudwatch-alarm-metric-math.json') }, withDashboard);

    expect(alert.kind).toBe('cloudwatch-alarm');
    expect(alert.subject).toBe('ALARM: BedrockCost-support-cost-per-hour-critical');
    expect(alert.message).toContain(
      '\nWhat: Estimated cost, USD per hour (support) = ' +
        '(0.8 * FILL(inputTokens, 0) + 3.2 * FILL(outputTokens, 0)) / 1000000 * 12, ModelId us.amazon.nova-pro-v1:0\n',
    );
    expect(alert.message).toContain('datapoints [27.6384 (04/03/25 14:25:00)] was greater than the threshold (20.0)');
    expect(alert.message).toContain('\nThreshold: > 20 for 1 of 1 periods of 5 minutes\n');
    expect(alert.message).toContain('At that rate a day costs about $480.00.');
  });

  test('an anomaly-detection alarm is held against its anomaly band, not a threshold, and links its Region\'s console', () => {
    const alert = formatAlert({ message: fixture('cloudwatch-alarm-anomaly-detection.json') }, withDashboard);

    expect(alert.subject).toBe('ALARM: BedrockCost-support-runaway-tokens');
    expect(alert.message).toContain(
      '\nWhat: Tokens in + out (support) = FILL(inputTokens, 0) + FILL(outputTokens, 0), ModelId eu.amazon.nova-pro-v1:0\n',
    );
    expect(alert.message).toContain(
      '\nThreshold: above the anomaly band (ANOMALY_DETECTION_BAND(expr_1, 3)) for 2 of 3 periods of 5 minutes\n',
    );
    expect(alert.message).toContain('were greater than the upper thresholds [412876.2, 409918.7]');
    expect(alert.message).toContain('\nRegion: Europe (Frankfurt) (eu-central-1)\n');
    expect(alert.message).toContain(
      '\nAlarm: https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1' +
        '#alarmsV2:alarm/BedrockCost-support-runaway-tokens',
    );
  });

  test('an OK transition becomes "OK: <name>" and says it came from ALARM', () => {
    const alert = formatAlert({ message: fixture('cloudwatch-alarm-ok.json') }, withDashboard);

    expect(alert.subject).toBe('OK: BedrockCost-support-output-tokens-spike');
    expect(alert.message).toContain('\nState: ALARM -> OK since 2025-03-04 15:10:09 UTC\n');
    expect(alert.message).toContain('datapoints [402113.0 (04/03/25 15:05:00)] was not greater than the threshold');
  });

  test('leaves the console link out when the notification has no AlarmArn to read the Region code from', () => {
    const message = editedFixture('cloudwatch-alarm.json', (json) => delete json.AlarmArn);

    const alert = formatAlert({ message }, withDashboard);

    expect(alert.kind).toBe('cloudwatch-alarm');
    expect(alert.message).toContain('\nRegion: US East (N. Virginia)\n');
    expect(alert.message).not.toContain('console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2');
  });

  test('URL-encodes the alarm name in the console link', () => {
    const message = editedFixture('cloudwatch-alarm.json', (json) => {
      json.AlarmName = 'Bedrock cost: support/agents #1';
    });

    const alert = formatAlert({ message }, withoutDashboard);

    expect(alert.message).toContain('#alarmsV2:alarm/Bedrock%20cost%3A%20support%2Fagents%20%231');
  });
});

// Format: AWS Budgets' plain-text notification (see the top of the file).
describe('formatAlert: AWS Budgets', () => {
  test('an ACTUAL alert becomes "Budget <name>: ACTUAL $85.12 of $100.00" with its share of the budget and threshold', () => {
    const alert = formatAlert({ subject: BUDGET_SUBJECT, message: fixture('budget-actual.txt') }, withDashboard);

    expect(alert.kind).toBe('budget');
    expect(alert.subject).toBe('Budget bedrock-monthly: ACTUAL $85.12 of $100.00');
    expect(alert.message).toBe(
      [
        'Budget bedrock-monthly: ACTUAL $85.12 of $100.00',
        '',
        'Actual spend: $85.12 of $100.00 budgeted (85.1%)',
        'Alert threshold: > $80.00 for the current month',
        'Budget type: Cost',
        'Account: 111122223333',
        'Notified on: March 04, 2025',
        '',
        'Budgets console: https://console.aws.amazon.com/billing/home#/budgets',
        `Dashboard: ${DASHBOARD_URL}`,
      ].join('\n'),
    );
  });

  test('a FORECASTED alert says the spend is forecasted', () => {
    const alert = formatAlert({ message: fixture('budget-forecasted.txt') }, withoutDashboard);

    expect(alert.kind).toBe('budget');
    expect(alert.subject).toBe('Budget bedrock-monthly: FORECASTED $131.40 of $100.00');
    expect(alert.message).toContain('\nForecasted spend: $131.40 of $100.00 budgeted (131.4%)\n');
    expect(alert.message).toContain('\nAlert threshold: > $100.00 for the current month\n');
    expect(alert.message).not.toContain('Dashboard:');
  });

  test('a Budgets text missing a field is still formatted from what it has, followed by the original text', () => {
    const original = fixture('budget-actual.txt').replace('Budgeted Amount: $100.00\n', '');

    const alert = formatAlert({ message: original }, withoutDashboard);

    expect(alert.kind).toBe('budget');
    expect(alert.subject).toBe('Budget bedrock-monthly: ACTUAL $85.12');
    expect(alert.message).toContain('\nActual spend: $85.12\n');
    expect(alert.message.endsWith(`the original text follows.\n\n${original}`)).toBe(true);
  });
});

// Format: the Cost Management User Guide's anomaly fields, with SNS's names (see the top of the file).
describe('formatAlert: Cost Anomaly Detection', () => {
  test('an anomaly becomes "Cost anomaly: $123.45 above expected (Amazon Bedrock)" with spend, dates, causes and link', () => {
    const alert = formatAlert({ message: fixture('cost-anomaly.json') }, withDashboard);

    expect(alert.kind).toBe('cost-anomaly');
    expect(alert.subject).toBe('Cost anomaly: $123.45 above expected (Amazon Bedrock)');
    expect(alert.message).toBe(
      [
        'Cost anomaly: $123.45 above expected (Amazon Bedrock)',
        '',
        'Impact: $123.45 above expected (+321.48%), peak $61.20',
        'Spend: $161.85 actual vs $38.40 expected',
        'Dates: 2025-03-02 to 2025-03-04',
        'Root causes:',
        '- Amazon Bedrock, us-east-1, usage type USE1-NovaPro-output-tokens, account 111122223333 (genai-prod)',
        'Monitor: aws-services-monitor',
        'Account: 111122223333 (genai-prod)',
        'Anomaly score: 0.71 (max 0.83)',
        'Alert subscription: bedrock-immediate',
        'Anomaly id: 12345678-abcd-ef12-3456-987654321a12',
        '',
        'Details: https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/' +
          'abcdef12-1234-4ea0-84cc-918a97d736ef/anomalies/12345678-abcd-ef12-3456-987654321a12',
        `Dashboard: ${DASHBOARD_URL}`,
      ].join('\n'),
    );
  });

  test('an anomaly without an end date is reported as still open', () => {
    const message = editedFixture('cost-anomaly.json', (json) => {
      json.anomalyEndDate = null;
    });

    const alert = formatAlert({ message }, withoutDashboard);

    expect(alert.message).toContain('\nDates: since 2025-03-02, still open\n');
  });

  test('takes the service from the root causes when the monitor is not by service', () => {
    const message = editedFixture('cost-anomaly.json', (json) => {
      delete json.dimensionalValue;
    });

    expect(formatAlert({ message }, withoutDashboard).subject).toBe('Cost anomaly: $123.45 above expected (Amazon Bedrock)');
  });
});

// Formats: see the top of the file; the malformed ones are made up.
describe('formatAlert: anything else is forwarded unchanged', () => {
  test.each([
    ['JSON of another shape (an S3 test event)', fixture('unknown-json.json')],
    ['plain text that is not from Budgets', fixture('plain-text.txt')],
    ['an empty message', ''],
    ['truncated alarm JSON', fixture('cloudwatch-alarm-truncated.txt')],
    ['alarm JSON whose Trigger has the wrong types', fixture('cloudwatch-alarm-wrong-types.json')],
    ['alarm JSON whose AlarmName is not a string', editedFixture('cloudwatch-alarm.json', (json) => { json.AlarmName = 42; })],
    ['anomaly JSON whose impact is text', editedFixture('cost-anomaly.json', (json) => { json.impact = 'about $123'; })],
    [
      'anomaly JSON whose totalImpact is a string',
      editedFixture('cost-anomaly.json', (json) => {
        json.impact = { totalImpact: '123.45' };
      }),
    ],
    ['a JSON array', '[{"AlarmName":"x","NewStateValue":"ALARM"}]'],
  ])('%s: kind "unrecognized", message identical to the input', (_case, message) => {
    const alert = formatAlert({ subject: 'Original subject', message }, withDashboard);

    expect(alert).toEqual({ kind: 'unrecognized', subject: 'Original subject', message });
    expect(Buffer.from(alert.message, 'utf8').equals(Buffer.from(message, 'utf8'))).toBe(true);
  });

  test(`an unrecognized notification without a subject gets "${UNFORMATTED_SUBJECT}"`, () => {
    const message = fixture('plain-text.txt');

    expect(formatAlert({ message }, withoutDashboard)).toEqual({ kind: 'unrecognized', subject: UNFORMATTED_SUBJECT, message });
    // At run time SNS sets a missing subject to null.
    expect(formatAlert({ subject: null as unknown as string, message }, withoutDashboard).subject).toBe(UNFORMATTED_SUBJECT);
    expect(formatAlert({ subject: ' \n ', message }, withoutDashboard).subject).toBe(UNFORMATTED_SUBJECT);
  });
});

describe('formatAlert: subjects SNS accepts', () => {
  const snsAccepts = (subject: string) => subject.length < 100 && /^[\x21-\x7e][\x20-\x7e]*$/.test(subject);

  test('shortens a long alarm name to under 100 characters, ending in "..."; the message keeps the whole name', () => {
    const name = `BedrockCost-${'tenant-with-a-very-long-name-'.repeat(8)}cost-per-hour-critical`;
    const message = editedFixture('cloudwatch-alarm.json', (json) => {
      json.AlarmName = name;
    });

    const alert = formatAlert({ message }, withoutDashboard);

    expect(snsAccepts(alert.subject)).toBe(true);
    expect(alert.subject).toMatch(/^ALARM: BedrockCost-tenant-with-a-very-long-name-.*\.\.\.$/);
    expect(alert.message.startsWith(`ALARM: ${name}\n`)).toBe(true);
  });

  test('turns non-ASCII characters and line breaks of subjects into ASCII on one line', () => {
    const budget = fixture('budget-actual.txt').replace(/bedrock-monthly/g, 'Coût équipe 支援');

    expect(formatAlert({ message: budget }, withoutDashboard).subject).toBe('Budget Cout equipe ??: ACTUAL $85.12 of $100.00');
    expect(formatAlert({ subject: 'Cost\r\nalert\tfrom ops ✅', message: 'hello' }, withoutDashboard).subject).toBe(
      'Cost alert from ops ?',
    );
  });

  test.each([
    ['a CloudWatch alarm', fixture('cloudwatch-alarm.json')],
    ['a Budgets notification', fixture('budget-forecasted.txt')],
    ['a cost anomaly', fixture('cost-anomaly.json')],
  ])('the subject of %s is one that SNS accepts', (_case, message) => {
    expect(snsAccepts(formatAlert({ message }, withDashboard).subject)).toBe(true);
  });
});

describe('alert-formatter handler', () => {
  test('publishes one plain-text message per record to READABLE_TOPIC_ARN', async () => {
    const result = await handler(
      snsEvent(
        snsRecord('msg-alarm', fixture('cloudwatch-alarm.json'), ALARM_SUBJECT),
        snsRecord('msg-budget', fixture('budget-actual.txt'), BUDGET_SUBJECT),
        snsRecord('msg-anomaly', fixture('cost-anomaly.json')),
      ),
    );

    expect(result).toEqual({ published: 3 });
    expect(publishInputs()).toEqual([
      {
        TopicArn: READABLE_TOPIC_ARN,
        Subject: 'ALARM: BedrockCost-support-output-tokens-spike',
        Message: expect.stringContaining('\nThreshold: > 2,000,000 for 1 of 1 periods of 5 minutes\n'),
      },
      {
        TopicArn: READABLE_TOPIC_ARN,
        Subject: 'Budget bedrock-monthly: ACTUAL $85.12 of $100.00',
        Message: expect.stringContaining('\nActual spend: $85.12 of $100.00 budgeted (85.1%)\n'),
      },
      {
        TopicArn: READABLE_TOPIC_ARN,
        Subject: 'Cost anomaly: $123.45 above expected (Amazon Bedrock)',
        Message: expect.stringContaining('\nSpend: $161.85 actual vs $38.40 expected\n'),
      },
    ]);
  });

  test('links the dashboard only when DASHBOARD_URL is set', async () => {
    await handler(snsEvent(snsRecord('msg-1', fixture('cloudwatch-alarm.json'))));
    process.env.DASHBOARD_URL = DASHBOARD_URL;
    await handler(snsEvent(snsRecord('msg-2', fixture('cloudwatch-alarm.json'))));

    const [withoutUrl, withUrl] = publishInputs().map((input) => input.Message);
    expect(withoutUrl).not.toContain('\nDashboard: ');
    expect(withoutUrl).not.toContain(DASHBOARD_URL);
    expect(withUrl).toContain(`\nDashboard: ${DASHBOARD_URL}\n`);
  });

  test('forwards a notification it cannot read to the readable topic unchanged, with its subject', async () => {
    const message = fixture('plain-text.txt');

    await handler(snsEvent(snsRecord('msg-text', message, 'Ops notice')));

    expect(publishInputs()).toEqual([{ TopicArn: READABLE_TOPIC_ARN, Subject: 'Ops notice', Message: message }]);
  });

  test('logs the kind of each alert at info level', async () => {
    const info = jest.spyOn(Logger.prototype, 'info');

    await handler(
      snsEvent(snsRecord('msg-budget', fixture('budget-forecasted.txt')), snsRecord('msg-json', fixture('unknown-json.json'))),
    );

    expect(info).toHaveBeenCalledWith(
      expect.stringContaining('msg-budget'),
      expect.objectContaining({ messageId: 'msg-budget', kind: 'budget' }),
    );
    expect(info).toHaveBeenCalledWith(
      expect.stringContaining('msg-json'),
      expect.objectContaining({ messageId: 'msg-json', kind: 'unrecognized' }),
    );
  });

  test('when one publish fails, still publishes the other records, then rejects naming the failed message id', async () => {
    const refused = awsError('KMSAccessDeniedException', 'User is not authorized to perform kms:GenerateDataKey');
    sns.on(PublishCommand, { Subject: 'Budget bedrock-monthly: ACTUAL $85.12 of $100.00' }).rejects(refused);
    const logError = jest.spyOn(Logger.prototype, 'error');

    const error: unknown = await handler(
      snsEvent(
        snsRecord('msg-alarm', fixture('cloudwatch-alarm.json')),
        snsRecord('msg-budget', fixture('budget-actual.txt')),
        snsRecord('msg-anomaly', fixture('cost-anomaly.json')),
      ),
    ).catch((rejection: unknown) => rejection);

    expect(publishInputs().map((input) => input.Subject)).toEqual([
      'ALARM: BedrockCost-support-output-tokens-spike',
      'Budget bedrock-monthly: ACTUAL $85.12 of $100.00',
      'Cost anomaly: $123.45 above expected (Amazon Bedrock)',
    ]);
    expect(error).toBeInstanceOf(Error);
    const { message } = error as Error;
    expect(message).toContain('Publishing 1 of 3 alerts to the readable topic failed (SNS message ids msg-budget)');
    expect(message).toContain('kms:GenerateDataKey');
    expect(message).not.toMatch(/msg-alarm|msg-anomaly/);
    expect(logError).toHaveBeenCalledWith(
      expect.stringContaining('msg-budget'),
      expect.objectContaining({ messageId: 'msg-budget', error: refused }),
    );
  });

  test('rejects with a configuration error, publishing nothing, when READABLE_TOPIC_ARN is unset', async () => {
    delete process.env.READABLE_TOPIC_ARN;

    await expect(handler(snsEvent(snsRecord('msg-alarm', fixture('cloudwatch-alarm.json'))))).rejects.toThrow(
      'READABLE_TOPIC_ARN is not set, so the alert formatter has nowhere to publish',
    );
    expect(publishInputs()).toEqual([]);
  });
});
