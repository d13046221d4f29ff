import { App, Duration, Stack, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  BedrockModel,
  CostAllocatedInferenceProfile,
  type CostAllocatedInferenceProfileProps,
  InferenceSource,
  destinationRegions,
} from '../../lib';

function newStack(env?: { region: string; account: string }): Stack {
  return new Stack(new App(), 'Test', { env });
}

const BASE: CostAllocatedInferenceProfileProps = {
  profileName: 'support-chatbot-micro',
  model: BedrockModel.NOVA_MICRO,
  costAllocationTags: { team: 'support' },
};

// For Template assertions (Match) and for jest equality on resolved tokens (expect.*).
const PROFILE_ID = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Profile'), 'InferenceProfileId'] };
const PROFILE_ID_RESOLVED = { 'Fn::GetAtt': [expect.stringMatching(/^Profile[0-9A-F]{8}$/), 'InferenceProfileId'] };
const PROFILE_ARN_RESOLVED = { 'Fn::GetAtt': [expect.stringMatching(/^Profile[0-9A-F]{8}$/), 'InferenceProfileArn'] };

function foundationModelArn(modelId: string, region: unknown = { Ref: 'AWS::Region' }) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', region, `::foundation-model/${modelId}`]] };
}

function grantedStatements(props: Partial<CostAllocatedInferenceProfileProps>) {
  const stack = newStack();
  const profile = new CostAllocatedInferenceProfile(stack, 'Profile', { ...BASE, ...props });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  profile.grantInvoke(role);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
  );
}

