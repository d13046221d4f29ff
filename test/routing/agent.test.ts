import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Context } from 'aws-lambda';
import type * as Agent from '../../lambda/router-agent';
import { answerText, errorCodeOf, isEscalation } from '../../lambda/router-agent/reply';
import { converseInput, ESCALATE_INSTRUCTION } from '../../lambda/router-agent/request';
import { type AgentConfig, type AgentRequest, ESCALATE_MARKER } from '../../lambda/routing-shared/contract';
import { type BedrockStub, startBedrockStub } from '../support/bedrock-stub';

const PROFILE_ARN = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/simple0tier01';
const FALLBACK_ARN = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/simple0fallb1';
const SYSTEM_PROMPT = 'You are the support desk of Example Corp. Answer briefly.';
const PROMPT = 'Where is my order #4471?';

const CONFIG: AgentConfig = {
  tier: 'simple',
  systemPrompt: SYSTEM_PROMPT,
  maxTokens: 512,
  temperature: 0.2,
  promptCaching: true,
  fallbackPromptCaching: false,
};

function agentRequest(overrides: Partial<AgentRequest> = {}): AgentRequest {
  return {
    messages: [{ role: 'user', content: PROMPT }],
    maxTokens: 256,
    tier: 'simple',
    canEscalate: false,
    timeoutMs: 10_000,
    requestId: 'req-1',
    ...overrides,
  };
}

const CACHE_POINT = { cachePoint: { type: 'default' } };
const USAGE = { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };

let stub: BedrockStub;
let dir: string;
let loads = 0;

beforeAll(async () => {
  // Before any handler module loads, so each module's client points at the stub.
  stub = await startBedrockStub();
  dir = mkdtempSync(join(tmpdir(), 'router-agent-'));
});
afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  stub.calls.length = 0;
  stub.reply();
});
afterEach(() => jest.restoreAllMocks());

/**
 * A fresh handler module with its own configuration file and environment. The handler reads both
 * on its first invocation, so each describe block invokes its handler before the next one loads.
 */
async function loadAgent(config: Partial<AgentConfig> | undefined, env: Record<string, string | undefined> = {}): Promise<typeof Agent.handler> {
  const file = join(dir, `routing-config-${++loads}.json`);
  if (config !== undefined) {
    writeFileSync(file, JSON.stringify({ ...CONFIG, ...config }));
  }
  const vars: Record<string, string | undefined> = {
    CONFIG_FILE: file,
    MODEL_ID: PROFILE_ARN,
    FALLBACK_MODEL_ID: undefined,
    MAX_ATTEMPTS: '2',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  };
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
  jest.resetModules();
  return (await import('../../lambda/router-agent')).handler;
}

