import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type Construct } from 'constructs';
import { type CacheConfig } from './contract';

/** How long an answer stays in the cache, and who may reuse it. */
export interface ResponseCacheOptions {
  /**
   * How long a cached answer is served: a whole number of seconds from 1 second to 30 days.
   *
   * @default Duration.minutes(5)
   */
  readonly ttl?: Duration;
  /**
   * Whether tenants (the request's `tenantId`) share entries. Off, an identical question from
   * two tenants is answered twice: one tenant's answer may carry what only it may see.
   *
   * @default false
   */
  readonly shareAcrossTenants?: boolean;
}

export interface DynamoDbResponseCacheOptions extends ResponseCacheOptions {
  /**
   * What happens to the table when it leaves the stack. It only holds copies of answers.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface RedisResponseCacheOptions extends ResponseCacheOptions {
  /**
   * The VPC of the ElastiCache Serverless cache and of the router Lambda. The router also calls
   * Lambda and Bedrock Runtime from there, so the subnets need a NAT gateway or interface
   * endpoints for `lambda` and `bedrock-runtime`.
   */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the cache and the router: two or three, in different Availability Zones.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * @default RedisEngine.VALKEY
   */
  readonly engine?: RedisEngine;
  /**
   * A ceiling on the cache's data, in GB (ElastiCache Serverless bills per GB-hour stored).
   *
   * @default - no ceiling beyond the service's
   */
  readonly maxDataStorageGb?: number;
}

/** The Redis-protocol engines of ElastiCache Serverless. */
export class RedisEngine {
  /** Valkey 8: the cheaper of the two on ElastiCache Serverless. */
  public static readonly VALKEY = new RedisEngine('valkey', '8');
  public static readonly REDIS = new RedisEngine('redis', '7');

  private constructor(
    public readonly engine: string,
    public readonly majorVersion: string,
  ) {}
}

/** What a cache gives the router when bound: configuration, environment, network and grants. */
/** @internal */
export interface BoundResponseCache {
  readonly config: CacheConfig;
  readonly environment: Readonly<Record<string, string>>;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Lets the router read and write entries. */
  grantReadWrite(router: lambda.IFunction): void;
}

const MAX_TTL = Duration.days(30);

/**
 * The router's exact-match response cache. The key is a SHA-256 hash of the normalized request
 * (messages, forced tier, maxTokens), the tenant unless tenants share, and a version of the
 * router's configuration: never the raw prompt, and a changed system prompt never serves old
 * answers.
 */
export abstract class ResponseCache {
  /** An on-demand DynamoDB table with a TTL attribute: no VPC, pay per request. The default. */
  public static dynamoDb(options: DynamoDbResponseCacheOptions = {}): ResponseCache {
    return new DynamoDbResponseCache(options);
  }

  /**
   * ElastiCache Serverless (Valkey or Redis): sub-millisecond reads, for high request rates.
   * Puts the router Lambda in the VPC.
   */
  public static redis(options: RedisResponseCacheOptions): ResponseCache {
    return new RedisResponseCache(options);
  }

  /** No response cache: every request reaches a model. */
  public static none(): ResponseCache {
    return new NoResponseCache();
  }

  /** @internal */
  public abstract _bind(scope: Construct, routerName: string): BoundResponseCache;
}

function ttlSeconds(ttl: Duration | undefined): number {
  const seconds = (ttl ?? Duration.minutes(5)).toSeconds();
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TTL.toSeconds()) {
    throw new Error(`ResponseCache ttl must be a whole number of seconds from 1 to ${MAX_TTL.toSeconds()} (30 days), got ${seconds}`);
  }
  return seconds;
}

class NoResponseCache extends ResponseCache {
  public _bind(): BoundResponseCache {
    return { config: { kind: 'none' }, environment: {}, grantReadWrite: () => undefined };
  }
}

/** The attribute names the router handler reads and writes (lambda/router). */
const KEY_ATTRIBUTE = 'key';
const TTL_ATTRIBUTE = 'expiresAt';

