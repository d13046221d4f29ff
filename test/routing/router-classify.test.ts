import {
  classifierSystemPrompt,
  classifyByRules,
  compileRules,
  parseClassifierAnswer,
} from '../../lambda/router/classify';
import { cacheKey } from '../../lambda/router/cache-key';
import { routerConfig } from './router-harness';

const { tiers } = routerConfig();

describe('classifyByRules', () => {
  const rules = compileRules([
    { tier: 'large', keywords: ['prove', 'step by step', 'C++'], patterns: [] },
    { tier: 'small', keywords: ['hello'], patterns: [{ source: '^translate\\b', flags: 'im' }, { source: 'sql', flags: 'gi' }] },
  ]);

  test.each([
    ['a keyword, whatever its case', 'Please PROVE that 2 is prime', 'large'],
    ['a phrase, across any whitespace', 'explain it step\n  by   step', 'large'],
    ['a keyword that ends in a non-word character', 'is c++ faster?', 'large'],
    ['the first matching rule when several match', 'hello, prove this', 'large'],
    ['a pattern with its own flags (m: any line)', 'some context\ntranslate this', 'small'],
    ['a keyword at the end of the text', 'well, hello', 'small'],
  ])('matches %s', (_name, text, tier) => {
    expect(classifyByRules(rules, text)).toBe(tier);
  });

  test.each([
    ['a keyword inside another word', 'that is an improvement; approved'],
    ['a phrase with its words apart', 'step one, then by the next step'],
    ['a pattern outside its anchor', 'please translate'],
  ])('does not match %s', (_name, text) => {
    expect(classifyByRules(rules, text)).toBeUndefined();
  });

  test('a pattern with the g flag matches every time, not every other time', () => {
    expect([1, 2, 3].map(() => classifyByRules(rules, 'write sql for me'))).toEqual(['small', 'small', 'small']);
  });

  test('keywords are regex-escaped', () => {
    const dotted = compileRules([{ tier: 'small', keywords: ['e.g'], patterns: [] }]);
    expect(classifyByRules(dotted, 'for e.g this')).toBe('small');
    expect(classifyByRules(dotted, 'for exg this')).toBeUndefined();
  });

  test('no rules: no tier', () => {
    expect(classifyByRules([], 'anything')).toBeUndefined();
  });

  test('decides in well under a millisecond on a 2,000-character prompt with 20 rules', () => {
    const many = compileRules(
      Array.from({ length: 20 }, (_, index) => ({
        tier: 'medium',
        keywords: Array.from({ length: 10 }, (__, k) => `keyword${index}x${k}`),
        patterns: [{ source: `pattern${index}\\d+`, flags: 'i' }],
      })),
    );
    const text = 'lorem ipsum dolor sit amet '.repeat(75);
    // The best of five batches: a busy machine slows some batches, not the code (the figures are in `npm run bench`).
    const runs = 100;
    const batches = Array.from({ length: 5 }, () => {
      const started = performance.now();
      for (let run = 0; run < runs; run++) {
        classifyByRules(many, text);
      }
      return (performance.now() - started) / runs;
    });
    expect(Math.min(...batches)).toBeLessThan(0.5);
  });
});

describe('the classifier model', () => {
  test('its system prompt lists each tier with its description and asks for one name', () => {
    expect(classifierSystemPrompt(tiers)).toBe(
      [
        'You route requests to the cheapest model tier that can answer them well. The tiers, cheapest first:',
        '- small: greetings and short factual questions',
        '- medium: summaries and everyday writing',
        '- large: multi-step reasoning and code',
        'Do not answer the request. Reply with exactly one tier name from the list and nothing else.',
      ].join('\n'),
    );
  });

  test.each([
    ['large', 'large'],
    ['  Large\n', 'large'],
    ['"small"', 'small'],
    ['`medium`.', 'medium'],
    ["'small'.", 'small'],
    ['large tier', undefined],
    ['The answer is small', undefined],
    ['tiny', undefined],
    ['', undefined],
  ])('reads %j as %s', (answer, tier) => {
    expect(parseClassifierAnswer(answer, tiers)).toBe(tier);
  });
});

describe('cacheKey', () => {
  const config = routerConfig({ cache: { kind: 'dynamodb', ttlSeconds: 60, shareAcrossTenants: false } });
  const request = (content: string, extra: object = {}) => ({ messages: [{ role: 'user' as const, content }], cache: true, ...extra });

  test('is a SHA-256 hex digest that ignores Unicode width and whitespace differences', () => {
    const key = cacheKey(config, request('What is  2+2?'));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey(config, request('What\u3000is 2＋2?'))).toBe(key);
    expect(cacheKey(config, request('what is 2+2?'))).not.toBe(key);
  });

  test('separates tenants, tiers, maxTokens and config versions; shareAcrossTenants joins tenants', () => {
    const key = cacheKey(config, request('hi', { tenantId: 'a' }));
    expect(cacheKey(config, request('hi', { tenantId: 'b' }))).not.toBe(key);
    expect(cacheKey(config, request('hi'))).not.toBe(key);
    expect(cacheKey(config, request('hi', { tenantId: 'a', tier: 'small' }))).not.toBe(key);
    expect(cacheKey(config, request('hi', { tenantId: 'a', maxTokens: 100 }))).not.toBe(key);
    expect(cacheKey({ ...config, configVersion: 'v2' }, request('hi', { tenantId: 'a' }))).not.toBe(key);
    const shared = routerConfig({ cache: { kind: 'redis', ttlSeconds: 60, shareAcrossTenants: true } });
    expect(cacheKey(shared, request('hi', { tenantId: 'a' }))).toBe(cacheKey(shared, request('hi', { tenantId: 'b' })));
  });
});
