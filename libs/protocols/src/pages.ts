/**
 * How much of a request body one page holds. A caller that stores each page
 * before reading the next keeps only one page of parsed records in memory,
 * however large the body.
 */
export interface PageLimits {
  /** Most items (records and refused elements or actions) in one page. */
  items: number;
  /** A page closes once its records reach this many bytes; a larger record still makes a page of its own. */
  bytes: number;
  /** Heaviest line or JSON document, as a {@link jsonWeight}, that is parsed at all; a heavier one is refused unread. */
  maxRecordWeight: number;
}

/** One page for the whole body. */
export const WHOLE_BODY: PageLimits = {
  items: Infinity,
  bytes: Infinity,
  maxRecordWeight: Infinity,
};

export function asBytes(body: string | Buffer): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
