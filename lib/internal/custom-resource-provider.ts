import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { type Construct } from 'constructs';

/**
 * An aws-cdk-lib Provider framework for `onEvent`, with a log group of its own, and cdk-nag told
 * why the framework's own function and role are fine.
 */
export function createCustomResourceProvider(
  scope: Construct,
  id: string,
  onEvent: lambda.Function,
  logRetention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
): cr.Provider {
  const provider = new cr.Provider(scope, id, {
    onEventHandler: onEvent,
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }),
  });
  const stack = Stack.of(provider);
  const onEventLogicalId: unknown = stack.resolve(stack.getLogicalId(onEvent.node.defaultChild as lambda.CfnFunction));
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The aws-cdk-lib custom resource provider framework gives its relay function the basic Lambda logging policy.',
  });
  Validations.of(provider).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${String(onEventLogicalId)}.Arn>:*]`,
    reason: 'The provider framework may invoke every version of our own onEvent function, and nothing else.',
  });
  return provider;
}
