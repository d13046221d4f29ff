import { type RouterErrorCode } from '../routing-shared/contract';

const STATUS: Record<RouterErrorCode, number> = {
  MethodNotAllowed: 405,
  BodyTooLarge: 400,
  InvalidJson: 400,
  InvalidRequest: 400,
  UnknownField: 400,
  MissingPrompt: 400,
  EmptyPrompt: 400,
  PromptTooLong: 400,
  InvalidMessages: 400,
  InvalidRole: 400,
  UnknownTier: 400,
  InvalidMaxTokens: 400,
  InvalidTenantId: 400,
  InvalidCache: 400,
  Throttled: 429,
  UpstreamError: 502,
  ModelDeclined: 502,
  ServiceUnavailable: 503,
  UpstreamTimeout: 504,
};

/** Throttling and transient faults clear within seconds; a longer wait would only slow clients down. */
const RETRY_AFTER_SECONDS = 1;

/** A request the router answers with an error body instead of an answer. */
export class RouterError extends Error {
  public readonly status: number;

  constructor(
    public readonly code: RouterErrorCode,
    message: string,
    /** The request field at fault (4xx only), e.g. `messages[1].role`. */
    public readonly field?: string,
    /** What went wrong upstream, for the log only: an agent's own error text is not the client's business. */
    public readonly detail?: string,
  ) {
    super(message);
    this.name = 'RouterError';
    this.status = STATUS[code];
  }

  /** Seconds a client should wait before retrying (the `retry-after` header); undefined when a retry will not help. */
  public get retryAfterSeconds(): number | undefined {
    return this.code === 'Throttled' || this.code === 'ServiceUnavailable' ? RETRY_AFTER_SECONDS : undefined;
  }

  /** 4xx: the client's request; counted as rejected rather than as an upstream failure. */
  public get isRejection(): boolean {
    return this.status >= 400 && this.status < 429;
  }
}
