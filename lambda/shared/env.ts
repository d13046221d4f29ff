/** A whole number > 0 from the environment, or `fallback` when the variable is unset or empty. */
export function positiveIntegerEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`Environment variable ${name} must be a positive integer, got '${text}'`);
  }
  return value;
}