describe('router agent with prompt caching, a temperature and a fallback without caching', () => {
  let handler: typeof Agent.handler;
  beforeAll(async () => {
    handler = await loadAgent({}, { FALLBACK_MODEL_ID: FALLBACK_ARN });
  });

  test('sends the tier profile the system prompt, the escalation instruction, a cache point last, the turns and the inference config', async () => {
    stub.reply({ kind: 'answer', text: 'It ships today.' });
    const messages = [
      { role: 'user', content: PROMPT },
      { role: 'assistant', content: 'Which email did you order with?' },
      { role: 'user', content: 'ana@example.com' },
    ] as const;
    const response = await handler(agentRequest({ messages, canEscalate: true }));
    expect(response).toEqual({ answer: 'It ships today.', usage: USAGE, stopReason: 'end_turn' });
    expect(stub.calls).toEqual([
      {
        modelId: PROFILE_ARN,
        body: {
          system: [{ text: SYSTEM_PROMPT }, { text: ESCALATE_INSTRUCTION }, CACHE_POINT],
          messages: [
            { role: 'user', content: [{ text: PROMPT }] },
            { role: 'assistant', content: [{ text: 'Which email did you order with?' }] },
            { role: 'user', content: [{ text: 'ana@example.com' }] },
          ],
          inferenceConfig: { maxTokens: 256, temperature: 0.2 },
          requestMetadata: { tier: 'simple', 'request-id': 'req-1' },
        },
      },
    ]);
    expect(ESCALATE_INSTRUCTION).toContain(`reply with exactly ${ESCALATE_MARKER} and nothing else`);
  });

  test("sends the invocation log's requestMetadata: tenant, router, tier and request id, within Bedrock's limits", async () => {
    await handler(agentRequest({ tenantId: "acme's shop", router: 'support-router' }));
    expect(stub.calls[0].body.requestMetadata).toEqual({ tenant: 'acme_s shop', router: 'support-router', tier: 'simple', 'request-id': 'req-1' });
  });

  test('without canEscalate the system prompt alone is the cached prefix', async () => {
    await handler(agentRequest());
    expect(stub.calls[0].body.system).toEqual([{ text: SYSTEM_PROMPT }, CACHE_POINT]);
  });

  test("caps maxTokens at the tier's maxTokens", async () => {
    await handler(agentRequest({ maxTokens: 4096 }));
    expect(stub.calls[0].body.inferenceConfig).toEqual({ maxTokens: 512, temperature: 0.2 });
  });

  test('passes usage through, cache reads and writes included, and the stop reason', async () => {
    stub.reply({
      kind: 'answer',
      text: 'It ships',
      stopReason: 'max_tokens',
      usage: { inputTokens: 12, outputTokens: 7, cacheReadInputTokens: 1024, cacheWriteInputTokens: 96 },
    });
    expect(await handler(agentRequest())).toEqual({
      answer: 'It ships',
      usage: { inputTokens: 12, outputTokens: 7, cacheReadInputTokens: 1024, cacheWriteInputTokens: 96 },
      stopReason: 'max_tokens',
    });
  });

  test.each(['ESCALATE', '  ESCALATE\n', 'ESCALATE.', 'ESCALATE\nI have no access to order data.', 'ESCALATE: needs a human'])(
    'the reply %j escalates when the request may escalate',
    async (text) => {
      stub.reply({ kind: 'answer', text, usage: { inputTokens: 40, outputTokens: 2, cacheReadInputTokens: 900 } });
      expect(await handler(agentRequest({ canEscalate: true }))).toEqual({
        escalate: true,
        usage: { inputTokens: 40, outputTokens: 2, cacheReadInputTokens: 900, cacheWriteInputTokens: 0 },
      });
    },
  );

  test.each(['ESCALATED to billing yesterday.', 'Escalate this to your account manager.', 'I will not ESCALATE.', 'escalate'])(
    'the reply %j is an answer',
    async (text) => {
      stub.reply({ kind: 'answer', text });
      expect(await handler(agentRequest({ canEscalate: true }))).toEqual({ answer: text, usage: USAGE, stopReason: 'end_turn' });
    },
  );

  // The router, which knows whether the request may move up, turns it into ModelDeclined: the marker is never an answer.
  test('ESCALATE is reported as an escalation even when the request may not escalate', async () => {
    stub.reply({ kind: 'answer', text: ESCALATE_MARKER });
    expect(await handler(agentRequest({ canEscalate: false }))).toEqual({ escalate: true, usage: USAGE });
  });

  test('a throttled call is retried and answers once', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'answer', text: 'after a retry' });
    expect(await handler(agentRequest())).toEqual({ answer: 'after a retry', usage: USAGE, stopReason: 'end_turn' });
    expect(stub.calls.map((call) => call.modelId)).toEqual([PROFILE_ARN, PROFILE_ARN]);
  });

  test('throttling beyond MAX_ATTEMPTS moves the same request to the fallback, without a cache point', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'answer', text: 'from the fallback', usage: { inputTokens: 30, outputTokens: 4 } });
    expect(await handler(agentRequest({ canEscalate: true }))).toEqual({
      answer: 'from the fallback',
      usage: { inputTokens: 30, outputTokens: 4, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
      stopReason: 'end_turn',
      usedFallback: true,
    });
    expect(stub.calls.map((call) => call.modelId)).toEqual([PROFILE_ARN, PROFILE_ARN, FALLBACK_ARN]);
    expect(stub.calls[2].body).toEqual({
      system: [{ text: SYSTEM_PROMPT }, { text: ESCALATE_INSTRUCTION }],
      messages: [{ role: 'user', content: [{ text: PROMPT }] }],
      inferenceConfig: { maxTokens: 256, temperature: 0.2 },
      requestMetadata: { tier: 'simple', 'request-id': 'req-1' },
    });
  });

  test('a fallback that escalates says it was the fallback, so the router prices it right', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'answer', text: ESCALATE_MARKER });
    expect(await handler(agentRequest({ canEscalate: true }))).toEqual({ escalate: true, usage: USAGE, usedFallback: true });
  });

  test('a fallback that is throttled too ends Throttled', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' });
    const response = await handler(agentRequest());
    expect(response).toEqual({ error: { code: 'Throttled', message: expect.stringContaining('ThrottlingException') } });
    expect(stub.calls.map((call) => call.modelId)).toEqual([PROFILE_ARN, PROFILE_ARN, FALLBACK_ARN, FALLBACK_ARN]);
  });

  test.each([
    ['a 500 InternalServerException', 'server-error'],
    ['a 503 ServiceUnavailableException', 'unavailable'],
    ['a reset HTTP/2 stream', 'reset'],
  ] as const)('%s after the retries moves to the fallback', async (_name, kind) => {
    stub.reply({ kind }, { kind }, { kind: 'answer', text: 'from the fallback' });
    expect(await handler(agentRequest())).toMatchObject({ answer: 'from the fallback', usedFallback: true });
    expect(stub.calls.map((call) => call.modelId)).toEqual([PROFILE_ARN, PROFILE_ARN, FALLBACK_ARN]);
  });

  test('a server fault on the primary and the fallback ends ServiceUnavailable', async () => {
    stub.reply({ kind: 'server-error' }, { kind: 'unavailable' }, { kind: 'unavailable' }, { kind: 'reset' });
    expect(await handler(agentRequest())).toEqual({ error: { code: 'ServiceUnavailable', message: expect.stringContaining('fallback: ') } });
    expect(stub.calls).toHaveLength(4);
  });

  test('a reset stream is retried, and the retry answers', async () => {
    stub.reply({ kind: 'reset' }, { kind: 'answer', text: 'on the second stream' });
    expect(await handler(agentRequest())).toEqual({ answer: 'on the second stream', usage: USAGE, stopReason: 'end_turn' });
    expect(stub.calls.map((call) => call.modelId)).toEqual([PROFILE_ARN, PROFILE_ARN]);
  });

  test('a reply that is not JSON is an UpstreamError: not retried, no fallback', async () => {
    stub.reply({ kind: 'malformed' }, { kind: 'answer', text: 'never asked' });
    expect(await handler(agentRequest())).toEqual({ error: { code: 'UpstreamError', message: expect.any(String) } });
    expect(stub.calls).toHaveLength(1);
  });

  test('a ModelTimeoutException is a Timeout: not retried, no fallback', async () => {
    stub.reply({ kind: 'model-timeout' }, { kind: 'answer', text: 'never asked' });
    expect(await handler(agentRequest())).toEqual({ error: { code: 'Timeout', message: expect.stringContaining('ModelTimeoutException') } });
    expect(stub.calls).toHaveLength(1);
  });

  test('a slow answer is abandoned before timeoutMs, so the router gets Timeout in time', async () => {
    stub.reply({ kind: 'answer', text: 'too late', delayMs: 3_000 });
    const started = Date.now();
    const response = await handler(agentRequest({ timeoutMs: 800 }));
    const elapsed = Date.now() - started;
    expect(response).toEqual({ error: { code: 'Timeout', message: expect.any(String) } });
    // The margin: the agent stops 250 ms before the router's deadline.
    expect(elapsed).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(800);
  });

  test("stops within the function's remaining time when that is shorter than timeoutMs", async () => {
    stub.reply({ kind: 'answer', text: 'too late', delayMs: 3_000 });
    const context = { getRemainingTimeInMillis: () => 700 } as unknown as Context;
    const started = Date.now();
    expect(await handler(agentRequest({ timeoutMs: 10_000 }), context)).toEqual({ error: { code: 'Timeout', message: expect.any(String) } });
    expect(Date.now() - started).toBeLessThan(700);
  });

  test.each<[string, unknown, string]>([
    ['not an object', 'hello', 'payload must be an object'],
    ['no messages', { ...agentRequest(), messages: [] }, 'messages must be a non-empty array'],
    ['a bad role', { ...agentRequest(), messages: [{ role: 'user', content: PROMPT }, { role: 'system', content: PROMPT }] }, 'messages[1].role'],
    ['blank content', { ...agentRequest(), messages: [{ role: 'user', content: '  ' }] }, 'messages[0].content'],
    ['a message that is not an object', { ...agentRequest(), messages: [PROMPT] }, 'messages[0] must be an object'],
    ['maxTokens 0', { ...agentRequest(), maxTokens: 0 }, 'maxTokens must be a positive integer, got 0'],
    ['fractional maxTokens', { ...agentRequest(), maxTokens: 1.5 }, 'maxTokens'],
    ['no timeoutMs', { ...agentRequest(), timeoutMs: undefined }, 'timeoutMs must be a positive number'],
    ['a string canEscalate', { ...agentRequest(), canEscalate: 'yes' }, 'canEscalate must be a boolean'],
  ])('a payload with %s is an UpstreamError naming the field, and Bedrock is not called', async (_name, payload, problem) => {
    const response = await handler(payload);
    expect(response).toEqual({ error: { code: 'UpstreamError', message: expect.stringContaining(problem) } });
    expect('error' in response && response.error.message).not.toContain(PROMPT);
    expect(stub.calls).toHaveLength(0);
  });
});

