import {
  type CostExplorerClient,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer';
import { type RetryOptions, retryingCaller } from '../shared/retry-throttled';

/** Most keys one `UpdateCostAllocationTagsStatus` call accepts. */
export const UPDATE_BATCH_SIZE = 20;
/** Most keys one `ListCostAllocationTags` call accepts in `TagKeys`. */
export const LIST_BATCH_SIZE = 100;

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

/** Retry settings of every Cost Explorer call. */
export type ActivationOptions = RetryOptions;

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
  const call = retryingCaller(options, explainAccessDenied);
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

/** Only the management account of an Organization, or a standalone account, may manage these tags. */
function explainAccessDenied(error: Error): Error | undefined {
  if (error.name !== 'AccessDeniedException') {
    return undefined;
  }
  return new Error(
    'Cost allocation tags can be activated only from the management account of an AWS Organization ' +
      `or from a standalone account; this account was refused (AccessDeniedException: ${error.message})`,
    { cause: error },
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}
