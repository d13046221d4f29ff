import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  BedrockCostDashboard,
  BedrockModel,
  InferenceSource,
  ModelRouter,
  type ModelRouterProps,
  ResponseCache,
  RouterClassifier,
  type RouterTier,
} from '../../lib';
import { type AgentConfig, type RouterConfig } from '../../lib/routing/contract';

const FAQ: RouterTier = {
  name: 'faq',
  description: 'Questions the FAQ answers',
  model: BedrockModel.NOVA_MICRO,
  maxTokens: 400,
  systemPrompt: 'You answer FAQ questions.',
};
const TECHNICAL: RouterTier = {
  name: 'technical',
  description: 'Troubleshooting and how-to',
  model: BedrockModel.NOVA_LITE,
  maxTokens: 1000,
  systemPrompt: 'You are a support engineer.',
  temperature: 0.2,
};
const ADVISORY: RouterTier = {
  name: 'advisory',
  description: 'Financial planning advice',
  model: InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us'),
  maxTokens: 1500,
  systemPrompt: 'You are a careful financial planner.',
};

function synth(props: Partial<ModelRouterProps> = {}, build?: (stack: Stack) => Partial<ModelRouterProps>) {
  const app = new App();
  const stack = new Stack(app, 'Routing', { env: { region: 'us-east-1', account: '111122223333' } });
  const router = new ModelRouter(stack, 'Support', { tiers: [FAQ, TECHNICAL], ...props, ...build?.(stack) });
  const template = Template.fromStack(stack);
  return { app, stack, router, template };
}

