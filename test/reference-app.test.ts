import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { addReferenceStack } from '../bin/reference-app';
import { cfnLint, cfnLintAvailable } from './support/cfn-lint';
import { appLikeCdkSynth } from './support/reference-app';

interface ValidationReport {
  readonly pluginReports: readonly { readonly pluginName: string; readonly violations?: readonly unknown[] }[];
}

describe('reference app', () => {
  let outdir: string;
  let templates: string[];

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'bedrock-cost-ref-'));
    const app = appLikeCdkSynth(outdir);
    addReferenceStack(app);
    app.synth();
    templates = readdirSync(outdir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => join(outdir, file));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes without AWS credentials, env-agnostic', () => {
    expect(templates.map((path) => path.slice(outdir.length + 1))).toEqual(['BedrockCostReference.template.json']);
    const template = JSON.parse(readFileSync(templates[0], 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).map((resource) => resource.Type)).toEqual(
      expect.arrayContaining(['AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy']),
    );
    expect(JSON.stringify(template)).not.toMatch(/\d{12}/);
  });

  test('has no cdk-nag AwsSolutions findings', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    const violations = report.pluginReports.flatMap((plugin) => plugin.violations ?? []);
    expect(violations).toEqual([]);
  });

  const hasCfnLint = cfnLintAvailable();
  const withCfnLint = hasCfnLint ? test : test.skip;
  if (!hasCfnLint) {
    console.warn('cfn-lint is not installed: skipping the CloudFormation lint of the reference app');
  }
  withCfnLint('every template passes cfn-lint with no errors', () => {
    const errors = cfnLint(templates).filter((finding) => finding.Level === 'Error');
    expect(errors).toEqual([]);
  });

  withCfnLint('cfn-lint reports errors it finds (so a clean run means something)', () => {
    const broken = join(outdir, 'broken.template.json');
    writeFileSync(
      broken,
      JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicNme: 'typo' } } } }),
    );
    const errors = cfnLint([broken]).filter((finding) => finding.Level === 'Error');
    expect(errors.map((finding) => finding.Rule.Id)).toContain('E3002');
  });

  test('subscribes the alert emails given as context', () => {
    const app = appLikeCdkSynth(join(outdir, 'emails'), { 'bedrock-cost:alertEmails': 'a@example.com, b@example.com' });
    const stack = addReferenceStack(app);
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 2);
  });

  test('cdk-nag is active: a finding fails the synth', () => {
    const app = appLikeCdkSynth(join(outdir, 'bad'));
    const stack = addReferenceStack(app);
    new sns.Topic(stack, 'PlaintextTopic');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });
});
