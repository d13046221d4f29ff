import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { type BedrockStub, startBedrockStub } from './bedrock-stub';

/** The stub must behave like Bedrock for the real SDK client, or tests built on it prove nothing. */
describe('Bedrock Runtime stub (real SDK client, HTTP/2 on 127.0.0.1)', () => {
  let stub: BedrockStub;
  let client: BedrockRuntimeClient;

  beforeAll(async () => {
    stub = await startBedrockStub();
    // Like a handler would: the endpoint comes from AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
    client = new BedrockRuntimeClient({ maxAttempts: 3 });
  });
  afterAll(async () => {
    client.destroy();
    await stub.close();
  });
  beforeEach(() => {
    stub.calls.length = 0;
    stub.reply();
  });

  const converse = (modelId = 'us.amazon.nova-pro-v1:0') =>
    client.send(
      new ConverseCommand({
        modelId,
        messages: [{ role: 'user', content: [{ text: 'Where is my order?' }] }],
        inferenceConfig: { maxTokens: 64 },
      }),
    );

  test('answers Converse with the message, stop reason and usage, and records the request', async () => {
    stub.reply({ kind: 'answer', text: 'It ships today.', usage: { inputTokens: 12, outputTokens: 4, cacheReadInputTokens: 1024 } });
    const response = await converse();
    expect(response.output?.message?.content?.[0]).toEqual({ text: 'It ships today.' });
    expect(response.stopReason).toBe('end_turn');
    expect(response.usage).toMatchObject({ inputTokens: 12, outputTokens: 4, cacheReadInputTokens: 1024, totalTokens: 16 });
    expect(stub.calls).toEqual([
      {
        modelId: 'us.amazon.nova-pro-v1:0',
        body: { messages: [{ role: 'user', content: [{ text: 'Where is my order?' }] }], inferenceConfig: { maxTokens: 64 } },
      },
    ]);
  });

  test('model ids that are ARNs arrive decoded', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123';
    await converse(arn);
    expect(stub.calls[0].modelId).toBe(arn);
  });

  test('a throttled call is retried by the SDK and then succeeds', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'answer', text: 'after a retry' });
    const response = await converse();
    expect(response.output?.message?.content?.[0]).toEqual({ text: 'after a retry' });
    expect(stub.calls).toHaveLength(2);
  });

  test('throttling beyond the retries surfaces as ThrottlingException', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' });
    await expect(converse()).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  });

  test('a server error surfaces as InternalServerException after the retries', async () => {
    stub.reply({ kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error' });
    await expect(converse()).rejects.toMatchObject({ name: 'InternalServerException' });
  });

  test('a 503 surfaces as ServiceUnavailableException and a 408 as ModelTimeoutException', async () => {
    stub.reply({ kind: 'unavailable' }, { kind: 'unavailable' }, { kind: 'unavailable' }, { kind: 'model-timeout' });
    await expect(converse()).rejects.toMatchObject({ name: 'ServiceUnavailableException', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    await expect(converse()).rejects.toMatchObject({ name: 'ModelTimeoutException', $metadata: { httpStatusCode: 408 } });
    // The SDK retries the 503 (3 attempts), not the 408.
    expect(stub.calls).toHaveLength(4);
  });

  test('a reset stream (NGHTTP2_INTERNAL_ERROR) is not retried by the SDK', async () => {
    stub.reply({ kind: 'reset' }, { kind: 'answer', text: 'never asked' });
    const error = (await converse().catch((caught: unknown) => caught)) as NodeJS.ErrnoException;
    // Under jest the SDK wraps the error (it fails its instanceof check across realms) and keeps
    // the code only in the message; in Lambda the error keeps its code. Callers check both.
    expect(`${error.code} ${error.message}`).toContain('ERR_HTTP2_STREAM_ERROR');
    expect(error.message).toContain('NGHTTP2_INTERNAL_ERROR');
    expect(stub.calls).toHaveLength(1);
  });

  test('a body that is not JSON fails the call, without a server fault', async () => {
    stub.reply({ kind: 'malformed' });
    const error = await converse().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toHaveProperty('$fault', 'server');
    expect(stub.calls).toHaveLength(1);
  });

  test('any reply can come late', async () => {
    stub.reply({ kind: 'throttle', delayMs: 150 }, { kind: 'answer', text: 'late' });
    const started = performance.now();
    await converse();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  test('a slow answer can be cut short by the caller', async () => {
    stub.reply({ kind: 'answer', text: 'late', delayMs: 2000 });
    await expect(client.send(new ConverseCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] }), { abortSignal: AbortSignal.timeout(100) })).rejects.toThrow();
  });
});
