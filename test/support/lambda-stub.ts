import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenLocally, pointSdkAt } from './local-endpoint';

/** A function the stub runs for an Invoke call: receives the parsed payload, returns the result. */
export type StubFunction = (payload: unknown) => unknown;

/**
 * Thrown by a StubFunction to make the Lambda service itself fail the Invoke call, e.g.
 * `new LambdaServiceError(429, 'TooManyRequestsException')` (throttled) or `(500, 'ServiceException')`.
 */
export class LambdaServiceError extends Error {
  constructor(
    public readonly status: number,
    public readonly type: string,
    message = type,
  ) {
    super(message);
    this.name = 'LambdaServiceError';
  }
}

/** One Invoke call as the stub received it. */
export interface InvokeCall {
  readonly functionName: string;
  readonly payload: unknown;
  /** Milliseconds the function took, as seen by the stub. */
  readonly durationMs: number;
}

export interface LambdaStub {
  readonly endpoint: string;
  readonly calls: InvokeCall[];
  /** Registers (or replaces) what a function name runs. */
  register(functionName: string, fn: StubFunction): void;
  close(): Promise<void>;
}

/**
 * A Lambda Invoke API stub on 127.0.0.1 for the real `@aws-sdk/client-lambda`:
 * `POST /2015-03-31/functions/{name}/invocations` runs the registered function in this process
 * (by name or ARN) and answers as Lambda does: 200 with the JSON result, or 200 with `X-Amz-Function-Error:
 * Unhandled` and `{ errorType, errorMessage }` when the function throws. An unknown function is
 * a 404 ResourceNotFoundException. Sets `AWS_ENDPOINT_URL_LAMBDA`.
 */
export async function startLambdaStub(functions: Record<string, StubFunction> = {}): Promise<LambdaStub> {
  const registry = new Map(Object.entries(functions));
  const calls: InvokeCall[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void handle(request, Buffer.concat(chunks).toString('utf8'), response);
    });
  });

  async function handle(request: IncomingMessage, body: string, response: ServerResponse): Promise<void> {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) {
      send(response, 404, { message: `the stub serves only POST /2015-03-31/functions/{name}/invocations, got ${request.method} ${request.url}` });
      return;
    }
    const functionName = shortName(decodeURIComponent(match[1]));
    const fn = registry.get(functionName);
    if (!fn) {
      send(response, 404, { Type: 'User', message: `Function not found: ${functionName}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      return;
    }
    const payload: unknown = body === '' ? undefined : JSON.parse(body);
    const started = performance.now();
    try {
      const result = await fn(payload);
      calls.push({ functionName, payload, durationMs: performance.now() - started });
      send(response, 200, result ?? null, { 'x-amz-executed-version': '$LATEST' });
    } catch (error) {
      calls.push({ functionName, payload, durationMs: performance.now() - started });
      if (error instanceof LambdaServiceError) {
        send(response, error.status, { Type: error.status >= 500 ? 'Service' : 'User', message: error.message }, { 'x-amzn-errortype': error.type });
        return;
      }
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      send(response, 200, { errorType: name, errorMessage: message }, { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' });
    }
  }

  const endpoint = await listenLocally(server);
  pointSdkAt('AWS_ENDPOINT_URL_LAMBDA', endpoint);
  return {
    endpoint,
    calls,
    register(functionName, fn) {
      registry.set(functionName, fn);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Lambda accepts a name, a full ARN or a partial one (`123456789012:function:name`). */
function shortName(nameOrArn: string): string {
  const marker = ':function:';
  const index = nameOrArn.indexOf(marker);
  return index === -1 ? nameOrArn : nameOrArn.slice(index + marker.length).split(':')[0];
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
