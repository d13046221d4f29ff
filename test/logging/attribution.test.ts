import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  InvocationLogPricing,
  attributeCosts,
  attributionDimension,
  attributionToJson,
  BedrockModel,
  InvocationLogError,
  modelKeyOf,
  parseInvocationLogFile,
  principalOf,
  PriceTable,
  Usd,
} from '../../lib';

const FIXTURES = join(__dirname, '..', 'fixtures', 'invocation-logs');
const sample = () => readFileSync(join(FIXTURES, 'attribution-sample.jsonl'));
const withProfiles = () =>
  new InvocationLogPricing({ applicationProfiles: JSON.parse(readFileSync(join(FIXTURES, 'profiles.json'), 'utf8')) as Record<string, string> });

describe('parseInvocationLogFile', () => {
  test('reads the real records: token counts, cache counts, requestMetadata and ARN model ids', () => {
    const [converse, cachePriming, invokeModel] = parseInvocationLogFile(readFileSync(join(FIXTURES, 'real-records.jsonl')), 'real');

    expect(converse).toMatchObject({
      operation: 'Converse',
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      inputTokens: 35,
      outputTokens: 446,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
      requestMetadata: { traceId: 'b956002a-fd01-47ba-9da7-07e4c9b1a6b6' },
    });
    expect(cachePriming).toMatchObject({
      modelId: 'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-sonnet-4-6',
      inputTokens: 3,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 18779,
      outputTokens: 12,
      identityArn: 'arn:aws:sts::111122223333:assumed-role/app-task-role/21648c392d544730bcf8b4c42032021d',
      requestMetadata: {},
    });
    expect(invokeModel).toMatchObject({ operation: 'InvokeModel', inputTokens: 15, outputTokens: 12 });
  });

  test('reads gzip by its magic bytes, whatever the file is called, and skips blank lines', () => {
    const plain = parseInvocationLogFile(sample(), 'sample.jsonl');
    const zipped = parseInvocationLogFile(gzipSync(sample()), 'sample.jsonl');

    expect(plain).toHaveLength(8);
    expect(zipped).toEqual(plain);
  });

  test('reads a file of several gzip members, as concatenated S3 objects are', () => {
    const lines = sample().toString('utf8').split('\n');
    const twoMembers = Buffer.concat([gzipSync(lines.slice(0, 3).join('\n') + '\n'), gzipSync(lines.slice(3).join('\n'))]);

    expect(parseInvocationLogFile(twoMembers, 'two.gz')).toHaveLength(8);
  });

  test.each([
    ['not JSON', '{"schemaType":', 'f line 1: not valid JSON'],
    ['another schema', '{"schemaType":"Other","modelId":"m","timestamp":"t"}', "f line 1: schemaType must be 'ModelInvocationLog', got \"Other\""],
    ['no model id', '{"schemaType":"ModelInvocationLog","timestamp":"t","input":{"inputTokenCount":1}}', 'f line 1: modelId is missing'],
    ['no input count', '{"schemaType":"ModelInvocationLog","timestamp":"t","modelId":"m","input":{}}', 'f line 1: input.inputTokenCount is missing'],
    ['negative tokens', '{"schemaType":"ModelInvocationLog","timestamp":"t","modelId":"m","input":{"inputTokenCount":-1}}', 'input.inputTokenCount must be a whole number >= 0, got -1'],
    ['fractional cache', '{"schemaType":"ModelInvocationLog","timestamp":"t","modelId":"m","input":{"inputTokenCount":1,"cacheReadInputTokenCount":1.5}}', 'input.cacheReadInputTokenCount must be a whole number'],
    ['metadata of numbers', '{"schemaType":"ModelInvocationLog","timestamp":"t","modelId":"m","input":{"inputTokenCount":1},"requestMetadata":{"a":1}}', 'requestMetadata must be an object of strings'],
  ])('refuses a line that is %s, naming the line and field', (_case, line, message) => {
    expect(() => parseInvocationLogFile(Buffer.from(line), 'f')).toThrow(InvocationLogError);
    expect(() => parseInvocationLogFile(Buffer.from(line), 'f')).toThrow(message);
  });

  test('names the line number of a bad record after good ones', () => {
    const text = `${sample().toString('utf8')}\n{"schemaType":"ModelInvocationLog"}\n`;
    expect(() => parseInvocationLogFile(Buffer.from(text), 'logs.jsonl')).toThrow(/^logs\.jsonl line 11: modelId is missing$/);
  });

  test('refuses a truncated gzip file', () => {
    const zipped = gzipSync(sample());
    expect(() => parseInvocationLogFile(zipped.subarray(0, zipped.length - 20), 'cut.gz')).toThrow('cut.gz: not a readable gzip file');
  });
});

