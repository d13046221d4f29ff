import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BedrockModel, InferenceSource, TenantProfiles, tenantProfileName } from '../../lib';

const PRO_US = InferenceSource.crossRegion(BedrockModel.NOVA_PRO, 'us');

function profileNames(stack: Stack): string[] {
  const profiles = Template.fromStack(stack).findResources('AWS::Bedrock::ApplicationInferenceProfile');
  return Object.values(profiles).map((profile) => profile.Properties.InferenceProfileName as string);
}

describe('TenantProfiles', () => {
  test('creates one tagged profile per tenant and model with readable names', () => {
    const stack = new Stack(new App(), 'Test');
    const tenants = new TenantProfiles(stack, 'Tenants', {
      namePrefix: 'acme',
      tenants: [{ id: 'tenant-a', costCenter: 'cc-100' }, { id: 'tenant_b' }],
      models: [BedrockModel.NOVA_MICRO, PRO_US],
      tags: { application: 'assistant' },
    });
    expect(profileNames(stack)).toEqual([
      'acme-tenant-a-nova-micro-v1',
      'acme-tenant-a-us-nova-pro-v1',
      'acme-tenant-b-nova-micro-v1',
      'acme-tenant-b-us-nova-pro-v1',
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      InferenceProfileName: 'acme-tenant-a-us-nova-pro-v1',
      Tags: [
        { Key: 'application', Value: 'assistant' },
        { Key: 'cost-center', Value: 'cc-100' },
        { Key: 'tenant', Value: 'tenant-a' },
      ],
    });
    expect(tenants.profileFor('tenant_b', PRO_US).source.invocationId).toBe('us.amazon.nova-pro-v1:0');
    expect(tenants.tagKeys.sort()).toEqual(['application', 'cost-center', 'tenant']);
    expect(() => tenants.profileFor('tenant-c', PRO_US)).toThrow("no profile for tenant 'tenant-c' and us.amazon.nova-pro-v1:0");
  });

  test('adding a tenant leaves the names and construct paths of the others unchanged', () => {
    const build = (ids: string[]) => {
      const stack = new Stack(new App(), 'Test');
      new TenantProfiles(stack, 'Tenants', { tenants: ids.map((id) => ({ id })), models: [BedrockModel.NOVA_LITE] });
      return Template.fromStack(stack).findResources('AWS::Bedrock::ApplicationInferenceProfile');
    };
    const before = build(['a', 'b']);
    const after = build(['a', 'b', 'c']);
    for (const [logicalId, resource] of Object.entries(before)) {
      expect(after[logicalId]).toEqual(resource);
    }
  });

  test('keeps long names within 64 characters, distinct, and stable', () => {
    const longId = 'tenant-with-a-really-long-identifier-for-testing-purposes-01';
    const first = tenantProfileName(longId, InferenceSource.of(BedrockModel.CLAUDE_SONNET_4_5), 'platform');
    const second = tenantProfileName(`${longId.slice(0, -1)}2`, InferenceSource.of(BedrockModel.CLAUDE_SONNET_4_5), 'platform');
    expect(first).toHaveLength(64);
    expect(first).toMatch(/^([0-9a-zA-Z][ _-]?)+$/);
    expect(first).not.toBe(second);
    expect(tenantProfileName(longId, InferenceSource.of(BedrockModel.CLAUDE_SONNET_4_5), 'platform')).toBe(first);
  });

  test.each([
    [{ tenants: [] }, 'TenantProfiles tenants: at least one tenant is required'],
    [{ models: [] }, 'TenantProfiles models: at least one model is required'],
    [{ tenants: [{ id: 'a b' }] }, "TenantProfiles tenants: id must be 1-64 letters, digits, '_' or '-', got 'a b'"],
    [{ tenants: [{ id: 'a' }, { id: 'a' }] }, "TenantProfiles tenants: 'a' is listed twice"],
    [{ tenants: [{ id: 'a-b' }, { id: 'a_b' }] }, "TenantProfiles: a_b and a-b would share the profile name 'a-b-nova-micro-v1'"],
    [{ models: [BedrockModel.NOVA_MICRO, BedrockModel.NOVA_MICRO] }, 'TenantProfiles models: amazon.nova-micro-v1:0 is listed twice'],
    [{ tenants: [{ id: 'a', costCenter: 'cc#1' }] }, /value of tag 'cost-center' may contain only/],
  ])('rejects %j', (props, message) => {
    const stack = new Stack(new App(), 'Test');
    expect(
      () => new TenantProfiles(stack, 'Tenants', { tenants: [{ id: 'a' }], models: [BedrockModel.NOVA_MICRO], ...props }),
    ).toThrow(message);
  });
});
