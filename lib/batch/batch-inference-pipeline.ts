import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type CostAlertTopic } from '../alerts/cost-alert-topic';
import { createHandlerFunction } from '../internal/handler-function';
import { assertBatchSupported, type BedrockModel, InferenceSource } from '../pricing';
import { warnOnModelLifecycle } from '../internal/model-annotations';
import { type ICostAllocatedInferenceProfile, underlyingResourceArns } from '../profiles/cost-allocated-inference-profile';

/** How job records are written: the model's native InvokeModel body, or a Converse request. */
export enum BatchInvocationType {
  INVOKE_MODEL = 'InvokeModel',
  CONVERSE = 'Converse',
}

/**
 * Bedrock's batch inference quotas for the model and account. The defaults are AWS's usual
 * values; if you raised a quota in Service Quotas, state the new value here.
 */
export interface BatchQuotas {
  /** @default 100 */
  readonly minRecordsPerJob?: number;
  /** @default 50,000 */
  readonly maxRecordsPerJob?: number;
  /** @default 1,000,000,000 (1 GB) */
  readonly maxBytesPerFile?: number;
  /** @default 5,000,000,000 (5 GB) */
  readonly maxBytesPerJob?: number;
  /** In-progress plus submitted jobs. @default 20 */
  readonly maxConcurrentJobs?: number;
}

const DEFAULT_QUOTAS: Required<BatchQuotas> = {
  minRecordsPerJob: 100,
  maxRecordsPerJob: 50_000,
  maxBytesPerFile: 1_000_000_000,
  maxBytesPerJob: 5_000_000_000,
  maxConcurrentJobs: 20,
};

export interface BatchInferencePipelineProps {
  /** A model that supports batch inference, a cross-region source, or a cost-allocated profile. */
  readonly model: BedrockModel | InferenceSource | ICostAllocatedInferenceProfile;
  /**
   * When staged records are packed and submitted.
   *
   * @default Schedule.cron({ hour: '2', minute: '0' }) - nightly at 02:00 UTC
   */
  readonly schedule?: events.Schedule;
  /** Your account's quotas, if raised. @default - AWS's usual defaults */
  readonly quotas?: BatchQuotas;
  /** @default - quotas.maxRecordsPerJob */
  readonly maxRecordsPerJob?: number;
  /** @default - quotas.minRecordsPerJob */
  readonly minRecordsPerJob?: number;
  /** @default - maxRecordsPerJob */
  readonly maxRecordsPerFile?: number;
  /** @default - quotas.maxBytesPerFile */
  readonly maxBytesPerFile?: number;
  /** Jobs of this pipeline running at once. @default - quotas.maxConcurrentJobs */
  readonly maxConcurrentJobs?: number;
  /** Jobs a record may fail in before it goes to failed/. @default 3 */
  readonly maxAttempts?: number;
  /** The largest record accepted, in bytes. @default 1,048,576 */
  readonly maxRecordBytes?: number;
  /** @default BatchInvocationType.INVOKE_MODEL */
  readonly modelInvocationType?: BatchInvocationType;
  /** How long a job may run before it is stopped (24 to 168 hours). @default Duration.hours(24) */
  readonly jobTimeout?: Duration;
  /**
   * Alarm when a submission waits in the queue longer than this.
   *
   * @default Duration.hours(1)
   */
  readonly maxQueueAge?: Duration;
  /** Gets a summary of every batch, and the pipeline's alarms. @default - no notifications */
  readonly alertTopic?: CostAlertTopic;
  /** An existing bucket to stage in. @default - a new encrypted, versioned, TLS-only bucket */
  readonly bucket?: s3.IBucket;
  /** How long archived input, results and failures are kept. @default Duration.days(90) */
  readonly retention?: Duration;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

const JOB_NAME_PREFIX_MAX = 40;
/** Where the completer publishes its per-batch metrics (lambda/batch-completer uses the same). */
export const BATCH_METRICS_NAMESPACE = 'BedrockCost';

/**
 * Collects requests during the day, runs them as Bedrock batch inference jobs (about half the
 * on-demand price) on a schedule, and writes results back to S3, losing nothing: every record
 * ends in `results/`, is re-staged for another job, or lands in `failed/` with its error.
 */
export class BatchInferencePipeline extends Construct {
  public readonly bucket: s3.IBucket;
  /** Producers send one record per message here. */
  public readonly submitQueue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly stateMachine: sfn.StateMachine;
  /** The role Bedrock assumes to read job input and write output. */
  public readonly serviceRole: iam.Role;
  public readonly functions: {
    readonly collector: lambda.Function;
    readonly packer: lambda.Function;
    readonly submitter: lambda.Function;
    readonly resumer: lambda.Function;
    readonly completer: lambda.Function;
  };
  /** What the jobs call, and at which prices. */
  public readonly source: InferenceSource;
  /** Names the pipeline's jobs (`<name>-<batchId>`) and its metrics (dimension `Pipeline`). */
  public readonly pipelineName: string;

