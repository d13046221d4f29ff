import { Aws, Duration, Names, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { integerIn } from '../internal/validate';
import { PriceTable } from '../pricing';
import {
  cacheEffectivenessSql,
  costByDayAndModelSql,
  costByMetadataKeySql,
  type InvocationLogQueryOptions,
  type ProfilePriceSource,
  sqlPriceRows,
  topPrincipalsSql,
} from './analytics-sql';
import { RequestMetadataKey, validateRequestMetadataKey } from './request-metadata';

/** The analytics settings `BedrockInvocationLogging` passes on. */
export interface InvocationLogAnalyticsOptions {
  /**
   * The prices the named queries use, so they price what the library prices.
   *
   * @default PriceTable.DEFAULT
   */
  readonly priceTable?: PriceTable;
  /**
   * Application inference profiles whose calls the queries price by the source each copies from
   * (their log records name the profile, not the model). A `CostAllocatedInferenceProfile` fits.
   *
   * @default - none: calls through application profiles count as unpriced
   */
  readonly profiles?: readonly ProfilePriceSource[];
  /**
   * `requestMetadata` keys to get a "cost by key" named query each.
   *
   * @default ['tenant']
   */
  readonly metadataKeys?: readonly string[];
  /**
   * Days of logs each named query reads (1-3660); the partition filter bounds what a query scans.
   *
   * @default 30
   */
  readonly lookbackDays?: number;
  /**
   * A query that would scan more is cancelled (Athena bills by data scanned); at least 10 MB.
   *
   * @default Size.gibibytes(10)
   */
  readonly bytesScannedCutoffPerQuery?: Size;
  /**
   * How long query results are kept.
   *
   * @default Duration.days(30)
   */
  readonly resultsRetention?: Duration;
}

export interface InvocationLogAnalyticsProps extends InvocationLogAnalyticsOptions {
  /** The bucket Bedrock writes the invocation logs to. */
  readonly bucket: s3.IBucket;
  /** The key prefix of the logging configuration, without slashes at either end; '' for none. */
  readonly keyPrefix: string;
}

/** The partition column: the `yyyy/MM/dd` part of the path Bedrock writes. */
const PARTITION_COLUMN = 'dt';
/** Amazon Bedrock became generally available in September 2023: no logs are older. */
const PROJECTION_START = '2023/09/01';
const TABLE_NAME = 'invocations';
const MIN_CUTOFF_BYTES = 10 * 1024 * 1024;

/**
 * The record fields, lowercase: the OpenX JSON SerDe matches keys case-insensitively by
 * lowercasing them (map keys of `requestmetadata` included).
 */
const COLUMNS: glue.CfnTable.ColumnProperty[] = [
  { name: 'schematype', type: 'string' },
  { name: 'schemaversion', type: 'string' },
  { name: 'timestamp', type: 'string', comment: 'ISO 8601, UTC' },
  { name: 'accountid', type: 'string' },
  { name: 'identity', type: 'struct<arn:string>' },
  { name: 'region', type: 'string' },
  { name: 'requestid', type: 'string' },
  { name: 'operation', type: 'string' },
  { name: 'modelid', type: 'string', comment: 'What the caller passed: a model id, a profile id or an ARN' },
  { name: 'errorcode', type: 'string' },
  { name: 'inferenceregion', type: 'string' },
  {
    name: 'input',
    type: 'struct<inputcontenttype:string,inputtokencount:bigint,cachereadinputtokencount:bigint,cachewriteinputtokencount:bigint>',
  },
  { name: 'output', type: 'struct<outputcontenttype:string,outputtokencount:bigint>' },
  { name: 'requestmetadata', type: 'map<string,string>' },
];

/**
 * Athena over the invocation logs in S3: a Glue database and table with partition projection on
 * the date path Bedrock writes (no crawler, no partitions to load), a workgroup whose results are
 * encrypted and whose settings queries cannot override, and named queries priced by the price
 * table at synth time: cost by day and model, by `requestMetadata` key, top principals, and
 * prompt-cache effectiveness.
 */
export class InvocationLogAnalytics extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly table: glue.CfnTable;
  public readonly workGroup: athena.CfnWorkGroup;
  /** Query results, SSE-S3 encrypted, TLS only, expired after `resultsRetention`. */
  public readonly resultsBucket: s3.Bucket;
  /** The named queries by short name: `cost-by-day-and-model`, `cost-by-<key>`, `top-principals`, `cache-effectiveness`. */
  public readonly namedQueries: Readonly<Record<string, athena.CfnNamedQuery>>;
  public readonly databaseName: string;
  public readonly tableName = TABLE_NAME;
  public readonly workGroupName: string;
  private readonly bucket: s3.IBucket;
  private readonly logsPrefix: string;

  constructor(scope: Construct, id: string, props: InvocationLogAnalyticsProps) {
    super(scope, id);
    const lookbackDays = integerIn(props.lookbackDays ?? 30, 1, 3660, 'InvocationLogAnalytics lookbackDays');
    const cutoff = (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes();
    if (cutoff < MIN_CUTOFF_BYTES) {
      throw new Error(`InvocationLogAnalytics bytesScannedCutoffPerQuery: at least 10 MB (Athena's minimum), got ${cutoff} bytes`);
    }
    (props.metadataKeys ?? []).forEach((key) => validateRequestMetadataKey(key, 'InvocationLogAnalytics metadataKeys:'));
    // Athena sees the keys lowercased, so keys differing only in case are one key there.
    const metadataKeys = [...new Set((props.metadataKeys ?? [RequestMetadataKey.TENANT]).map((key) => key.toLowerCase()))];
    const resultsDays = (props.resultsRetention ?? Duration.days(30)).toDays({ integral: false });
    integerIn(resultsDays, 1, 3650, 'InvocationLogAnalytics resultsRetention (days)');

    this.bucket = props.bucket;
    this.logsPrefix = `${props.keyPrefix === '' ? '' : `${props.keyPrefix}/`}AWSLogs/${Aws.ACCOUNT_ID}/BedrockModelInvocationLogs/${Aws.REGION}/`;
    const location = `s3://${props.bucket.bucketName}/${this.logsPrefix}`;

    this.databaseName = Names.uniqueResourceName(this, { maxLength: 120, separator: '_' }).toLowerCase();
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'Amazon Bedrock model invocation logs' },
    });
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: TABLE_NAME,
        description: 'Amazon Bedrock model invocation log records (JSON lines, gzip), one partition per UTC day',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          [`projection.${PARTITION_COLUMN}.type`]: 'date',
          [`projection.${PARTITION_COLUMN}.format`]: 'yyyy/MM/dd',
          [`projection.${PARTITION_COLUMN}.range`]: `${PROJECTION_START},NOW`,
          [`projection.${PARTITION_COLUMN}.interval`]: '1',
          [`projection.${PARTITION_COLUMN}.interval.unit`]: 'DAYS',
          'storage.location.template': `${location}\${${PARTITION_COLUMN}}/`,
        },
        partitionKeys: [{ name: PARTITION_COLUMN, type: 'string', comment: 'UTC day of delivery, yyyy/MM/dd' }],
        storageDescriptor: {
          location,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            // Large payloads (data/ objects) and permission-check markers are not records.
            parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' },
          },
          columns: COLUMNS,
        },
      },
    });
    this.table.node.addDependency(this.database);

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
      lifecycleRules: [{ expiration: Duration.days(resultsDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    Validations.of(this.resultsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Athena query results expire after days; Athena records who ran each query (CloudTrail), so access logs add nothing.',
    });

    this.workGroupName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Queries over the Amazon Bedrock model invocation logs',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    const options: InvocationLogQueryOptions = {
      database: this.databaseName,
      table: TABLE_NAME,
      partitionColumn: PARTITION_COLUMN,
      lookbackDays,
      prices: sqlPriceRows(props.priceTable ?? PriceTable.DEFAULT, props.profiles ?? []),
    };
    const window = `the last ${lookbackDays} days`;
    const queries: Record<string, athena.CfnNamedQuery> = {};
    const addQuery = (name: string, description: string, sql: string) => {
      const query = new athena.CfnNamedQuery(this, `Query-${name}`, {
        name: `bedrock-${name}`,
        description,
        database: this.databaseName,
        workGroup: this.workGroup.ref,
        queryString: sql,
      });
      query.node.addDependency(this.table);
      queries[name] = query;
    };
    addQuery('cost-by-day-and-model', `Bedrock spend per UTC day and model id over ${window}`, costByDayAndModelSql(options));
    for (const key of metadataKeys) {
      addQuery(
        `cost-by-${key.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'key'}`,
        `Bedrock spend per requestMetadata '${key}' over ${window}; the NULL row is calls without it`,
        costByMetadataKeySql(options, key),
      );
    }
    addQuery('top-principals', `The callers (identity.arn) that spent the most over ${window}`, topPrincipalsSql(options));
    addQuery('cache-effectiveness', `Prompt-cache reads, writes and savings per model over ${window}`, cacheEffectivenessSql(options));
    this.namedQueries = queries;
  }

  /**
   * Lets `grantee` run queries in the workgroup: `athena:StartQueryExecution`, `GetQueryExecution`,
   * `GetQueryResults`, `StopQueryExecution`, `GetWorkGroup`, `ListNamedQueries`, `GetNamedQuery`
   * on the workgroup; `glue:GetDatabase`, `GetTable`, `GetPartitions` on the database and table;
   * read on the invocation logs; read and write on the results bucket.
   */
  public grantQuery(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:GetNamedQuery',
      ],
      resourceArns: [workGroupArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${TABLE_NAME}` }),
      ],
    });
    this.bucket.grantRead(grantee, `${this.logsPrefix}*`);
    this.resultsBucket.grantReadWrite(grantee);
    return grant;
  }
}
