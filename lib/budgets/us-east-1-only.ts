import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import { type Construct } from 'constructs';

/** The only Region where `AWS::CE::*` resources deploy. */
export const COST_EXPLORER_REGION = 'us-east-1';

const RULE_ID = 'CostExplorerResourcesOnlyInUsEast1';

/**
 * Fails at synth when the stack's Region is known and is not us-east-1; for a Region-agnostic
 * stack, adds (once) a CloudFormation Rule that stops the deployment anywhere else.
 */
export function requireUsEast1(scope: Construct, what: string): void {
  const stack = Stack.of(scope);
  const fix =
    `${what} creates AWS::CE::* resources, which deploy only in ${COST_EXPLORER_REGION}: put it in a stack with ` +
    `env: { region: '${COST_EXPLORER_REGION}' } (a separate "billing" stack works well)`;
  if (!Token.isUnresolved(stack.region)) {
    if (stack.region !== COST_EXPLORER_REGION) {
      throw new Error(`${fix}; this stack is in ${stack.region}`);
    }
    return;
  }
  if (stack.node.tryFindChild(RULE_ID) === undefined) {
    new CfnRule(stack, RULE_ID, {
      assertions: [{ assert: Fn.conditionEquals(Aws.REGION, COST_EXPLORER_REGION), assertDescription: fix }],
    });
  }
}
