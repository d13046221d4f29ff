import { type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { describeError } from '../routing-shared/describe-error';
import { httpStatusOf, isConnectionError, type TransientFault } from '../routing-shared/retry';

export { isEscalation } from '../routing-shared/escalation';

/** What went wrong with a Converse call, as the agent contract names it. */
export type UpstreamErrorCode = 'Throttled' | 'ServiceUnavailable' | 'Timeout' | 'UpstreamError';

/** Bedrock Runtime errors by name (the Converse API reference lists them with their HTTP status). */
const ERROR_CODES: Readonly<Record<string, UpstreamErrorCode>> = {
  ThrottlingException: 'Throttled', // 429
  // Server-side faults: another attempt, or the fallback model, may well succeed.
  InternalServerException: 'ServiceUnavailable', // 500
  ServiceUnavailableException: 'ServiceUnavailable', // 503
  // The model is still loading (imported and on-demand custom models): unavailable rather than throttled.
  ModelNotReadyException: 'ServiceUnavailable', // 429
  // Bedrock gave up on the model (408): the request's time went into it, so no retry.
  ModelTimeoutException: 'Timeout',
};

/**
 * The contract code of a failed call. A broken connection (a reset HTTP/2 stream, a refused or
 * dropped socket) is `ServiceUnavailable`: no answer came, so another attempt may get one.
 * Anything else (a bad request, access denied, a reply the SDK cannot parse) is `UpstreamError`.
 */
export function errorCodeOf(error: unknown): UpstreamErrorCode {
  const name = (error as { name?: unknown } | null)?.name;
  const named = typeof name === 'string' ? ERROR_CODES[name] : undefined;
  if (named !== undefined) {
    return named;
  }
  if (isConnectionError(error)) {
    return 'ServiceUnavailable';
  }
  const status = httpStatusOf(error) ?? 0;
  const serverFault = (error as { $fault?: string } | null)?.$fault === 'server';
  return status === 429 ? 'Throttled' : status >= 500 && serverFault ? 'ServiceUnavailable' : 'UpstreamError';
}

/** Which codes another attempt (and the fallback model) may cure: busy or broken, never wrong. */
export function transientFaultOf(code: UpstreamErrorCode): TransientFault | undefined {
  return code === 'Throttled' ? 'throttled' : code === 'ServiceUnavailable' ? 'unavailable' : undefined;
}

/** `Name: message`, short. SDK errors carry Bedrock's message, which does not echo the prompt. */
export function errorMessageOf(error: unknown): string {
  return describeError(error, 300);
}

/** The text blocks of the reply, joined; undefined when it has none (reasoning or tool blocks only, or no message). */
export function answerText(output: ConverseCommandOutput['output']): string | undefined {
  const texts = (output?.message?.content ?? []).flatMap((block) => (typeof block.text === 'string' ? [block.text] : []));
  return texts.length > 0 ? texts.join('') : undefined;
}
