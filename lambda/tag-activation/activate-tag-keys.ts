import {
  type CostExplorerClient,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer';

/** Most keys one `UpdateCostAllocationTagsStatus` call accepts. */
export const UPDATE_BATCH_SIZE = 20;
/** Most keys one `ListCostAllocationTags` call accepts in `TagKeys`. */
export const LIST_BATCH_SIZE = 100;

const THROTTLING_ERRORS = new Set(['ThrottlingException', 'LimitExceededException', 'TooManyRequestsException']);

/** A key Billing did not accept yet, with its reason as Cost Explorer gave it. */
export interface PendingTagKey {
  readonly tagKey: string;
  readonly code: string;
  readonly message: string;
}

export interface ActivationOutcome {
  /** Keys that were active before this run; no Update call was made for them. */
  readonly alreadyActive: string[];
  /** Keys this run activated. */
  readonly activated: string[];
  /** Keys Billing refused, usually because it has not seen them on a resource yet (up to 24 h). */
  readonly pending: PendingTagKey[];
}

export interface ActivationOptions {
  /** Attempts per API call, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubles on each further retry. @default 200 */
  readonly baseDelayMs?: number;
  /** Injected by tests so retries do not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Activates cost allocation tag keys in AWS Billing and reports what happened to each key.
 *
 * Already-active keys are left alone. A key Billing refuses does not fail the run: it is returned
 * in `pending`, because the usual cause (a key not seen yet) resolves itself within 24 hours.
 * Throws when the account may not manage cost allocation tags (see `AccessDeniedException`).
 */
export async function activateTagKeys(
  client: CostExplorerClient,
  tagKeys: readonly string[],
  options: ActivationOptions = {},
): Promise<ActivationOutcome> {
  const call = retryingCaller(options);
  const keys = [...new Set(tagKeys)];

  const active = new Set<string>();
  for (const chunk of chunks(keys, LIST_BATCH_SIZE)) {
    let nextToken: string | undefined;
    do {
      const page = await call(() =>
        client.send(
          new ListCostAllocationTagsCommand({
            TagKeys: chunk,
            Type: 'UserDefined',
            MaxResults: LIST_BATCH_SIZE,
            NextToken: nextToken,
          }),
        ),
      );
      for (const tag of page.CostAllocationTags ?? []) {
        if (tag.TagKey !== undefined && tag.Status === 'Active') {
          active.add(tag.TagKey);
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }

  // Keys absent from the listing are also sent: Billing's listing may lag behind what it accepts.
  const toActivate = keys.filter((key) => !active.has(key));
  const activated: string[] = [];
  const pending: PendingTagKey[] = [];
  for (const batch of chunks(toActivate, UPDATE_BATCH_SIZE)) {
    const response = await call(() =>
      client.send(
        new UpdateCostAllocationTagsStatusCommand({
          CostAllocationTagsStatus: batch.map((TagKey) => ({ TagKey, Status: 'Active' })),
        }),
      ),
    );
    // Error codes are undocumented, so every per-key error counts as "not yet".
    const refused = new Map((response.Errors ?? []).map((error) => [error.TagKey, error]));
    for (const tagKey of batch) {
      const error = refused.get(tagKey);
      if (error) {
        pending.push({ tagKey, code: error.Code ?? 'Unknown', message: error.Message ?? '' });
      } else {
        activated.push(tagKey);
      }
    }
  }

  return { alreadyActive: keys.filter((key) => active.has(key)), activated, pending };
}

/** Wraps one API call: retries throttling with exponential backoff, explains access denied. */
function retryingCaller(options: ActivationOptions): <T>(send: () => Promise<T>) => Promise<T> {
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
        if (error.name === 'AccessDeniedException') {
          throw new Error(
            'Cost allocation tags can be activated only from the management account of an AWS Organization ' +
              `or from a standalone account; this account was refused (AccessDeniedException: ${error.message})`,
            { cause: error },
          );
        }
        if (!THROTTLING_ERRORS.has(error.name) || attempt >= maxAttempts) {
          throw error;
        }
        await sleep(baseDelayMs * 2 ** (attempt - 1));
      }
    }
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}
