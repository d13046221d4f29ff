import { type ConverseCommandInput, type ServiceTierType, type SystemContentBlock } from '@aws-sdk/client-bedrock-runtime';
import { routingRequestMetadata } from '../../lib/logging/request-metadata';
import { ServiceTier } from '../../lib/pricing/invocation-mode';
import { type AgentConfig, type AgentRequest, type ChatMessage, ESCALATE_MARKER } from '../routing-shared/contract';

/** Appended to the system prompt when the router lets this tier hand the request one tier up. */
export const ESCALATE_INSTRUCTION = `If you cannot answer this request well, reply with exactly ${ESCALATE_MARKER} and nothing else.`;

/** A checked request, or what is wrong with it (a field and a rule, never the prompt). */
export type CheckedRequest = { readonly request: AgentRequest } | { readonly problem: string };

/**
 * Checks what the router sent. The router validates the client's request already, so a failure
 * here is a bug in the caller; the checks stay minimal. `maxTokens` is capped at the tier's again.
 */
export function checkAgentRequest(payload: unknown, tierMaxTokens: number): CheckedRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { problem: 'the payload must be an object' };
  }
  const fields = payload as Record<string, unknown>;
  const messages = fields.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return { problem: 'messages must be a non-empty array' };
  }
  for (const [index, message] of messages.entries()) {
    const problem = messageProblem(message);
    if (problem) {
      return { problem: `messages[${index}]${problem}` };
    }
  }
  const { maxTokens, timeoutMs, canEscalate } = fields;
  if (typeof maxTokens !== 'number' || !Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    return { problem: `maxTokens must be a positive integer, got ${describe(maxTokens)}` };
  }
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    return { problem: `timeoutMs must be a positive number, got ${describe(timeoutMs)}` };
  }
  if (typeof canEscalate !== 'boolean') {
    return { problem: `canEscalate must be a boolean, got ${describe(canEscalate)}` };
  }
  return {
    request: {
      messages: messages as ChatMessage[],
      maxTokens: Math.min(maxTokens, tierMaxTokens),
      timeoutMs,
      canEscalate,
      tier: typeof fields.tier === 'string' ? fields.tier : '',
      tenantId: typeof fields.tenantId === 'string' ? fields.tenantId : undefined,
      router: typeof fields.router === 'string' ? fields.router : undefined,
      requestId: typeof fields.requestId === 'string' ? fields.requestId : '',
    },
  };
}

function messageProblem(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) {
    return ' must be an object { role, content }';
  }
  const { role, content } = message as Record<string, unknown>;
  if (role !== 'user' && role !== 'assistant') {
    return `.role must be 'user' or 'assistant', got ${describe(role)}`;
  }
  // Bedrock rejects blank text blocks; the content itself is never echoed.
  if (typeof content !== 'string' || content.trim() === '') {
    return '.content must be a non-empty string';
  }
  return undefined;
}

/** A short rendering of a scalar the caller sent, for error messages. */
function describe(value: unknown): string {
  return (JSON.stringify(value) ?? String(value)).slice(0, 40);
}

/** Converse's processing tier of each of our service tiers. */
const CONVERSE_SERVICE_TIERS: Record<ServiceTier, ServiceTierType> = {
  [ServiceTier.STANDARD]: 'default',
  [ServiceTier.FLEX]: 'flex',
  [ServiceTier.PRIORITY]: 'priority',
};

/**
 * The Converse input of one call. The cache point goes last in `system`, so the cached prefix is
 * the whole system prompt, escalation instruction included. The instruction depends on
 * `canEscalate`, so a tier has at most two cached prefixes: with and without it.
 */
export function converseInput(
  config: AgentConfig,
  request: AgentRequest,
  modelId: string,
  promptCaching: boolean,
  serviceTier?: AgentConfig['serviceTier'],
): ConverseCommandInput {
  const texts = [config.systemPrompt, ...(request.canEscalate ? [ESCALATE_INSTRUCTION] : [])].filter((text) => text.trim() !== '');
  const system: SystemContentBlock[] = texts.map((text) => ({ text }));
  // A cache point needs something before it to cache.
  if (promptCaching && system.length > 0) {
    system.push({ cachePoint: { type: 'default' } });
  }
  return {
    modelId,
    ...(system.length > 0 ? { system } : {}),
    messages: request.messages.map(({ role, content }) => ({ role, content: [{ text: content }] })),
    inferenceConfig: {
      maxTokens: request.maxTokens,
      ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
    },
    requestMetadata: routingRequestMetadata(request),
    ...(serviceTier === undefined ? {} : { serviceTier: { type: CONVERSE_SERVICE_TIERS[serviceTier] } }),
  };
}
