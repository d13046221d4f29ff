import { type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { ESCALATE_MARKER } from '../routing-shared/contract';
import { describeError } from '../routing-shared/describe-error';

/** What went wrong with a Converse call, as the agent contract names it. */
export type UpstreamErrorCode = 'Throttled' | 'ServiceUnavailable' | 'UpstreamError';

/** Error names that mean "too busy now": the SDK has retried them already; the fallback may have capacity. */
const BUSY_ERRORS: Readonly<Record<string, UpstreamErrorCode>> = {
  ThrottlingException: 'Throttled',
  ServiceUnavailableException: 'ServiceUnavailable',
  // The model is still loading (imported and on-demand custom models): unavailable rather than throttled.
  ModelNotReadyException: 'ServiceUnavailable',
};

/** The contract code of a failed call; 'UpstreamError' for anything not busy-related. */
export function errorCodeOf(error: unknown): UpstreamErrorCode {
  return (error instanceof Error && BUSY_ERRORS[error.name]) || 'UpstreamError';
}

/** Whether the fallback model may help: only when the primary was busy, never for a bad request or a bad reply. */
export function isBusy(code: UpstreamErrorCode): boolean {
  return code !== 'UpstreamError';
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

// The marker alone, or followed by anything but a letter ("ESCALATE." or "ESCALATE\nbecause..."),
// but not a word that merely starts with it ("ESCALATED"). Case-sensitive: an answer that opens
// with the verb "Escalate ..." is an answer.
const ESCALATION = new RegExp(`^${ESCALATE_MARKER}(?!\\p{L})`, 'u');

/** Whether the model declined with the escalation marker it was told to reply with. */
export function isEscalation(answer: string): boolean {
  return ESCALATION.test(answer.trim());
}