  constructor(scope: Construct, id: string, props: BatchInferencePipelineProps) {
    super(scope, id);
    const { source, modelId } = resolveModel(props.model);
    this.source = source;
    assertBatchSupported(source, 'BatchInferencePipeline model');
    if (!isProfile(props.model)) {
      warnOnModelLifecycle(this, source); // a profile warned when it was created
    }
    const limits = resolveLimits(props);
    const jobNamePrefix = `${Stack.of(this).stackName}-${id}`.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, JOB_NAME_PREFIX_MAX);
    const jobTimeoutHours = (props.jobTimeout ?? Duration.hours(24)).toHours();
    if (!Number.isInteger(jobTimeoutHours) || jobTimeoutHours < 24 || jobTimeoutHours > 168) {
      throw new Error(`BatchInferencePipeline jobTimeout: a whole number of hours from 24 to 168, got ${jobTimeoutHours}`);
    }
    const retention = props.retention ?? Duration.days(90);

    this.bucket = props.bucket ?? this.createBucket(retention);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the submit queue.' });
    this.submitQueue = new sqs.Queue(this, 'SubmitQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.serviceRole = this.createServiceRole(source, props.model);
    const common = { BUCKET: this.bucket.bucketName };
    const collector = createHandlerFunction(this, 'Collector', {
      handler: 'batch-collector',
      description: 'Validates submitted batch records and stages them in S3',
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      environment: { ...common, MAX_RECORD_BYTES: String(limits.maxRecordBytes) },
    });
    collector.addEventSource(new SqsEventSource(this.submitQueue, { batchSize: 1000, maxBatchingWindow: Duration.seconds(30), reportBatchItemFailures: true }));
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(collector), { prefix: 'incoming/', suffix: '.jsonl' });
    acknowledgeNotificationsHandler(Stack.of(this));

    const packer = createHandlerFunction(this, 'Packer', {
      handler: 'batch-packer',
      description: 'Packs staged records into Bedrock batch job files within the quotas',
      timeout: Duration.minutes(15),
      memorySize: 1024,
      logRetention: props.logRetention,
      environment: {
        ...common,
        MAX_RECORDS_PER_FILE: String(limits.maxRecordsPerFile),
        MAX_BYTES_PER_FILE: String(limits.maxBytesPerFile),
        MAX_RECORDS_PER_JOB: String(limits.maxRecordsPerJob),
        MIN_RECORDS_PER_JOB: String(limits.minRecordsPerJob),
        MAX_BYTES_PER_JOB: String(limits.maxBytesPerJob),
      },
    });
    const submitter = createHandlerFunction(this, 'Submitter', {
      handler: 'batch-submitter',
      description: 'Creates the Bedrock batch inference job of a packed batch',
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      environment: {
        ...common,
        MODEL_ID: modelId,
        ROLE_ARN: this.serviceRole.roleArn,
        JOB_NAME_PREFIX: jobNamePrefix,
        MODEL_INVOCATION_TYPE: props.modelInvocationType ?? BatchInvocationType.INVOKE_MODEL,
        JOB_TIMEOUT_HOURS: String(jobTimeoutHours),
        MAX_CONCURRENT_JOBS: String(limits.maxConcurrentJobs),
      },
    });
    const resumer = createHandlerFunction(this, 'Resumer', {
      handler: 'batch-resumer',
      description: 'Resumes the pipeline when a Bedrock batch job of this pipeline ends',
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      environment: { ...common, JOB_NAME_PREFIX: jobNamePrefix },
    });
    const completer = createHandlerFunction(this, 'Completer', {
      handler: 'batch-completer',
      description: 'Writes batch results back to S3, re-stages or fails the rest, reports the savings',
      timeout: Duration.minutes(15),
      memorySize: 1024,
      logRetention: props.logRetention,
      environment: {
        ...common,
        MODEL_ID: source.invocationId,
        MAX_ATTEMPTS: String(limits.maxAttempts),
        PIPELINE_NAME: jobNamePrefix,
        ALERT_TOPIC_ARN: props.alertTopic?.topicArn ?? '',
      },
    });
    this.functions = { collector, packer, submitter, resumer, completer };
    this.grantFunctions(props.alertTopic);

