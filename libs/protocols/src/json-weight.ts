const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const NESTED_VALUE_BYTES = 32;
/** Hits per check of how densely a byte occurs. */
const DENSITY_WINDOW = 1024;
/** Fewer bytes per hit than this, and a byte loop beats a native search per hit. */
const DENSE_BYTES_PER_HIT = 8;

/**
 * What JSON text counts for in memory once parsed: its bytes, plus 32 for each
 * `{` and `[` (those inside strings too, which only overestimates). Measured in
 * V8, an object or array takes 40-64 bytes of heap where its text may take two,
 * so a body of `{}` grows 21-fold when parsed; counted this way nothing grows
 * beyond ~5-fold (short distinct strings), and realistic events ~2-fold.
 */
export function jsonWeight(bytes: Buffer, start = 0, end = bytes.length): number {
  const text = bytes.subarray(start, end);
  return (
    text.length +
    (occurrences(text, OPEN_BRACE) + occurrences(text, OPEN_BRACKET)) * NESTED_VALUE_BYTES
  );
}

/** Whether {@link jsonWeight} exceeds `limit`, without counting when the size alone settles it. */
export function mayWeighOver(bytes: number, limit: number): boolean {
  return bytes * (1 + NESTED_VALUE_BYTES) > limit;
}

/**
 * How often `byte` occurs. Event text holds a few brackets per line, and finding each with
 * the native `indexOf` counts a request body 4.5 times faster than a byte loop; where they
 * come densely, one native call per hit would cost more, so the rest is counted byte by byte.
 */
function occurrences(text: Buffer, byte: number): number {
  let count = 0;
  let windowStart = 0;
  for (let at = text.indexOf(byte); at !== -1; at = text.indexOf(byte, at + 1)) {
    count++;
    if (count % DENSITY_WINDOW === 0) {
      if (at - windowStart < DENSITY_WINDOW * DENSE_BYTES_PER_HIT) {
        return count + loopOccurrences(text, byte, at + 1);
      }
      windowStart = at;
    }
  }
  return count;
}

function loopOccurrences(text: Buffer, byte: number, from: number): number {
  let count = 0;
  for (let i = from; i < text.length; i++) if (text[i] === byte) count++;
  return count;
}
