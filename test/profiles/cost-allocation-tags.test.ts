import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BedrockModel, CostAllocatedInferenceProfile, CostAllocationTags } from '../../lib';

describe('CostAllocationTags', () => {
  test('tags every taggable resource under the scope with the conventional keys and extras', () => {
    const stack = new Stack(new App(), 'Test');
    new sns.Topic(stack, 'Topic');
    new CostAllocatedInferenceProfile(stack, 'Profile', {
      profileName: 'faq',
      model: BedrockModel.NOVA_MICRO,
      costAllocationTags: { agent: 'faq' },
    });
    const tags = CostAllocationTags.apply(stack, {
      team: 'support',
      costCenter: 'cc-1234',
      application: 'chatbot',
      environment: 'prod',
      tenant: 'acme',
      extra: { owner: 'platform@example.com' },
    });
    expect(tags.keys).toEqual(['team', 'cost-center', 'application', 'environment', 'tenant', 'owner']);
    const expected = [
      { Key: 'application', Value: 'chatbot' },
      { Key: 'cost-center', Value: 'cc-1234' },
      { Key: 'environment', Value: 'prod' },
      { Key: 'owner', Value: 'platform@example.com' },
      { Key: 'team', Value: 'support' },
      { Key: 'tenant', Value: 'acme' },
    ];
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { Tags: expected });
    template.hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      Tags: [...expected, { Key: 'agent', Value: 'faq' }].sort((a, b) => a.Key.localeCompare(b.Key)),
    });
  });

  test.each([
    [{}, /at least one cost allocation tag is required/],
    [{ team: 'a*b' }, /value of tag 'team' may contain only/],
    [{ extra: { 'aws:createdBy': 'me' } }, /must not start with 'aws:'/],
    [{ team: 'a', extra: { team: 'b' } }, "CostAllocationTags extra: 'team' is already set by its typed prop; set it once"],
  ])('rejects %j', (props, message) => {
    expect(() => CostAllocationTags.apply(new Stack(new App(), 'Test'), props)).toThrow(message);
  });
});
