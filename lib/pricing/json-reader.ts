/** Reads untrusted JSON (a workload file, a price catalog) field by field, naming the field at fault. */
export type JsonObject = Record<string, unknown>;

/** Builds the error thrown for `field` (a JSON path such as `models[3].prices.standard.input`). */
export type FieldErrorFactory = (field: string, problem: string) => Error;

/** A value as it appears in an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  return JSON.stringify(value) ?? String(value);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `parent.key`, or `key` at the root. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${parent}[${key}]`;
  }
  return parent ? `${parent}.${key}` : key;
}

export class JsonReader {
  constructor(private readonly fail: FieldErrorFactory) {}

  /** An object whose keys are all in `allowedKeys`: a misspelt field is an error, never ignored. */
  public object(value: unknown, field: string, allowedKeys: readonly string[]): JsonObject {
    if (!isJsonObject(value)) {
      throw this.fail(field, `must be an object, got ${describeValue(value)}`);
    }
    const unknownKey = Object.keys(value).find((key) => !allowedKeys.includes(key));
    if (unknownKey !== undefined) {
      throw this.fail(fieldPath(field, unknownKey), `unknown field; allowed: ${allowedKeys.join(', ')}`);
    }
    return value;
  }

  public array(value: unknown, field: string, expected: string): unknown[] {
    if (!Array.isArray(value)) {
      throw this.fail(field, `must be an array of ${expected}, got ${describeValue(value)}`);
    }
    return value;
  }

  public string(value: unknown, field: string, pattern?: RegExp, expected?: string): string {
    if (typeof value !== 'string' || value.trim() === '' || (pattern !== undefined && !pattern.test(value))) {
      throw this.fail(field, `must be ${expected ?? 'a non-empty string'}, got ${describeValue(value)}`);
    }
    return value;
  }

  /** One of `allowed`, for enum-like strings. */
  public oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw this.fail(field, `must be one of ${allowed.join(', ')}, got ${describeValue(value)}`);
    }
    return value as T;
  }

  public nonNegative(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw this.fail(field, `must be a number >= 0, got ${describeValue(value)}`);
    }
    return value;
  }

  public positive(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw this.fail(field, `must be a number > 0, got ${describeValue(value)}`);
    }
    return value;
  }

  public positiveInteger(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw this.fail(field, `must be a whole number >= 1, got ${describeValue(value)}`);
    }
    return value;
  }

  public fraction(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw this.fail(field, `must be a number in [0, 1], got ${describeValue(value)}`);
    }
    return value;
  }

  public boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') {
      throw this.fail(field, `must be true or false, got ${describeValue(value)}`);
    }
    return value;
  }

  /** `read(value)` when the field is present, else `undefined`. */
  public optional<T>(value: unknown, read: (present: unknown) => T): T | undefined {
    return value === undefined ? undefined : read(value);
  }
}