describe('router agent without prompt caching, temperature or fallback', () => {
  let handler: typeof Agent.handler;
  beforeAll(async () => {
    handler = await loadAgent({ promptCaching: false, temperature: undefined });
  });

  test('sends no cache point and no temperature', async () => {
    await handler(agentRequest({ canEscalate: true }));
    expect(stub.calls).toEqual([
      {
        modelId: PROFILE_ARN,
        body: {
          system: [{ text: SYSTEM_PROMPT }, { text: ESCALATE_INSTRUCTION }],
          messages: [{ role: 'user', content: [{ text: PROMPT }] }],
          inferenceConfig: { maxTokens: 256 },
          requestMetadata: { tier: 'simple', 'request-id': 'req-1' },
        },
      },
    ]);
  });

  test('throttling beyond MAX_ATTEMPTS ends Throttled', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'throttle' });
    expect(await handler(agentRequest())).toEqual({ error: { code: 'Throttled', message: expect.stringContaining('ThrottlingException') } });
    expect(stub.calls).toHaveLength(2);
  });
});

describe('router agent under persistent faults and a short timeout, with many attempts allowed', () => {
  let handler: typeof Agent.handler;
  beforeAll(async () => {
    handler = await loadAgent({}, { MAX_ATTEMPTS: '20' });
  });

  // Backoff (500 ms base when throttled, doubling, full jitter) soon outlasts a 450 ms budget: the
  // agent stops then and says Throttled, so the router answers 429 rather than 504.
  test('throttling whose backoff outlasts the deadline ends Throttled, before the deadline', async () => {
    stub.reply(...Array.from({ length: 20 }, () => ({ kind: 'throttle' as const })));
    const started = Date.now();
    const response = await handler(agentRequest({ timeoutMs: 700 }));
    expect(response).toEqual({ error: { code: 'Throttled', message: expect.stringContaining('ThrottlingException') } });
    expect(Date.now() - started).toBeLessThan(700);
  });

  test('a server fault that lasts past the deadline ends ServiceUnavailable, not Timeout', async () => {
    stub.reply(...Array.from({ length: 20 }, () => ({ kind: 'unavailable' as const, delayMs: 60 })));
    const response = await handler(agentRequest({ timeoutMs: 700 }));
    expect(response).toEqual({ error: { code: 'ServiceUnavailable', message: expect.stringContaining('ServiceUnavailableException') } });
  });

  test('a slow call after a throttle at the deadline still says Throttled', async () => {
    stub.reply({ kind: 'throttle' }, { kind: 'answer', text: 'too late', delayMs: 3_000 });
    jest.spyOn(Math, 'random').mockReturnValue(0);
    expect(await handler(agentRequest({ timeoutMs: 700 }))).toEqual({ error: { code: 'Throttled', message: expect.stringContaining('still failing after') } });
  });
});

