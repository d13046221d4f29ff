import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { type Construct } from 'constructs';

/**
 * Where the handlers live: one folder per function under lambda/, next to lib/ in a checkout and
 * next to dist/ in the published package (which ships the TypeScript for NodejsFunction to bundle).
 */
const LAMBDA_ROOTS = [path.join(__dirname, '..', '..', 'lambda'), path.join(__dirname, '..', '..', '..', 'lambda')];

function handlerEntry(handler: string): string {
  const entries = LAMBDA_ROOTS.map((root) => path.join(root, handler, 'index.ts'));
  const found = entries.find((entry) => existsSync(entry));
  if (found === undefined) {
    throw new Error(`handler ${handler} not found; looked for ${entries.join(' and ')}`);
  }
  return found;
}

export interface HandlerFunctionProps {
  /** The handler's folder under lambda/, e.g. `tag-activation`. */
  readonly handler: string;
  /** Names the function's job, for its role and console listing. */
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default - Lambda's default of 2 retries for asynchronous calls */
  readonly retryAttempts?: number;
  /** @default - none */
  readonly deadLetterQueue?: lambda.FunctionProps['deadLetterQueue'];
  /**
   * Files written next to the bundle's index.js (name -> content): configuration too large for
   * Lambda's 4 KB of environment variables, such as system prompts.
   *
   * @default - none
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /** @default - not in a VPC */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's default selection */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new group, when in a VPC */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * A handler of lambda/ bundled with the local esbuild for Node.js 24 on arm64, with its own log
 * group and a role that may write only there (no AWSLambdaBasicExecutionRole).
 */
export function createHandlerFunction(scope: Construct, id: string, props: HandlerFunctionProps): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  logGroup.grantWrite(role);
  if (props.vpc) {
    allowVpcNetworking(role);
  }
  const staged = stageBundledFiles(props.bundledFiles);
  try {
    return createFunction(scope, id, props, role, logGroup, staged);
  } finally {
    // Local bundling runs inside the NodejsFunction constructor: the copies are in the asset by now.
    if (staged) {
      rmSync(staged.directory, { recursive: true, force: true });
    }
  }
}

/**
 * What AWSLambdaVPCAccessExecutionRole grants, which aws-cdk-lib adds only to roles it creates:
 * Lambda manages the function's network interfaces with the execution role.
 */
function allowVpcNetworking(role: iam.Role): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'A Lambda function in a VPC manages its network interfaces through its role; EC2 authorizes these actions on * only.',
  });
}

interface StagedFiles {
  readonly directory: string;
  readonly names: readonly string[];
}

function stageBundledFiles(files: Readonly<Record<string, string>> | undefined): StagedFiles | undefined {
  if (files === undefined || Object.keys(files).length === 0) {
    return undefined;
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'cdk-bedrock-cost-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(directory, name), content);
  }
  return { directory, names: Object.keys(files) };
}

/** A shell command copying a staged file into the bundle, with node so it works wherever synth runs. */
function copyCommand(staged: StagedFiles, name: string, outputDir: string): string {
  const quote = (value: string) => `"${value}"`;
  const copy = `require('fs').copyFileSync(process.argv[1], process.argv[2])`;
  return [process.execPath, '-e', copy, path.join(staged.directory, name), path.join(outputDir, name)].map(quote).join(' ');
}

function createFunction(
  scope: Construct,
  id: string,
  props: HandlerFunctionProps,
  role: iam.Role,
  logGroup: logs.LogGroup,
  staged: StagedFiles | undefined,
): nodejs.NodejsFunction {
  return new nodejs.NodejsFunction(scope, id, {
    entry: handlerEntry(props.handler),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    retryAttempts: props.retryAttempts,
    deadLetterQueue: props.deadLetterQueue,
    role,
    logGroup,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: props.securityGroups,
    description: props.description,
    environment: {
      POWERTOOLS_SERVICE_NAME: props.handler,
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    bundling: {
      minify: true,
      sourceMap: true,
      target: 'node24',
      logLevel: nodejs.LogLevel.WARNING,
      commandHooks: staged && {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => staged.names.map((name) => copyCommand(staged, name, outputDir)),
      },
    },
  });
}
