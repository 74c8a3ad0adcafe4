export type JsonObject = Record<string, unknown>;

/** True for what `JSON.parse` returns for `{...}`: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names a parsed JSON value's type for error messages: "a number", "null", "an array". */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The message of whatever `JSON.parse` threw. */
export function parseErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