describe('router agent whose fallback caches and primary does not', () => {
  test('the cache point follows fallbackPromptCaching on the fallback call', async () => {
    const handler = await loadAgent({ promptCaching: false, fallbackPromptCaching: true }, { FALLBACK_MODEL_ID: FALLBACK_ARN });
    stub.reply({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'answer', text: 'from the fallback' });
    expect(await handler(agentRequest())).toMatchObject({ answer: 'from the fallback', usedFallback: true });
    expect(stub.calls.map((call) => [call.modelId, call.body.system])).toEqual([
      [PROFILE_ARN, [{ text: SYSTEM_PROMPT }]],
      [PROFILE_ARN, [{ text: SYSTEM_PROMPT }]],
      [FALLBACK_ARN, [{ text: SYSTEM_PROMPT }, CACHE_POINT]],
    ]);
  });
});

describe('router agent logging', () => {
  test('logs one line per call with tier, usage, stop reason and latency, never the prompt or the answer', async () => {
    const handler = await loadAgent({}, { POWERTOOLS_LOG_LEVEL: 'INFO' });
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stub.reply({ kind: 'answer', text: 'Your parcel left Leipzig.', usage: { cacheReadInputTokens: 800 } });
    await handler(agentRequest());
    const lines = stdout.mock.calls.flatMap(([chunk]) => String(chunk).split('\n')).filter((line) => line.trim() !== '');
    stdout.mockRestore();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(PROMPT);
    expect(lines[0]).not.toContain('Leipzig');
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'INFO',
      message: 'Agent call',
      tier: 'simple',
      requestId: 'req-1',
      outcome: 'answer',
      usage: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 800, cacheWriteInputTokens: 0 },
      stopReason: 'end_turn',
      usedFallback: false,
      latencyMs: expect.any(Number),
    });
  });
});