/** The routing-config.json bundled into a function's asset, found through the function's code hash. */
function bundledConfig<T>(app: App, stack: Stack, fn: lambda.IFunction): T {
  const assembly = app.synth();
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const code = stack.resolve(cfn.code) as { s3Key: string };
  const hash = code.s3Key.replace(/\.zip$/, '');
  return JSON.parse(readFileSync(join(assembly.directory, `asset.${hash}`, 'routing-config.json'), 'utf8')) as T;
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve(stack.getLogicalId(construct.node.defaultChild as lambda.CfnFunction)) as string;

describe('ModelRouter', () => {
  describe('with the defaults (model classifier, DynamoDB cache)', () => {
    const { app, stack, router, template } = synth({ costAllocationTags: { team: 'support' } });

    test('one cost-allocated profile per tier and one for the classifier, each tagged with its agent', () => {
      template.resourceCountIs('AWS::Bedrock::ApplicationInferenceProfile', 3);
      for (const [suffix, agent] of [
        ['faq', 'faq'],
        ['technical', 'technical'],
        ['classifier', 'router'],
      ]) {
        template.hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
          InferenceProfileName: `routing-support-${suffix}`,
          Tags: Match.arrayWith([
            { Key: 'agent', Value: agent },
            { Key: 'router', Value: 'routing-support' },
            { Key: 'team', Value: 'support' },
          ]),
        });
      }
      expect(router.routerName).toBe('routing-support');
      expect(router.tierNames).toEqual(['faq', 'technical']);
    });

    test('each agent may call only its own profile and the model behind it', () => {
      for (const tier of ['faq', 'technical']) {
        const agent = router.agentFor(tier);
        const own = stack.resolve(router.profileFor(tier).profileArn) as unknown;
        const other = stack.resolve(router.profileFor(tier === 'faq' ? 'technical' : 'faq').profileArn) as unknown;
        const roleId = stack.resolve(stack.getLogicalId(agent.role?.node.defaultChild as iam.CfnRole)) as string;
        const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
        const statements = policies.flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
        const bedrock = statements.filter((statement) => JSON.stringify(statement.Action).includes('bedrock:'));
        const resources = JSON.stringify(bedrock.map((statement) => statement.Resource));
        expect(resources).toContain(JSON.stringify(own));
        expect(resources).not.toContain(JSON.stringify(other));
        const model = tier === 'faq' ? 'amazon.nova-micro-v1:0' : 'amazon.nova-lite-v1:0';
        expect(resources).toContain(`foundation-model/${model}`);
        expect(resources).not.toContain(tier === 'faq' ? 'nova-lite' : 'nova-micro');
      }
    });

    test('the router may invoke the agents, call the classifier profile and read and write the cache, nothing more', () => {
      const roleId = stack.resolve(stack.getLogicalId(router.routerFunction.role?.node.defaultChild as iam.CfnRole)) as string;
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
      const actionsGranted = new Set(
        policies.flatMap((policy) =>
          (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement.flatMap(
            (statement) => ([] as string[]).concat(statement.Action),
          ),
        ),
      );
      expect([...actionsGranted].sort()).toEqual([
        'bedrock:GetInferenceProfile',
        'bedrock:InvokeModel',
        'bedrock:InvokeModelWithResponseStream',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'lambda:InvokeFunction',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]);
    });

    test('the response cache is an on-demand table whose items expire through the TTL attribute', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ CACHE_TABLE: Match.anyValue(), CLASSIFIER_MODEL_ID: Match.anyValue(), AGENT_FUNCTIONS: Match.anyValue() }) },
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 35,
      });
    });

    test('the router bundle carries its configuration: tiers cheapest first, prices from the price table, a five-minute cache', () => {
      const config = bundledConfig<RouterConfig>(app, stack, router.routerFunction);
      expect(config.routerName).toBe('routing-support');
      expect(config.tiers.map((tier) => [tier.name, tier.modelId, tier.maxTokens])).toEqual([
        ['faq', 'amazon.nova-micro-v1:0', 400],
        ['technical', 'amazon.nova-lite-v1:0', 1000],
      ]);
      expect(config.tiers[0].prices.inputPerMillionTokens).toBe(0.035);
      expect(config.defaultTier).toBe('faq');
      expect(config.maxEscalations).toBe(1);
      expect(config.classifier).toEqual({
        rules: [],
        model: expect.objectContaining({ modelId: 'amazon.nova-micro-v1:0', maxTokens: 10, maxInputCharacters: 2000 }) as unknown,
      });
      // The baseline defaults to the priciest tier.
      expect(config.baseline.modelId).toBe('amazon.nova-lite-v1:0');
      expect(config.cache).toEqual({ kind: 'dynamodb', ttlSeconds: 300, shareAcrossTenants: false });
      expect(config.limits).toEqual({ maxBodyBytes: 65536, maxPromptCharacters: 32000, maxMessages: 50 });
      expect(config.requestTimeoutMs).toBe(30_000);
      expect(config.configVersion).toMatch(/^[0-9a-f]{16}$/);
    });

    test('each built-in agent bundle carries its own system prompt, limits and prompt-caching switch', () => {
      const faq = bundledConfig<AgentConfig>(app, stack, router.agentFor('faq'));
      const technical = bundledConfig<AgentConfig>(app, stack, router.agentFor('technical'));
      expect(faq).toEqual({ tier: 'faq', systemPrompt: 'You answer FAQ questions.', maxTokens: 400, promptCaching: true, fallbackPromptCaching: false });
      expect(technical).toMatchObject({ tier: 'technical', systemPrompt: 'You are a support engineer.', temperature: 0.2, promptCaching: true });
    });

    test('an escalation-rate alarm watches escalations per 100 requests', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 20,
        ComparisonOperator: 'GreaterThanThreshold',
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(requests > 0, 100 * FILL(escalations, 0) / requests, 0)' }),
          Match.objectLike({
            Id: 'escalations',
            MetricStat: Match.objectLike({
              Metric: { Namespace: 'BedrockCost', MetricName: 'Escalations', Dimensions: [{ Name: 'Router', Value: 'routing-support' }] },
              Period: 300,
            }),
          }),
        ]),
      });
    });
  });

  test('the Function URL requires SigV4, and grantInvoke gives both actions Lambda checks', () => {
    const stack = new Stack(new App(), 'Routing', { env: { region: 'us-east-1', account: '111122223333' } });
    const router = new ModelRouter(stack, 'Support', { tiers: [FAQ, TECHNICAL] });
    const client = new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() });
    router.grantInvoke(client);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: Match.anyValue() });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.resolve(stack.getLogicalId(client.node.defaultChild as iam.CfnRole)) as string }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lambda:InvokeFunctionUrl', Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }),
          Match.objectLike({ Action: 'lambda:InvokeFunction', Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } }),
        ]),
      },
    });
  });

  test('rules, fallbacks, a baseline and a forced configuration reach the bundle', () => {
    const { app, stack, router } = synth({
      tiers: [FAQ, TECHNICAL, { ...ADVISORY, fallbackModel: BedrockModel.NOVA_PRO }],
      classifier: RouterClassifier.rulesThenModel([{ tier: 'faq', keywords: ['opening hours'], patterns: [/refund/i] }], BedrockModel.NOVA_LITE, {
        maxTokens: 5,
        maxInputCharacters: 500,
      }),
      defaultTier: 'technical',
      escalation: { maxEscalations: 2 },
      baselineModel: BedrockModel.CLAUDE_SONNET_4,
      responseCache: ResponseCache.dynamoDb({ ttl: Duration.minutes(1), shareAcrossTenants: true }),
      requestTimeout: Duration.seconds(10),
    });
    const config = bundledConfig<RouterConfig>(app, stack, router.routerFunction);
    expect(config.classifier.rules).toEqual([{ tier: 'faq', keywords: ['opening hours'], patterns: [{ source: 'refund', flags: 'i' }] }]);
    expect(config.classifier.model).toMatchObject({ modelId: 'amazon.nova-lite-v1:0', maxTokens: 5, maxInputCharacters: 500 });
    expect(config.tiers[2]).toMatchObject({
      modelId: 'us.amazon.nova-pro-v1:0',
      fallback: { modelId: 'amazon.nova-pro-v1:0', prices: expect.objectContaining({ inputPerMillionTokens: 0.8 }) as unknown },
    });
    expect(config.defaultTier).toBe('technical');
    expect(config.maxEscalations).toBe(2);
    expect(config.baseline.modelId).toBe('anthropic.claude-sonnet-4-20250514-v1:0');
    expect(config.cache).toEqual({ kind: 'dynamodb', ttlSeconds: 60, shareAcrossTenants: true });
    expect(config.requestTimeoutMs).toBe(10_000);
    expect(router.fallbackProfileFor('advisory')?.model).toBe(BedrockModel.NOVA_PRO);
    expect(router.fallbackProfileFor('faq')).toBeUndefined();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      InferenceProfileName: 'routing-support-advisory-fallback',
      Tags: Match.arrayWith([{ Key: 'agent', Value: 'advisory' }]),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODEL_ID: Match.anyValue(), FALLBACK_MODEL_ID: Match.anyValue() }) },
    });
  });

  test('a single tier routes everything to it, with escalation off', () => {
    const { app, stack, router } = synth({ tiers: [FAQ], classifier: RouterClassifier.rules([{ tier: 'faq', keywords: ['hours'] }]) });
    const config = bundledConfig<RouterConfig>(app, stack, router.routerFunction);
    expect(config.maxEscalations).toBe(0);
    expect(config.baseline.modelId).toBe('amazon.nova-micro-v1:0');
  });

  test('a rules-only classifier creates no classifier profile and gives the router no Bedrock access', () => {
    const { stack, router, template } = synth({ classifier: RouterClassifier.rules([{ tier: 'technical', keywords: ['error'] }]) });
    template.resourceCountIs('AWS::Bedrock::ApplicationInferenceProfile', 2);
    expect(router.classifierProfile).toBeUndefined();
    const roleId = stack.resolve(stack.getLogicalId(router.routerFunction.role?.node.defaultChild as iam.CfnRole)) as string;
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
    expect(policies).not.toContain('bedrock:');
  });

  test('prompt caching stays off for models without it, and when turned off', () => {
    const llama: RouterTier = { ...TECHNICAL, name: 'llama', model: InferenceSource.crossRegion(BedrockModel.LLAMA_3_3_70B_INSTRUCT, 'us') };
    const { app, stack, router } = synth({ tiers: [FAQ, llama] });
    expect(bundledConfig<AgentConfig>(app, stack, router.agentFor('llama')).promptCaching).toBe(false);
    expect(bundledConfig<AgentConfig>(app, stack, router.agentFor('faq')).promptCaching).toBe(true);
    const off = synth({ promptCaching: false });
    expect(bundledConfig<AgentConfig>(off.app, off.stack, off.router.agentFor('faq')).promptCaching).toBe(false);
  });

  test('a changed system prompt changes the config version, so cached answers of the old prompt stop matching', () => {
    const before = synth();
    const after = synth({ tiers: [{ ...FAQ, systemPrompt: 'You answer FAQ questions in French.' }, TECHNICAL] });
    const version = (built: ReturnType<typeof synth>) => bundledConfig<RouterConfig>(built.app, built.stack, built.router.routerFunction).configVersion;
    expect(version(before)).not.toBe(version(after));
    expect(version(before)).toBe(version(synth()));
  });

  test('your own agent function gets the tier profile as MODEL_ID and a grant on it; the router may invoke it', () => {
    const { stack, router, template } = synth({}, (stack) => {
      const agent = new lambda.Function(stack, 'TransactionsAgent', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      });
      return { tiers: [FAQ, { name: 'transactions', description: 'Payments and transfers', model: BedrockModel.NOVA_LITE, maxTokens: 800, agent }] };
    });
    const agent = router.agentFor('transactions');
    expect(agent.node.id).toBe('TransactionsAgent');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: { MODEL_ID: { 'Fn::GetAtt': [Match.stringLikeRegexp('TransactionsProfile'), 'InferenceProfileArn'] } } },
    });
    const agentRoleId = stack.resolve(stack.getLogicalId(agent.role?.node.defaultChild as iam.CfnRole)) as string;
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: agentRoleId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['bedrock:InvokeModel']) })]) },
    });
    const routerRoleId = stack.resolve(stack.getLogicalId(router.routerFunction.role?.node.defaultChild as iam.CfnRole)) as string;
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: routerRoleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: Match.arrayWith([{ 'Fn::GetAtt': [logicalId(stack, agent), 'Arn'] }]) }),
        ]),
      },
    });
  });

  test('a Redis cache runs on ElastiCache Serverless, reachable only from the router, which moves into the VPC', () => {
    const { stack, router, template } = synth({}, (stack) => ({
      responseCache: ResponseCache.redis({ vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }), ttl: Duration.minutes(10) }),
    }));
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      MajorEngineVersion: '8',
      SubnetIds: Match.anyValue(),
      SecurityGroupIds: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6379, ToPort: 6379, IpProtocol: 'tcp' });
    const routerId = logicalId(stack, router.routerFunction);
    const routerResource = template.toJSON().Resources[routerId] as { Properties: { VpcConfig: unknown; Environment: { Variables: Record<string, unknown> } } };
    expect(routerResource.Properties.VpcConfig).toBeDefined();
    // ElastiCache Serverless is TLS-only; its Endpoint attributes are the primary endpoint (port 6379,
    // the one the ingress rule opens), which accepts reads and writes.
    const cacheId = Object.keys(template.findResources('AWS::ElastiCache::ServerlessCache'))[0];
    expect(stack.resolve(routerResource.Properties.Environment.Variables.REDIS_URL)).toEqual({
      'Fn::Join': ['', ['rediss://', { 'Fn::GetAtt': [cacheId, 'Endpoint.Address'] }, ':', { 'Fn::GetAtt': [cacheId, 'Endpoint.Port'] }]],
    });
    // Agents stay outside the VPC: they only need Bedrock.
    const agentResource = template.toJSON().Resources[logicalId(stack, router.agentFor('faq'))] as { Properties: { VpcConfig?: unknown } };
    expect(agentResource.Properties.VpcConfig).toBeUndefined();
  });

  test('ResponseCache.none() creates no cache', () => {
    const { app, stack, router, template } = synth({ responseCache: ResponseCache.none() });
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(bundledConfig<RouterConfig>(app, stack, router.routerFunction).cache).toEqual({ kind: 'none' });
  });

  test('the alert topic hears the escalation alarm, and the dashboard gets the router row', () => {
    const { template } = synth({}, (stack) => ({
      alertTopic: new actions.SnsAction(new sns.Topic(stack, 'Topic', { enforceSSL: true })),
      dashboard: new BedrockCostDashboard(stack, 'Dashboard', { targets: [{ source: BedrockModel.NOVA_MICRO }] }),
    }));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Topic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('Topic') }],
    });
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const title of ['requests per hour by tier', 'cache hits and escalations', 'USD per hour: spent, baseline, saved', 'routing latency']) {
      expect(body).toContain(`Router routing-support: ${title}`);
    }
    expect(body).toContain('SavedUsd');
  });

  describe('refuses at synth time', () => {
    const cases: [string, Partial<ModelRouterProps>, RegExp][] = [
      ['no tiers', { tiers: [] }, /tiers: give 1-10 tiers, got 0/],
      ['a bad tier name', { tiers: [{ ...FAQ, name: 'FAQ' }] }, /tiers\[0\]\.name must be 1-24 lowercase/],
      ['the reserved tier name', { tiers: [{ ...FAQ, name: 'router' }] }, /'router' is reserved/],
      ['the classifier profile name as a tier', { tiers: [{ ...FAQ, name: 'classifier' }] }, /'classifier' is reserved/],
      ['a tier named like a fallback profile', { tiers: [FAQ, { ...TECHNICAL, name: 'faq-fallback' }] }, /tiers\[1\]\.name 'faq-fallback' is reserved/],
      ['a tier twice', { tiers: [FAQ, FAQ] }, /tiers\[1\]\.name 'faq' is used twice/],
      ['a blank description', { tiers: [{ ...FAQ, description: ' ' }] }, /tiers\[0\]\.description must be 1-300/],
      ['maxTokens 0', { tiers: [{ ...FAQ, maxTokens: 0 }] }, /tiers\[0\]\.maxTokens must be a whole number from 1 to 65536, got 0/],
      ['temperature 2', { tiers: [{ ...FAQ, temperature: 2 }] }, /tiers\[0\]\.temperature must be from 0 to 1, got 2/],
      ['no system prompt and no agent', { tiers: [{ ...FAQ, systemPrompt: undefined }] }, /tiers\[0\]\.systemPrompt must be 1-200000/],
      ['a rule for an unknown tier', { classifier: RouterClassifier.rules([{ tier: 'billing', keywords: ['invoice'] }]) }, /rules\[0\]\.tier 'billing' is not a tier; tiers: faq, technical/],
      ['an unknown default tier', { defaultTier: 'billing' }, /defaultTier 'billing' is not a tier/],
      ['more escalations than tiers above', { escalation: { maxEscalations: 2 } }, /maxEscalations must be a whole number from 0 to 1, got 2/],
      ['a reserved tag', { costAllocationTags: { agent: 'x' } }, /'agent' is set by the router/],
      ['a bad router name', { routerName: 'Support_Bot' }, /routerName must be 1-30 lowercase/],
      ['a timeout over 14 minutes', { requestTimeout: Duration.minutes(15) }, /requestTimeout must be from 1 second to 14 minutes/],
      ['an escalation threshold of 0', { escalationRateAlarm: { threshold: 0 } }, /escalationRateAlarm: threshold must be a number > 0, got 0/],
      ['an escalation threshold over 100%', { escalationRateAlarm: { threshold: 120 } }, /escalationRateAlarm: threshold is a percentage of requests, at most 100, got 120/],
      ['an escalation period of 90 s', { escalationRateAlarm: { period: Duration.seconds(90) } }, /escalationRateAlarm: period must be a whole number of minutes/],
    ];
    test.each(cases)('%s', (_name, props, message) => {
      expect(() => synth(props)).toThrow(message);
    });

    test('a fallback model on your own agent', () => {
      expect(() =>
        synth({}, (stack) => ({
          tiers: [
            FAQ,
            {
              ...TECHNICAL,
              agent: lambda.Function.fromFunctionName(stack, 'Mine', 'my-agent'),
              fallbackModel: BedrockModel.NOVA_PRO,
            },
          ],
        })),
      ).toThrow(/tiers\[1\]\.fallbackModel applies to the built-in agent only/);
    });

    test.each([
      ['no rules', () => RouterClassifier.rules([]), /at least one rule is required/],
      ['a rule without keywords or patterns', () => RouterClassifier.rules([{ tier: 'faq' }]), /rules\[0\]: give at least one keyword or pattern/],
      ['a blank keyword', () => RouterClassifier.rules([{ tier: 'faq', keywords: [''] }]), /rules\[0\]\.keywords\[0\] must be 1-200 characters/],
      ['a global pattern', () => RouterClassifier.rules([{ tier: 'faq', patterns: [/refund/g] }]), /drop the g and y flags/],
      ['classifier maxTokens 0', () => RouterClassifier.model(BedrockModel.NOVA_MICRO, { maxTokens: 0 }), /maxTokens must be a whole number from 1 to 64, got 0/],
      ['a zero TTL', () => ResponseCache.dynamoDb({ ttl: Duration.seconds(0) }), /ttl must be a whole number of seconds from 1 to 2592000/],
      ['a 31-day TTL', () => ResponseCache.dynamoDb({ ttl: Duration.days(31) }), /ttl must be a whole number of seconds from 1 to 2592000/],
    ])('%s', (_name, build, message) => {
      expect(build).toThrow(message);
    });
  });
});
