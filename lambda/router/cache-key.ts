import { createHash } from 'node:crypto';
import { type RouterConfig } from '../routing-shared/contract';
import { type NormalizedRequest } from './request';

/**
 * The response-cache key of a request: a SHA-256 hex digest, so neither the prompt nor the
 * tenant is readable in the cache. Everything that shapes the answer is in it: the config
 * version, the requested tier and maxTokens, and the messages with Unicode and whitespace
 * differences normalized away ("Hello  world" and "Hello world" share an entry).
 */
export function cacheKey(config: Pick<RouterConfig, 'configVersion' | 'cache'>, request: NormalizedRequest): string {
  const shared = config.cache.kind !== 'none' && config.cache.shareAcrossTenants;
  const material = [
    config.configVersion,
    shared ? '*' : (request.tenantId ?? ''),
    request.tier ?? '',
    request.maxTokens ?? '',
    request.messages.map((message) => ({ role: message.role, content: normalizeText(message.content) })),
  ];
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

export function normalizeText(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ');
}
