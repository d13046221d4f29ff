/**
 * Converse `requestMetadata`: key-value pairs Bedrock copies into each invocation log record, so
 * spend can be attributed per tenant, feature or user. Pure TypeScript: the router and agent
 * handlers import it too.
 *
 * Limits, from the Bedrock Runtime service model (botocore `bedrock-runtime` 2023-09-30, shapes
 * `RequestMetadata`, `RequestMetadataKeyString`, `RequestMetadataValueString`): 1 to 16 entries;
 * keys 1-256 and values 0-256 characters of `[a-zA-Z0-9\s:_@$#=/+,-.]`. An empty map is
 * refused by the API, so no metadata is sent as no field at all.
 */

/** The most entries Converse accepts in `requestMetadata`. */
export const MAX_REQUEST_METADATA_ENTRIES = 16;
/** The longest key or value Converse accepts in `requestMetadata`. */
export const MAX_REQUEST_METADATA_LENGTH = 256;

/** What Converse accepts in a key or value (the service model's pattern, without the length). */
const ALLOWED = /^[a-zA-Z0-9\s:_@$#=/+,\-.]*$/;
const DISALLOWED_CHARACTER = /[^a-zA-Z0-9\s:_@$#=/+,\-.]/g;

/** The keys the library's router and agents send, lowercase because Athena's JSON SerDe lowercases them. */
export enum RequestMetadataKey {
  /** The request's `tenantId`. */
  TENANT = 'tenant',
  /** The router (its construct path) that handled the request. */
  ROUTER = 'router',
  /** The tier that answered, or `classifier` for the routing call. */
  TIER = 'tier',
  /** The router's request id (its Lambda request id), shared by every call one request makes. */
  REQUEST_ID = 'request-id',
}

/** Throws a `RangeError` unless Converse accepts `key` as a `requestMetadata` key. */
export function validateRequestMetadataKey(key: string, what = 'requestMetadata key'): void {
  if (key.length < 1 || key.length > MAX_REQUEST_METADATA_LENGTH || !ALLOWED.test(key)) {
    throw new RangeError(
      `${what} ${JSON.stringify(key.slice(0, 300))} must be 1-${MAX_REQUEST_METADATA_LENGTH} characters of ` +
        'letters, digits, whitespace and : _ @ $ # = / + , - .',
    );
  }
}

/**
 * A `requestMetadata` map within Bedrock's limits, or `undefined` when there is nothing to send.
 *
 * Keys are yours to choose and are checked: a bad key throws a `RangeError` naming it. Values
 * usually come from requests, so they are made to fit instead: characters Bedrock refuses become
 * `_` and values are cut to 256 characters. Entries whose value is `undefined` are left out.
 */
export function requestMetadata(entries: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    validateRequestMetadataKey(key);
    if (value !== undefined) {
      metadata[key] = value.replace(DISALLOWED_CHARACTER, '_').slice(0, MAX_REQUEST_METADATA_LENGTH);
    }
  }
  const count = Object.keys(metadata).length;
  if (count > MAX_REQUEST_METADATA_ENTRIES) {
    throw new RangeError(`requestMetadata takes at most ${MAX_REQUEST_METADATA_ENTRIES} entries, got ${count}`);
  }
  return count === 0 ? undefined : metadata;
}

/** What the router and its agents know about a Converse call. */
export interface RoutingCall {
  readonly tenantId?: string;
  /** The router's name. */
  readonly router?: string;
  /** The tier that answers, or `classifier`. */
  readonly tier: string;
  /** The router's request id: every call one request makes shares it. */
  readonly requestId?: string;
}

/** The `requestMetadata` the library's router and agents send with every Converse call. */
export function routingRequestMetadata(call: RoutingCall): Record<string, string> | undefined {
  return requestMetadata({
    [RequestMetadataKey.TENANT]: call.tenantId,
    [RequestMetadataKey.ROUTER]: call.router,
    [RequestMetadataKey.TIER]: call.tier,
    [RequestMetadataKey.REQUEST_ID]: call.requestId === '' ? undefined : call.requestId,
  });
}