describe('router agent configuration', () => {
  test('the module loads without its configuration file; the first invocation says which file is missing', async () => {
    const handler = await loadAgent(undefined);
    await expect(handler(agentRequest())).rejects.toThrow(/cannot read the routing configuration .*routing-config-\d+\.json/);
    expect(stub.calls).toHaveLength(0);
  });
});

describe('agent replies', () => {
  test.each([
    ['ESCALATE', true],
    ['ESCALATE!', true],
    ['ESCALATE — no data', true],
    ['ESCALATES', false],
    ['ESCALATEÉ', false],
    ['Escalate', false],
    ['', false],
  ])('%j escalates: %s', (text, expected) => {
    expect(isEscalation(text)).toBe(expected);
  });

  test.each([
    ['ThrottlingException', 'Throttled'],
    ['ServiceUnavailableException', 'ServiceUnavailable'],
    ['ModelNotReadyException', 'ServiceUnavailable'],
    ['InternalServerException', 'ServiceUnavailable'],
    ['ModelTimeoutException', 'Timeout'],
    ['ModelErrorException', 'UpstreamError'],
    ['ValidationException', 'UpstreamError'],
    ['AccessDeniedException', 'UpstreamError'],
    ['SyntaxError', 'UpstreamError'],
    ['AbortError', 'UpstreamError'],
  ])('%s is %s', (name, code) => {
    expect(errorCodeOf(Object.assign(new Error('x'), { name }))).toBe(code);
  });

  test.each([
    ['a reset HTTP/2 stream', Object.assign(new Error('Stream closed with error code NGHTTP2_INTERNAL_ERROR'), { code: 'ERR_HTTP2_STREAM_ERROR' })],
    ['the SDK wrapper of one', new Error('AWS SDK error wrapper for Error [ERR_HTTP2_STREAM_ERROR]: Stream closed with error code NGHTTP2_INTERNAL_ERROR')],
    ['a reset socket, as a cause', new Error('socket hang up', { cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }) })],
    ['an unknown 5xx server fault', Object.assign(new Error('x'), { name: 'Whatever', $fault: 'server', $metadata: { httpStatusCode: 502 } })],
  ])('%s is ServiceUnavailable', (_name, error) => {
    expect(errorCodeOf(error)).toBe('ServiceUnavailable');
  });

  test('the answer joins the text blocks and skips the others; no text block is no answer', () => {
    expect(answerText({ message: { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'hmm' } } }, { text: 'a' }, { text: 'b' }] } })).toBe(
      'ab',
    );
    expect(answerText({ message: { role: 'assistant', content: [] } })).toBeUndefined();
    expect(answerText(undefined)).toBeUndefined();
  });

  test('a blank system prompt sends no empty text block and no lone cache point', () => {
    const config = { ...CONFIG, systemPrompt: '' };
    expect(converseInput(config, agentRequest(), 'm', true).system).toBeUndefined();
    expect(converseInput(config, agentRequest({ canEscalate: true }), 'm', true).system).toEqual([{ text: ESCALATE_INSTRUCTION }, CACHE_POINT]);
  });
});