describe('CostAllocatedInferenceProfile', () => {
  test('copies an in-Region model by its foundation-model ARN and tags the profile', () => {
    const stack = newStack();
    new CostAllocatedInferenceProfile(stack, 'Profile', {
      ...BASE,
      description: 'Support chatbot on Nova Micro',
      costAllocationTags: { team: 'support', 'cost-center': 'cc-1234' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      InferenceProfileName: 'support-chatbot-micro',
      Description: 'Support chatbot on Nova Micro',
      ModelSource: { CopyFrom: foundationModelArn('amazon.nova-micro-v1:0') },
      Tags: [
        { Key: 'cost-center', Value: 'cc-1234' },
        { Key: 'team', Value: 'support' },
      ],
    });
  });

  test('copies a cross-region source by its system-defined profile ARN', () => {
    const stack = newStack();
    new CostAllocatedInferenceProfile(stack, 'Profile', {
      ...BASE,
      model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      ModelSource: {
        CopyFrom: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':inference-profile/us.amazon.nova-pro-v1:0'],
          ],
        },
      },
    });
  });

  test('its own tags win over stack-wide tags of the same key', () => {
    const stack = newStack();
    Tags.of(stack).add('team', 'platform');
    Tags.of(stack).add('environment', 'prod');
    new CostAllocatedInferenceProfile(stack, 'Profile', BASE);
    const tags = Template.fromStack(stack).findResources('AWS::Bedrock::ApplicationInferenceProfile');
    expect(Object.values(tags)[0].Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'support' },
        { Key: 'environment', Value: 'prod' },
      ]),
    );
  });

  test('exposes its ARN, short id and model for pricing', () => {
    const stack = newStack();
    const profile = new CostAllocatedInferenceProfile(stack, 'Profile', BASE);
    expect(stack.resolve(profile.profileArn)).toEqual(PROFILE_ARN_RESOLVED);
    expect(stack.resolve(profile.profileId)).toEqual(PROFILE_ID_RESOLVED);
    expect(profile.model).toBe(BedrockModel.NOVA_MICRO);
    expect(profile.source.prices).toBe(BedrockModel.NOVA_MICRO.prices);
  });

  describe('validation', () => {
    test.each([
      [{ profileName: '' }, /profileName must be 1-64 characters.*got ''/],
      [{ profileName: 'a'.repeat(65) }, /profileName must be 1-64 characters/],
      [{ profileName: 'support--chatbot' }, /profileName must be 1-64 characters: letters and digits, with single spaces/],
      [{ profileName: '-support' }, /profileName must be 1-64 characters/],
      [{ profileName: 'support.chatbot' }, /got 'support.chatbot'/],
      [{ description: 'Support, the chatbot' }, /description must be 1-200 characters/],
      [{ description: 'x'.repeat(201) }, /description must be 1-200 characters/],
      [{ costAllocationTags: {} }, /at least one cost allocation tag is required/],
      [{ costAllocationTags: { '': 'x' } }, /tag key '' must be 1-128 characters, got 0/],
      [{ costAllocationTags: { ['k'.repeat(129)]: 'x' } }, /must be 1-128 characters, got 129/],
      [{ costAllocationTags: { 'aws:team': 'x' } }, /tag key 'aws:team' must not start with 'aws:'/],
      [{ costAllocationTags: { 'AWS:team': 'x' } }, /must not start with 'aws:'/],
      [{ costAllocationTags: { 'team#1': 'x' } }, /tag key 'team#1' may contain only letters, digits, spaces and _ . : \/ = \+ @ -/],
      [{ costAllocationTags: { team: 'v'.repeat(257) } }, /value of tag 'team' must be a string of 0-256 characters/],
      [{ costAllocationTags: { team: 'sup*port' } }, /value of tag 'team' may contain only .*got 'sup\*port'/],
    ])('rejects %j', (props, message) => {
      expect(() => new CostAllocatedInferenceProfile(newStack(), 'Profile', { ...BASE, ...props })).toThrow(message);
    });

    test('accepts an empty tag value', () => {
      expect(() => new CostAllocatedInferenceProfile(newStack(), 'Profile', { ...BASE, costAllocationTags: { team: '' } })).not.toThrow();
    });

    test('rejects a geographic source that cannot be called from the stack Region', () => {
      const stack = newStack({ region: 'eu-west-1', account: '111122223333' });
      expect(
        () => new CostAllocatedInferenceProfile(stack, 'Profile', { ...BASE, model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us') }),
      ).toThrow("the 'us' profile us.amazon.nova-pro-v1:0 cannot be called from eu-west-1");
    });
  });

  describe('grantInvoke', () => {
    test('in-Region source: invoke and describe the profile, invoke the model in the stack Region', () => {
      const statements = grantedStatements({});
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:GetInferenceProfile'],
          Resource: PROFILE_ARN_RESOLVED,
        },
        {
          Effect: 'Allow',
          Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
          Resource: foundationModelArn('amazon.nova-micro-v1:0'),
        },
      ]);
    });

    test('us cross-region source: the model in every US Region plus the system profile', () => {
      const statements = grantedStatements({ model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us') });
      const modelStatement = statements.find((statement) => !(statement.Action as string[]).includes('bedrock:GetInferenceProfile'));
      const regions = destinationRegions('us');
      expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'us-east-2', 'us-west-2']));
      expect(regions.every((region) => region.startsWith('us-') && !region.startsWith('us-gov'))).toBe(true);
      expect(modelStatement?.Resource).toEqual(
        expect.arrayContaining([
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':inference-profile/us.amazon.nova-pro-v1:0'],
            ],
          },
          foundationModelArn('amazon.nova-pro-v1:0'),
          ...regions.map((region) => ({
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:${region}::foundation-model/amazon.nova-pro-v1:0`]],
          })),
        ]),
      );
      expect(modelStatement?.Resource).toHaveLength(regions.length + 2);
    });

    test('global source: the model in any Region and without a Region', () => {
      const statements = grantedStatements({ model: InferenceSource.crossRegion(BedrockModel.CLAUDE_SONNET_4_5, 'global') });
      const resources = JSON.stringify(statements);
      expect(resources).toContain(':bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0');
      expect(resources).toContain(':bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0');
      expect(resources).toContain(':inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0');
    });
  });

  describe('metrics', () => {
    test('are AWS/Bedrock metrics by the profile short id', () => {
      const stack = newStack();
      const profile = new CostAllocatedInferenceProfile(stack, 'Profile', BASE);
      const cases: [() => { toMetricConfig(): unknown }, string, string][] = [
        [() => profile.metricInvocations(), 'Invocations', 'Sum'],
        [() => profile.metricInputTokens(), 'InputTokenCount', 'Sum'],
        [() => profile.metricOutputTokens(), 'OutputTokenCount', 'Sum'],
        [() => profile.metricThrottles(), 'InvocationThrottles', 'Sum'],
        [() => profile.metricClientErrors(), 'InvocationClientErrors', 'Sum'],
        [() => profile.metricServerErrors(), 'InvocationServerErrors', 'Sum'],
        [() => profile.metricLatency(), 'InvocationLatency', 'Average'],
      ];
      for (const [make, metricName, statistic] of cases) {
        const metric = make() as ReturnType<typeof profile.metricInvocations>;
        expect(metric.namespace).toBe('AWS/Bedrock');
        expect(metric.metricName).toBe(metricName);
        expect(metric.statistic).toBe(statistic);
        expect(metric.period.toSeconds()).toBe(300);
        expect(stack.resolve(metric.dimensions)).toEqual({ ModelId: PROFILE_ID_RESOLVED });
      }
    });

    test('accept MetricOptions', () => {
      const profile = new CostAllocatedInferenceProfile(newStack(), 'Profile', BASE);
      const metric = profile.metricLatency({ statistic: 'p90', period: Duration.minutes(1) });
      expect(metric.statistic).toBe('p90');
      expect(metric.period.toMinutes()).toBe(1);
    });

    test.each([
      ['Nova Micro (caching, no write surcharge)', BedrockModel.NOVA_MICRO],
      ['Claude Sonnet 4 (cache writes at 125%)', BedrockModel.CLAUDE_SONNET_4],
      ['Llama 3.3 70B (no caching)', BedrockModel.LLAMA_3_3_70B_INSTRUCT],
      ['Claude Haiku 4.5 through us (+10%)', InferenceSource.crossRegion(BedrockModel.CLAUDE_HAIKU_4_5, 'us')],
    ])('estimated cost of %s uses the price table', (_name, model) => {
      const stack = newStack();
      const profile = new CostAllocatedInferenceProfile(stack, 'Profile', { ...BASE, model });
      const prices = InferenceSource.of(model).prices;
      const terms = [`${prices.inputPerMillionTokens} * FILL(inputTokens, 0)`, `${prices.outputPerMillionTokens} * FILL(outputTokens, 0)`];
      if (prices.promptCache) {
        terms.push(
          `${prices.promptCache.readPerMillionTokens} * FILL(cacheReadTokens, 0)`,
          `${prices.promptCache.writePerMillionTokens ?? prices.inputPerMillionTokens} * FILL(cacheWriteTokens, 0)`,
        );
      }
      const cost = profile.metricEstimatedCost();
      expect(cost.expression).toBe(`(${terms.join(' + ')}) / 1000000`);
      expect(cost.label).toBe('Estimated cost, USD (Profile)');
      const used = cost.usingMetrics as Record<string, ReturnType<typeof profile.metricInvocations>>;
      expect(Object.keys(used)).toEqual(prices.promptCache ? ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'] : ['inputTokens', 'outputTokens']);
      expect(used.inputTokens.metricName).toBe('InputTokenCount');
      expect(stack.resolve(used.outputTokens.dimensions)).toEqual({ ModelId: PROFILE_ID_RESOLVED });
    });

    test('the estimated cost alarms in the template as metric math', () => {
      // Nova Pro: 0.80 in, 3.20 out, cache reads 0.20, cache writes free (AWS Price List).
      const stack = newStack();
      const profile = new CostAllocatedInferenceProfile(stack, 'Profile', { ...BASE, model: BedrockModel.NOVA_PRO });
      profile.metricEstimatedCost({ period: Duration.hours(1) }).createAlarm(stack, 'Spend', { threshold: 5, evaluationPeriods: 1 });
      Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({
            Expression:
              '(0.8 * FILL(inputTokens, 0) + 3.2 * FILL(outputTokens, 0) + 0.2 * FILL(cacheReadTokens, 0) + 0 * FILL(cacheWriteTokens, 0)) / 1000000',
          }),
          Match.objectLike({
            Id: 'inputTokens',
            MetricStat: Match.objectLike({
              Metric: { Namespace: 'AWS/Bedrock', MetricName: 'InputTokenCount', Dimensions: [{ Name: 'ModelId', Value: PROFILE_ID }] },
              Period: 3600,
              Stat: 'Sum',
            }),
          }),
        ]),
      });
    });
  });

  describe('fromProfileArn', () => {
    const ARN = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123xyz';

    test('grants and meters an imported profile the same way', () => {
      const stack = newStack();
      const profile = CostAllocatedInferenceProfile.fromProfileArn(stack, 'Imported', ARN, BedrockModel.NOVA_LITE);
      expect(stack.resolve(profile.profileId)).toBe('abc123xyz');
      expect(stack.resolve(profile.metricInvocations().dimensions)).toEqual({ ModelId: 'abc123xyz' });
      expect(profile.metricEstimatedCost().expression).toContain('0.06 * FILL(inputTokens, 0)');
      const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      profile.grantInvoke(role);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['bedrock:GetInferenceProfile']), Resource: ARN })]),
        },
      });
    });
  });
});
