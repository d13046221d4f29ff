import { type TierConfig } from '../routing-shared/contract';
import { type CacheEntry, parseCacheEntry, type ResponseCache } from './response-cache';
import { type RespClient } from './resp-client';

export interface RedisCacheOptions {
  readonly client: RespClient;
  readonly routerName: string;
  readonly ttlSeconds: number;
  readonly tiers: readonly TierConfig[];
}

/** Entries as JSON strings under `bedrock-router:<routerName>:<key>`, expiring by Redis's own TTL (`SET ... PX`). */
export class RedisCache implements ResponseCache {
  private readonly prefix: string;

  constructor(private readonly options: RedisCacheOptions) {
    // Several routers may share one Redis.
    this.prefix = `bedrock-router:${options.routerName}:`;
  }

  public async get(key: string): Promise<CacheEntry | undefined> {
    const reply = await this.options.client.command(['GET', this.prefix + key], this.prefix + key);
    if (reply === null) {
      return undefined;
    }
    const entry = typeof reply === 'string' ? parseCacheEntry(reply, this.options.tiers) : undefined;
    if (entry === undefined) {
      throw new Error(`the Redis key ${this.prefix + key} does not hold a valid entry`);
    }
    return entry;
  }

  public async put(key: string, entry: CacheEntry): Promise<void> {
    const reply = await this.options.client.command(['SET', this.prefix + key, JSON.stringify(entry), 'PX', String(this.options.ttlSeconds * 1000)], this.prefix + key);
    if (reply !== 'OK') {
      throw new Error(`Redis answered SET with ${JSON.stringify(reply)}`);
    }
  }
}
