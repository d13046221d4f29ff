import { Aws, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { createCustomResourceProvider } from '../internal/custom-resource-provider';
import { createHandlerFunction } from '../internal/handler-function';
import { integerIn } from '../internal/validate';
import { InvocationLogAnalytics, type InvocationLogAnalyticsOptions } from './invocation-log-analytics';

/** Invocation logs also go to CloudWatch Logs, for Logs Insights and metric filters. */
export interface InvocationLogCloudWatchOptions {
  /** @default RetentionDays.ONE_MONTH */
  readonly retention?: logs.RetentionDays;
}

export interface BedrockInvocationLoggingProps {
  /**
   * Log the text of prompts and completions. Off by default: prompts may hold personal data, and
   * cost attribution needs only the metadata (token counts, model, caller, `requestMetadata`).
   *
   * @default false
   */
  readonly textDataDelivery?: boolean;
  /** Log images passed and generated. @default false */
  readonly imageDataDelivery?: boolean;
  /** Log embeddings. @default false */
  readonly embeddingDataDelivery?: boolean;
  /** Log video. @default false */
  readonly videoDataDelivery?: boolean;
  /** Log audio. @default false */
  readonly audioDataDelivery?: boolean;
  /**
   * The key prefix Bedrock writes under (`<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/...`):
   * up to 200 characters of letters, digits and `! _ . ( ) -`, in `/`-separated parts.
   *
   * @default 'bedrock'
   */
  readonly keyPrefix?: string;
  /**
   * How long log objects are kept in S3.
   *
   * @default Duration.days(365)
   */
  readonly retention?: Duration;
  /**
   * What happens to the log bucket (and log group) when the stack deletes them.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Also deliver to CloudWatch Logs, through a role Bedrock assumes.
   *
   * @default - S3 only
   */
  readonly cloudWatchLogs?: InvocationLogCloudWatchOptions;
  /**
   * Model invocation logging is one setting per account and Region. When the account already has
   * a configuration, deployment fails unless this is true; then the stack replaces it and puts it
   * back when the stack deletes its own.
   *
   * @default false
   */
  readonly overwriteExisting?: boolean;
  /**
   * The Athena database, table, workgroup and named queries over the logs, or `false` for none.
   *
   * @default - on, with the default price table and a "cost by tenant" query
   */
  readonly analytics?: false | InvocationLogAnalyticsOptions;
  /**
   * Log retention of the function that configures logging.
   *
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

const KEY_PREFIX = /^[A-Za-z0-9!_.()-]+(\/[A-Za-z0-9!_.()-]+)*$/;
const MAX_KEY_PREFIX_LENGTH = 200;
/** The log stream Bedrock writes into the log group. */
const LOG_STREAM = 'aws/bedrock/modelinvocations';

/**
 * Turns on Amazon Bedrock model invocation logging for the account and Region: every Converse and
 * InvokeModel call leaves a record of model, caller, token counts (cache reads and writes
 * included) and `requestMetadata`, which is what per-request cost attribution needs. Logs go to
 * an encrypted, TLS-only S3 bucket with a lifecycle and, optionally, to CloudWatch Logs; by
 * default without prompt or completion text.
 *
 * CloudFormation has no resource type for this setting: a custom resource calls
 * `PutModelInvocationLoggingConfiguration`. It refuses to replace a configuration the account
 * already has unless `overwriteExisting` is set, and on delete puts back what it replaced (or
 * turns logging off), but only while the configuration is still its own.
 */
export class BedrockInvocationLogging extends Construct {
  /** Where Bedrock writes the logs. */
  public readonly bucket: s3.Bucket;
  /** The S3 access logs of `bucket`. */
  public readonly accessLogsBucket: s3.Bucket;
  /** The key prefix Bedrock writes under. */
  public readonly keyPrefix: string;
  public readonly logGroup?: logs.LogGroup;
  /** The role Bedrock assumes to write to `logGroup`. */
  public readonly cloudWatchRole?: iam.Role;
  public readonly analytics?: InvocationLogAnalytics;
  /** `'true'` when deployment replaced a configuration the account had (a CloudFormation attribute). */
  public readonly replacedExisting: string;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: BedrockInvocationLoggingProps = {}) {
    super(scope, id);
    this.keyPrefix = validKeyPrefix(props.keyPrefix ?? 'bedrock');
    const retentionDays = integerIn((props.retention ?? Duration.days(365)).toDays({ integral: false }), 1, 36500, 'BedrockInvocationLogging retention (days)');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.node.addValidation({ validate: () => this.checkOnePerStack() });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy,
      lifecycleRules: [{ expiration: Duration.days(retentionDays) }],
    });
    Validations.of(this.accessLogsBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'This bucket holds the access logs of the invocation log bucket.' });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'invocation-logs/',
      removalPolicy,
      lifecycleRules: [{ expiration: Duration.days(retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    // The bucket policy of "Monitor model invocation using CloudWatch Logs and Amazon S3" (Bedrock User Guide).
    const bedrockSource = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
    };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AmazonBedrockLogsWrite',
        principals: [new iam.ServicePrincipal('bedrock.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${this.keyPrefix}/AWSLogs/${Aws.ACCOUNT_ID}/BedrockModelInvocationLogs/*`)],
        conditions: bedrockSource,
      }),
    );

    const delivery = {
      textDataDeliveryEnabled: props.textDataDelivery ?? false,
      imageDataDeliveryEnabled: props.imageDataDelivery ?? false,
      embeddingDataDeliveryEnabled: props.embeddingDataDelivery ?? false,
      videoDataDeliveryEnabled: props.videoDataDelivery ?? false,
      audioDataDeliveryEnabled: props.audioDataDelivery ?? false,
    };
    const s3Config = { bucketName: this.bucket.bucketName, keyPrefix: this.keyPrefix };
    let cloudWatchConfig: Record<string, unknown> | undefined;
    if (props.cloudWatchLogs) {
      this.logGroup = new logs.LogGroup(this, 'LogGroup', {
        retention: props.cloudWatchLogs.retention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy,
      });
      this.cloudWatchRole = new iam.Role(this, 'CloudWatchRole', {
        assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', { conditions: bedrockSource }),
        description: 'Lets Amazon Bedrock write model invocation logs to CloudWatch Logs',
      });
      this.cloudWatchRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${this.logGroup.logGroupName}:log-stream:${LOG_STREAM}`],
        }),
      );
      const anyData = Object.values(delivery).some((enabled) => enabled);
      cloudWatchConfig = {
        logGroupName: this.logGroup.logGroupName,
        roleArn: this.cloudWatchRole.roleArn,
        // Bodies too large for a log event go to S3 (only data delivery produces them).
        ...(anyData ? { largeDataDeliveryS3Config: s3Config } : {}),
      };
    }

    // Before the function, whose bundling is slow, so bad analytics props fail fast.
    if (props.analytics !== false) {
      this.analytics = new InvocationLogAnalytics(this, 'Analytics', { ...props.analytics, bucket: this.bucket, keyPrefix: this.keyPrefix });
    }
    this.resource = this.configureLogging(
      { s3Config, ...(cloudWatchConfig ? { cloudWatchConfig } : {}), ...delivery },
      props.overwriteExisting ?? false,
      props.logRetention,
    );
    this.replacedExisting = this.resource.getAttString('ReplacedExisting');

  }

  private configureLogging(loggingConfig: Record<string, unknown>, overwriteExisting: boolean, logRetention?: logs.RetentionDays): CustomResource {
    const stack = Stack.of(this);
    const fn = createHandlerFunction(this, 'ConfigureFunction', {
      handler: 'invocation-logging',
      description: 'Turns on Amazon Bedrock model invocation logging and restores the previous setting on delete',
      timeout: Duration.minutes(2),
      logRetention,
      environment: {},
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'bedrock:GetModelInvocationLoggingConfiguration',
          'bedrock:PutModelInvocationLoggingConfiguration',
          'bedrock:DeleteModelInvocationLoggingConfiguration',
        ],
        resources: ['*'],
      }),
    );
    const passToBedrock = { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } };
    if (this.cloudWatchRole) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.cloudWatchRole.roleArn], conditions: passToBedrock }));
    }
    const role = fn.role as iam.IRole;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Model invocation logging is an account setting: its three actions take no resource.',
    });
    if (overwriteExisting) {
      // Restoring a replaced configuration passes its role, which this stack does not know.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/*`], conditions: passToBedrock }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
        reason: 'With overwriteExisting, deleting the stack restores the replaced configuration, whose role is unknown at synth; only passing to Bedrock is allowed.',
      });
    }
    const provider = createCustomResourceProvider(this, 'ConfigureProvider', fn, logRetention);
    const resource = new CustomResource(this, 'Configuration', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::BedrockInvocationLogging',
      properties: {
        LoggingConfig: stack.toJsonString(loggingConfig),
        OverwriteExisting: String(overwriteExisting),
      },
    });
    // Bedrock checks it can write to every destination when the configuration is put.
    if (this.bucket.policy) {
      resource.node.addDependency(this.bucket.policy);
    }
    const rolePolicy = this.cloudWatchRole?.node.tryFindChild('DefaultPolicy');
    if (rolePolicy) {
      resource.node.addDependency(rolePolicy);
    }
    return resource;
  }

  private checkOnePerStack(): string[] {
    const others = Stack.of(this)
      .node.findAll()
      .filter((node) => node instanceof BedrockInvocationLogging && node !== this);
    return others.length > 0
      ? [`model invocation logging is one setting per account and Region, but this stack also configures it at ${others.map((o) => o.node.path).join(', ')}`]
      : [];
  }
}

function validKeyPrefix(prefix: string): string {
  if (prefix.length > MAX_KEY_PREFIX_LENGTH || !KEY_PREFIX.test(prefix)) {
    throw new Error(
      `BedrockInvocationLogging keyPrefix: 1-${MAX_KEY_PREFIX_LENGTH} characters of letters, digits and ! _ . ( ) - in /-separated parts, ` +
        `without a slash at either end; got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}
