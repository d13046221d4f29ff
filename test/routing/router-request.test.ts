import { type LambdaStub, startLambdaStub } from '../support/lambda-stub';
import { AGENT, answers, dimensionSetsOf, loadRouter, metricsOf, routerConfig, type RouterUnderTest } from './router-harness';

/** limits: 4000 body bytes, 500 prompt characters, 5 messages; tiers small (1000 tokens), medium (2000), large (4000). */
describe('router request validation', () => {
  let lambda: LambdaStub;
  let router: RouterUnderTest;

  beforeAll(async () => {
    lambda = await startLambdaStub({ [AGENT.medium]: answers('fine'), [AGENT.small]: answers('fine'), [AGENT.large]: answers('fine') });
    router = await loadRouter(routerConfig({ classifier: { rules: [] } }));
  });
  afterAll(async () => lambda.close());

  const user = (content: string) => ({ role: 'user', content });
  const assistant = (content: string) => ({ role: 'assistant', content });

  test.each<[string, string, string | undefined, unknown]>([
    ['an unknown top-level field', 'UnknownField', 'temperature', { prompt: 'hi', temperature: 0.2 }],
    ['neither prompt nor messages', 'MissingPrompt', 'prompt', { tenantId: 'a' }],
    ['both prompt and messages', 'InvalidRequest', 'messages', { prompt: 'hi', messages: [user('hi')] }],
    ['a field whose name is empty', 'UnknownField', '', { prompt: 'hi', '': 1 }],
    ['a message field whose name is empty', 'UnknownField', 'messages[0].', { messages: [{ role: 'user', content: 'hi', '': 1 }] }],
    ['a prompt that is not a string', 'InvalidRequest', 'prompt', { prompt: 42 }],
    ['a blank prompt', 'EmptyPrompt', 'prompt', { prompt: ' \n\t ' }],
    ['a prompt over 500 characters', 'PromptTooLong', 'prompt', { prompt: 'x'.repeat(501) }],
    ['messages that are not an array', 'InvalidMessages', 'messages', { messages: 'hi' }],
    ['no messages', 'InvalidMessages', 'messages', { messages: [] }],
    ['more than 5 messages', 'InvalidMessages', 'messages', { messages: [user('a'), assistant('b'), user('c'), assistant('d'), user('e'), assistant('f'), user('g')] }],
    ['a message that is not an object', 'InvalidMessages', 'messages[0]', { messages: ['hi'] }],
    ['a message with an unknown field', 'UnknownField', 'messages[0].name', { messages: [{ role: 'user', content: 'hi', name: 'x' }] }],
    ['a role that is neither user nor assistant', 'InvalidRole', 'messages[0].role', { messages: [{ role: 'system', content: 'be brief' }] }],
    ['content that is not a string', 'InvalidMessages', 'messages[0].content', { messages: [{ role: 'user', content: [{ text: 'hi' }] }] }],
    ['blank content', 'EmptyPrompt', 'messages[1].content', { messages: [user('hi'), assistant('  '), user('again')] }],
    ['a first message from the assistant', 'InvalidRole', 'messages[0].role', { messages: [assistant('hello'), user('hi')] }],
    ['two user turns in a row', 'InvalidRole', 'messages[1].role', { messages: [user('a'), user('b')] }],
    ['a last message from the assistant', 'InvalidRole', 'messages[1].role', { messages: [user('a'), assistant('b')] }],
    ['messages over 500 characters in all', 'PromptTooLong', 'messages', { messages: [user('x'.repeat(300)), assistant('y'.repeat(150)), user('z'.repeat(51))] }],
    ['an empty tenantId', 'InvalidTenantId', 'tenantId', { prompt: 'hi', tenantId: '' }],
    ['a tenantId with a space', 'InvalidTenantId', 'tenantId', { prompt: 'hi', tenantId: 'acme corp' }],
    ['a tenantId of 129 characters', 'InvalidTenantId', 'tenantId', { prompt: 'hi', tenantId: 'a'.repeat(129) }],
    ['a tenantId that is a number', 'InvalidTenantId', 'tenantId', { prompt: 'hi', tenantId: 7 }],
    ['an unknown tier', 'UnknownTier', 'tier', { prompt: 'hi', tier: 'huge' }],
    ['a tier in the wrong case', 'UnknownTier', 'tier', { prompt: 'hi', tier: 'Small' }],
    ['maxTokens 0', 'InvalidMaxTokens', 'maxTokens', { prompt: 'hi', maxTokens: 0 }],
    ['a fractional maxTokens', 'InvalidMaxTokens', 'maxTokens', { prompt: 'hi', maxTokens: 10.5 }],
    ['maxTokens as a string', 'InvalidMaxTokens', 'maxTokens', { prompt: 'hi', maxTokens: '100' }],
    ['maxTokens beyond safe integers', 'InvalidMaxTokens', 'maxTokens', { prompt: 'hi', maxTokens: 2 ** 53 }],
    ['cache as a string', 'InvalidCache', 'cache', { prompt: 'hi', cache: 'false' }],
  ])('rejects %s with 400 %s, field %s', async (_name, code, field, body) => {
    const result = await router.invoke(body);
    expect(result.statusCode).toBe(400);
    expect(result.headers['content-type']).toBe('application/json');
    expect(result.body).toEqual({ error: { code, message: expect.any(String), ...(field === undefined ? {} : { field }) } });
  });

  test('error messages say what is allowed', async () => {
    expect((await router.invoke({ prompt: 'x'.repeat(501) })).body.error).toMatchObject({ message: 'prompt has 501 characters; the limit is 500' });
    expect((await router.invoke({ prompt: 'hi', tier: 'huge' })).body.error).toMatchObject({ message: 'tier must be one of small, medium, large' });
    expect((await router.invoke({ prompt: 'hi', maxTokens: 0 })).body.error).toMatchObject({
      message: 'maxTokens must be a whole number from 1 to 4000 (larger values are capped at 4000)',
    });
    expect((await router.invoke({ prompt: 'hi', tier: 'small', maxTokens: -1 })).body.error).toMatchObject({
      message: 'maxTokens must be a whole number from 1 to 1000 (larger values are capped at 1000)',
    });
  });

  test('rejects a method other than POST with 405', async () => {
    const result = await router.invoke({ prompt: 'hi' }, { method: 'GET' });
    expect(result.statusCode).toBe(405);
    expect(result.body).toEqual({ error: { code: 'MethodNotAllowed', message: 'use POST, not GET' } });
  });

  test('rejects a body over maxBodyBytes, counted in bytes of the decoded body', async () => {
    // 1,400 three-byte characters: 4,200 bytes but 1,400 characters.
    const result = await router.invoke({ prompt: '€'.repeat(1400) });
    expect(result.statusCode).toBe(400);
    expect(result.body.error).toMatchObject({ code: 'BodyTooLarge', field: 'body' });
    const base64 = await router.invoke({ prompt: '€'.repeat(1400) }, { base64: true });
    expect(base64.body.error).toMatchObject({ code: 'BodyTooLarge', field: 'body' });
  });

  test.each([
    ['not JSON', '{"prompt": "hi"', 'InvalidJson'],
    ['empty', '', 'InvalidJson'],
    ['a JSON array', '[{"prompt": "hi"}]', 'InvalidRequest'],
    ['JSON null', 'null', 'InvalidRequest'],
    ['a JSON string', '"hi"', 'InvalidRequest'],
  ])('rejects a body that is %s', async (_name, raw, code) => {
    const result = await router.invoke(undefined, { raw });
    expect(result.statusCode).toBe(400);
    expect(result.body.error).toMatchObject({ code });
  });

  test('reads a base64 body, trims contents, and turns a prompt into one user message', async () => {
    lambda.calls.length = 0;
    const result = await router.invoke({ prompt: '  What is a leap year?\n' }, { base64: true });
    expect(result.statusCode).toBe(200);
    expect(lambda.calls).toHaveLength(1);
    expect(lambda.calls[0].payload).toMatchObject({ messages: [{ role: 'user', content: 'What is a leap year?' }] });
  });

  test('passes alternating messages on, trimmed', async () => {
    lambda.calls.length = 0;
    const messages = [{ role: 'user', content: ' Name a prime. ' }, { role: 'assistant', content: '7' }, { role: 'user', content: 'Another one?' }];
    expect((await router.invoke({ messages })).statusCode).toBe(200);
    expect(lambda.calls[0].payload).toMatchObject({
      messages: [{ role: 'user', content: 'Name a prime.' }, { role: 'assistant', content: '7' }, { role: 'user', content: 'Another one?' }],
    });
  });

  test('accepts every allowed tenantId character and exactly 128 of them', async () => {
    expect((await router.invoke({ prompt: 'hi', tenantId: 'Acme-01_eu.west:team@x/y+z=' })).statusCode).toBe(200);
    expect((await router.invoke({ prompt: 'hi', tenantId: 'a'.repeat(128) })).statusCode).toBe(200);
  });

  test('a rejection counts RejectedRequests under the Router dimension only', async () => {
    const result = await router.invoke({ prompt: '' });
    expect(dimensionSetsOf(result)).toEqual([['Router']]);
    expect(metricsOf(result)).toMatchObject({ Router: 'support-router', RejectedRequests: 1 });
    expect(metricsOf(result)).not.toHaveProperty('Requests');
    expect(metricsOf(result)).not.toHaveProperty('Tier');
  });
});