class DynamoDbResponseCache extends ResponseCache {
  private readonly ttlSeconds: number;

  constructor(private readonly options: DynamoDbResponseCacheOptions) {
    super();
    this.ttlSeconds = ttlSeconds(options.ttl);
  }

  public _bind(scope: Construct): BoundResponseCache {
    const table = new dynamodb.Table(scope, 'ResponseCache', {
      partitionKey: { name: KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: this.options.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    Validations.of(table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'A response cache holds copies of answers for minutes; there is nothing to restore to a point in time.',
    });
    return {
      config: { kind: 'dynamodb', ttlSeconds: this.ttlSeconds, shareAcrossTenants: this.options.shareAcrossTenants ?? false },
      environment: { CACHE_TABLE: table.tableName },
      grantReadWrite: (router) => {
        table.grant(router, 'dynamodb:GetItem', 'dynamodb:PutItem');
      },
    };
  }
}

const REDIS_PORT = 6379;
const CACHE_NAME_LIMIT = 40;

class RedisResponseCache extends ResponseCache {
  private readonly ttlSeconds: number;

  constructor(private readonly options: RedisResponseCacheOptions) {
    super();
    this.ttlSeconds = ttlSeconds(options.ttl);
    const storage = options.maxDataStorageGb;
    if (storage !== undefined && (!Number.isInteger(storage) || storage < 1 || storage > 5000)) {
      throw new Error(`ResponseCache.redis maxDataStorageGb must be a whole number from 1 to 5000, got ${storage}`);
    }
  }

  public _bind(scope: Construct, routerName: string): BoundResponseCache {
    const { vpc } = this.options;
    const vpcSubnets = this.options.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const cacheGroup = new ec2.SecurityGroup(scope, 'ResponseCacheSecurityGroup', {
      vpc,
      description: `Response cache of router ${routerName}: Redis protocol from the router only`,
      allowAllOutbound: false,
    });
    const routerGroup = new ec2.SecurityGroup(scope, 'RouterSecurityGroup', {
      vpc,
      description: `Router ${routerName}: reaches the response cache, Lambda and Bedrock Runtime`,
      allowAllOutbound: true,
    });
    cacheGroup.addIngressRule(routerGroup, ec2.Port.tcp(REDIS_PORT), 'Router to response cache');
    const engine = this.options.engine ?? RedisEngine.VALKEY;
    const cache = new elasticache.CfnServerlessCache(scope, 'ResponseCache', {
      serverlessCacheName: serverlessCacheName(scope),
      description: `Response cache of Bedrock router ${routerName}`,
      engine: engine.engine,
      majorEngineVersion: engine.majorVersion,
      subnetIds: vpc.selectSubnets(vpcSubnets).subnetIds,
      securityGroupIds: [cacheGroup.securityGroupId],
      cacheUsageLimits:
        this.options.maxDataStorageGb === undefined ? undefined : { dataStorage: { maximum: this.options.maxDataStorageGb, unit: 'GB' } },
    });
    return {
      config: { kind: 'redis', ttlSeconds: this.ttlSeconds, shareAcrossTenants: this.options.shareAcrossTenants ?? false },
      // ElastiCache Serverless only speaks TLS.
      environment: { REDIS_URL: `rediss://${cache.attrEndpointAddress}:${cache.attrEndpointPort}` },
      vpc,
      vpcSubnets,
      securityGroups: [routerGroup],
      grantReadWrite: () => undefined, // network access is the grant: the security groups above
    };
  }
}

/** 1-40 lowercase letters, digits and single hyphens, starting with a letter, unique in the account and Region. */
function serverlessCacheName(scope: Construct): string {
  const unique = Names.uniqueResourceName(scope, { maxLength: CACHE_NAME_LIMIT, separator: '-' })
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-');
  return `rc-${unique}`.slice(0, CACHE_NAME_LIMIT).replace(/-$/, '');
}
