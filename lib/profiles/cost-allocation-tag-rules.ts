/**
 * The tag rules every cost allocation tag must meet. Bedrock's tag schema is the strictest that
 * these tags land on (ASCII only), so stack-wide tags follow it too.
 */
const TAG_CHARACTERS = /^[a-zA-Z0-9\s._:/=+@-]*$/;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
const ALLOWED_CHARACTERS = 'letters, digits, spaces and _ . : / = + @ -';

/** Throws an error naming `path` when a tag key breaks AWS's rules. */
export function validateTagKey(key: string, path: string): void {
  if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
    throw new Error(`${path}: tag key '${key}' must be 1-${MAX_KEY_LENGTH} characters, got ${key.length}`);
  }
  if (key.toLowerCase().startsWith('aws:')) {
    throw new Error(`${path}: tag key '${key}' must not start with 'aws:', which AWS reserves`);
  }
  if (!TAG_CHARACTERS.test(key)) {
    throw new Error(`${path}: tag key '${key}' may contain only ${ALLOWED_CHARACTERS}`);
  }
}

/** Throws an error naming `path` when a tag value breaks AWS's rules. */
export function validateTagValue(key: string, value: string, path: string): void {
  if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) {
    throw new Error(`${path}: value of tag '${key}' must be a string of 0-${MAX_VALUE_LENGTH} characters`);
  }
  if (!TAG_CHARACTERS.test(value)) {
    throw new Error(`${path}: value of tag '${key}' may contain only ${ALLOWED_CHARACTERS}, got '${value}'`);
  }
}

/** Validates every tag; `requireOne` rejects an empty set. */
export function validateCostAllocationTags(tags: Readonly<Record<string, string>>, path: string, requireOne: boolean): void {
  const entries = Object.entries(tags);
  if (requireOne && entries.length === 0) {
    throw new Error(`${path}: at least one cost allocation tag is required, or Cost Explorer cannot attribute the spend`);
  }
  for (const [key, value] of entries) {
    validateTagKey(key, path);
    validateTagValue(key, value, path);
  }
}
