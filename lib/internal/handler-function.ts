import * as path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { type Construct } from 'constructs';

/** Where the handlers live: one folder per function under lambda/. */
const LAMBDA_ROOT = path.join(__dirname, '..', '..', 'lambda');

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
  return new nodejs.NodejsFunction(scope, id, {
    entry: path.join(LAMBDA_ROOT, props.handler, 'index.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    retryAttempts: props.retryAttempts,
    deadLetterQueue: props.deadLetterQueue,
    role,
    logGroup,
    description: props.description,
    environment: {
      POWERTOOLS_SERVICE_NAME: props.handler,
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    bundling: { minify: true, sourceMap: true, target: 'node24', logLevel: nodejs.LogLevel.WARNING },
  });
}
