import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaServiceError, type LambdaStub, startLambdaStub } from './lambda-stub';

describe('Lambda Invoke stub', () => {
  let stub: LambdaStub;
  let client: LambdaClient;
  beforeAll(async () => {
    stub = await startLambdaStub({
      echo: (payload) => ({ echoed: payload }),
      broken: () => {
        throw new TypeError('boom');
      },
      throttled: () => {
        throw new LambdaServiceError(429, 'TooManyRequestsException', 'Rate exceeded');
      },
      failing: () => {
        throw new LambdaServiceError(500, 'ServiceException');
      },
    });
    client = new LambdaClient({ maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await stub.close();
  });

  const invoke = (FunctionName: string, payload: unknown) =>
    client.send(new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify(payload)) }));

  test('the real client gets the function result back', async () => {
    const result = await invoke('arn:aws:lambda:us-east-1:123456789012:function:echo', { a: 1 });
    expect(result.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(result.Payload ?? []).toString('utf8'))).toEqual({ echoed: { a: 1 } });
  });

  test('a thrown error comes back as Lambda reports it: FunctionError and an error payload', async () => {
    const result = await invoke('broken', {});
    expect(result.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(result.Payload ?? []).toString('utf8'))).toEqual({ errorType: 'TypeError', errorMessage: 'boom' });
  });

  test('an unknown function is ResourceNotFoundException', async () => {
    await expect(invoke('missing', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('a LambdaServiceError is the service failing the call, as the SDK names it', async () => {
    await expect(invoke('throttled', {})).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    await expect(invoke('failing', {})).rejects.toMatchObject({ name: 'ServiceException', $fault: 'server', $metadata: { httpStatusCode: 500 } });
  });
});
