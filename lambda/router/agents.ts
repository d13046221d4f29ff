/**
 * Calls a tier's agent Lambda and holds it to the AgentResponse contract: whatever comes back
 * is either a valid AgentResponse or a RouterError with the status the client should see.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type AgentRequest, type AgentResponse, type UsageJson } from '../routing-shared/contract';
import { type TransientFault, withRetries } from '../routing-shared/retry';
import { RouterError } from './errors';

export type AgentAnswer = Extract<AgentResponse, { readonly answer: string }>;
export type AgentEscalation = Extract<AgentResponse, { readonly escalate: true }>;
export type AgentFailure = Extract<AgentResponse, { readonly error: unknown }>;

const AGENT_ERROR_CODES: ReadonlySet<string> = new Set<AgentFailure['error']['code']>(['Throttled', 'UpstreamError', 'ServiceUnavailable', 'Timeout']);

/** Lambda errors that go away on their own: the function is being updated, or its environment is starting. */
const TRANSIENT_LAMBDA_ERRORS: ReadonlySet<string> = new Set(['ResourceConflictException', 'ResourceNotReadyException']);

/** Invoke attempts per agent call, as the SDK's standard retry strategy makes by default. */
export const INVOKE_ATTEMPTS = 3;

/**
 * Invokes the agent synchronously; the signal aborts the call at the request's deadline. Lambda
 * throttling and transient faults are retried (give the client one attempt per send), never past
 * `request.timeoutMs`: a backoff that would outlast it ends the call as 429 or 503 at once.
 */
export async function invokeAgent(client: LambdaClient, functionName: string, request: AgentRequest, signal: AbortSignal): Promise<AgentResponse> {
  let payload: Uint8Array | undefined;
  let functionError: string | undefined;
  const command = new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(request)) });
  try {
    ({ Payload: payload, FunctionError: functionError } = await withRetries(() => client.send(command, { abortSignal: signal }), {
      maxAttempts: INVOKE_ATTEMPTS,
      deadline: performance.now() + request.timeoutMs,
      signal,
      faultOf: (error) => transientFaultOf(lambdaError(error, request.tier, functionName)),
    }));
  } catch (error) {
    if (signal.aborted) {
      throw new RouterError('UpstreamTimeout', `the ${request.tier} tier did not answer in time`);
    }
    throw lambdaError(error, request.tier, functionName);
  }
  const text = Buffer.from(payload ?? []).toString('utf8');
  if (functionError !== undefined) {
    throw new RouterError('UpstreamError', `the ${request.tier} agent failed`, undefined, `${functionError}: ${errorMessageOf(text)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RouterError('UpstreamError', `the ${request.tier} agent answered with something that is not JSON`);
  }
  return parseAgentResponse(value, request.tier);
}

/** The RouterError of a failed Invoke call (the Lambda service's answer, or no answer at all). */
export function lambdaError(error: unknown, tier: string, functionName: string): RouterError {
  const { name, message, $fault: fault } = error as { name?: string; message?: string; $fault?: string };
  const detail = `${functionName}: ${name ?? 'Error'}: ${message ?? ''}`;
  if (name === 'TooManyRequestsException') {
    return new RouterError('Throttled', `the ${tier} tier is throttled; retry shortly`, undefined, detail);
  }
  // A server fault, or no answer from the service (a network error has no $fault): worth a retry later.
  if (fault === 'server' || fault === undefined || TRANSIENT_LAMBDA_ERRORS.has(name ?? '')) {
    return new RouterError('ServiceUnavailable', `the ${tier} tier is unavailable; retry later`, undefined, detail);
  }
  // A client fault (missing function, no permission, payload too large): the deployment is at fault, retrying will not help.
  return new RouterError('UpstreamError', `the ${tier} agent could not be invoked`, undefined, detail);
}

function transientFaultOf(error: RouterError): TransientFault | undefined {
  return error.code === 'Throttled' ? 'throttled' : error.code === 'ServiceUnavailable' ? 'unavailable' : undefined;
}

/** Validates what an agent returned; an answer that breaks the contract is an UpstreamError. */
export function parseAgentResponse(value: unknown, tier: string): AgentResponse {
  const invalid = (why: string) => new RouterError('UpstreamError', `the ${tier} agent broke the agent contract: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('its answer is not an object');
  }
  const response = value as Record<string, unknown>;
  if (response.error !== undefined) {
    const error = response.error as Record<string, unknown> | null;
    if (typeof error !== 'object' || error === null || !AGENT_ERROR_CODES.has(String(error.code)) || typeof error.message !== 'string') {
      throw invalid(`error must be { code: ${[...AGENT_ERROR_CODES].join(' | ')}, message }`);
    }
    const usage = response.usage === undefined ? undefined : usageField(response.usage, invalid);
    return { error: { code: error.code as AgentFailure['error']['code'], message: error.message }, ...(usage ? { usage } : {}) };
  }
  const usage = usageField(response.usage, invalid);
  if (response.usedFallback !== undefined && typeof response.usedFallback !== 'boolean') {
    throw invalid('usedFallback must be a boolean');
  }
  const usedFallback = response.usedFallback === true;
  if (response.escalate !== undefined) {
    if (response.escalate !== true) {
      throw invalid('escalate must be true when present');
    }
    return { escalate: true, usage, usedFallback, ...(typeof response.reason === 'string' ? { reason: response.reason } : {}) };
  }
  if (typeof response.answer !== 'string' || response.answer.trim() === '') {
    throw invalid('answer must be a non-empty string');
  }
  return { answer: response.answer, usage, usedFallback, ...(typeof response.stopReason === 'string' ? { stopReason: response.stopReason } : {}) };
}

/** Usage with input and output counts required; absent cache counts are 0, as in Converse. */
function usageField(value: unknown, invalid: (why: string) => RouterError): UsageJson {
  const usage = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const count = (name: keyof UsageJson, required: boolean): number => {
    const field = usage[name];
    if (field === undefined && !required) {
      return 0;
    }
    if (typeof field !== 'number' || !Number.isSafeInteger(field) || field < 0) {
      throw invalid(`usage.${name} must be a whole number >= 0`);
    }
    return field;
  };
  return {
    inputTokens: count('inputTokens', true),
    outputTokens: count('outputTokens', true),
    cacheReadInputTokens: count('cacheReadInputTokens', false),
    cacheWriteInputTokens: count('cacheWriteInputTokens', false),
  };
}

/** The errorMessage of Lambda's `{ errorType, errorMessage }`, shortened: enough to diagnose, not a stack dump. */
function errorMessageOf(text: string): string {
  try {
    const { errorType, errorMessage } = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    return `${String(errorType ?? 'Error')}: ${String(errorMessage ?? '')}`.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
