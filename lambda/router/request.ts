/**
 * Validation of the router's HTTP request, at the edge: everything past this module works on a
 * `NormalizedRequest` and never sees the raw body.
 */
import { type ChatMessage, type RouterConfig, type RouterRequest } from '../routing-shared/contract';
import { RouterError } from './errors';

/** The parts of the Function URL event the router reads. */
export interface HttpRequest {
  readonly method: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** A valid request: one message list (a `prompt` becomes one user message), contents trimmed. */
export interface NormalizedRequest {
  readonly messages: readonly ChatMessage[];
  readonly tenantId?: string;
  /** The tier the client forced, if any. */
  readonly tier?: string;
  /** As requested, before capping at a tier's maxTokens. */
  readonly maxTokens?: number;
  /** false: neither read nor write the response cache. */
  readonly cache: boolean;
}

export type RequestLimits = RouterConfig['limits'];

const FIELDS: ReadonlySet<string> = new Set<keyof RouterRequest>(['prompt', 'messages', 'tenantId', 'tier', 'maxTokens', 'cache']);
const MESSAGE_FIELDS: ReadonlySet<string> = new Set<keyof ChatMessage>(['role', 'content']);
const TENANT_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Parses and validates a request; throws a 4xx `RouterError` naming the field at fault. */
export function parseRequest(http: HttpRequest, config: Pick<RouterConfig, 'limits' | 'tiers'>): NormalizedRequest {
  if (http.method.toUpperCase() !== 'POST') {
    throw new RouterError('MethodNotAllowed', `use POST, not ${http.method}`);
  }
  const body = Buffer.from(http.body ?? '', http.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > config.limits.maxBodyBytes) {
    throw new RouterError('BodyTooLarge', `the body is ${body.length} bytes; the limit is ${config.limits.maxBodyBytes}`, 'body');
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RouterError('InvalidJson', 'the body is not valid JSON');
  }
  if (!isRecord(value)) {
    throw new RouterError('InvalidRequest', 'the body must be a JSON object');
  }
  return validateRequest(value, config);
}

/** Validates a parsed body (the checks after JSON parsing, in the order the client would fix them). */
export function validateRequest(body: Record<string, unknown>, config: Pick<RouterConfig, 'limits' | 'tiers'>): NormalizedRequest {
  const unknown = Object.keys(body).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) {
    throw new RouterError('UnknownField', `unknown field '${unknown}'; expected ${[...FIELDS].join(', ')}`, unknown);
  }
  const messages = messagesOf(body, config.limits);
  const tier = tierOf(body.tier, config.tiers);
  return {
    messages,
    tenantId: tenantIdOf(body.tenantId),
    tier,
    maxTokens: maxTokensOf(body.maxTokens, maxTokensLimit(tier, config.tiers)),
    cache: cacheOf(body.cache),
  };
}

function messagesOf(body: Record<string, unknown>, limits: RequestLimits): ChatMessage[] {
  const hasPrompt = body.prompt !== undefined;
  const hasMessages = body.messages !== undefined;
  if (hasPrompt && hasMessages) {
    throw new RouterError('InvalidRequest', 'send either prompt or messages, not both', 'messages');
  }
  if (!hasPrompt && !hasMessages) {
    throw new RouterError('MissingPrompt', 'send a prompt (or messages)', 'prompt');
  }
  if (hasPrompt) {
    if (typeof body.prompt !== 'string') {
      throw new RouterError('InvalidRequest', 'prompt must be a string', 'prompt');
    }
    const content = body.prompt.trim();
    if (content === '') {
      throw new RouterError('EmptyPrompt', 'prompt is empty', 'prompt');
    }
    checkLength(content.length, limits, 'prompt');
    return [{ role: 'user', content }];
  }

  const list = body.messages;
  if (!Array.isArray(list) || list.length === 0 || list.length > limits.maxMessages) {
    throw new RouterError('InvalidMessages', `messages must be an array of 1 to ${limits.maxMessages} messages`, 'messages');
  }
  const messages = list.map((item: unknown, index) => messageOf(item, `messages[${index}]`));
  messages.forEach((message, index) => {
    // Converse requires turns that alternate, starting and ending with the user.
    const expected = index % 2 === 0 ? 'user' : 'assistant';
    const last = index === messages.length - 1;
    if (message.role !== expected || (last && message.role !== 'user')) {
      const why = last && message.role !== 'user' ? 'the last message must be from the user' : `expected role '${expected}': turns alternate, starting with the user`;
      throw new RouterError('InvalidRole', why, `messages[${index}].role`);
    }
  });
  checkLength(
    messages.reduce((total, message) => total + message.content.length, 0),
    limits,
    'messages',
  );
  return messages;
}

function messageOf(item: unknown, path: string): ChatMessage {
  if (!isRecord(item)) {
    throw new RouterError('InvalidMessages', `${path} must be an object { role, content }`, path);
  }
  const unknown = Object.keys(item).find((key) => !MESSAGE_FIELDS.has(key));
  if (unknown !== undefined) {
    throw new RouterError('UnknownField', `unknown field '${unknown}' in ${path}; expected role, content`, `${path}.${unknown}`);
  }
  if (item.role !== 'user' && item.role !== 'assistant') {
    throw new RouterError('InvalidRole', `${path}.role must be 'user' or 'assistant'`, `${path}.role`);
  }
  if (typeof item.content !== 'string') {
    throw new RouterError('InvalidMessages', `${path}.content must be a string`, `${path}.content`);
  }
  const content = item.content.trim();
  if (content === '') {
    throw new RouterError('EmptyPrompt', `${path}.content is empty`, `${path}.content`);
  }
  return { role: item.role, content };
}

/** Characters as JavaScript counts them (UTF-16 code units), after trimming. */
function checkLength(characters: number, limits: RequestLimits, field: string): void {
  if (characters > limits.maxPromptCharacters) {
    throw new RouterError(
      'PromptTooLong',
      `${field} has ${characters} characters; the limit is ${limits.maxPromptCharacters}`,
      field,
    );
  }
}

function tenantIdOf(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !TENANT_ID.test(value)) {
    throw new RouterError('InvalidTenantId', 'tenantId must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ / + = -', 'tenantId');
  }
  return value;
}

function tierOf(value: unknown, tiers: RouterConfig['tiers']): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !tiers.some((tier) => tier.name === value)) {
    throw new RouterError('UnknownTier', `tier must be one of ${tiers.map((tier) => tier.name).join(', ')}`, 'tier');
  }
  return value;
}

/** The forced tier's maxTokens, or the largest any tier allows. */
function maxTokensLimit(tier: string | undefined, tiers: RouterConfig['tiers']): number {
  const forced = tiers.find((candidate) => candidate.name === tier);
  return forced ? forced.maxTokens : Math.max(...tiers.map((candidate) => candidate.maxTokens));
}

function maxTokensOf(value: unknown, limit: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RouterError('InvalidMaxTokens', `maxTokens must be a whole number from 1 to ${limit} (larger values are capped at ${limit})`, 'maxTokens');
  }
  return value;
}

function cacheOf(value: unknown): boolean {
  if (value === undefined) {
    return true;
  }
  if (typeof value !== 'boolean') {
    throw new RouterError('InvalidCache', 'cache must be true or false', 'cache');
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