describe('modelKeyOf and InvocationLogPricing', () => {
  test.each([
    ['amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0'],
    ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0'],
    ['arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-pro-v1:0', 'us.amazon.nova-pro-v1:0'],
    ['arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:application-inference-profile/abc123', 'abc123'],
  ])('%s is keyed as %s', (modelId, key) => {
    expect(modelKeyOf(modelId)).toBe(key);
  });

  test('prices a cross-region profile ARN at its geography price, not the list price', () => {
    const price = InvocationLogPricing.DEFAULT.priceOf('arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(price.priced && price.source.invocationId).toBe('us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(price.priced && price.source.prices.inputPerMillionTokens).toBe(1.1);
  });

  test('leaves unmapped application profiles, provisioned models and unknown models unpriced, with the reason', () => {
    const none = InvocationLogPricing.DEFAULT;
    expect(none.priceOf('arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc')).toEqual({
      priced: false,
      reason: 'application inference profile not in the profiles map',
    });
    expect(none.priceOf('arn:aws:bedrock:us-east-1:111122223333:provisioned-model/pt1')).toEqual({
      priced: false,
      reason: 'provisioned-model is not billed per token by the price table',
    });
    expect(none.priceOf('cohere.command-r-v1:0')).toEqual({ priced: false, reason: 'model not in the price table' });
  });

  test('maps a profile by its ARN or its short id', () => {
    const map = new InvocationLogPricing({ applicationProfiles: { abc: 'us.amazon.nova-pro-v1:0' } });
    const price = map.priceOf('arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc');
    expect(price.priced && price.source.invocationId).toBe('us.amazon.nova-pro-v1:0');
  });

  test('refuses a map entry whose model the price table does not know, naming the entry', () => {
    expect(() => new InvocationLogPricing({ applicationProfiles: { 'arn:x/abc': 'amazon.nova-nano-v9:0' } })).toThrow(/^profile arn:x\/abc: unknown model id 'amazon.nova-nano-v9:0'/);
  });
});

describe('attributeCosts', () => {
  const records = () => parseInvocationLogFile(sample(), 'sample');

  test('groups the hand-priced sample by tenant, with exact costs', () => {
    const report = attributeCosts(records(), attributionDimension('tenant'));

    expect(report.groups.map((g) => [g.key, g.requests, g.costUsd.toString(), g.unpricedRequests, g.failedRequests])).toEqual([
      ['globex', 2, '0.00223256', 1, 0],
      ['initech', 2, '0.00024', 1, 0],
      ['acme', 3, '0.0001038', 0, 1],
      [null, 1, '0', 1, 0],
    ]);
    expect(report.totalUsd.toString()).toBe('0.00257636');
    expect(report.groups[2]).toMatchObject({ inputTokens: 1003, outputTokens: 212, cacheWriteInputTokens: 18779, cacheReadInputTokens: 0 });
    expect(report.requests).toBe(8);
  });

  test('lists what it could not price, by model and reason, and never counts it as zero dollars', () => {
    const report = attributeCosts(records(), attributionDimension('tenant'));

    expect(report.unpriced).toEqual([
      {
        modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
        reason: 'model not in the price table',
        requests: 1,
        inputTokens: 35,
        outputTokens: 446,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 0,
      },
      expect.objectContaining({ modelId: 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123xyz', requests: 1 }),
      expect.objectContaining({
        modelId: 'meta.llama3-1-8b-instruct-v1:0',
        reason: 'Llama 3.1 8B Instruct (meta.llama3-1-8b-instruct-v1:0) does not support prompt caching, but usage reports cache tokens',
      }),
    ]);
  });

  test('prices application-profile records through the profiles map', () => {
    const report = attributeCosts(records(), attributionDimension('tenant'), withProfiles());

    expect(report.groups.find((g) => g.key === null)?.costUsd.toString()).toBe('0.000054');
    expect(report.totalUsd.toString()).toBe('0.00263036');
    expect(report.unpriced.map((u) => u.modelId)).not.toContain('arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123xyz');
  });

  test('groups by modelId as logged', () => {
    const report = attributeCosts(records(), attributionDimension('modelId'));
    const micro = report.groups.find((g) => g.key === 'amazon.nova-micro-v1:0');
    expect(micro).toMatchObject({ requests: 2, failedRequests: 1 });
    expect(micro?.costUsd.toString()).toBe('0.000063');
  });

  test('groups by identity with assumed-role sessions folded into their role', () => {
    const report = attributeCosts(records(), attributionDimension('identity'));

    const supportAgent = report.groups.find((g) => g.key === 'arn:aws:sts::111122223333:assumed-role/support-agent');
    expect(supportAgent?.requests).toBe(3);
    expect(supportAgent?.costUsd.toString()).toBe('0.0001038');
    expect(principalOf('arn:aws:iam::111122223333:user/alice')).toBe('arn:aws:iam::111122223333:user/alice');
  });

  test('takes requestMetadata.<key> for keys named like the built-in dimensions', () => {
    expect(attributionDimension('requestMetadata.modelId')).toEqual({ kind: 'requestMetadata', key: 'modelId' });
    expect(attributionDimension('modelId')).toEqual({ kind: 'modelId' });
    expect(() => attributionDimension('requestMetadata.')).toThrow('--by needs modelId, identity or a requestMetadata key');
  });

  test('matches estimateCost with a custom price table, such as a negotiated discount', () => {
    const discounted = PriceTable.DEFAULT.with(BedrockModel.NOVA_MICRO.withDiscount(50));
    const report = attributeCosts(records().slice(0, 1), attributionDimension('tenant'), new InvocationLogPricing({ priceTable: discounted }));
    expect(report.totalUsd.equals(Usd.of('0.0000315'))).toBe(true);
  });

  test('writes exact decimal strings in JSON', () => {
    const json = attributionToJson(attributeCosts(records(), attributionDimension('tenant')));
    expect(json).toMatchObject({
      by: 'tenant',
      totalUsd: '0.00257636',
      groups: expect.arrayContaining([
        { key: 'globex', requests: 2, inputTokens: 155, outputTokens: 746, cacheReadInputTokens: 4096, cacheWriteInputTokens: 0, costUsd: '0.00223256', unpricedRequests: 1, failedRequests: 0 },
      ]),
    });
  });
});
