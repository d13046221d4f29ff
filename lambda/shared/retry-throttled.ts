/** Error names AWS services use for "slow down" (Cost Explorer says LimitExceededException, CloudWatch Throttling). */
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'Throttling', 'LimitExceededException', 'TooManyRequestsException']);

export interface RetryOptions {
  /** Attempts per API call, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubles on each further retry. @default 200 */
  readonly baseDelayMs?: number;
  /** Injected by tests so retries do not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Wraps API calls: retries throttling with exponential backoff. aws-sdk-client-mock bypasses the
 * SDK's own retries, and Cost Explorer's limits are low, so the retry is explicit and tested.
 *
 * @param explain turns an error into a clearer one to throw at once (e.g. access denied), or
 * returns undefined to leave it alone
 */
export function retryingCaller(
  options: RetryOptions = {},
  explain: (error: Error) => Error | undefined = () => undefined,
): <T>(send: () => Promise<T>) => Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number >= 1, got ${maxAttempts}`);
  }
  return async <T>(send: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof Error)) {
          throw error;
        }
        const explained = explain(error);
        if (explained) {
          throw explained;
        }
        if (!THROTTLING_ERRORS.has(error.name) || attempt >= maxAttempts) {
          throw error;
        }
        await sleep(baseDelayMs * 2 ** (attempt - 1));
      }
    }
  };
}
