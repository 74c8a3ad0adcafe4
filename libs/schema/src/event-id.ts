import { hash } from 'node:crypto';

/**
 * An id derived from what the shipper sent, so a retried request maps to the
 * same ids and the store can drop the duplicates: the first 22 base64url
 * characters (132 bits) of SHA-256 over tenant, index, occurrence, part and raw
 * text. `occurrence` tells identical lines of one request apart; `part` tells
 * apart the events one record expands into (a Kubernetes audit EventList).
 */
export function deriveEventId(
  tenant: string,
  index: string | undefined,
  raw: string,
  occurrence: number,
  part = 0,
): string {
  const input = `${tenant}\u0000${index ?? ''}\u0000${occurrence}\u0000${part}\u0000${raw}`;
  return hash('sha256', input, 'base64url').slice(0, 22);
}

/**
 * The derived ids of one batch's records. The k-th record of the batch with the same index
 * and text gets occurrence k, so a request that repeats a line stores it each time. Repeats
 * are found by their first id, 22 characters, rather than by their text: a Map hashes and
 * compares whole keys, and texts run to hundreds of characters.
 */
export class BatchEventIds {
  private readonly seen = new Map<string, number>();

  constructor(private readonly tenant: string) {}

  /** The ids of the parts (a Kubernetes audit EventList's items) of the record's next occurrence. */
  record(index: string | undefined, raw: string): (part: number) => string {
    const first = deriveEventId(this.tenant, index, raw, 0);
    const occurrence = this.seen.get(first) ?? 0;
    this.seen.set(first, occurrence + 1);
    return (part) =>
      occurrence === 0 && part === 0
        ? first
        : deriveEventId(this.tenant, index, raw, occurrence, part);
  }
}
