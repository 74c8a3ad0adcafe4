const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const NESTED_VALUE_BYTES = 32;

/**
 * What JSON text counts for in memory once parsed: its bytes, plus 32 for each
 * `{` and `[` (those inside strings too, which only overestimates). Measured in
 * V8, an object or array takes 40-64 bytes of heap where its text may take two,
 * so a body of `{}` grows 21-fold when parsed; counted this way nothing grows
 * beyond ~5-fold (short distinct strings), and realistic events ~2-fold.
 */
export function jsonWeight(bytes: Buffer, start = 0, end = bytes.length): number {
  let nested = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === OPEN_BRACE || c === OPEN_BRACKET) nested++;
  }
  return end - start + nested * NESTED_VALUE_BYTES;
}

/** Whether {@link jsonWeight} exceeds `limit`, without counting when the size alone settles it. */
export function mayWeighOver(bytes: number, limit: number): boolean {
  return bytes * (1 + NESTED_VALUE_BYTES) > limit;
}
