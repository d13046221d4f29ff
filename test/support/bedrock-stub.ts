import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { listenLocally, pointSdkAt } from './local-endpoint';

/** One Converse request as the stub received it. */
export interface ConverseCall {
  readonly modelId: string;
  readonly body: Record<string, unknown>;
}

/**
 * The faults the stub injects: 429 ThrottlingException, 500 InternalServerException, 503
 * ServiceUnavailableException and 408 ModelTimeoutException as Bedrock sends them (JSON body,
 * `x-amzn-errortype`); `reset` closes the stream with RST_STREAM NGHTTP2_INTERNAL_ERROR (the SDK
 * sees ERR_HTTP2_STREAM_ERROR); `malformed` is a 200 whose body is cut short.
 */
export type StubFault = 'throttle' | 'server-error' | 'unavailable' | 'model-timeout' | 'reset' | 'malformed';

/** What the stub answers to one Converse call, after `delayMs` if given. */
export type StubReply = (
  | {
      readonly kind: 'answer';
      readonly text: string;
      readonly usage?: { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number };
      readonly stopReason?: string;
    }
  | { readonly kind: StubFault }
) & {
  /** Wait this long before answering. */
  readonly delayMs?: number;
};

const ERRORS: Record<Exclude<StubFault, 'reset' | 'malformed'>, { readonly status: number; readonly type: string; readonly message: string }> = {
  throttle: { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  'server-error': { status: 500, type: 'InternalServerException', message: 'The server encountered an internal error.' },
  unavailable: { status: 503, type: 'ServiceUnavailableException', message: 'The service is temporarily unavailable.' },
  'model-timeout': { status: 408, type: 'ModelTimeoutException', message: 'Model has timed out in processing the request.' },
};

export interface BedrockStub {
  readonly endpoint: string;
  /** Every Converse call, in order. */
  readonly calls: ConverseCall[];
  /** Sets how the next calls are answered; calls beyond the list get `fallback`. */
  reply(...replies: StubReply[]): void;
  close(): Promise<void>;
}

/**
 * A Bedrock Runtime stub on 127.0.0.1 speaking what the real `@aws-sdk/client-bedrock-runtime`
 * speaks: HTTP/2 cleartext, `POST /model/{url-encoded modelId}/converse`, JSON in and out. It
 * can inject every fault a caller must survive (StubFault), slowly or at once.
 *
 * Point the SDK at it with `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` (set by `startBedrockStub`) before
 * the module under test creates its client.
 */
export async function startBedrockStub(fallback: StubReply = { kind: 'answer', text: 'ok' }): Promise<BedrockStub> {
  const calls: ConverseCall[] = [];
  let queue: StubReply[] = [];
  const server: Http2Server = createServer();
  // Tracked so close() ends promptly even with a slow answer pending or a client keeping its session.
  const sessions = new Set<ServerHttp2Session>();
  const timers = new Set<NodeJS.Timeout>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const chunks: Buffer[] = [];
    // A stream the stub resets itself (RST_STREAM) reports that as an error here: expected.
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const match = /^\/model\/([^/]+)\/converse$/.exec(String(headers[':path']));
      if (headers[':method'] !== 'POST' || !match) {
        respond(stream, 404, { message: `the stub serves only POST /model/{modelId}/converse, got ${headers[':method']} ${headers[':path']}` });
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        respond(stream, 400, { message: 'request body is not JSON' }, 'ValidationException');
        return;
      }
      calls.push({ modelId: decodeURIComponent(match[1]), body });
      const reply = queue.shift() ?? fallback;
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer(stream, reply);
        }, reply.delayMs);
        timers.add(timer);
      } else {
        answer(stream, reply);
      }
    });
  });
  const endpoint = await listenLocally(server);
  pointSdkAt('AWS_ENDPOINT_URL_BEDROCK_RUNTIME', endpoint);
  return {
    endpoint,
    calls,
    reply(...replies: StubReply[]) {
      queue = [...replies];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        timers.forEach((timer) => clearTimeout(timer));
        sessions.forEach((session) => session.destroy());
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function answer(stream: ServerHttp2Stream, reply: StubReply): void {
  if (stream.destroyed) {
    return;
  }
  switch (reply.kind) {
    case 'reset':
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    case 'malformed':
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end('{"output": {"message": ');
      return;
    case 'answer': {
      const usage = { inputTokens: 10, outputTokens: 5, ...reply.usage };
      respond(stream, 200, {
        output: { message: { role: 'assistant', content: [{ text: reply.text }] } },
        stopReason: reply.stopReason ?? 'end_turn',
        usage: { ...usage, totalTokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) },
        metrics: { latencyMs: reply.delayMs ?? 1 },
      });
      return;
    }
    default: {
      const { status, type, message } = ERRORS[reply.kind];
      respond(stream, status, { message }, type);
    }
  }
}

function respond(stream: ServerHttp2Stream, status: number, body: unknown, errorType?: string): void {
  if (stream.destroyed) {
    return;
  }
  stream.respond({
    ':status': status,
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  stream.end(JSON.stringify(body));
}