    // A fixed name lets the functions be granted the task responses without referencing the state
    // machine, which references them (a reference would be a dependency cycle).
    const stateMachineName = `${Stack.of(this).stackName}-${id}`.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 80);
    this.stateMachine = this.createStateMachine(stateMachineName, jobTimeoutHours, props.logRetention);
    const stateMachineArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    for (const fn of [submitter, resumer]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [stateMachineArn],
        }),
      );
    }
    new events.Rule(this, 'Schedule', {
      description: 'Packs and submits the staged Bedrock batch records',
      schedule: props.schedule ?? events.Schedule.cron({ hour: '2', minute: '0' }),
      targets: [new targets.SfnStateMachine(this.stateMachine)],
    });
    new events.Rule(this, 'JobStateChange', {
      description: 'Resumes the batch pipeline when one of its Bedrock jobs ends',
      eventPattern: {
        source: ['aws.bedrock'],
        detailType: ['Batch Inference Job State Change'],
        detail: { status: ['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'] },
      },
      targets: [new targets.LambdaFunction(resumer, { retryAttempts: 8 })],
    });
    this.pipelineName = jobNamePrefix;
    if (props.alertTopic) {
      this.createAlarms(props.alertTopic, props.maxQueueAge ?? Duration.hours(1));
    }
  }

  /** Lets `grantee` submit records: `sqs:SendMessage` on the submit queue and `s3:PutObject` under `incoming/`. */
  public grantSubmit(grantee: iam.IGrantable): iam.Grant {
    return this.submitQueue.grantSendMessages(grantee).combine(this.bucket.grantPut(grantee, 'incoming/*'));
  }

  /** Lets `grantee` read results and failures: `s3:GetObject*` and `s3:List*` under `results/` and `failed/`. */
  public grantReadResults(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee, 'results/*').combine(this.bucket.grantRead(grantee, 'failed/*'));
  }

  private createBucket(retention: Duration): s3.Bucket {
    const logs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    });
    Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This bucket holds the access logs of the staging bucket.' });
    const expire = (prefix: string): s3.LifecycleRule => ({ prefix, expiration: retention, noncurrentVersionExpiration: Duration.days(7) });
    return new s3.Bucket(this, 'Staging', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'staging/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        expire('archive/'),
        expire('results/'),
        expire('failed/'),
        expire('rejected/'),
        expire('jobs/'),
        { abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });
  }

  private createServiceRole(source: InferenceSource, model: BatchInferencePipelineProps['model']): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'BedrockServiceRole', {
      description: 'Assumed by Bedrock batch inference to read job input and write job output',
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:bedrock:${stack.region}:${stack.account}:model-invocation-job/*` },
        },
      }),
    });
    this.grantObjects(role, ['s3:GetObject'], ['jobs/*/input/']);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['jobs/*'] } },
      }),
    );
    this.grantObjects(role, ['s3:PutObject'], ['jobs/*/output/']);
    if (isProfile(model)) {
      model.grantInvoke(role);
    } else {
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: underlyingResourceArns(this, source) }),
      );
    }
    return role;
  }

  private grantFunctions(alertTopic?: CostAlertTopic): void {
    const { collector, packer, submitter, resumer, completer } = this.functions;
    const read = ['s3:GetObject'];
    const write = ['s3:PutObject', 's3:AbortMultipartUpload'];
    this.grantObjects(collector, read, ['incoming/']);
    this.grantObjects(collector, write, ['staged/', 'rejected/', 'archive/']);
    this.grantObjects(collector, ['s3:DeleteObject'], ['incoming/']);
    this.grantList(packer);
    this.grantObjects(packer, read, ['staged/', 'jobs/']);
    this.grantObjects(packer, write, ['jobs/', 'staged/', 'rejected/']);
    this.grantObjects(packer, ['s3:DeleteObject'], ['jobs/']);
    this.grantObjects(submitter, read, ['jobs/', 'staged/']);
    this.grantObjects(submitter, write, ['jobs/', 'archive/']);
    this.grantObjects(submitter, ['s3:DeleteObject'], ['staged/']);
    this.grantObjects(resumer, read, ['jobs/']);
    this.grantList(completer);
    this.grantObjects(completer, read, ['jobs/']);
    this.grantObjects(completer, write, ['jobs/', 'results/', 'failed/', 'staged/']);

    const stack = Stack.of(this);
    const jobArns = stack.formatArn({ service: 'bedrock', resource: 'model-invocation-job', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    submitter.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['bedrock:CreateModelInvocationJob', 'bedrock:ListModelInvocationJobs'], resources: ['*'] }),
    );
    submitter.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:StopModelInvocationJob'], resources: [jobArns] }));
    submitter.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.serviceRole.roleArn] }));
    resumer.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:GetModelInvocationJob'], resources: [jobArns] }));
    acknowledge(submitter, 'Resource::*', 'Creating and listing batch jobs has no resource-level permission in Bedrock.');
    for (const fn of [submitter, resumer]) {
      acknowledge(fn, `Resource::${nagArn(stack, 'bedrock', 'model-invocation-job/*')}`, 'Batch job ids are random: the grant covers the jobs of this account and Region.');
    }
    if (alertTopic) {
      alertTopic.grantPublish(completer);
      acknowledge(completer, 'Action::kms:GenerateDataKey*', 'Publishing to the KMS-encrypted alert topic needs kms:GenerateDataKey* on that one key.');
    }
  }

  /** `actions` on the objects under each prefix; batch ids are only known at run time. */
  private grantObjects(grantee: lambda.Function | iam.Role, actions: string[], prefixes: string[]): void {
    const statement = new iam.PolicyStatement({ actions, resources: prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`)) });
    if (grantee instanceof iam.Role) {
      grantee.addToPolicy(statement);
    } else {
      grantee.addToRolePolicy(statement);
    }
    for (const prefix of prefixes) {
      acknowledge(grantee, `Resource::${this.nagBucketArn()}/${prefix}*`, `Object keys under ${prefix} are named per batch at run time.`);
    }
  }

  private grantList(fn: lambda.Function): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
  }

  /** The bucket ARN as cdk-nag prints it in a finding. */
  private nagBucketArn(): string {
    const cfnBucket = this.bucket.node.defaultChild;
    if (cfnBucket instanceof s3.CfnBucket) {
      const stack = Stack.of(this);
      return `<${String(stack.resolve(stack.getLogicalId(cfnBucket)))}.Arn>`;
    }
    return this.bucket.bucketArn;
  }

  private createStateMachine(name: string, jobTimeoutHours: number, logRetention?: logs.RetentionDays): sfn.StateMachine {
    const { packer, submitter, completer } = this.functions;
    const pack = new tasks.LambdaInvoke(this, 'Pack', { lambdaFunction: packer, payloadResponseOnly: true, resultPath: '$.pack' });
    const submit = new tasks.LambdaInvoke(this, 'SubmitAndWait', {
      lambdaFunction: submitter,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({ action: 'submit', batchId: sfn.JsonPath.stringAt('$.pack.batchId'), taskToken: sfn.JsonPath.taskToken }),
      taskTimeout: sfn.Timeout.duration(Duration.hours(jobTimeoutHours + 1)),
      resultPath: '$.job',
    });
    // At the account's (or pipeline's) limit of running jobs: wait and retry, for up to two days.
    submit.addRetry({ errors: ['BatchJobSlotsFull'], interval: Duration.minutes(15), maxAttempts: 192, backoffRate: 1 });
    const stop = new tasks.LambdaInvoke(this, 'StopTimedOutJob', {
      lambdaFunction: submitter,
      payload: sfn.TaskInput.fromObject({ action: 'stop', batchId: sfn.JsonPath.stringAt('$.pack.batchId') }),
      payloadResponseOnly: true,
      resultPath: '$.job',
    });
    const complete = (name: string) =>
      new tasks.LambdaInvoke(this, name, {
        lambdaFunction: completer,
        payload: sfn.TaskInput.fromObject({
          batchId: sfn.JsonPath.stringAt('$.pack.batchId'),
          jobArn: sfn.JsonPath.stringAt('$.job.jobArn'),
          status: sfn.JsonPath.stringAt('$.job.status'),
        }),
        payloadResponseOnly: true,
        resultPath: '$.summary',
      });
    submit.addCatch(stop.next(complete('CompleteAfterTimeout')), { errors: ['States.Timeout'], resultPath: '$.timeout' });

    const definition = pack.next(
      new sfn.Choice(this, 'AnythingToRun')
        .when(sfn.Condition.isNull('$.pack.batchId'), new sfn.Succeed(this, 'NothingToRun'))
        .otherwise(
          submit.next(
            new sfn.Choice(this, 'AlreadyRunning')
              .when(
                sfn.Condition.or(sfn.Condition.stringEquals('$.job.status', 'Duplicate'), sfn.Condition.stringEquals('$.job.status', 'Empty')),
                new sfn.Succeed(this, 'NoJobToComplete'),
              )
              .otherwise(complete('Complete')),
          ),
        ),
    );
    const logGroup = createLogGroup(this, logRetention);
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      // Every state transition is logged, but not the records' data.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    const role = stateMachine.role as iam.Role;
    const stack = Stack.of(this);
    for (const fn of [packer, submitter, completer]) {
      const logicalId = String(stack.resolve(stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)));
      acknowledge(role, `Resource::<${logicalId}.Arn>:*`, 'Step Functions may invoke the versions of the pipeline functions it runs.');
    }
    acknowledge(role, 'Resource::*', 'X-Ray tracing and CloudWatch Logs delivery of Step Functions take no resource-level permissions.');
    return stateMachine;
  }

  /**
   * A metric the completer publishes per batch (namespace `BedrockCost`, dimension `Pipeline`):
   * Records, Succeeded, Restaged, Failed, InputTokens, OutputTokens, BatchCostUsd, SavedUsd.
   */
  public metric(metricName: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: BATCH_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { Pipeline: this.pipelineName },
      statistic: 'Sum',
      period: Duration.hours(1),
      ...options,
    });
  }

  private createAlarms(alertTopic: CostAlertTopic, maxQueueAge: Duration): void {
    const alarms = [
      new cloudwatch.Alarm(this, 'DeadLettersNotEmpty', {
        alarmDescription: 'Batch records the collector could not stage are in the dead-letter queue; redrive them once fixed.',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'RunFailed', {
        alarmDescription: 'A run of the batch pipeline failed: its records are still staged or in the job folder; see the execution history.',
        metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'RecordsFailed', {
        alarmDescription: `Records of batch pipeline ${this.pipelineName} failed for good after all their attempts: see failed/ in the staging bucket.`,
        metric: this.metric('Failed'),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'SubmissionsWaiting', {
        alarmDescription: `Batch submissions have waited in the queue for over ${maxQueueAge.toHumanString()}: check the collector.`,
        metric: this.submitQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(5) }),
        threshold: maxQueueAge.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) {
      alarm.addAlarmAction(alertTopic);
    }
  }
}

/** aws-cdk-lib's stack-wide function that configures bucket notifications. */
function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (handler) {
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "aws-cdk-lib's bucket-notification handler runs once per deployment with the basic logging policy.",
    });
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "aws-cdk-lib's bucket-notification handler needs s3:PutBucketNotification, which it scopes at run time.",
    });
  }
}

/** Tells cdk-nag why one wildcard finding on a function's or role's policy is fine. */
function acknowledge(grantee: lambda.Function | iam.Role, finding: string, reason: string): void {
  const scope = grantee instanceof iam.Role ? grantee : grantee.role;
  if (scope) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }
}

/** An ARN of this account and Region as cdk-nag prints it: pseudo parameters in angle brackets. */
function nagArn(stack: Stack, service: string, resource: string): string {
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
}

function isProfile(model: BatchInferencePipelineProps['model']): model is ICostAllocatedInferenceProfile {
  return typeof (model as Partial<ICostAllocatedInferenceProfile>).profileArn === 'string';
}

function resolveModel(model: BatchInferencePipelineProps['model']): { source: InferenceSource; modelId: string } {
  if (isProfile(model)) {
    return { source: model.source, modelId: model.profileArn };
  }
  const source = InferenceSource.of(model);
  return { source, modelId: source.invocationId };
}

interface Limits {
  readonly minRecordsPerJob: number;
  readonly maxRecordsPerJob: number;
  readonly maxRecordsPerFile: number;
  readonly maxBytesPerFile: number;
  readonly maxBytesPerJob: number;
  readonly maxConcurrentJobs: number;
  readonly maxAttempts: number;
  readonly maxRecordBytes: number;
}

function resolveLimits(props: BatchInferencePipelineProps): Limits {
  const quotas = { ...DEFAULT_QUOTAS, ...props.quotas };
  const maxRecordsPerJob = props.maxRecordsPerJob ?? quotas.maxRecordsPerJob;
  const limits: Limits = {
    minRecordsPerJob: props.minRecordsPerJob ?? quotas.minRecordsPerJob,
    maxRecordsPerJob,
    maxRecordsPerFile: props.maxRecordsPerFile ?? maxRecordsPerJob,
    maxBytesPerFile: props.maxBytesPerFile ?? quotas.maxBytesPerFile,
    maxBytesPerJob: quotas.maxBytesPerJob,
    maxConcurrentJobs: props.maxConcurrentJobs ?? quotas.maxConcurrentJobs,
    maxAttempts: props.maxAttempts ?? 3,
    maxRecordBytes: props.maxRecordBytes ?? 1_048_576,
  };
  const check = (field: string, value: number, min: number, max: number, why: string) => {
    if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > max)) {
      throw new Error(`BatchInferencePipeline ${field}: a whole number from ${min} to ${max} (${why}), got ${value}`);
    }
  };
  check('minRecordsPerJob', limits.minRecordsPerJob, quotas.minRecordsPerJob, quotas.maxRecordsPerJob, 'Bedrock rejects smaller jobs');
  check('maxRecordsPerJob', limits.maxRecordsPerJob, limits.minRecordsPerJob, quotas.maxRecordsPerJob, 'the records-per-job quota');
  check('maxRecordsPerFile', limits.maxRecordsPerFile, 1, limits.maxRecordsPerJob, 'at most maxRecordsPerJob');
  check('maxBytesPerFile', limits.maxBytesPerFile, 1_048_576, quotas.maxBytesPerFile, 'the file-size quota');
  check('maxConcurrentJobs', limits.maxConcurrentJobs, 1, quotas.maxConcurrentJobs, 'the concurrent-jobs quota');
  check('maxAttempts', limits.maxAttempts, 1, 10, 'jobs a record may fail in');
  check('maxRecordBytes', limits.maxRecordBytes, 1, limits.maxBytesPerFile, 'at most one file');
  return limits;
}

function createLogGroup(scope: Construct, retention?: logs.RetentionDays): logs.LogGroup {
  return new logs.LogGroup(scope, 'StateMachineLogs', {
    retention: retention ?? logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
