/**
 * Retries that know the request's deadline. The SDK's own retry strategy sleeps its backoff
 * whatever time is left, so a throttled call under a short timeout ends as a timeout and the
 * client hears "slow" instead of "busy, retry". Here a backoff that would outlast the deadline is
 * not slept: the last error is thrown at once, and the caller maps it (429 or 503).
 */
import { sleep } from './deadline';

/** What kind of transient fault an error is; retries help with both. */
export type TransientFault = 'throttled' | 'unavailable';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** performance.now() by which the last attempt must have started and every backoff ended. */
  readonly deadline: number;
  /** Aborted at the deadline: ends a backoff early. */
  readonly signal: AbortSignal;
  /** The fault of an error, or undefined when retrying will not help (the error is thrown at once). */
  readonly faultOf: (error: unknown) => TransientFault | undefined;
  /** Called for each transient fault, retried or not, so a caller that times out still knows what it met. */
  readonly onFault?: (fault: TransientFault, error: unknown) => void;
  /** @default Math.random */
  readonly random?: () => number;
}

// The SDK standard retry strategy's constants (@smithy/util-retry): 100 ms base, 500 ms when
// throttled, at most 20 s, with full jitter.
const BASE_DELAY_MS = 100;
const THROTTLED_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

/** The full-jitter backoff before attempt `attempt + 1`. */
export function backoffMs(fault: TransientFault, attempt: number, random: () => number = Math.random): number {
  const base = fault === 'throttled' ? THROTTLED_BASE_DELAY_MS : BASE_DELAY_MS;
  return Math.floor(random() * Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1)));
}

/** Runs `attempt` until it succeeds, fails for good, runs out of attempts, or a backoff would pass the deadline. */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      const fault = options.signal.aborted ? undefined : options.faultOf(error);
      if (fault === undefined) {
        throw error;
      }
      options.onFault?.(fault, error);
      const delay = backoffMs(fault, attempts, options.random);
      if (attempts >= options.maxAttempts || performance.now() + delay >= options.deadline) {
        throw error;
      }
      await sleep(delay, options.signal);
      if (options.signal.aborted) {
        throw error;
      }
    }
  }
}

/** Node's error codes of a connection that failed or broke: no answer came, another attempt may get one. */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // An HTTP/2 stream reset (RST_STREAM, e.g. NGHTTP2_INTERNAL_ERROR) or a session torn down. The SDK
  // retries only NGHTTP2_REFUSED_STREAM itself.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
]);

const CODE_IN_MESSAGE = new RegExp(`\\b(${[...CONNECTION_ERROR_CODES].join('|')})\\b`);

/**
 * Whether an error (or its cause) is a broken or refused connection rather than an answer. The
 * SDK wraps an error it does not recognize as an Error ("AWS SDK error wrapper for ...") and
 * keeps the code only in the message, so the message counts too.
 */
export function isConnectionError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) {
    return false;
  }
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  return (
    (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) ||
    (typeof message === 'string' && CODE_IN_MESSAGE.test(message)) ||
    isConnectionError(cause, depth + 1)
  );
}

/** The HTTP status of an SDK service error, when the service answered. */
export function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}
