import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { listenLocally, pointSdkAt } from './local-endpoint';

/** One Converse request as the stub received it. */
export interface ConverseCall {
  readonly modelId: string;
  readonly body: Record<string, unknown>;
}

/** What the stub answers to one Converse call. */
export type StubReply =
  | {
      readonly kind: 'answer';
      readonly text: string;
      readonly usage?: { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number };
      readonly stopReason?: string;
      /** Wait this long before answering. */
      readonly delayMs?: number;
    }
  | { readonly kind: 'throttle' }
  | { readonly kind: 'server-error' }
  | { readonly kind: 'malformed' };

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
 * can throttle (429 with `x-amzn-errortype: ThrottlingException`, which the SDK retries), fail
 * (500), answer slowly, or send a body that is not JSON.
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
      switch (reply.kind) {
        case 'throttle':
          respond(stream, 429, { message: 'Too many requests, please wait before trying again.' }, 'ThrottlingException');
          return;
        case 'server-error':
          respond(stream, 500, { message: 'The server encountered an internal error.' }, 'InternalServerException');
          return;
        case 'malformed':
          stream.respond({ ':status': 200, 'content-type': 'application/json' });
          stream.end('{"output": {"message": ');
          return;
        case 'answer': {
          const usage = { inputTokens: 10, outputTokens: 5, ...reply.usage };
          const answer = {
            output: { message: { role: 'assistant', content: [{ text: reply.text }] } },
            stopReason: reply.stopReason ?? 'end_turn',
            usage: { ...usage, totalTokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) },
            metrics: { latencyMs: reply.delayMs ?? 1 },
          };
          if (reply.delayMs) {
            const timer = setTimeout(() => {
              timers.delete(timer);
              respond(stream, 200, answer);
            }, reply.delayMs);
            timers.add(timer);
          } else {
            respond(stream, 200, answer);
          }
        }
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
