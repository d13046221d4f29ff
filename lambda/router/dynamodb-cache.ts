import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { budget } from '../routing-shared/deadline';
import { type TierConfig } from '../routing-shared/contract';
import { type CacheEntry, parseCacheEntry, type ResponseCache } from './response-cache';

export interface DynamoDbCacheOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly ttlSeconds: number;
  readonly tiers: readonly TierConfig[];
  /** Milliseconds per call, retries included: a slow cache must not slow the answer much. */
  readonly timeoutMs: number;
  /** Injected by tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * Entries as items `{ key: S, expiresAt: N (epoch seconds), entry: S (JSON) }`. The table's TTL
 * attribute is `expiresAt`; DynamoDB deletes expired items only eventually, so a read checks
 * the time itself.
 */
export class DynamoDbCache implements ResponseCache {
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  public async get(key: string): Promise<CacheEntry | undefined> {
    const { Item: item } = await this.within((signal) =>
      this.options.client.send(new GetItemCommand({ TableName: this.options.table, Key: { key: { S: key } } }), { abortSignal: signal }),
    );
    const expiresAt = Number(item?.expiresAt?.N);
    const entry = item?.entry?.S;
    if (entry === undefined || !(expiresAt > this.now() / 1000)) {
      return undefined;
    }
    const parsed = parseCacheEntry(entry, this.options.tiers);
    if (parsed === undefined) {
      throw new Error(`the cache item ${key} does not hold a valid entry`);
    }
    return parsed;
  }

  public async put(key: string, entry: CacheEntry): Promise<void> {
    const expiresAt = Math.ceil(this.now() / 1000) + this.options.ttlSeconds;
    await this.within((signal) =>
      this.options.client.send(
        new PutItemCommand({
          TableName: this.options.table,
          Item: { key: { S: key }, expiresAt: { N: String(expiresAt) }, entry: { S: JSON.stringify(entry) } },
        }),
        { abortSignal: signal },
      ),
    );
  }

  /** One call within timeoutMs, retries included, held by a plain timer (lambda/routing-shared/deadline.ts). */
  private async within<T extends object>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const time = budget(this.options.timeoutMs);
    try {
      return await time.race(call(time.signal), () => new Error(`DynamoDB did not answer within ${this.options.timeoutMs} ms`));
    } finally {
      time.dispose();
    }
  }
}
