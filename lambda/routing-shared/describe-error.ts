/** `Name: message` of a thrown value, cut to `maxLength`: enough to diagnose, never a stack dump. */
export function describeError(error: unknown, maxLength = Infinity): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
